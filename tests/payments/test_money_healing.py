"""Money that Stripe moved ends in our records however the events come: a late payment refunded
in Stripe's dashboard before our automatic refund, a disputed late payment, a dispute (or
refund) that arrives before its payment is settled — even an hour or more before — and the fee
section of an order that was paid twice (the second payment refunded automatically)."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses
from django.core import mail
from django.test import Client

from blackcanyon.core import clock, tenancy
from blackcanyon.core.tasks import run_pending
from blackcanyon.ledger.models import EntryKind, JournalEntry, Line, Posting
from blackcanyon.orders import services as order_services
from blackcanyon.orders.models import Order, OrderStatus, TicketStatus
from blackcanyon.organizers.models import Role
from blackcanyon.payments.fee_selectors import order_fee_summary
from blackcanyon.payments.models import CheckoutStatus, Dispute, StripeCheckout, StripeEvent
from blackcanyon.payments.reconcile import ReconcileReport, stripe_reconcile
from blackcanyon.payments.stripe import checkout as checkout_module
from blackcanyon.payments.stripe.checkout import stripe_checkout_start
from tests.factories import MembershipFactory
from tests.orders.domain.helpers import actions, fresh, tickets
from tests.payments.helpers import as_worker_role
from tests.payments.money_stubs import MoneyStub, fee_shop, money, process
from tests.payments.stripe_checkout_stubs import (
    checkout_of,
    deliver,
    event_object,
    pending_order,
    stripe_checkout,
)
from tests.payments.stripe_stubs import API
from tests.payments.test_disputes import dispute_object
from tests.payments.test_money_events import outcomes

pytestmark = pytest.mark.django_db
__all__ = ["money", "stripe_checkout"]


def refused(code: str, intent: str) -> tuple[int, dict[str, Any]]:
    """Stripe's 400 answer to a refund it will not make."""
    messages = {
        "charge_already_refunded": f"Charge ch_{intent[3:]} has already been refunded.",
        "charge_disputed": f"Charge ch_{intent[3:]} has been charged back; cannot issue a refund.",
    }
    return 400, {
        "error": {"type": "invalid_request_error", "code": code, "message": messages[code]}
    }


def reconcile_for(minutes: list[int]) -> list[ReconcileReport]:
    """The reconciler's passes at these minutes from now (and the tasks they queued)."""
    reports = []
    for after in minutes:
        with clock.frozen(clock.now() + timedelta(minutes=after)), as_worker_role():
            reports.append(stripe_reconcile())
            run_pending()
    return reports


def ledger(order: Order, kind: str) -> list[JournalEntry]:
    with tenancy.for_organizer(order.organizer_id):
        return list(JournalEntry.objects.filter(order_id=order.pk, kind=kind).order_by("id"))


def gives_fee_back(order: Order, entry: JournalEntry) -> int:
    """The platform fee a refund entry gives back (its ``platform_fee`` pair)."""
    with tenancy.for_organizer(order.organizer_id):
        postings = Posting.objects.filter(entry=entry, line=Line.PLATFORM_FEE, amount__gt=0)
        return sum(postings.values_list("amount", flat=True))


def paid_offline_and_on_stripe(money: MoneyStub) -> tuple[Order, dict[str, Any]]:
    """An order paid offline while its buyer also paid its Stripe session: that second payment
    must go back. Returns the order and the completed session (its webhook not sent yet)."""
    order = pending_order(fee_shop())
    checkout = stripe_checkout_start(order=order)
    order_services.order_mark_paid_offline(actor=None, order=order)
    return order, money.stub.pay(checkout.session_id)


# --- A late payment refunded in Stripe's dashboard first ----------------------------------------


def test_a_late_payment_refunded_in_the_dashboard_first_ends_refunded_by_that_refund(
    client: Client, money: MoneyStub
) -> None:
    # Given a second payment of an order, refunded by platform staff in Stripe's dashboard
    # before our worker got to it: Stripe now refuses any further refund of that charge
    order, session = paid_offline_and_on_stripe(money)
    intent = session["payment_intent"]
    dashboard = money.dashboard_refund(intent, 5000, reverse_transfer=True)
    money.fail_refunds_with = refused("charge_already_refunded", intent)
    mail.outbox.clear()
    # When its events arrive and the reconciler runs for the next day
    deliver(client, event_object("checkout.session.completed", session))
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    reports = reconcile_for([6, 12, 60, 24 * 60])
    # Then the payment ended as one refund — the dashboard's — asked for once, never again
    checkout = checkout_of(order)
    assert (checkout.status, checkout.refund_id) == (CheckoutStatus.REFUNDED, dashboard["id"])
    assert len(money.refund_calls()) == 1
    assert list(money.refunds) == [dashboard["id"]]
    assert sum(r.errors for r in reports) == 0
    assert [o for _, o in outcomes()] == ["refunded", "unchanged"]
    # the ledger holds the charge and its refund (the platform fee given back with it)
    (payment,) = ledger(order, EntryKind.PAYMENT)
    (refund,) = ledger(order, EntryKind.REFUND)
    assert (payment.stripe_ref, payment.amount) == (money.charge_of(intent), 5000)
    assert (refund.stripe_ref, refund.amount) == (dashboard["id"], 5000)
    assert gives_fee_back(order, refund) == 250
    # the offline payment stands, the buyer is told the card payment went back
    assert fresh(order).status == OrderStatus.PAID
    assert {t.status for t in tickets(order)} == {TicketStatus.VALID}
    assert actions(order).count("payments.stripe_checkout.refunded") == 1
    assert any("refund" in m.subject.lower() for m in mail.outbox)


def test_charge_refunded_settles_a_late_payment_whose_own_refund_could_not_be_sent(
    client: Client, money: MoneyStub
) -> None:
    # Given a second payment whose automatic refund could not be sent (Stripe unreachable)
    order, session = paid_offline_and_on_stripe(money)
    intent = session["payment_intent"]
    money.fail_refunds_with = (503, {"error": {"type": "api_error", "message": "Try again."}})
    deliver(client, event_object("checkout.session.completed", session))
    process()
    assert checkout_of(order).status == CheckoutStatus.REFUND_PENDING
    # When staff refund it in Stripe's dashboard (keeping the organizer's share) and Stripe
    # reports it
    dashboard = money.dashboard_refund(intent, 5000)
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    process()
    # Then that refund settles the checkout at once; the reconciler asks Stripe for no other
    checkout = checkout_of(order)
    assert (checkout.status, checkout.refund_id) == (CheckoutStatus.REFUNDED, dashboard["id"])
    assert outcomes()[-1] == ("charge.refunded", "refunded")
    money.fail_refunds_with = None
    reconcile_for([6, 12])
    assert len(money.refund_calls()) == 1  # the one that failed
    assert list(money.refunds) == [dashboard["id"]]
    (refund,) = ledger(order, EntryKind.REFUND)
    assert (refund.stripe_ref, refund.amount) == (dashboard["id"], 5000)
    # the dashboard kept the transfer, so the platform keeps its fee (as for any such refund)
    assert gives_fee_back(order, refund) == 0


@pytest.fixture
def refunds_what_is_left(money: MoneyStub) -> MoneyStub:
    """Stripe's refund create as it is for a charge already refunded in part: without an
    ``amount`` it refunds what is left (same ``Idempotency-Key``, same refund)."""

    def create(request: Any) -> Any:
        body = request.body if isinstance(request.body, str) else request.body.decode()
        params, key = dict(parse_qsl(body)), request.headers["Idempotency-Key"]
        if key not in money.keys:
            intent = money.stub.intents[params["payment_intent"]]
            refunded = sum(
                r["amount"] for r in money.refunds.values() if r["payment_intent"] == intent["id"]
            )
            metadata = {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")}
            refund = money._refund(
                intent["id"], int(params.get("amount") or intent["amount"] - refunded),
                metadata=metadata, reason=params.get("reason"),
                reverse_transfer=params.get("reverse_transfer") == "true",
                refund_fee=params.get("refund_application_fee") == "true",
            )  # fmt: skip
            money.keys[key] = refund["id"]
        return 200, {}, json.dumps(money.refunds[money.keys[key]])

    money.stub.mock.remove(responses.POST, f"{API}/refunds")
    money.stub.mock.add_callback(responses.POST, f"{API}/refunds", callback=create)
    return money


def test_a_late_payment_refunded_in_part_in_the_dashboard_gets_the_rest_back_and_both_booked(
    client: Client, refunds_what_is_left: MoneyStub
) -> None:
    money = refunds_what_is_left
    # Given a second payment of which staff refunded $20.00 in Stripe's dashboard first
    order, session = paid_offline_and_on_stripe(money)
    intent = session["payment_intent"]
    dashboard = money.dashboard_refund(intent, 2000, reverse_transfer=True)
    # When its events arrive
    deliver(client, event_object("charge.refunded", money.charge_object(intent)))
    deliver(client, event_object("checkout.session.completed", session))
    process()
    reconcile_for([6, 12])
    # Then our refund took back the $30.00 left, and the checkout is settled by both refunds
    ours = next(r for r in money.refunds.values() if r["id"] != dashboard["id"])
    assert ours["amount"] == 3000
    checkout = checkout_of(order)
    assert (checkout.status, checkout.refund_id) == (CheckoutStatus.REFUNDED, ours["id"])
    (payment,) = ledger(order, EntryKind.PAYMENT)
    refunds = ledger(order, EntryKind.REFUND)
    assert payment.amount == 5000
    assert sorted((r.stripe_ref, r.amount) for r in refunds) == sorted(
        [(dashboard["id"], 2000), (ours["id"], 3000)]
    )
    # the whole platform fee is given back, in proportion
    assert sorted(gives_fee_back(order, r) for r in refunds) == [100, 150]


def test_a_disputed_late_payment_is_left_for_staff_with_an_audit_entry_and_an_error(
    client: Client, money: MoneyStub, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a second payment the buyer disputed before it was refunded: Stripe refuses to
    # refund a charged-back charge
    order, session = paid_offline_and_on_stripe(money)
    intent = session["payment_intent"]
    money.fail_refunds_with = refused("charge_disputed", intent)
    # When its webhook and the reconciler's next passes ask for the refund
    with caplog.at_level(logging.WARNING, logger="blackcanyon.payments.stripe.settle"):
        deliver(client, event_object("checkout.session.completed", session))
        process()
        reports = reconcile_for([6, 12])
    # Then the webhook is done (no failure to retry) and the checkout waits for staff
    assert outcomes() == [("checkout.session.completed", "refund_blocked")]
    assert checkout_of(order).status == CheckoutStatus.REFUND_PENDING
    assert [r.outcomes for r in reports] == [{"refund_blocked": 1}] * 2
    assert sum(r.errors for r in reports) == 0
    # told once on the order, as an error in the log the first time, a warning after
    assert actions(order).count("payments.stripe_checkout.refund_blocked") == 1
    records = [r for r in caplog.records if "disputed the charge" in r.getMessage()]
    assert [r.levelname for r in records] == ["ERROR", "WARNING", "WARNING"]
    assert fresh(order).code in records[0].getMessage()
    # nothing refunded, nothing booked
    assert money.refunds == {}
    assert ledger(order, EntryKind.REFUND) == []


# --- Disputes (and refunds) before their payment is settled -------------------------------------


def test_a_dispute_processed_before_its_payment_is_settled_is_applied_once_it_is(
    client: Client, money: MoneyStub
) -> None:
    # Given a buyer who paid; Stripe's charge.dispute.created is processed before the
    # payment's checkout.session.completed (Stripe does not promise the order)
    order = pending_order(fee_shop())
    session = money.stub.pay(stripe_checkout_start(order=order).session_id)
    intent = session["payment_intent"]
    deliver(client, event_object("charge.dispute.created", dispute_object(intent, money)))
    process()
    assert outcomes() == [("charge.dispute.created", "")]  # waiting, not dropped as unknown
    # When the payment is settled and the reconciler runs the waiting event again
    deliver(client, event_object("checkout.session.completed", session))
    process()
    assert fresh(order).status == OrderStatus.PAID
    reconcile_for([6])
    # Then the order carries its dispute and the ledger the $50.00 Stripe withdrew
    with tenancy.for_organizer(order.organizer_id):
        (dispute,) = Dispute.objects.filter(order=order)
    assert (dispute.amount, dispute.withdrawn, dispute.fee) == (5000, 5000, 1500)
    (withdrawal,) = ledger(order, EntryKind.DISPUTE)
    assert withdrawal.amount == 5000
    assert ("charge.dispute.created", "disputed") in outcomes()


def test_a_dispute_waiting_hours_for_its_payment_is_not_given_up(
    client: Client, money: MoneyStub
) -> None:
    # Given a paid session whose checkout.session.completed delivery failed (Stripe retries it
    # hours later) while Stripe's Checkout API answers 503 to the reconciler, and a dispute
    # that arrived meanwhile
    order = pending_order(fee_shop())
    session = money.stub.pay(stripe_checkout_start(order=order).session_id)
    intent = session["payment_intent"]
    deliver(client, event_object("charge.dispute.created", dispute_object(intent, money)))
    process()
    outage = (503, {"error": {"type": "api_error", "message": "Service unavailable."}})
    # When the reconciler runs every 5-6 minutes for two hours (20 passes: twice the attempts
    # a failing event gets)
    for minutes in range(6, 121, 6):
        money.stub.failures["retrieve_session"] = outage
        (report,) = reconcile_for([minutes])
        assert report.events_retried == 1  # the dispute is asked about on every pass
    assert fresh(order).status == OrderStatus.PENDING
    # and then the payment's event finally arrives, followed by a reconciler pass
    deliver(client, event_object("checkout.session.completed", session))
    process()
    reconcile_for([126])
    # Then the dispute is on the order and in the ledger; waiting cost no attempt
    with tenancy.for_organizer(order.organizer_id):
        assert Dispute.objects.filter(order=order).count() == 1
    assert len(ledger(order, EntryKind.DISPUTE)) == 1
    with as_worker_role(), tenancy.system_context():
        event = StripeEvent.objects.get(type="charge.dispute.created")
    assert (event.outcome, event.attempts) == ("disputed", 1)


def test_events_waiting_for_their_payment_do_not_crowd_out_failed_ones(
    client: Client, money: MoneyStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blackcanyon.payments import money_events, reconcile

    # Given more disputes waiting for their payments than the reconciler takes per pass
    monkeypatch.setattr(reconcile, "BATCH", 2)
    s = fee_shop(capacity=10)
    for _ in range(3):
        order = pending_order(s, quantity=1)
        intent = money.stub.pay(stripe_checkout_start(order=order).session_id)["payment_intent"]
        dispute = dispute_object(intent, money, dispute_id=f"du_1Q{intent[-8:]}")
        deliver(client, event_object("charge.dispute.created", dispute))
    # and, after them, a payout event whose processing failed (the worker crashed)
    with clock.frozen(clock.now() + timedelta(seconds=1)):
        payout = {"id": "po_1QFail", "object": "payout", "amount": 900, "currency": "usd"}
        deliver(client, event_object("payout.created", payout))
    with monkeypatch.context() as crash:
        crash.setattr(money_events, "payout_event", _crash)
        process()
    assert outcomes() == [("charge.dispute.created", "")] * 3 + [("payout.created", "")]
    # When the reconciler runs
    (report,) = reconcile_for([6])
    # Then the failed event is retried along with (a batch of) the waiting ones
    assert report.events_retried == 3
    assert outcomes()[-1] == ("payout.created", "platform_payout_created")


def _crash(**kwargs: Any) -> str:
    raise RuntimeError("worker killed here")


# --- Fees of an order paid twice ----------------------------------------------------------------


def test_fees_of_an_order_paid_twice_count_only_the_payment_that_stands(
    client: Client, money: MoneyStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a buyer who double-submitted checkout: two parallel requests each made a session
    # (neither saw the other's), and the buyer paid both tabs
    s = fee_shop()
    order = pending_order(s)
    monkeypatch.setattr(checkout_module, "_close_previous", lambda *args, **kwargs: None)
    sessions = [stripe_checkout_start(order=order), stripe_checkout_start(order=order)]
    for checkout in sessions:
        paid = money.stub.pay(checkout.session_id)
        deliver(client, event_object("checkout.session.completed", paid))
    process()
    with tenancy.for_organizer(order.organizer_id):
        statuses = sorted(
            StripeCheckout.objects.filter(order=order).values_list("status", flat=True)
        )
    assert statuses == [CheckoutStatus.PAID, CheckoutStatus.REFUNDED]  # the second went back
    assert len(ledger(order, EntryKind.PAYMENT)) == 2  # both charges are in the ledger
    # When the organizer looks at the order
    with tenancy.for_organizer(order.organizer_id):
        summary = order_fee_summary(order=fresh(order))
    owner = MembershipFactory(role=Role.OWNER, organizer=s.event.organizer)
    client.force_login(owner.user)
    page = client.get(f"/o/{s.event.organizer.slug}/orders/{order.code}/").content.decode()
    # Then the fees are those of the $50.00 it was paid: fee $2.50, Stripe's $1.75, net $47.50
    figures = (summary.gross, summary.platform_fee, summary.stripe_fee, summary.net)
    assert [m.amount if m else None for m in figures] == [5000, 250, 175, 4750]
    section = re.search(r'<section[^>]*data-testid="order-fees".*?</section>', page, re.S)
    assert section is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(0)))
    assert "Paid by the buyer $50.00" in text
    assert "Net to you $47.50" in text
