"""Links that give a buyer access to their checkout and order page without an account.

The token is an HMAC of the organizer slug and the order code (keyed by SECRET_KEY): verified
before any database lookup, never stored, and unguessable from the code alone.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from blackcanyon.core import tenancy
from blackcanyon.orders import errors
from blackcanyon.orders.models import Order
from blackcanyon.orders.selectors import order_get
from blackcanyon.organizers.models import Organizer

_SALT = "blackcanyon.orders.link"


def order_token(*, organizer_slug: str, code: str) -> str:
    return salted_hmac(_SALT, f"{organizer_slug}:{code}", algorithm="sha256").hexdigest()[:32]


def token_for(order: Order) -> str:
    return order_token(organizer_slug=order.event.organizer.slug, code=order.code)


def order_page_path(order: Order) -> str:
    return reverse(
        "orders:order_page",
        kwargs={
            "organizer_slug": order.event.organizer.slug,
            "code": order.code,
            "token": token_for(order),
        },
    )


def order_page_url(order: Order) -> str:
    return settings.PUBLIC_APP_URL + order_page_path(order)


def checkout_path(order: Order, name: str = "orders:checkout") -> str:
    return reverse(
        name,
        kwargs={
            "organizer_slug": order.event.organizer.slug,
            "code": order.code,
            "token": token_for(order),
        },
    )


def order_from_link(*, organizer_slug: str, code: str, token: str) -> Order:
    """The order a buyer's link points at; activates its organizer's tenant context for the rest
    of the request. Raises OrderNotFound (404) for a wrong token or unknown order."""
    if not constant_time_compare(token, order_token(organizer_slug=organizer_slug, code=code)):
        raise errors.OrderNotFound()
    organizer = Organizer.objects.filter(slug=organizer_slug).only("pk", "slug").first()
    if organizer is None:
        raise errors.OrderNotFound()
    current = tenancy.current()
    tenancy.activate(organizer_id=organizer.pk, user_id=current.user_id)
    order = order_get(organizer_id=organizer.pk, code=code)
    if order is None:
        raise errors.OrderNotFound()
    return order
