"""Platform staff pages: the ledger's reconciliation with Stripe (thin adapters).

Only active ``is_staff`` users (platform staff, as for ``/admin/``); signed-out visitors are sent
to log in, anyone else gets a 404 — organizers never learn the page exists.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from blackcanyon.core import ratelimit
from blackcanyon.core.errors import DomainError, NotFound
from blackcanyon.ledger import reconcile_selectors as selectors
from blackcanyon.ledger.reconcile_runs import MANUAL_RUNS_PER_HOUR, reconciliation_request
from blackcanyon.payments.stripe.client import stripe_enabled

PAGE_SIZE = 30


class NotPlatformStaff(NotFound):
    code = "ledger_staff_only"
    default_message = "Not found."


class RunNotFound(NotFound):
    code = "ledger_reconciliation_run_not_found"
    default_message = "That reconciliation run does not exist."


class DifferenceNotFound(NotFound):
    code = "ledger_reconciliation_difference_not_found"
    default_message = "That run has no such difference."


View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise NotPlatformStaff()
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@never_cache
@staff_view
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.reconciliation_runs(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/staff/runs.html",
        {"page": page, "runs": page.object_list, "stripe_enabled": stripe_enabled()},
    )


@require_GET
@never_cache
@staff_view
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.reconciliation_run_get(run_id=run_id)
    if run is None:
        raise RunNotFound()
    return render(
        request,
        "ledger/staff/run.html",
        {
            "run": run,
            "rows": selectors.reconciliation_differences(run=run),
            "totals": selectors.stripe_totals(run=run),
        },
    )


@require_GET
@never_cache
@staff_view
def difference_detail(request: HttpRequest, run_id: int, difference_id: int) -> HttpResponse:
    detail = selectors.reconciliation_difference_get(run_id=run_id, difference_id=difference_id)
    if detail is None:
        raise DifferenceNotFound()
    return render(
        request,
        "ledger/staff/difference.html",
        {"detail": detail, "row": detail.row, "d": detail.row.difference},
    )


@require_POST
@staff_view
def run_now(request: HttpRequest) -> HttpResponse:
    try:
        ratelimit.hit(
            scope="ledger_reconcile_now", identity=str(request.user.pk), limit=MANUAL_RUNS_PER_HOUR
        )
        reconciliation_request(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Reconciliation queued: the new run appears here when the worker is done."
        )
    return redirect("ledger:staff_runs")
