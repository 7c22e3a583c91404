"""Organizer pages: your organizers, create, dashboard, settings, team and invitations.

Views parse input, call one service and map the result or the domain error. Permission checks go
through ``organizers.access`` (``organizer_view`` for pages under ``/o/<slug>/``).
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from blackcanyon.accounts.decorators import verified_email_required
from blackcanyon.accounts.models import User
from blackcanyon.core.countries import country_name
from blackcanyon.core.errors import DomainError
from blackcanyon.core.forms import add_domain_error
from blackcanyon.events.selectors import event_counts_by_status
from blackcanyon.organizers import errors, selectors, services
from blackcanyon.organizers.access import ROLE_DESCRIPTIONS, organizer_view, role_has
from blackcanyon.organizers.forms import (
    InviteForm,
    OrganizerCreateForm,
    OrganizerSettingsForm,
    RoleForm,
)
from blackcanyon.organizers.models import Membership, Organizer, Role


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _org(request: HttpRequest) -> Organizer:
    return cast(Organizer, request.organizer)  # type: ignore[attr-defined]


def _membership(request: HttpRequest) -> Membership:
    return cast(Membership, request.membership)  # type: ignore[attr-defined]


def _org_nav(request: HttpRequest) -> dict[str, bool]:
    """What the organizer's sub-navigation may link to for this member."""
    role = _membership(request).role
    return {
        "can_events": role_has(role, "events.view"),
        "can_team": role_has(role, "team.view"),
        "can_settings": role_has(role, "organizer.manage"),
    }


# --- Your organizers ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    memberships = selectors.organizer_list_for_user(user=request.user)
    return render(
        request,
        "organizers/home.html",
        {"memberships": memberships, "is_verified": _user(request).is_verified},
    )


@verified_email_required
@require_http_methods(["GET", "HEAD", "POST"])
def organizer_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = OrganizerCreateForm(request.POST)
        if form.is_valid():
            try:
                organizer = services.organizer_create(actor=user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"{organizer.name} is ready. You are its owner.")
                return redirect("organizers:dashboard", organizer_slug=organizer.slug)
    else:
        form = OrganizerCreateForm(initial={"contact_email": user.email})
    return render(request, "organizers/new.html", {"form": form})


# --- One organizer -----------------------------------------------------------------------------


@organizer_view("organizer.view")
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest) -> HttpResponse:
    organizer, membership = _org(request), _membership(request)
    context = {
        "organizer": organizer,
        "membership": membership,
        "org_nav": _org_nav(request),
        "event_counts": (
            event_counts_by_status(organizer=organizer)
            if role_has(membership.role, "events.view")
            else None
        ),
        "role_description": ROLE_DESCRIPTIONS[membership.role],
        "country_name": country_name(organizer.country),
    }
    return render(request, "organizers/dashboard.html", context)


@organizer_view("organizer.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    organizer = _org(request)
    if request.method == "POST":
        form = OrganizerSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.organizer_update(
                    actor=_user(request), organizer=organizer, **form.cleaned_data
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect("organizers:settings", organizer_slug=organizer.slug)
    else:
        form = OrganizerSettingsForm(
            initial={field: getattr(organizer, field) for field in services.EDITABLE_FIELDS}
        )
    return render(
        request,
        "organizers/settings.html",
        {"organizer": organizer, "form": form, "org_nav": _org_nav(request)},
    )


# --- Team --------------------------------------------------------------------------------------


def _team_page(request: HttpRequest, *, invite_form: InviteForm | None = None) -> HttpResponse:
    organizer, membership = _org(request), _membership(request)
    can_manage_owners = role_has(membership.role, "team.manage_owners")
    role_choices = [
        (value, label) for value, label in Role.choices if can_manage_owners or value != Role.OWNER
    ]
    context = {
        "organizer": organizer,
        "membership": membership,
        "org_nav": _org_nav(request),
        "ttl_days": services.invitation_ttl_days(),
        "members": selectors.team_list(organizer=organizer),
        "invitations": selectors.invitation_pending_statuses(organizer=organizer),
        "invite_form": invite_form or InviteForm(can_invite_owner=can_manage_owners),
        "can_manage_owners": can_manage_owners,
        "role_choices": role_choices,
        "role_descriptions": [(label, ROLE_DESCRIPTIONS[value]) for value, label in Role.choices],
    }
    return render(request, "organizers/team.html", context)


@organizer_view("team.manage")
@require_http_methods(["GET", "HEAD"])
def team(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


@organizer_view("team.manage")
@require_POST
def team_invite(request: HttpRequest) -> HttpResponse:
    organizer = _org(request)
    can_manage_owners = role_has(_membership(request).role, "team.manage_owners")
    form = InviteForm(request.POST, can_invite_owner=can_manage_owners)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=_user(request),
                organizer=organizer,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works for "
                f"{services.invitation_ttl_days()} days.",
            )
            return redirect("organizers:team", organizer_slug=organizer.slug)
    return _team_page(request, invite_form=form)


def _member_or_404(request: HttpRequest, membership_id: int) -> Membership:
    member = selectors.membership_get(organizer=_org(request), membership_id=membership_id)
    if member is None:
        raise errors.MemberNotFound()
    return member


@organizer_view("team.manage")
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    organizer = _org(request)
    member = _member_or_404(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
    else:
        try:
            services.member_role_change(
                actor=_user(request),
                organizer=organizer,
                membership=member,
                role=form.cleaned_data["role"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            label = Role(form.cleaned_data["role"]).label
            messages.success(request, f"{member.user.get_full_name()} is now {label.lower()}.")
    return redirect("organizers:team", organizer_slug=organizer.slug)


@organizer_view("team.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    """GET asks for confirmation (no JavaScript needed); POST removes."""
    organizer = _org(request)
    member = _member_or_404(request, membership_id)
    if request.method == "POST":
        try:
            services.member_remove(actor=_user(request), organizer=organizer, membership=member)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"{member.user.get_full_name()} was removed from {organizer.name}."
            )
            if member.user_id == request.user.pk:
                return redirect("organizers:home")
        return redirect("organizers:team", organizer_slug=organizer.slug)
    return render(
        request,
        "organizers/member_remove.html",
        {
            "organizer": organizer,
            "org_nav": _org_nav(request),
            "member": member,
            "is_self": member.user_id == request.user.pk,
        },
    )


@organizer_view("team.manage")
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    organizer = _org(request)
    invitation = selectors.invitation_get(organizer=organizer, invitation_id=invitation_id)
    if invitation is None:
        raise errors.InvitationNotFound("That invitation was not found.")
    try:
        services.invitation_revoke(actor=_user(request), organizer=organizer, invitation=invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation for {invitation.email} was withdrawn.")
    return redirect("organizers:team", organizer_slug=organizer.slug)


# --- Accepting an invitation ---------------------------------------------------------------------

_STATE_STATUS = {"pending": 200, "expired": 410, "revoked": 410, "accepted": 410}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link sees whom it invites; only the invited account can accept."""
    user_id = request.user.pk if request.user.is_authenticated else None
    found = selectors.invitation_by_token(token=token, user_id=user_id)
    if found is None:
        return _accept_page(request, None, error=errors.InvitationNotFound(), status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(_with_next(reverse("accounts:login"), request.path))
        try:
            membership = services.invitation_accept(actor=_user(request), token=token)
        except DomainError as error:
            return _accept_page(request, found, error=error, status=error.status)
        organizer = found.invitation.organizer
        messages.success(
            request,
            f"Welcome to {organizer.name}! You joined as {membership.get_role_display().lower()}.",
        )
        return redirect("organizers:dashboard", organizer_slug=organizer.slug)
    gone = None if found.usable else services.invitation_state_error(found.state)
    return _accept_page(request, found, error=gone, status=_STATE_STATUS[found.state])


def _with_next(url: str, next_path: str) -> str:
    return f"{url}?{urlencode({'next': next_path})}"


def _accept_page(
    request: HttpRequest,
    found: selectors.InvitationStatus | None,
    *,
    error: DomainError | None,
    status: int,
) -> HttpResponse:
    email_matches = (
        found is not None
        and request.user.is_authenticated
        and _user(request).email.casefold() == found.invitation.email.casefold()
    )
    context = {
        "found": found,
        "invitation": found.invitation if found else None,
        "organizer": found.invitation.organizer if found else None,
        "role_description": ROLE_DESCRIPTIONS[found.invitation.role] if found else "",
        "error": error,
        "email_matches": email_matches,
        "login_url": _with_next(reverse("accounts:login"), request.path),
        "signup_url": _with_next(reverse("accounts:signup"), request.path),
    }
    return render(request, "organizers/invitation_accept.html", context, status=status)
