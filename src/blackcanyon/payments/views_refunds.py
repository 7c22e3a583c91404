"""The organizer's "Refund…" page for an order (permission ``orders.manage``): choose the whole
order, some tickets, or an amount; confirm; one service call. Thin: refusals become form errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from blackcanyon.core import ratelimit
from blackcanyon.core.errors import DomainError, RateLimited
from blackcanyon.core.forms import add_domain_error
from blackcanyon.core.money import Money, parse_major
from blackcanyon.orders import selectors_organizer
from blackcanyon.orders.models import Order
from blackcanyon.organizers.access import organizer_view
from blackcanyon.organizers.models import Organizer
from blackcanyon.payments import refunds
from blackcanyon.payments.models import Refund, RefundStatus
from blackcanyon.payments.refunds_selectors import RefundPlan, refund_plan

# Each refund may call Stripe: plenty for a person, a wall for a runaway script.
REFUNDS_PER_HOUR = 60
# Each "Try again" on a refund waiting for Stripe asks Stripe again (same key, so never a second
# refund, but a call all the same): a wall for a script that hammers the button.
REFUND_RETRIES_PER_HOUR = 30
MODES = [
    ("full", "The whole order"),
    ("tickets", "Some tickets"),
    ("amount", "An amount"),
]


class RefundForm(forms.Form):
    mode = forms.ChoiceField(label="What to refund", choices=MODES, widget=forms.RadioSelect)
    tickets = forms.TypedMultipleChoiceField(
        label="Tickets to refund",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    amount = forms.CharField(label="Amount", required=False, max_length=20)
    reason = forms.CharField(
        label="Reason (for your records)", required=False, max_length=refunds.REASON_MAX
    )

    def __init__(self, *args: Any, plan: RefundPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        tickets = self.fields["tickets"]
        assert isinstance(tickets, forms.TypedMultipleChoiceField)  # noqa: S101 - narrowing
        if not plan.tickets:  # no ticket left to choose (a cancelled order): money only
            mode = self.fields["mode"]
            assert isinstance(mode, forms.ChoiceField)  # noqa: S101 - narrowing
            mode.choices = [("full", "Everything left to refund"), ("amount", "An amount")]
        tickets.choices = [
            (
                t.ticket_id,
                f"#{t.ticket_id} {t.type_name} · {t.attendee_name or 'no name'} · "
                f"{plan.money(t.price)}",
            )
            for t in plan.tickets
        ]
        self.fields[
            "amount"
        ].help_text = (
            f"In {plan.currency}, at most {plan.refundable_money} (what is left to refund)."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        if mode == "tickets" and not data.get("tickets"):
            self.add_error("tickets", "Choose at least one ticket.")
        if mode == "amount":
            try:
                data["amount_minor"] = parse_major(data.get("amount") or "", self.plan.currency)
            except ValueError:
                self.add_error("amount", "Enter an amount such as 12.50.")
        return data


def _organizer(request: HttpRequest) -> Organizer:
    return request.organizer  # type: ignore[attr-defined]


def _order(request: HttpRequest, code: str) -> Order:
    return selectors_organizer.order_get_for_organizer(organizer=_organizer(request), code=code)


def _to_order(request: HttpRequest, order: Order) -> HttpResponse:
    return redirect(
        "orders:organizer_order_detail", organizer_slug=_organizer(request).slug, code=order.code
    )


def _done_message(refund: Refund) -> str:
    money = Money(refund.amount, refund.currency)
    if refund.status == RefundStatus.REQUESTED:
        return f"The refund of {money} is waiting for Stripe; try again in a minute."
    outside = " Return the money to the buyer yourself." if refund.source == "outside" else ""
    emailed = " The buyer has been emailed." if refund.order.buyer_email else ""
    return f"Refunded {money}.{outside}{emailed}"


@require_http_methods(["GET", "POST"])
@organizer_view("orders.manage")
def order_refund(request: HttpRequest, code: str) -> HttpResponse:
    order = _order(request, code)
    plan = refund_plan(order=order)
    refusal = refunds.refund_refusal(plan=plan)
    if refusal is not None:
        messages.info(request, refusal)
        return _to_order(request, order)
    form = RefundForm(request.POST if request.method == "POST" else None, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ratelimit.hit(
                scope="order_refund", identity=str(order.organizer_id), limit=REFUNDS_PER_HOUR
            )
            refund = refunds.refund_create(
                actor=request.user,
                order=order,
                full=data["mode"] == "full",
                ticket_ids=data["tickets"] if data["mode"] == "tickets" else (),
                amount=data.get("amount_minor") if data["mode"] == "amount" else None,
                reason=data.get("reason") or "",
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _done_message(refund))
            return _to_order(request, order)
    return render(
        request,
        "payments/refund.html",
        {
            "organizer": _organizer(request),
            "order": order,
            "event": order.event,
            "plan": plan,
            "form": form,
        },
    )


@require_POST
@organizer_view("orders.manage")
def refund_retry(request: HttpRequest, code: str, refund_id: int) -> HttpResponse:
    """Send a refund Stripe could not take again (same Refund, same idempotency key)."""
    order = _order(request, code)
    refund = Refund.objects.filter(pk=refund_id, order=order).first()
    if refund is None or refund.status != RefundStatus.REQUESTED:
        messages.info(request, "That refund is not waiting any more.")
        return _to_order(request, order)
    try:
        ratelimit.hit(
            scope="refund_retry", identity=str(order.organizer_id), limit=REFUND_RETRIES_PER_HOUR
        )
        refund = refunds.refund_send(refund=refund, actor=request.user)
    except RateLimited as error:
        messages.error(request, f"The refund is still waiting for Stripe. {error.message}")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _done_message(refund))
    return _to_order(request, order)
