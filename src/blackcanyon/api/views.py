"""Organizer pages for API tokens (list, create — the token is shown once —, revoke), and the JSON
404 for addresses under /api/ that are no endpoint."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from blackcanyon.api import selectors, services
from blackcanyon.api.errors import ApiTokenNotFound, EndpointNotFound
from blackcanyon.api.forms import TokenCreateForm
from blackcanyon.api.models import ApiToken
from blackcanyon.core.errors import DomainError
from blackcanyon.core.forms import add_domain_error
from blackcanyon.organizers.access import organizer_view
from blackcanyon.organizers.models import Organizer
from blackcanyon.organizers.views import _org_nav


def _org(request: HttpRequest) -> Organizer:
    return cast(Organizer, request.organizer)  # type: ignore[attr-defined]


def _token_or_404(request: HttpRequest, token_id: int) -> ApiToken:
    token = selectors.api_token_get(organizer=_org(request), token_id=token_id)
    if token is None:
        raise ApiTokenNotFound()
    return token


def _list_page(request: HttpRequest, *, form: TokenCreateForm | None = None) -> HttpResponse:
    organizer = _org(request)
    context = {
        "organizer": organizer,
        "org_nav": _org_nav(request),
        "tokens": selectors.api_token_list(organizer=organizer),
        "form": form or TokenCreateForm(),
        "api_root": settings.PUBLIC_APP_URL + "/api/v1/",
    }
    return render(request, "api/tokens.html", context)


@organizer_view("api.manage")
@require_http_methods(["GET", "HEAD"])
def token_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@organizer_view("api.manage")
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def token_create(request: HttpRequest) -> HttpResponse:
    """POST creates a token and shows it once (the response is never cached; reloading or going
    back does not show it again). GET is the list page with the form."""
    if request.method != "POST":
        return redirect("api:tokens", organizer_slug=_org(request).slug)
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, plaintext = services.api_token_create(
                actor=request.user, organizer=_org(request), name=form.cleaned_data["name"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            context = {
                "organizer": _org(request),
                "org_nav": _org_nav(request),
                "token": token,
                "plaintext": plaintext,
                "api_root": settings.PUBLIC_APP_URL + "/api/v1/",
            }
            return render(request, "api/token_created.html", context)
    return _list_page(request, form=form)


@organizer_view("api.manage")
@require_http_methods(["GET", "HEAD", "POST"])
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks for confirmation (no JavaScript needed); POST revokes."""
    token = _token_or_404(request, token_id)
    if request.method == "POST":
        try:
            services.api_token_revoke(actor=request.user, token=token)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{token.name}” was revoked. It no longer works.")
        return redirect("api:tokens", organizer_slug=_org(request).slug)
    return render(
        request,
        "api/token_revoke.html",
        {"organizer": _org(request), "org_nav": _org_nav(request), "token": token},
    )


@never_cache
def api_index(request: HttpRequest) -> HttpResponse:
    """``/api/v1/``: where the documentation and the schema are (no token needed)."""
    return JsonResponse(
        {
            "name": "Black Canyon Tickets API",
            "version": "1",
            "docs": request.build_absolute_uri(reverse("api-v1:openapi-view")),
            "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        }
    )


@never_cache
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Any address under /api/ that is no endpoint: a JSON 404 (never the HTML error page),
    pointing at the address with a trailing slash when that one exists."""
    message = EndpointNotFound.default_message
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            pass
        else:
            if match.url_name != "api_not_found":
                message = f"Did you mean {request.path}/ ? API addresses end with a slash."
    return JsonResponse(EndpointNotFound(message).to_json(), status=404)
