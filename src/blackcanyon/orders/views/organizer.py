"""The organizer's order pages (list, detail, cancel, mark paid, resend) and an event's discount and
access codes. Thin views: parse a form, call one service, map the result or the domain error."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blackcanyon.core.actions import run_action
from blackcanyon.core.errors import DomainError
from blackcanyon.core.forms import add_domain_error
from blackcanyon.events.models import Event, EventStatus
from blackcanyon.events.selectors import event_currency, event_get_for_organizer
from blackcanyon.notifications.selectors import messages_for_order
from blackcanyon.orders import selectors_organizer as selectors
from blackcanyon.orders import services
from blackcanyon.orders.access import order_page_url
from blackcanyon.orders.forms_organizer import DiscountCodeForm, OrderCancelForm, OrderFilterForm
from blackcanyon.orders.models import DiscountCode, Order, OrderStatus
from blackcanyon.organizers.access import organizer_view, role_has
from blackcanyon.organizers.models import Organizer
from blackcanyon.tickets import selectors as ticket_selectors
from blackcanyon.tickets import services as ticket_services

PAGE_SIZE = 50


def _organizer(request: HttpRequest) -> Organizer:
    return request.organizer  # type: ignore[attr-defined]


def _may(request: HttpRequest, permission: str) -> bool:
    return role_has(request.membership.role, permission)  # type: ignore[attr-defined]


def _event(request: HttpRequest, event_id: int) -> Event:
    return event_get_for_organizer(organizer=_organizer(request), event_id=event_id)


def _order(request: HttpRequest, code: str) -> Order:
    return selectors.order_get_for_organizer(organizer=_organizer(request), code=code)


def _to_order(request: HttpRequest, order: Order) -> HttpResponse:
    return redirect(
        "orders:organizer_order_detail", organizer_slug=_organizer(request).slug, code=order.code
    )


# --- orders -------------------------------------------------------------------------------------


def _order_list(request: HttpRequest, event: Event | None) -> HttpResponse:
    organizer = _organizer(request)
    events = [] if event else selectors.event_choices_for_organizer(organizer=organizer)
    form = OrderFilterForm(request.GET or None, events=events)
    orders = selectors.order_list_for_organizer(
        organizer=organizer,
        q=form.value("q") or "",
        status=form.value("status") or "",
        event_id=event.pk if event else form.value("event"),
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(form.value(name) for name in ("q", "status", "event"))
    return render(
        request,
        "orders/organizer/order_list.html",
        {
            "organizer": organizer,
            "event": event,
            "form": form,
            "page": page,
            "orders": page.object_list,
            "filtered": filtered,
        },
    )


@require_GET
@organizer_view("orders.view")
def order_list(request: HttpRequest) -> HttpResponse:
    return _order_list(request, None)


@require_GET
@organizer_view("orders.view")
def event_order_list(request: HttpRequest, event_id: int) -> HttpResponse:
    return _order_list(request, _event(request, event_id))


@require_GET
@organizer_view("orders.view")
def order_detail(request: HttpRequest, code: str) -> HttpResponse:
    organizer = _organizer(request)
    detail = selectors.order_detail_for_organizer(organizer=organizer, code=code)
    order = detail.order
    can_manage = _may(request, "orders.manage")
    return render(
        request,
        "orders/organizer/order_detail.html",
        {
            "organizer": organizer,
            "detail": detail,
            "order": order,
            "event": order.event,
            "order_url": order_page_url(order),
            "can_cancel": can_manage and order.cancellable,
            "can_mark_paid": can_manage and order.awaits_offline_payment,
            "can_resend": can_manage and order.status == OrderStatus.PAID and order.buyer_email,
            "order_messages": messages_for_order(organizer=organizer, order=order),
            "can_reissue": can_manage and order.status == OrderStatus.PAID,
        },
    )


@require_http_methods(["GET", "POST"])
@organizer_view("orders.manage")
def order_cancel(request: HttpRequest, code: str) -> HttpResponse:
    order = _order(request, code)
    form = OrderCancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        was_paid = order.status == OrderStatus.PAID
        emailed = " The buyer has been emailed." if was_paid and order.buyer_email else ""
        run_action(
            request,
            services.order_cancel,
            f"Order {order.code} cancelled; its tickets were released.{emailed}",
            order=order,
            reason=form.cleaned_data["reason"],
        )
        return _to_order(request, order)
    if request.method == "GET" and not order.cancellable:
        messages.info(request, f"A {order.get_status_display().lower()} order cannot be cancelled.")
        return _to_order(request, order)
    return render(
        request,
        "orders/organizer/order_cancel.html",
        {"organizer": _organizer(request), "order": order, "event": order.event, "form": form},
    )


@require_POST
@organizer_view("orders.manage")
def order_mark_paid(request: HttpRequest, code: str) -> HttpResponse:
    order = _order(request, code)
    run_action(
        request,
        services.order_mark_paid_offline,
        f"Order {order.code} marked paid; its tickets were issued and the buyer emailed.",
        order=order,
    )
    return _to_order(request, order)


@require_POST
@organizer_view("orders.manage")
def order_resend(request: HttpRequest, code: str) -> HttpResponse:
    order = _order(request, code)
    run_action(
        request,
        services.order_resend_confirmation,
        f"The confirmation email is on its way to {order.buyer_email}.",
        order=order,
    )
    return _to_order(request, order)


@require_POST
@organizer_view("orders.manage")
def ticket_reissue(request: HttpRequest, code: str, ticket_id: int) -> HttpResponse:
    """A new QR code for one ticket (lost or shared): the old one stops admitting."""
    order = _order(request, code)
    ticket = ticket_selectors.ticket_get_for_order(order=order, ticket_id=ticket_id)
    emailed = f" The new ticket is on its way to {order.buyer_email}." if order.buyer_email else ""
    run_action(
        request,
        ticket_services.ticket_reissue,
        f"Ticket #{ticket.pk} re-issued: its old QR code no longer admits.{emailed}",
        ticket=ticket,
    )
    return _to_order(request, order)


# --- discount and access codes ------------------------------------------------------------------


def _to_codes(event: Event) -> HttpResponse:
    return redirect(
        "orders:organizer_code_list", organizer_slug=event.organizer.slug, event_id=event.pk
    )


@require_GET
@organizer_view("codes.manage")
def code_list(request: HttpRequest, event_id: int) -> HttpResponse:
    organizer = _organizer(request)
    event = _event(request, event_id)
    return render(
        request,
        "orders/organizer/code_list.html",
        {
            "organizer": organizer,
            "event": event,
            "rows": selectors.discount_codes_for_event(organizer=organizer, event=event),
            "event_open": event.status != EventStatus.CANCELLED,
        },
    )


def _code_form(request: HttpRequest, event: Event, **kwargs: Any) -> DiscountCodeForm:
    return DiscountCodeForm(
        request.POST if request.method == "POST" else None,
        currency=event_currency(event=event),
        event_timezone=event.timezone,
        ticket_types=selectors.ticket_type_choices(event=event),
        **kwargs,
    )


def _code_page(
    request: HttpRequest, event: Event, form: DiscountCodeForm, code: DiscountCode | None
) -> HttpResponse:
    return render(
        request,
        "orders/organizer/code_form.html",
        {"organizer": _organizer(request), "event": event, "form": form, "code": code},
    )


FIELD_MAP = {"ticket_type_ids": "ticket_types"}


@require_http_methods(["GET", "POST"])
@organizer_view("codes.manage")
def code_new(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = _code_form(request, event)
    if request.method == "POST" and form.is_valid():
        try:
            code = services.discount_code_create(
                actor=request.user, event=event, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error, FIELD_MAP)
        else:
            messages.success(request, f"Code {code.code} created.")
            return _to_codes(event)
    return _code_page(request, event, form, None)


@require_http_methods(["GET", "POST"])
@organizer_view("codes.manage")
def code_edit(request: HttpRequest, event_id: int, code_id: int) -> HttpResponse:
    organizer = _organizer(request)
    event = _event(request, event_id)
    code = selectors.discount_code_get_for_event(organizer=organizer, event=event, code_id=code_id)
    initial = DiscountCodeForm.initial_for(
        code,
        type_ids=selectors.discount_code_type_ids(discount_code=code),
        currency=event_currency(event=event),
        event_timezone=event.timezone,
    )
    form = _code_form(request, event, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            code = services.discount_code_update(
                actor=request.user, discount_code=code, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error, FIELD_MAP)
        else:
            messages.success(request, f"Code {code.code} saved.")
            return _to_codes(event)
    return _code_page(request, event, form, code)


@require_POST
@organizer_view("codes.manage")
def code_deactivate(request: HttpRequest, event_id: int, code_id: int) -> HttpResponse:
    event = _event(request, event_id)
    code = selectors.discount_code_get_for_event(
        organizer=_organizer(request), event=event, code_id=code_id
    )
    run_action(
        request,
        services.discount_code_deactivate,
        f"Code {code.code} deactivated: buyers can no longer use it.",
        discount_code=code,
    )
    return _to_codes(event)


@require_POST
@organizer_view("codes.manage")
def code_reactivate(request: HttpRequest, event_id: int, code_id: int) -> HttpResponse:
    event = _event(request, event_id)
    code = selectors.discount_code_get_for_event(
        organizer=_organizer(request), event=event, code_id=code_id
    )
    run_action(
        request,
        services.discount_code_reactivate,
        f"Code {code.code} is active again.",
        discount_code=code,
    )
    return _to_codes(event)
