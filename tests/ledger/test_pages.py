"""The organizer's Balance, Payouts and Ledger entries pages: figures, access, pagination."""

from __future__ import annotations

import pytest
from django.test import Client

from blackcanyon.ledger import services
from blackcanyon.organizers.models import Role
from tests.factories import MembershipFactory, OrganizerFactory, UserFactory
from tests.ledger.helpers import at

pytestmark = pytest.mark.django_db


def books(org) -> None:
    services.ledger_record_payment(
        organizer=org, order_id=1, gross=10_000, platform_fee=500, stripe_fee=320,
        currency="USD", occurred_at=at(), key="stripe:ch_p:payment", stripe_ref="ch_p",
    )  # fmt: skip
    services.ledger_record_refund(
        organizer=org, order_id=1, amount=2_000, currency="USD", occurred_at=at(1),
        key="stripe:re_p:refund", stripe_ref="re_p",
    )  # fmt: skip
    services.ledger_record_payout(
        organizer=org, payout_id="po_sent", amount=3_000, currency="USD", occurred_at=at(2),
        key="stripe:po_sent:payout",
    )  # fmt: skip
    for step in (services.ledger_record_payout, services.ledger_record_payout_paid):
        step(
            organizer=org, payout_id="po_done", amount=1_000, currency="USD",
            occurred_at=at(3), key=f"stripe:po_done:{step.__name__}",
        )  # fmt: skip


def owner_client(org, role: str = Role.OWNER) -> Client:
    client = Client()
    client.force_login(MembershipFactory(organizer=org, role=role).user)
    return client


def test_the_balance_page_shows_available_in_transit_paid_out_and_fees() -> None:
    # Given $100 sold (fee $5), $20 refunded, $30 in transit and $10 paid out
    org = OrganizerFactory()
    books(org)

    # When the owner opens the balance page
    html = owner_client(org).get(f"/o/{org.slug}/balance/").content.decode()

    # Then: owed 100 - 5 - 20 - 10 = 65, of which 30 is in transit -> 35 available
    assert "Available for payout" in html
    assert "$35.00" in html
    assert "$30.00" in html  # in transit
    assert "$10.00" in html  # paid out
    assert "$5.00" in html  # platform fees
    assert "po_sent" in html
    assert "In transit" in html
    assert "Paid" in html


def test_the_entries_page_lists_each_movement_with_its_effect() -> None:
    org = OrganizerFactory()
    books(org)
    html = owner_client(org).get(f"/o/{org.slug}/balance/entries/").content.decode()
    assert "Payment" in html
    assert "+$95.00" in html
    assert "Refund" in html
    assert "-$20.00" in html
    assert "Payout sent" in html
    assert "-$30.00" in html


def test_the_payouts_page_lists_payouts_newest_first() -> None:
    org = OrganizerFactory()
    books(org)
    html = owner_client(org).get(f"/o/{org.slug}/balance/payouts/").content.decode()
    assert html.index("po_done") < html.index("po_sent")


def test_an_organizer_without_movements_sees_an_empty_state() -> None:
    org = OrganizerFactory()
    html = owner_client(org).get(f"/o/{org.slug}/balance/").content.decode()
    assert "No money movements yet" in html


@pytest.mark.parametrize("path", ["", "payouts/", "entries/"])
def test_staff_and_outsiders_cannot_see_the_finances(path: str) -> None:
    org = OrganizerFactory()
    books(org)
    staff = owner_client(org, role=Role.STAFF).get(f"/o/{org.slug}/balance/{path}")
    outsider = Client()
    outsider.force_login(UserFactory())
    stranger = outsider.get(f"/o/{org.slug}/balance/{path}")
    assert staff.status_code == 403
    assert stranger.status_code == 404
    assert Client().get(f"/o/{org.slug}/balance/{path}").status_code == 302


def test_the_nav_links_to_the_balance_for_admins_only() -> None:
    org = OrganizerFactory()
    admin_html = owner_client(org, role=Role.ADMIN).get(f"/o/{org.slug}/").content.decode()
    staff_html = owner_client(org, role=Role.STAFF).get(f"/o/{org.slug}/").content.decode()
    assert f"/o/{org.slug}/balance/" in admin_html
    assert f"/o/{org.slug}/balance/" not in staff_html


def test_a_bad_page_number_shows_the_last_page_not_an_error() -> None:
    org = OrganizerFactory()
    books(org)
    response = owner_client(org).get(f"/o/{org.slug}/balance/entries/?page=999")
    assert response.status_code == 200
    assert "Payment" in response.content.decode()
