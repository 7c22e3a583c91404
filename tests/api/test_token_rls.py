"""Row-level security on API tokens (PostgreSQL): a token row is visible to its organizer, or by
its hash while the API looks it up — never another organizer's, never by guessing."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, transaction

from blackcanyon.api.models import ApiToken
from blackcanyon.api.selectors import api_token_for_secret, token_hash
from blackcanyon.core import tenancy
from tests.api.conftest import Seller

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def visible_ids() -> set[int]:
    return set(ApiToken.objects.values_list("pk", flat=True))


def test_outside_any_context_no_token_is_visible(seller: Seller, other: Seller):
    assert visible_ids() == set()


def test_an_organizer_sees_only_its_own_tokens(seller: Seller, other: Seller):
    with tenancy.scoped(organizer_id=seller.organizer.pk):
        assert visible_ids() == {seller.token.pk}
        # And cannot change the other's token even by id
        assert ApiToken.objects.filter(pk=other.token.pk).update(name="hijacked") == 0


def test_the_hash_shows_exactly_one_row(seller: Seller, other: Seller):
    with tenancy.scoped(api_token_hash=token_hash(seller.plaintext)):
        assert visible_ids() == {seller.token.pk}
    with tenancy.scoped(api_token_hash=token_hash("bct_guessing_nothing")):
        assert visible_ids() == set()
    assert visible_ids() == set()


def test_lookup_by_secret_works_from_no_context(seller: Seller):
    found = api_token_for_secret(plaintext=seller.plaintext)
    assert found is not None
    assert found.pk == seller.token.pk
    assert found.organizer == seller.organizer
    # The lookup's hash does not linger on the connection
    assert visible_ids() == set()


def test_a_token_row_cannot_be_forged_for_another_organizer(seller: Seller, other: Seller):
    with (
        tenancy.scoped(organizer_id=seller.organizer.pk),
        pytest.raises(ProgrammingError),
        transaction.atomic(),
    ):
        ApiToken.objects.create(
            organizer=other.organizer, name="forged", prefix="forged00", token_hash="f" * 64
        )
