"""Order emails in Chromium on a 390 px phone: the HTML of the confirmation and the cancellation
as a mail app shows it, and the "Emails to the buyer" section of the organizer's order page —
axe clean, no sideways scrolling. (Email behaviour itself: tests/notifications, docs/email.md.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from blackcanyon.core.tasks import run_pending
from blackcanyon.events.models import TicketType
from blackcanyon.orders import services
from blackcanyon.organizers.models import Membership
from tests.e2e.conftest import PHONE
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory
from tests.notifications.helpers import make_retries_due, refusing_mailer, sell

PASSWORD = "correct horse battery"
# An email is shown inside the mail app's own page, which has the main landmark; the email's
# wrapper is role="article" (the email-accessibility convention). So the two page-level
# best-practice rules about landmarks do not apply to it; every other axe rule does.
EMAIL_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"landmark-one-main": {"enabled": False}, "region": {"enabled": False}},
}


def team_and_floor() -> tuple[Membership, TicketType]:
    owner = MembershipFactory(user__full_name="Olive Owner")
    event = EventFactory(organizer=owner.organizer, title="Canyon Blues")
    return owner, TicketTypeFactory(event=event, name="Floor", price=2500, capacity=50)


def html_of(email: mail.EmailMessage) -> str:
    (content, mimetype) = email.alternatives[0]  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    return str(content)


@pytest.mark.django_db
def test_the_confirmation_and_cancellation_emails_are_accessible_on_a_phone(
    page: Any, axe: Any, screenshot: Any
) -> None:
    # Given a paid order, then cancelled, with both emails sent
    _, floor = team_and_floor()
    order = sell(floor, quantity=2)
    run_pending()
    services.order_cancel(actor=None, order=order, reason="Show moved")
    run_pending()
    confirmation, cancellation = mail.outbox
    page.set_viewport_size(PHONE)

    # When each HTML part is shown as a mail app would
    for email, name in ((confirmation, "confirmation"), (cancellation, "cancellation")):
        page.set_content(html_of(email))

        # Then it has a language and one main heading, axe finds nothing, nothing scrolls sideways
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", level=1).count() == 1
        results = axe.axe.run(page, options=EMAIL_OPTIONS)
        assert [v["id"] for v in results.response["violations"]] == []
        screenshot(page, f"email-{name}")


@pytest.mark.django_db(transaction=True)
def test_the_emails_of_an_order_read_well_on_a_phone(
    live_server: Any, page: Any, axe: Any, screenshot: Any
) -> None:
    # Given an order whose confirmation failed on every attempt (mail server down)
    owner, floor = team_and_floor()
    order = sell(floor, email="bea@example.com")
    with override_settings(MAILERS=refusing_mailer()):
        for _ in range(5):
            run_pending()
            make_retries_due()
    slug = owner.organizer.slug
    page.set_viewport_size(PHONE)

    # When the owner logs in and opens the order
    page.goto(f"{live_server.url}/accounts/login/?next=/o/{slug}/orders/{order.code}/")
    page.get_by_label("Email").fill(owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(f"/orders/{order.code}/"))

    # Then the emails section shows the failure and its error, axe clean, no sideways scrolling
    section = page.get_by_role("region", name="Emails to the buyer")
    text = section.inner_text()
    assert "Order confirmation" in text
    assert "Failed" in text
    assert "5 attempts" in text
    assert "ConnectionRefusedError" in text
    axe.check(page)
    screenshot(page, "org-order-emails")
