"""``bct api-token create|list|revoke``: the operator's way to manage tokens."""

from __future__ import annotations

import hashlib
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from blackcanyon import cli
from tests.api.conftest import ApiClient, Seller, audit_of, tokens_of

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r"bct_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")


def run(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


# ``bct`` runs the command like a shell would, which closes the database connections at the end:
# only a committed (transactional) test database survives that.
@pytest.mark.django_db(transaction=True)
def test_bct_api_token_create_prints_the_token_once(capsys, seller: Seller):
    # When the operator runs the documented command
    assert cli.main(["api-token", "create", "--organizer", "alpha", "--name", "Reporting"]) == 0

    # Then the token is printed, stored only as a hash, audited without the secret, and works
    output = capsys.readouterr().out
    [plaintext] = TOKEN_RE.findall(output)
    assert "shown only this once" in output
    token = next(t for t in tokens_of(seller.organizer) if t.name == "Reporting")
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.created_by is None
    entry = audit_of(seller.organizer, "api.token.created")[-1]
    assert entry.actor_id is None
    assert plaintext not in json.dumps(entry.data)
    assert ApiClient(plaintext).get("/api/v1/events/").status_code == 200


def test_create_with_json_output(seller: Seller):
    data = json.loads(run("create", "--organizer", "alpha", "--name", "Till", "--json"))
    assert TOKEN_RE.fullmatch(data["token"])
    assert data["name"] == "Till"
    assert data["prefix"] == data["token"][4:12]


def test_list_shows_names_and_prefixes_never_secrets(seller: Seller):
    output = run("list", "--organizer", "alpha")
    assert "Box office" in output
    assert f"bct_{seller.token.prefix}_" in output
    assert seller.plaintext not in output

    listed = json.loads(run("list", "--organizer", "alpha", "--json"))
    assert [(t["name"], t["prefix"], t["revoked_at"]) for t in listed] == [
        ("Box office", seller.token.prefix, None)
    ]


def test_revoke_by_prefix(seller: Seller):
    output = run("revoke", "--organizer", "alpha", "--prefix", seller.token.prefix)

    assert "Revoked" in output
    assert tokens_of(seller.organizer)[0].revoked_at is not None
    assert ApiClient(seller.plaintext).get("/api/v1/events/").status_code == 401


def test_revoke_accepts_the_prefix_as_shown_in_lists(seller: Seller):
    run("revoke", "--organizer", "alpha", "--prefix", f"bct_{seller.token.prefix}_…")
    assert tokens_of(seller.organizer)[0].revoked_at is not None


def test_revoke_cannot_reach_another_organizers_token(seller: Seller, other: Seller):
    with pytest.raises(CommandError, match="no API token"):
        run("revoke", "--organizer", "alpha", "--prefix", other.token.prefix)
    assert tokens_of(other.organizer)[0].revoked_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--organizer", "nobody", "--name", "X"], "No organizer"),
        (["create", "--organizer", "alpha", "--name", "  "], "Give the token a name"),
        (["revoke", "--organizer", "alpha", "--prefix", "zzzzzzzz"], "no API token"),
    ],
)
def test_mistakes_are_explained(seller: Seller, args: list[str], message: str):
    with pytest.raises(CommandError, match=message):
        run(*args)
