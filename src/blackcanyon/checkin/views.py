"""The organizer's check-in pages of an event: lists with live counts, scanner devices, the scan
log with conflicts and undo. Thin views: parse a form, call one service, map the outcome.

Watching (counts, log) needs ``checkin.view``; changing lists and devices ``events.manage``;
undoing a scan ``checkin.scan``, like the door staff who scan.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blackcanyon.checkin import selectors, services
from blackcanyon.checkin.errors import CheckInListNotFound, DeviceNotFound, ScanNotFound
from blackcanyon.checkin.forms import CheckInListForm, DeviceForm, ScanFilterForm
from blackcanyon.checkin.models import CheckInList, ScannerDevice
from blackcanyon.core.actions import run_action
from blackcanyon.core.errors import DomainError
from blackcanyon.core.forms import add_domain_error
from blackcanyon.events.models import Event, TicketType
from blackcanyon.events.selectors import event_get_for_organizer
from blackcanyon.organizers.access import organizer_view, role_has
from blackcanyon.organizers.models import Organizer

PAGE_SIZE = 50
VIEW, MANAGE, SCAN = "checkin.view", "events.manage", "checkin.scan"


def _organizer(request: HttpRequest) -> Organizer:
    return request.organizer  # type: ignore[attr-defined]


def _may(request: HttpRequest, permission: str) -> bool:
    return role_has(request.membership.role, permission)  # type: ignore[attr-defined]


def _event(request: HttpRequest, event_id: int) -> Event:
    return event_get_for_organizer(organizer=_organizer(request), event_id=event_id)


def _list(event: Event, list_id: int) -> CheckInList:
    row = selectors.checkin_list_get(organizer=event.organizer, list_id=list_id)
    if row.event_id != event.pk:
        raise CheckInListNotFound()
    return row


def _home_url(event: Event, anchor: str = "") -> str:
    return reverse("checkin:home", args=[event.organizer.slug, event.pk]) + anchor


def _home(event: Event) -> HttpResponse:
    return redirect(_home_url(event))


def _type_choices(event: Event) -> list[tuple[int, str]]:
    rows = TicketType.objects.filter(organizer_id=event.organizer_id, event=event)
    return list(rows.order_by("position", "id").values_list("id", "name"))


def _device_form(event: Event, lists: list[CheckInList], data: Any = None) -> DeviceForm:
    return DeviceForm(data, lists=[(row.pk, row.name) for row in lists])


def _home_page(
    request: HttpRequest, event: Event, *, device_form: DeviceForm | None = None
) -> HttpResponse:
    lists = services.checkin_lists_ensure_default(event=event)
    can_manage = _may(request, MANAGE)
    context = {
        "organizer": _organizer(request),
        "event": event,
        "stats": selectors.event_stats(event=event, lists=lists),
        "conflicts": selectors.conflict_count(event=event),
        "can_manage": can_manage,
        "devices": selectors.scanner_devices_for_event(event=event) if can_manage else [],
        "device_form": device_form or _device_form(event, lists),
    }
    status = 422 if device_form is not None else 200
    return render(request, "checkin/organizer/home.html", context, status=status)


@require_GET
@organizer_view(VIEW)
def home(request: HttpRequest, event_id: int) -> HttpResponse:
    return _home_page(request, _event(request, event_id))


# --- lists ---------------------------------------------------------------------------------------


def _list_form_page(
    request: HttpRequest, event: Event, form: CheckInListForm, checkin_list: CheckInList | None
) -> HttpResponse:
    context = {
        "organizer": _organizer(request),
        "event": event,
        "form": form,
        "checkin_list": checkin_list,
    }
    status = 422 if form.is_bound else 200
    return render(request, "checkin/organizer/list_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@organizer_view(MANAGE)
def list_new(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    data = request.POST if request.method == "POST" else None
    form = CheckInListForm(data, ticket_types=_type_choices(event))
    if form.is_bound and form.is_valid():
        try:
            row = services.checkin_list_create(
                actor=request.user, event=event, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error, {"ticket_type_ids": "ticket_types"})
        else:
            messages.success(request, f"Check-in list “{row.name}” created.")
            return _home(event)
    return _list_form_page(request, event, form, None)


@require_http_methods(["GET", "POST"])
@organizer_view(MANAGE)
def list_edit(request: HttpRequest, event_id: int, list_id: int) -> HttpResponse:
    event = _event(request, event_id)
    checkin_list = _list(event, list_id)
    chosen = selectors.list_ticket_types([checkin_list])[checkin_list.pk]
    if request.method == "POST":
        form = CheckInListForm(request.POST, ticket_types=_type_choices(event))
    else:
        initial = CheckInListForm.initial_for(checkin_list, chosen)
        form = CheckInListForm(initial=initial, ticket_types=_type_choices(event))
    if form.is_bound and form.is_valid():
        try:
            services.checkin_list_update(
                actor=request.user, checkin_list=checkin_list, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error, {"ticket_type_ids": "ticket_types"})
        else:
            messages.success(request, f"Check-in list “{checkin_list.name}” saved.")
            return _home(event)
    return _list_form_page(request, event, form, checkin_list)


@require_http_methods(["GET", "POST"])
@organizer_view(MANAGE)
def list_delete(request: HttpRequest, event_id: int, list_id: int) -> HttpResponse:
    """GET asks for confirmation (no JavaScript needed); POST deletes."""
    event = _event(request, event_id)
    checkin_list = _list(event, list_id)
    if request.method == "POST":
        run_action(
            request,
            services.checkin_list_delete,
            f"Check-in list “{checkin_list.name}” deleted.",
            checkin_list=checkin_list,
        )
        return _home(event)
    context = {"organizer": _organizer(request), "event": event, "checkin_list": checkin_list}
    return render(request, "checkin/organizer/list_delete.html", context)


# --- devices -------------------------------------------------------------------------------------


def _device(event: Event, device_id: int) -> ScannerDevice:
    device = selectors.scanner_device_get(event=event, device_id=device_id)
    if device is None:
        raise DeviceNotFound()
    return device


def _token_qr(token: str) -> str:
    import segno  # loaded on first use

    qr = segno.make(token, error="m")
    return str(
        qr.svg_inline(
            scale=4,
            border=4,
            title="QR code of the device token",
            svgclass="qr",
            lineclass=None,
            dark="#000",
            light="#fff",
        )
    )


@require_http_methods(["GET", "POST"])
@organizer_view(MANAGE)
@never_cache
def device_create(request: HttpRequest, event_id: int) -> HttpResponse:
    """POST creates a device and shows its token once (never cached: reloading or going back
    does not show it again). GET is the check-in page with the form."""
    event = _event(request, event_id)
    if request.method != "POST":
        return redirect(_home_url(event, "#devices"))
    lists = services.checkin_lists_ensure_default(event=event)
    form = _device_form(event, lists, request.POST)
    if form.is_valid():
        list_id = form.cleaned_data["checkin_list"]
        try:
            device, token = services.scanner_device_create(
                actor=request.user,
                event=event,
                name=form.cleaned_data["name"],
                checkin_list=_list(event, list_id) if list_id else None,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            context = {
                "organizer": _organizer(request),
                "event": event,
                "device": device,
                "token": token,
                "qr": _token_qr(token),
                "api_root": settings.PUBLIC_APP_URL + "/api/v1/",
            }
            return render(request, "checkin/organizer/device_created.html", context)
    return _home_page(request, event, device_form=form)


@require_http_methods(["GET", "POST"])
@organizer_view(MANAGE)
def device_revoke(request: HttpRequest, event_id: int, device_id: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes."""
    event = _event(request, event_id)
    device = _device(event, device_id)
    if request.method == "POST":
        run_action(
            request,
            services.scanner_device_revoke,
            f"“{device.name}” was revoked. It can no longer scan.",
            device=device,
        )
        return redirect(_home_url(event, "#devices"))
    context = {"organizer": _organizer(request), "event": event, "device": device}
    return render(request, "checkin/organizer/device_revoke.html", context)


# --- scan log ------------------------------------------------------------------------------------


@require_GET
@organizer_view(VIEW)
def scan_log(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event(request, event_id)
    lists = services.checkin_lists_ensure_default(event=event)
    form = ScanFilterForm(request.GET or None, lists=[(row.pk, row.name) for row in lists])
    scans = selectors.scan_log(
        event=event,
        conflicts_only=bool(form.value("conflicts")),
        list_id=form.value("checkin_list"),
    )
    page = Paginator(scans, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "organizer": _organizer(request),
        "event": event,
        "form": form,
        "page": page,
        "scans": page.object_list,
        "can_undo": _may(request, SCAN),
        "can_see_orders": _may(request, "orders.view"),
    }
    return render(request, "checkin/organizer/scan_log.html", context)


@require_POST
@organizer_view(SCAN)
def scan_undo(request: HttpRequest, event_id: int, scan_id: int) -> HttpResponse:
    event = _event(request, event_id)
    scan = selectors.scan_get(event=event, scan_id=scan_id)
    if scan is None:
        raise ScanNotFound()
    run_action(
        request,
        services.scan_undo,
        "Scan undone: the ticket no longer counts as scanned by it.",
        organizer=_organizer(request),
        client_scan_id=scan.client_scan_id,
    )
    # Back to the page of the log the button was on (its filters re-encoded, nothing else).
    query = QueryDict(request.POST.get("return_query", "")).urlencode()
    log_url = reverse("checkin:scan_log", args=[event.organizer.slug, event.pk])
    return redirect(f"{log_url}?{query}" if query else log_url)
