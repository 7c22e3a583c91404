"""The token services on their own: permissions, names, idempotent revoke."""

from __future__ import annotations

import pytest

from blackcanyon.api import services
from blackcanyon.api.errors import ApiTokenNameInvalid
from blackcanyon.organizers.access import NotAMember, RoleLacksPermission
from blackcanyon.organizers.models import Role
from tests.api.conftest import Seller, audit_of, tokens_of
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_owners_and_admins_create_tokens(seller: Seller):
    staff = MembershipFactory(organizer=seller.organizer, role=Role.STAFF)
    admin = MembershipFactory(organizer=seller.organizer, role=Role.ADMIN)

    with pytest.raises(RoleLacksPermission):
        services.api_token_create(actor=staff.user, organizer=seller.organizer, name="x")
    with pytest.raises(NotAMember):
        services.api_token_create(actor=UserFactory(), organizer=seller.organizer, name="x")
    token, _ = services.api_token_create(actor=admin.user, organizer=seller.organizer, name="ok")

    assert [t.name for t in tokens_of(seller.organizer)] == ["Box office", "ok"]
    assert token.created_by == admin.user


def test_members_of_another_organizer_cannot_revoke(seller: Seller, other: Seller):
    with pytest.raises(NotAMember):
        services.api_token_revoke(actor=other.owner.user, token=seller.token)
    assert tokens_of(seller.organizer)[0].revoked_at is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_sensible_name(seller: Seller, name: str):
    with pytest.raises(ApiTokenNameInvalid) as error:
        services.api_token_create(actor=seller.owner.user, organizer=seller.organizer, name=name)
    assert error.value.fields == {"name": [error.value.message]}


def test_names_are_tidied(seller: Seller):
    token, _ = services.api_token_create(
        actor=seller.owner.user, organizer=seller.organizer, name="  Door \n tablet "
    )
    assert token.name == "Door tablet"


def test_every_token_is_different(seller: Seller):
    made = [
        services.api_token_create(actor=None, organizer=seller.organizer, name=f"t{i}")
        for i in range(5)
    ]
    assert len({plaintext for _, plaintext in made}) == 5
    assert len({token.prefix for token, _ in made}) == 5


def test_revoke_is_idempotent_and_audited_once(seller: Seller):
    first = services.api_token_revoke(actor=seller.owner.user, token=seller.token)
    again = services.api_token_revoke(actor=seller.owner.user, token=seller.token)

    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    assert len(audit_of(seller.organizer, "api.token.revoked")) == 1
