"""Thin views: parse a form, call one service, map the result or the domain error."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blackcanyon.core import clock
from blackcanyon.core.errors import DomainError
from blackcanyon.core.money import Money
from blackcanyon.events import selectors, services
from blackcanyon.events.forms import EventForm, TicketTypeForm, apply_domain_error, to_local_input
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.access import organizer_view, role_has
from blackcanyon.organizers.models import Organizer

HOME_PAGE_SIZE = 24
EVENT_FIELDS = (
    "title",
    "slug",
    "description",
    "venue_name",
    "venue_address",
    "timezone",
    "starts_at",
    "ends_at",
    "capacity",
    "minimum_age",
)
TICKET_TYPE_FIELDS = (
    "name",
    "description",
    "price",
    "capacity",
    "sales_start",
    "sales_end",
    "min_per_order",
    "max_per_order",
    "hidden",
    "position",
)


def _organizer(request: HttpRequest) -> Organizer:
    return request.organizer  # type: ignore[attr-defined]


def _event(request: HttpRequest, event_id: int) -> Event:
    return selectors.event_get_for_organizer(organizer=_organizer(request), event_id=event_id)


def _detail(event: Event) -> HttpResponse:
    return redirect(
        "events:organizer_event_detail", organizer_slug=event.organizer.slug, event_id=event.pk
    )


# --- public -------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    events = selectors.event_list_public(now=clock.now())
    page = Paginator(events, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/home.html", {"page": page, "events": page.object_list})


@require_GET
def public_event(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    event = selectors.event_get_public(organizer_slug=organizer_slug, event_slug=event_slug)
    offers = selectors.event_ticket_offers(event=event, now=clock.now())
    return render(request, "events/public_event.html", {"event": event, "offers": offers})


# --- organizer: events ----------------------------------------------------------------------------


@require_GET
@organizer_view("events.view")
def organizer_event_list(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    events = list(selectors.event_list_for_organizer(organizer=_organizer(request)))
    upcoming = sorted((e for e in events if e.ends_at > now), key=lambda e: e.starts_at)
    past = [e for e in events if e.ends_at <= now]
    return render(
        request,
        "events/organizer/event_list.html",
        {"organizer": _organizer(request), "upcoming": upcoming, "past": past},
    )


def _event_service_kwargs(form: EventForm) -> dict[str, Any]:
    data = {name: form.cleaned_data.get(name) for name in EVENT_FIELDS}
    for text in ("slug", "description", "venue_name", "venue_address"):
        data[text] = data[text] or ""
    return {**data, "image": form.cleaned_data.get("image")}


@require_http_methods(["GET", "POST"])
@organizer_view("events.manage")
def organizer_event_new(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                event = services.event_create(
                    actor=request.user, organizer=organizer, **_event_service_kwargs(form)
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, "Event created as a draft. Add ticket types next.")
                return _detail(event)
    else:
        form = EventForm(initial={"timezone": organizer.timezone})
    return render(
        request,
        "events/organizer/event_form.html",
        {"organizer": organizer, "form": form, "event": None},
    )


@require_http_methods(["GET", "POST"])
@organizer_view("events.manage")
def organizer_event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    has_image = bool(event.image)
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES, has_image=has_image)
        if form.is_valid():
            try:
                event = services.event_update(
                    actor=request.user,
                    event=event,
                    remove_image=form.cleaned_data.get("remove_image", False),
                    **_event_service_kwargs(form),
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, "Event saved.")
                return _detail(event)
    else:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS}
        initial["starts_at"] = to_local_input(event.starts_at, event.timezone)
        initial["ends_at"] = to_local_input(event.ends_at, event.timezone)
        form = EventForm(initial=initial, has_image=has_image)
    return render(
        request,
        "events/organizer/event_form.html",
        {"organizer": _organizer(request), "form": form, "event": event},
    )


@require_GET
@organizer_view("events.view")
def organizer_event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    offers = selectors.event_ticket_offers(event=event, now=clock.now(), include_hidden=True)
    return render(
        request,
        "events/organizer/event_detail.html",
        {
            "organizer": _organizer(request),
            "event": event,
            "offers": offers,
            "tickets_taken": sum(o.ticket_type.taken for o in offers),
            "tickets_capacity": sum(o.ticket_type.capacity for o in offers),
            "can_publish": role_has(request.membership.role, "events.publish"),  # type: ignore[attr-defined]
        },
    )


def _run_action(request: HttpRequest, action: Any, success: str, **kwargs: Any) -> Any:
    try:
        result = action(actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success)
    return result


@require_POST
@organizer_view("events.manage")
def organizer_event_duplicate(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    copy = _run_action(
        request, services.event_duplicate, "Copied. The copy is a draft.", event=event
    )
    return _detail(copy or event)


@require_POST
@organizer_view("events.publish")
def organizer_event_publish(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    _run_action(request, services.event_publish, "Published: the event is on sale.", event=event)
    return _detail(event)


@require_http_methods(["GET", "POST"])
@organizer_view("events.publish")
def organizer_event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    if request.method == "POST":
        _run_action(request, services.event_cancel, "The event has been cancelled.", event=event)
        return _detail(event)
    if event.status == EventStatus.CANCELLED:
        messages.info(request, "This event is already cancelled.")
        return _detail(event)
    return render(
        request,
        "events/organizer/event_cancel.html",
        {"organizer": _organizer(request), "event": event},
    )


# --- organizer: ticket types ----------------------------------------------------------------------


def _ticket_type_form(request: HttpRequest, event: Event, **kwargs: Any) -> TicketTypeForm:
    return TicketTypeForm(
        request.POST if request.method == "POST" else None,
        currency=selectors.event_currency(event=event),
        event_timezone=event.timezone,
        **kwargs,
    )


def _ticket_type_page(
    request: HttpRequest, event: Event, form: TicketTypeForm, ticket_type: TicketType | None
) -> HttpResponse:
    return render(
        request,
        "events/organizer/ticket_type_form.html",
        {
            "organizer": _organizer(request),
            "event": event,
            "form": form,
            "ticket_type": ticket_type,
        },
    )


@require_http_methods(["GET", "POST"])
@organizer_view("events.manage")
def organizer_ticket_type_new(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    form = _ticket_type_form(request, event)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = {name: form.cleaned_data.get(name) for name in TICKET_TYPE_FIELDS}
        data["description"] = data["description"] or ""
        try:
            services.ticket_type_create(actor=request.user, event=event, **data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "Ticket type added.")
            return _detail(event)
    return _ticket_type_page(request, event, form, None)


@require_http_methods(["GET", "POST"])
@organizer_view("events.manage")
def organizer_ticket_type_edit(request: HttpRequest, event_id: int, tt_id: int) -> HttpResponse:
    event = _event(request, event_id)
    ticket_type = selectors.ticket_type_get_for_organizer(
        organizer=_organizer(request), event=event, ticket_type_id=tt_id
    )
    initial = {name: getattr(ticket_type, name) for name in TICKET_TYPE_FIELDS}
    initial["price"] = str(Money(ticket_type.price, ticket_type.currency).to_decimal())
    initial["sales_start"] = to_local_input(ticket_type.sales_start, event.timezone)
    initial["sales_end"] = to_local_input(ticket_type.sales_end, event.timezone)
    form = _ticket_type_form(request, event, initial=initial)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = {name: form.cleaned_data.get(name) for name in TICKET_TYPE_FIELDS}
        data["description"] = data["description"] or ""
        try:
            services.ticket_type_update(actor=request.user, ticket_type=ticket_type, **data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, "Ticket type saved.")
            return _detail(event)
    return _ticket_type_page(request, event, form, ticket_type)


@require_POST
@organizer_view("events.manage")
def organizer_ticket_type_delete(request: HttpRequest, event_id: int, tt_id: int) -> HttpResponse:
    event = _event(request, event_id)
    ticket_type = selectors.ticket_type_get_for_organizer(
        organizer=_organizer(request), event=event, ticket_type_id=tt_id
    )
    _run_action(
        request,
        services.ticket_type_delete,
        f"Ticket type “{ticket_type.name}” deleted.",
        ticket_type=ticket_type,
    )
    return _detail(event)
