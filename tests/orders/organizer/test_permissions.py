"""Who may open the organizer's order and code pages: roles (403) and other organizers (404)."""

from __future__ import annotations

import pytest

from blackcanyon.orders import services
from blackcanyon.orders.models import OrderStatus
from blackcanyon.organizers.models import Role
from tests.factories import MembershipFactory
from tests.orders.organizer.helpers import codes_of, fresh, page_text, paid_order, pending_order

pytestmark = pytest.mark.django_db


def pages(slug: str, event_id: int, code: str, code_id: int) -> dict[str, str]:
    """Every organizer orders/codes URL as (method, path)."""
    o = f"/o/{slug}"
    codes = f"{o}/events/{event_id}/codes"
    return {
        f"{o}/orders/": "get",
        f"{o}/events/{event_id}/orders/": "get",
        f"{o}/orders/{code}/": "get",
        f"{o}/orders/{code}/cancel/": "get",
        f"{o}/orders/{code}/cancel/?": "post",
        f"{o}/orders/{code}/mark-paid/": "post",
        f"{o}/orders/{code}/resend/": "post",
        f"{codes}/": "get",
        f"{codes}/new/": "get",
        f"{codes}/new/?": "post",
        f"{codes}/{code_id}/edit/": "get",
        f"{codes}/{code_id}/deactivate/": "post",
        f"{codes}/{code_id}/reactivate/": "post",
    }


@pytest.fixture
def order_and_code(owner, ticket_type):
    code = services.discount_code_create(
        actor=owner.user, event=ticket_type.event, code="SPRING", kind="percent", value=10
    )
    return pending_order(ticket_type), code


def test_scanner_gets_403_everywhere(client, owner, ticket_type, order_and_code):
    # Given door staff of the same organizer
    order, code = order_and_code
    scanner = MembershipFactory(organizer=owner.organizer, role=Role.SCANNER)
    client.force_login(scanner.user)

    # When they try every page and action
    urls = pages(owner.organizer.slug, ticket_type.event_id, order.code, code.pk)
    for path, method in urls.items():
        response = getattr(client, method)(path, {"code": "X"} if method == "post" else None)
        # Then each is refused
        assert response.status_code == 403, path

    # And nothing changed
    assert fresh(order).status == OrderStatus.PENDING
    assert codes_of(ticket_type.event)[0].active


def test_staff_see_and_manage_orders_but_not_codes(client, owner, ticket_type, order_and_code):
    order, _code = order_and_code
    staff = MembershipFactory(organizer=owner.organizer, role=Role.STAFF)
    client.force_login(staff.user)
    slug = owner.organizer.slug

    assert client.get(f"/o/{slug}/orders/").status_code == 200
    assert client.get(f"/o/{slug}/orders/{order.code}/").status_code == 200
    assert client.get(f"/o/{slug}/events/{ticket_type.event_id}/codes/").status_code == 403
    client.post(f"/o/{slug}/orders/{order.code}/mark-paid/")
    assert fresh(order).status == OrderStatus.PAID


def test_another_organizers_owner_gets_404_with_their_own_slug(
    client, owner, ticket_type, order_and_code
):
    # Given the owner of organizer B, and organizer A's order, event and code
    order, code = order_and_code
    other = MembershipFactory(role=Role.OWNER)
    client.force_login(other.user)

    # When B's owner uses their own slug with A's order code, event and code ids
    own = pages(other.organizer.slug, ticket_type.event_id, order.code, code.pk)
    own_list = own.pop(f"/o/{other.organizer.slug}/orders/")
    for path, method in own.items():
        data = {"reason": "", "code": "X"} if method == "post" else None
        response = getattr(client, method)(path, data)
        # Then nothing is found
        assert response.status_code == 404, path
    # And B's own orders list does not show A's order, even when searched for
    listed = client.get(f"/o/{other.organizer.slug}/orders/", {"q": order.code})
    assert own_list == "get"
    assert order.code not in page_text(listed)

    # And with A's slug they are not a member: 404 as well
    theirs = pages(owner.organizer.slug, ticket_type.event_id, order.code, code.pk)
    for path, method in theirs.items():
        assert getattr(client, method)(path).status_code == 404, path

    # And A's order and code are untouched
    assert fresh(order).status == OrderStatus.PENDING
    assert codes_of(ticket_type.event)[0].active


def test_signed_out_visitors_are_sent_to_log_in(client, owner, ticket_type):
    response = client.get(f"/o/{owner.organizer.slug}/orders/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_nav_and_event_page_link_to_orders_and_codes_by_role(client, owner, ticket_type):
    slug, event_id = owner.organizer.slug, ticket_type.event_id
    client.force_login(owner.user)
    dashboard = client.get(f"/o/{slug}/").content.decode()
    event_page = client.get(f"/o/{slug}/events/{event_id}/").content.decode()
    assert f'href="/o/{slug}/orders/"' in dashboard
    assert f'href="/o/{slug}/events/{event_id}/orders/"' in event_page
    assert f'href="/o/{slug}/events/{event_id}/codes/"' in event_page

    staff = MembershipFactory(organizer=owner.organizer, role=Role.STAFF)
    client.force_login(staff.user)
    event_page = client.get(f"/o/{slug}/events/{event_id}/").content.decode()
    assert f'href="/o/{slug}/events/{event_id}/orders/"' in event_page
    assert "/codes/" not in event_page

    scanner = MembershipFactory(organizer=owner.organizer, role=Role.SCANNER)
    client.force_login(scanner.user)
    assert "Orders" not in page_text(client.get(f"/o/{slug}/"))


def test_a_paid_order_page_for_support_shows_the_buyer_link(owner_client, owner, ticket_type):
    order = paid_order(ticket_type)

    text = page_text(owner_client.get(f"/o/{owner.organizer.slug}/orders/{order.code}/"))

    assert f"/orders/{owner.organizer.slug}/{order.code}/" in text
