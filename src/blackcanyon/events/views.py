"""Thin views: parse a form, call one service, map the result or the domain error."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blackcanyon.core import clock, pagecache
from blackcanyon.core.actions import run_action
from blackcanyon.core.errors import DomainError
from blackcanyon.core.forms import add_domain_error
from blackcanyon.events import selectors, services
from blackcanyon.events.forms import EventForm, TicketTypeForm
from blackcanyon.events.models import Event, EventStatus, TicketType
from blackcanyon.organizers.access import organizer_view, role_has
from blackcanyon.organizers.models import Organizer

HOME_PAGE_SIZE = 24


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
    def render_home() -> HttpResponse:
        events = selectors.event_list_public(now=clock.now())
        page = Paginator(events, HOME_PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "events/home.html", {"page": page, "events": page.object_list})

    return pagecache.cached_page(request, "home", render_home)


# --- organizer: events ----------------------------------------------------------------------------


@require_GET
@organizer_view("events.view")
def organizer_event_list(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    events = selectors.event_overview_for_organizer(organizer=organizer, now=clock.now())
    return render(
        request,
        "events/organizer/event_list.html",
        {"organizer": organizer, "upcoming": events.upcoming, "past": events.past},
    )


@require_http_methods(["GET", "POST"])
@organizer_view("events.manage")
def organizer_event_new(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                event = services.event_create(
                    actor=request.user, organizer=organizer, **form.service_kwargs()
                )
            except DomainError as error:
                add_domain_error(form, error)
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
                    **form.service_kwargs(),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Event saved.")
                return _detail(event)
    else:
        form = EventForm(initial=EventForm.initial_for(event), has_image=has_image)
    return render(
        request,
        "events/organizer/event_form.html",
        {"organizer": _organizer(request), "form": form, "event": event},
    )


@require_GET
@organizer_view("events.view")
def organizer_event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    page = selectors.event_page_for_organizer(
        organizer=_organizer(request), event_id=event_id, now=clock.now()
    )
    return render(
        request,
        "events/organizer/event_detail.html",
        {
            "organizer": _organizer(request),
            "event": page.event,
            "offers": page.offers,
            "tickets_taken": page.tickets_taken,
            "tickets_capacity": page.tickets_capacity,
            "can_publish": role_has(request.membership.role, "events.publish"),  # type: ignore[attr-defined]
        },
    )


@require_POST
@organizer_view("events.manage")
def organizer_event_duplicate(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    copy = run_action(
        request, services.event_duplicate, "Copied. The copy is a draft.", event=event
    )
    return _detail(copy or event)


@require_POST
@organizer_view("events.publish")
def organizer_event_publish(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    run_action(request, services.event_publish, "Published: the event is on sale.", event=event)
    return _detail(event)


@require_http_methods(["GET", "POST"])
@organizer_view("events.publish")
def organizer_event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    if request.method == "POST":
        run_action(request, services.event_cancel, "The event has been cancelled.", event=event)
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
        try:
            services.ticket_type_create(actor=request.user, event=event, **form.service_kwargs())
        except DomainError as error:
            add_domain_error(form, error)
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
    initial = TicketTypeForm.initial_for(ticket_type, event_timezone=event.timezone)
    form = _ticket_type_form(request, event, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_type_update(
                actor=request.user, ticket_type=ticket_type, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error)
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
    run_action(
        request,
        services.ticket_type_delete,
        f"Ticket type “{ticket_type.name}” deleted.",
        ticket_type=ticket_type,
    )
    return _detail(event)
