"""The database's own walls: balance checked at commit (PostgreSQL), append-only rows, and
row-level security between organizers (PostgreSQL as ``bct_app``)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from blackcanyon.core import tenancy
from blackcanyon.ledger import services
from blackcanyon.ledger.journal import account_for
from blackcanyon.ledger.models import AccountKind, JournalEntry, Posting
from blackcanyon.ledger.selectors import account_balances, organizer_balances
from tests.factories import OrganizerFactory, UserFactory
from tests.ledger.helpers import as_worker_role, at

pytestmark = pytest.mark.django_db


def _paid(org, ref: str = "ch_1") -> JournalEntry:
    recorded = services.ledger_record_payment(
        organizer=org, order_id=1, gross=1000, platform_fee=100, stripe_fee=59, currency="USD",
        occurred_at=at(), key=f"stripe:{ref}:payment", stripe_ref=ref,
    )  # fmt: skip
    assert recorded.entry is not None
    return recorded.entry


def _raw_entry(org) -> JournalEntry:
    return JournalEntry.objects.create(
        organizer=org, kind="adjustment", idempotency_key="raw", currency="USD", occurred_at=at()
    )


def _one_sided_entry(org, account) -> None:
    with transaction.atomic():
        entry = _raw_entry(org)
        Posting.objects.create(
            entry=entry, organizer=org, account=account, amount=500, currency="USD", line="gross"
        )


@pytest.mark.postgres
def test_postgres_refuses_an_unbalanced_entry_written_behind_the_services_back() -> None:
    # Given an organizer; When code bypasses the service and writes a one-sided posting
    org = OrganizerFactory()
    with tenancy.scoped(organizer_id=org.pk):
        cash = account_for(kind=AccountKind.CASH, organizer_id=None, currency="USD")
        with pytest.raises(IntegrityError, match="does not balance"):
            _one_sided_entry(org, cash)
        # Then nothing of it stays
        assert not JournalEntry.objects.filter(idempotency_key="raw").exists()


@pytest.mark.postgres
def test_postgres_checks_the_balance_at_commit_so_postings_may_come_one_by_one() -> None:
    org = OrganizerFactory()
    with tenancy.scoped(organizer_id=org.pk), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cash = account_for(kind=AccountKind.CASH, organizer_id=None, currency="USD")
        fees = account_for(kind=AccountKind.FEES, organizer_id=None, currency="USD")
        entry = _raw_entry(org)
        Posting.objects.create(
            entry=entry, organizer=org, account=cash, amount=5, currency="USD", line="adjustment"
        )
        Posting.objects.create(
            entry=entry, organizer=org, account=fees, amount=-5, currency="USD", line="adjustment"
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the check COMMIT would run: passes


def test_journal_rows_cannot_be_changed() -> None:
    org = OrganizerFactory()
    entry = _paid(org)
    with tenancy.scoped(organizer_id=org.pk):
        posting = entry.postings.first()
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            Posting.objects.filter(pk=posting.pk).update(amount=1)
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            JournalEntry.objects.filter(pk=entry.pk).update(amount=1)


@pytest.mark.postgres
def test_journal_rows_cannot_be_deleted_on_postgres() -> None:
    org = OrganizerFactory()
    entry = _paid(org)
    with (
        tenancy.scoped(organizer_id=org.pk),
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
    ):
        Posting.objects.filter(entry=entry).delete()


@pytest.mark.postgres
def test_organizer_b_cannot_see_organizer_a_entries_even_without_a_filter() -> None:
    # Given organizers A and B with one payment each
    org_a, org_b = OrganizerFactory(), OrganizerFactory()
    _paid(org_a, "ch_a")
    _paid(org_b, "ch_b")

    # When B's context reads the ledger tables with no organizer filter at all
    with tenancy.scoped(organizer_id=org_b.pk):
        refs = set(JournalEntry.objects.values_list("stripe_ref", flat=True))
        posting_orgs = set(Posting.objects.values_list("organizer_id", flat=True))
        balances_of_a = organizer_balances(organizer_id=org_a.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM ledger_posting WHERE organizer_id = %s", [org_a.pk]
            )
            raw_count = cursor.fetchone()[0]

    # Then only B's rows exist for it
    assert refs == {"ch_b"}
    assert posting_orgs == {org_b.pk}
    assert balances_of_a == []
    assert raw_count == 0


@pytest.mark.postgres
def test_organizer_b_cannot_book_onto_organizer_a_accounts() -> None:
    org_a, org_b = OrganizerFactory(), OrganizerFactory()
    _paid(org_a, "ch_a")
    with tenancy.scoped(organizer_id=org_a.pk):
        payable_a = account_for(kind=AccountKind.PAYABLE, organizer_id=org_a.pk, currency="USD")
    with tenancy.scoped(organizer_id=org_b.pk), transaction.atomic():
        entry = _raw_entry(org_b)
        cash = account_for(kind=AccountKind.CASH, organizer_id=None, currency="USD")
        with (
            pytest.raises(IntegrityError, match="does not match its account"),
            transaction.atomic(),
        ):
            Posting.objects.bulk_create(
                [
                    Posting(
                        entry=entry,
                        organizer=org_b,
                        account=payable_a,
                        amount=-5,
                        currency="USD",
                        line="adjustment",
                    ),
                    Posting(
                        entry=entry,
                        organizer=org_b,
                        account=cash,
                        amount=5,
                        currency="USD",
                        line="adjustment",
                    ),
                ]
            )


@pytest.mark.postgres
def test_platform_only_entries_are_seen_only_in_the_system_context() -> None:
    # Given a platform-only Stripe fee, recorded by the worker in the system context
    org = OrganizerFactory()
    _paid(org)
    with as_worker_role():
        services.ledger_record_stripe_fee(
            organizer=None, amount=200, currency="USD", occurred_at=at(), key="stripe:txn_f:fee",
            stripe_ref="txn_f",
        )  # fmt: skip
        platform = account_balances()
    # Then the system context sees all cash; the organizer's context sees only its own entries
    assert platform[("platform:cash", "USD")] == 1000 - 59 - 200
    with tenancy.scoped(organizer_id=org.pk):
        assert account_balances()[("platform:cash", "USD")] == 1000 - 59
        assert not JournalEntry.objects.filter(organizer__isnull=True).exists()


@pytest.mark.postgres
def test_the_web_role_cannot_record_a_platform_only_entry() -> None:
    with tenancy.system_context(), pytest.raises(DatabaseError, match="row-level security"):
        services.ledger_adjust(
            actor=UserFactory(), organizer=None, key="adj:p", currency="USD",
            legs=[("cash", 100), ("fees", -100)], reason="test",
        )  # fmt: skip
