from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Readiness (/ready) comes with the ops issue."""
    return JsonResponse({"status": "ok"})


@require_GET
def legal_terms(request: HttpRequest) -> HttpResponse:
    """The terms of sale buyers accept at checkout (the version is recorded on the order)."""
    return render(request, "core/legal_terms.html", {"version": settings.BCT_TERMS_VERSION})


@require_GET
def legal_privacy(request: HttpRequest) -> HttpResponse:
    """The privacy policy buyers accept at checkout (the version is recorded on the order)."""
    return render(request, "core/legal_privacy.html", {"version": settings.BCT_PRIVACY_VERSION})
