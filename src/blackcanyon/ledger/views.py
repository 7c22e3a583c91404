"""The organizer's money pages: balance, payouts and ledger entries (read-only, thin)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from blackcanyon.core.money import Money
from blackcanyon.ledger import selectors
from blackcanyon.ledger.models import JournalEntry
from blackcanyon.organizers.access import organizer_view
from blackcanyon.organizers.models import Organizer

# Balances and payouts are the business's finances: owners and admins (not event staff).
PERMISSION = "organizer.manage"
PAGE_SIZE = 50
RECENT_PAYOUTS = 5


def _organizer(request: HttpRequest) -> Organizer:
    return request.organizer  # type: ignore[attr-defined]


@require_GET
@organizer_view(PERMISSION)
def balance(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    payouts = selectors.organizer_payouts(organizer_id=organizer.pk)
    return render(
        request,
        "ledger/balance.html",
        {
            "organizer": organizer,
            "balances": selectors.organizer_balances(organizer_id=organizer.pk),
            "payouts": payouts[:RECENT_PAYOUTS],
            "more_payouts": len(payouts) > RECENT_PAYOUTS,
        },
    )


@require_GET
@organizer_view(PERMISSION)
def payout_list(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    payouts = selectors.organizer_payouts(organizer_id=organizer.pk)
    page = Paginator(payouts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/payouts.html",
        {"organizer": organizer, "page": page, "payouts": page.object_list},
    )


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: JournalEntry
    amount: Money
    change: Money  # how the entry moved the organizer's available balance

    @property
    def change_text(self) -> str:
        text = self.change.format()
        return f"+{text}" if self.change.amount > 0 else text


@require_GET
@organizer_view(PERMISSION)
def entry_list(request: HttpRequest) -> HttpResponse:
    organizer = _organizer(request)
    entries = selectors.organizer_entries(organizer_id=organizer.pk)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        EntryRow(
            entry=entry,
            amount=Money(entry.amount, entry.currency),
            change=Money(-int(entry.organizer_total or 0), entry.currency),  # type: ignore[attr-defined]
        )
        for entry in page.object_list
    ]
    return render(
        request,
        "ledger/entries.html",
        {"organizer": organizer, "page": page, "rows": rows},
    )
