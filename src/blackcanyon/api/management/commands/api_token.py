"""``bct api-token create|list|revoke``: organizer API tokens from the command line.

``create`` prints the token once (only its hash is stored); ``list`` shows names and prefixes,
never secrets; ``revoke`` takes the prefix shown by ``list`` (``bct_<prefix>_...``).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blackcanyon.api import selectors, services
from blackcanyon.api.models import ApiToken
from blackcanyon.core import tenancy
from blackcanyon.core.errors import DomainError
from blackcanyon.organizers.models import Organizer
from blackcanyon.organizers.selectors import organizer_get_by_slug


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _token_data(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": _iso(token.created_at),
        "last_used_at": _iso(token.last_used_at),
        "revoked_at": _iso(token.revoked_at),
    }


class Command(BaseCommand):
    help = "Create, list or revoke an organizer's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="create a token and print it once")
        create.add_argument("--organizer", required=True, metavar="SLUG")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--json", action="store_true", help="print JSON")
        listing = actions.add_parser("list", help="list tokens (never their secrets)")
        listing.add_argument("--organizer", required=True, metavar="SLUG")
        listing.add_argument("--json", action="store_true", help="print JSON")
        revoke = actions.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("--organizer", required=True, metavar="SLUG")
        revoke.add_argument("--prefix", required=True, help="the 8 characters after bct_")
        revoke.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        organizer = organizer_get_by_slug(slug=options["organizer"])
        if organizer is None:
            raise CommandError(f"No organizer with the slug {options['organizer']!r}.")
        try:
            getattr(self, f"_{options['action']}")(organizer, options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _create(self, organizer: Organizer, options: dict[str, Any]) -> None:
        token, plaintext = services.api_token_create(
            actor=None, organizer=organizer, name=options["name"]
        )
        if options["json"]:
            self.stdout.write(json.dumps({**_token_data(token), "token": plaintext}))
            return
        self.stdout.write(
            self.style.SUCCESS(f"Created API token {token.name!r} for {organizer.name}.")
        )
        self.stdout.write("Copy it now: it is shown only this once.\n")
        self.stdout.write(plaintext)

    def _list(self, organizer: Organizer, options: dict[str, Any]) -> None:
        with tenancy.scoped(organizer_id=organizer.pk):
            tokens = selectors.api_token_list(organizer=organizer)
        if options["json"]:
            self.stdout.write(json.dumps([_token_data(t) for t in tokens]))
            return
        if not tokens:
            self.stdout.write(f"{organizer.name} has no API tokens.")
            return
        for token in tokens:
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"bct_{token.prefix}_…  {token.name:<30}  {state:<18}  "
                f"created {token.created_at:%Y-%m-%d}  last used {used}"
            )

    def _revoke(self, organizer: Organizer, options: dict[str, Any]) -> None:
        with tenancy.scoped(organizer_id=organizer.pk):
            token = selectors.api_token_by_prefix(organizer=organizer, prefix=options["prefix"])
        if token is None:
            raise CommandError(
                f"{organizer.name} has no API token starting with bct_{options['prefix']}_."
            )
        token = services.api_token_revoke(actor=None, token=token)
        if options["json"]:
            self.stdout.write(json.dumps(_token_data(token)))
            return
        self.stdout.write(self.style.SUCCESS(f"Revoked API token {token.name!r}."))
