"""A reconciliation difference's page for platform staff: the Stripe side, every journal entry
of the Stripe object with its postings, and the order's summary — shown in place, under RLS on
PostgreSQL, to active staff only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.ledger import services
from blackcanyon.ledger.models import JournalEntry, Posting, ReconciliationDifference
from blackcanyon.ledger.reconcile_runs import reconciliation_run_record
from blackcanyon.orders.models import Order
from blackcanyon.organizers.models import Organizer
from tests.factories import (
    EventFactory,
    MembershipFactory,
    OrganizerFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.ledger.balance_stubs import balance_txn
from tests.ledger.helpers import as_worker_role, at
from tests.orders.organizer.helpers import page_text, paid_order

pytestmark = pytest.mark.django_db
START, END = datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
URL = "/staff/reconciliation/"


@dataclass
class Scene:
    organizer: Organizer
    order: Order
    other_order: Order  # paid too, but named by no difference
    run_id: int
    mismatch: ReconciliationDifference  # ch_a: the ledger knows it, fees differ
    lost: ReconciliationDifference  # ch_lost: Stripe only
    adjusted: ReconciliationDifference  # a cash adjustment without a Stripe object

    def url(self, difference: ReconciliationDifference) -> str:
        return f"{URL}{self.run_id}/differences/{difference.pk}/"


def _scene() -> Scene:
    """An organizer's paid order whose charge the ledger books (payment + a platform-only Stripe
    fee on the same charge) while Stripe reports another fee; a charge the ledger lost; a cash
    adjustment Stripe never saw."""
    org = OrganizerFactory(name="Red Rock Presents")
    event = EventFactory(organizer=org, title="Canyon Lights")
    tickets = TicketTypeFactory(event=event, price=5000)
    order = paid_order(tickets, name="Ana Canyon", email="ana@example.com")
    other = paid_order(tickets, name="Bo Mesa", email="bo@example.com")
    services.ledger_record_payment(
        organizer=org, order_id=order.pk, gross=5000, platform_fee=250, stripe_fee=175,
        currency="USD", occurred_at=at(), key="stripe:ch_a:payment", stripe_ref="ch_a",
    )  # fmt: skip
    staff = UserFactory(is_staff=True)
    with as_worker_role():
        services.ledger_record_stripe_fee(
            organizer=None, amount=5, currency="USD", occurred_at=at(30),
            key="stripe:ch_a:extra_fee", stripe_ref="ch_a",
        )  # fmt: skip
        services.ledger_adjust(
            actor=staff, organizer=None, key="adjust:cash-count", currency="USD",
            legs=[("cash", 700), ("fees", -700)], reason="Cash counted twice in October",
            occurred_at=at(60),
        )  # fmt: skip
        with clock.frozen(datetime(2026, 11, 3, 10, tzinfo=UTC)):
            run = reconciliation_run_record(
                window_start=START,
                window_end=END,
                balance_transactions=[
                    balance_txn("txn_1QaA", "ch_a", 5000, 195),
                    balance_txn("txn_1QaC", "ch_lost", 3000, 117),
                ],
            )
        differences = {d.kind: d for d in ReconciliationDifference.objects.filter(run=run)}
    return Scene(
        organizer=org,
        order=order,
        other_order=other,
        run_id=run.pk,
        mismatch=differences["amount_mismatch"],
        lost=differences["missing_in_ledger"],
        adjusted=differences["missing_at_stripe"],
    )


def _staff() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


def test_the_run_page_links_each_difference_to_its_page_not_to_admin() -> None:
    scene = _scene()
    html = _staff().get(f"{URL}{scene.run_id}/").content.decode()
    for difference in (scene.mismatch, scene.lost, scene.adjusted):
        assert f'href="{scene.url(difference)}"' in html
    assert "/admin/" not in html


def test_staff_see_the_entries_postings_and_order_of_a_difference() -> None:
    # Given a run whose ch_a fees differ from Stripe's
    scene = _scene()
    # When platform staff open that difference
    response = _staff().get(scene.url(scene.mismatch))
    # Then they see Stripe's side ...
    assert response.status_code == 200
    text = page_text(response)
    assert "Difference ch_a" in text
    assert "Amounts differ" in text
    assert "Amount $50.00 Fee $1.95 Net $48.05" in text
    assert "txn_1QaA" in text
    # ... the ledger's figures and both entries of the charge, oldest first, with postings
    assert "Amount $50.00 Fee $1.80 Net $48.20" in text
    assert text.index("Payment · entry #") < text.index("Stripe fee · entry #")
    assert "Key stripe:ch_a:payment" in text
    assert "Key stripe:ch_a:extra_fee" in text  # platform-only: no organizer
    assert "Occurred Nov 1, 2026, 12:00 UTC" in text
    org = scene.organizer.pk
    assert "platform:cash Sale $50.00 USD" in text
    assert f"organizer:{org}:payable Sale -$50.00 USD" in text
    assert "platform:stripe_fees Stripe fee $0.05 USD" in text
    assert "platform:cash Stripe fee -$0.05 USD" in text
    # ... and the order's summary, without the buyer's personal data
    assert f"Code {scene.order.code} Status Paid Total $50.00" in text
    assert "Event Canyon Lights Organizer Red Rock Presents" in text
    assert "Ana Canyon" not in text
    assert "ana@example.com" not in text
    assert "/admin/" not in response.content.decode()


def test_a_difference_stripe_alone_knows_shows_no_entries_and_no_order() -> None:
    scene = _scene()
    text = page_text(_staff().get(scene.url(scene.lost)))
    assert "Missing in the ledger" in text
    assert "Amount $30.00 Fee $1.17 Net $28.83" in text
    assert "The ledger has no cash movement for this object." in text
    assert "No journal entry refers to this object." in text
    assert "No order known for this object." in text


def test_a_cash_adjustment_stripe_never_saw_shows_that_entry_and_its_memo() -> None:
    scene = _scene()
    text = page_text(_staff().get(scene.url(scene.adjusted)))
    assert "Missing at Stripe" in text
    assert "Adjustment · entry #" in text
    assert "Memo Cash counted twice in October" in text
    assert "platform:cash Adjustment $7.00 USD" in text
    assert "platform:fees Adjustment -$7.00 USD" in text
    assert "Stripe lists no balance transaction for this object" in text


def test_a_difference_of_another_run_or_none_is_a_404_for_staff() -> None:
    scene = _scene()
    client = _staff()
    other_run = f"{URL}{scene.run_id + 1}/differences/{scene.mismatch.pk}/"
    assert client.get(other_run).status_code == 404
    assert client.get(f"{URL}{scene.run_id}/differences/99999/").status_code == 404


def test_organizer_members_get_not_found_and_visitors_are_sent_to_log_in() -> None:
    # Given a difference of the organizer's own order
    scene = _scene()
    url = scene.url(scene.mismatch)
    # Then its owner gets a 404, and nothing of it
    owner = Client()
    owner.force_login(MembershipFactory(organizer=scene.organizer).user)
    response = owner.get(url)
    assert response.status_code == 404
    assert scene.order.code not in response.content.decode()
    # And a signed-out visitor is sent to log in, then back
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.postgres
def test_staff_find_no_buyer_in_the_admin_only_the_summary_on_the_difference_page() -> None:
    # Given a difference naming Ana's order and a staff superuser
    scene = _scene()
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # When they search the admin's orders for her email, and open the difference
    found = client.get("/admin/orders/order/", {"q": "ana@example.com"})
    page = page_text(client.get(scene.url(scene.mismatch)))

    # Then the admin lists no order, and the page shows the order's summary without her
    assert found.status_code == 200
    assert scene.order.code not in found.content.decode()
    assert "Ana Canyon" not in found.content.decode()  # (the search box echoes her email)
    assert f"Code {scene.order.code} Status Paid Total $50.00" in page
    assert "Ana Canyon" not in page
    assert "ana@example.com" not in page


def test_the_order_is_shown_as_it_was_when_the_run_was_stored() -> None:
    # Given a run naming a paid order, which is refunded afterwards
    scene = _scene()
    with tenancy.for_organizer(scene.organizer.pk):
        Order.objects.filter(pk=scene.order.pk).update(status="refunded")

    # When staff open the difference
    text = page_text(_staff().get(scene.url(scene.mismatch)))

    # Then they see the order as the run saw it, and are told so
    assert f"Code {scene.order.code} Status Paid Total $50.00" in text
    assert "As it was when this run was stored." in text


@pytest.mark.postgres
def test_rls_lets_only_staff_read_the_ledger_never_orders_and_never_write() -> None:
    # Given the stored run, a staff user and an organizer's member
    scene = _scene()
    staff, member = UserFactory(is_staff=True), MembershipFactory(organizer=scene.organizer).user
    # Then the web role without staff in the context reads no entry, posting or order
    for ctx in ({}, {"user_id": member.pk}):
        with tenancy.scoped(**ctx):
            assert JournalEntry.objects.count() == 0
            assert Posting.objects.count() == 0
            assert not Order.objects.exists()
    # And staff read the whole ledger (platform-only entries too), but no order — not even the
    # one a difference names (its row holds the buyer's name and email)
    with tenancy.scoped(user_id=staff.pk):
        assert JournalEntry.objects.count() == 3
        assert JournalEntry.objects.filter(organizer__isnull=True).count() == 2
        assert Posting.objects.filter(account__organizer=scene.organizer).exists()
        assert not Order.objects.exists()
        # And they write nothing through it
        assert Order.objects.filter(pk=scene.order.pk).update(status="refunded") == 0
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT w")
            with pytest.raises(Exception, match="row-level security"):
                cursor.execute(
                    "INSERT INTO ledger_journalentry (kind, idempotency_key, amount, currency,"
                    " stripe_ref, memo, occurred_at, recorded_at) VALUES ('adjustment', 'x', 1,"
                    " 'USD', '', '', now(), now())"
                )
            cursor.execute("ROLLBACK TO SAVEPOINT w")
    # And an inactive staff user reads nothing
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    with tenancy.scoped(user_id=staff.pk):
        assert JournalEntry.objects.count() == 0
        assert not Order.objects.exists()
    with tenancy.scoped(organizer_id=scene.organizer.pk):
        assert Order.objects.get(pk=scene.order.pk).status == "paid"
