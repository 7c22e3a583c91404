"""Shop forms: they parse what the buyer sent; the rules (limits, availability, what a valid name
or email is) live in the orders services, whose errors are shown with
``core.forms.add_domain_error``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from blackcanyon.core.errors import DomainError
from blackcanyon.events.selectors import TicketOffer
from blackcanyon.orders import errors
from blackcanyon.orders.models import Order, OrderLine

# The most a quantity may say before the service explains the real limit (max per order).
QUANTITY_CEILING = 1000
CODE_ERRORS = (errors.InvalidCode, errors.CodeUsedUp, errors.CodeNotValidNow)


class _Form(forms.Form):
    """Labels without a trailing colon (house style)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def quantity_choices(offer: TicketOffer) -> list[tuple[int, str]]:
    """0, then min_per_order .. min(max_per_order, seats left) for a type on sale; else only 0."""
    ticket_type = offer.ticket_type
    if not offer.availability.on_sale:
        return [(0, "0")]
    upper = min(ticket_type.max_per_order, offer.availability.remaining)
    return [(0, "0"), *((n, str(n)) for n in range(ticket_type.min_per_order, upper + 1))]


class QuantityField(forms.TypedChoiceField):
    """A select of the quantities on offer that still accepts any whole number the page showed
    earlier (availability moves while a buyer decides): the service explains what is possible."""

    def valid_value(self, value: Any) -> bool:
        try:
            number = int(str(value))
        except ValueError:
            return False
        return 0 <= number <= QUANTITY_CEILING


class ReserveForm(_Form):
    """Quantities per ticket type shown on the event page, and an optional code."""

    code = forms.CharField(
        label="Have a code?",
        required=False,
        max_length=40,
        help_text="A discount or access code from the organizer.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, offers: Sequence[TicketOffer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offers = list(offers)
        for offer in self.offers:
            name = self.quantity_name(offer.ticket_type.pk)
            choices = quantity_choices(offer)
            posted = self._posted_quantity(name)
            if posted is not None and posted not in dict(choices):
                # Keep what the buyer chose even if fewer are left now; the message says why.
                choices = sorted({*choices, (posted, str(posted))})
            self.fields[name] = QuantityField(
                label=f"Quantity of {offer.ticket_type.name}",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=0,
            )
        # The code comes last in the form, after the quantities.
        self.order_fields([*(k for k in self.fields if k != "code"), "code"])

    @staticmethod
    def quantity_name(ticket_type_id: int) -> str:
        return f"qty_{ticket_type_id}"

    def _posted_quantity(self, name: str) -> int | None:
        if not self.is_bound:
            return None
        try:
            number = int(str(self.data.get(name, "")))
        except ValueError:
            return None
        return number if 0 <= number <= QUANTITY_CEILING else None

    def quantities(self) -> dict[int, int]:
        """Ticket type id → quantity (zeros included: the service ignores them)."""
        return {
            offer.ticket_type.pk: int(
                self.cleaned_data.get(self.quantity_name(offer.ticket_type.pk)) or 0
            )
            for offer in self.offers
        }

    def rows(self) -> list[tuple[TicketOffer, forms.BoundField]]:
        """Each offer with its quantity field, in page order (for the template)."""
        return [(offer, self[self.quantity_name(offer.ticket_type.pk)]) for offer in self.offers]

    def add_refusal(self, error: DomainError) -> None:
        """A refusal of the reservation: code problems next to the code, the rest on top."""
        if isinstance(error, CODE_ERRORS):
            self.add_error("code", error.message)
        else:
            self.add_error(None, error.message)


class CheckoutForm(_Form):
    """Who buys, who attends (when the event asks) and the acceptance of terms and privacy."""

    buyer_name = forms.CharField(
        label="Your name",
        max_length=150,
        error_messages={"required": "Enter your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    buyer_email = forms.EmailField(
        label="Email",
        max_length=254,
        help_text="Your tickets and the link to your order are sent here.",
        error_messages={
            "required": "Enter your email address: your tickets are sent there.",
            "invalid": "Enter a valid email address: your tickets are sent there.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    accept_terms = forms.BooleanField(
        label="I accept the terms of sale and the privacy policy",
        error_messages={"required": errors.TermsNotAccepted.default_message},
    )

    def __init__(
        self, *args: Any, lines: Sequence[OrderLine], ask_names: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        self.ask_names = ask_names
        if ask_names:
            for line in self.lines:
                for index in range(line.quantity):
                    self.fields[self.attendee_name(line.pk, index)] = forms.CharField(
                        label=f"Attendee {index + 1}",
                        max_length=150,
                        error_messages={"required": "Enter the name of this attendee."},
                        widget=forms.TextInput(attrs={"autocomplete": "off"}),
                    )
        self.order_fields(["buyer_name", "buyer_email"])

    @staticmethod
    def attendee_name(line_id: int, index: int) -> str:
        return f"attendee_{line_id}_{index}"

    @classmethod
    def initial_for(
        cls, order: Order, lines: Sequence[OrderLine], prefill: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """What the buyer entered before (a declined payment, a re-reservation) stays filled."""
        prefill = prefill or {}
        initial: dict[str, Any] = {
            "buyer_name": order.buyer_name or prefill.get("buyer_name", ""),
            "buyer_email": order.buyer_email or prefill.get("buyer_email", ""),
            "accept_terms": order.terms_accepted_at is not None,
        }
        earlier = prefill.get("attendees", [])
        for position, line in enumerate(lines):
            names = list(line.attendee_names or [])
            if not any(names) and position < len(earlier):
                names = list(earlier[position])
            for index, name in enumerate(names[: line.quantity]):
                initial[cls.attendee_name(line.pk, index)] = name
        return initial

    def attendee_rows(self) -> list[tuple[OrderLine, list[forms.BoundField]]]:
        if not self.ask_names:
            return []
        return [
            (line, [self[self.attendee_name(line.pk, i)] for i in range(line.quantity)])
            for line in self.lines
        ]

    def attendee_names(self) -> dict[int, list[str]]:
        if not self.ask_names:
            return {}
        return {
            line.pk: [
                self.cleaned_data.get(self.attendee_name(line.pk, i), "")
                for i in range(line.quantity)
            ]
            for line in self.lines
        }

    def details(self) -> dict[str, Any]:
        """Keyword arguments for ``services.order_submit_details``."""
        return {
            "buyer_name": self.cleaned_data["buyer_name"],
            "buyer_email": self.cleaned_data["buyer_email"],
            "accept_terms": bool(self.cleaned_data["accept_terms"]),
            "attendee_names": self.attendee_names(),
        }

    def entered(self) -> dict[str, Any]:
        """What the buyer typed, to carry over to a new reservation after this one expired."""
        data = self.data
        return {
            "buyer_name": str(data.get("buyer_name", ""))[:150],
            "buyer_email": str(data.get("buyer_email", ""))[:254],
            "attendees": [
                [
                    str(data.get(self.attendee_name(line.pk, i), ""))[:150]
                    for i in range(line.quantity)
                ]
                for line in self.lines
            ],
        }

    def service_field_map(self, error: DomainError) -> dict[str, str]:
        """The service names attendee errors per line (``attendee_<line id>``): show each next
        to that line's first empty name."""
        mapping: dict[str, str] = {}
        for line in self.lines:
            key = f"attendee_{line.pk}"
            if key not in error.fields or not self.ask_names:
                continue
            names = [
                str(self.data.get(self.attendee_name(line.pk, i), "")).strip()
                for i in range(line.quantity)
            ]
            first_blank = next((i for i, n in enumerate(names) if not n), 0)
            mapping[key] = self.attendee_name(line.pk, first_blank)
        return mapping
