"""Orders: a reservation is an order in state ``reserved``; paying turns it into tickets.

Lifecycle (each arrow is one service function with an audit entry):
reserved → pending → paid → cancelled / refunded; reserved / pending → expired.
Capacity is held from ``reserved`` until the order expires or is cancelled (``released_at``).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q

from blackcanyon.core.models import TimeStampedModel
from blackcanyon.core.money import CURRENCY_CHOICES, Money
from blackcanyon.events.models import Event, TicketType
from blackcanyon.organizers.models import Organizer
from blackcanyon.tickets.signing import SECRET_BYTES, new_secret


class OrderStatus(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    PENDING = "pending", "Pending payment"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    EXPIRED = "expired", "Expired"


# Orders whose seats are held against capacity (until released_at is set).
HOLDING_STATUSES = (OrderStatus.RESERVED, OrderStatus.PENDING)
# An organizer may cancel these (a paid order is cancelled with its tickets).
CANCELLABLE_STATUSES = (*HOLDING_STATUSES, OrderStatus.PAID)


class Channel(models.TextChoices):
    WEB = "web", "Online shop"
    BOX_OFFICE = "box_office", "Box office (API)"


class DiscountKind(models.TextChoices):
    PERCENT = "percent", "Percentage off"
    FIXED = "fixed", "Fixed amount off per ticket"
    ACCESS = "access", "Access code (no discount)"


class DiscountCode(TimeStampedModel):
    """A code a buyer enters: a discount, and/or access to hidden ticket types."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="discount_codes")
    code = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=DiscountKind.choices)
    # Percent (1-100) for PERCENT, minor units per ticket for FIXED, 0 for ACCESS.
    value = models.PositiveIntegerField(default=0)
    # Empty: every ticket type of the event.
    ticket_types = models.ManyToManyField(
        TicketType, through="DiscountCodeTicketType", related_name="+", blank=True
    )
    unlocks_hidden = models.BooleanField(default=False)
    max_redemptions = models.PositiveIntegerField(null=True, blank=True)
    # Orders holding or having used the code; only changed by a conditional UPDATE.
    redeemed = models.PositiveIntegerField(default=0, editable=False)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="discountcode_unique_code"),
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True) | Q(redeemed__lte=F("max_redemptions")),
                name="discountcode_redeemed_le_max",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountCodeTicketType(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    discount_code = models.ForeignKey(DiscountCode, on_delete=models.CASCADE)
    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["discount_code", "ticket_type"], name="discountcode_tickettype_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.discount_code_id} → {self.ticket_type_id}"


class Order(TimeStampedModel):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    code = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=16, choices=OrderStatus.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the held seats went back to capacity (expiry, cancellation, refund).
    released_at = models.DateTimeField(null=True, blank=True)
    buyer_name = models.CharField(max_length=150, blank=True)
    buyer_email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    subtotal = models.PositiveIntegerField(default=0)
    discount_total = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    discount_code = models.ForeignKey(
        DiscountCode, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    terms_version = models.CharField(max_length=32, blank=True)
    privacy_version = models.CharField(max_length=32, blank=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    payment_provider = models.CharField(max_length=32, blank=True)
    payment_reference = models.CharField(max_length=128, blank=True)
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="order_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount_total")), name="order_total_adds_up"
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["organizer", "-created_at"]),
            models.Index(fields=["buyer_email"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def cancellable(self) -> bool:
        """An organizer may cancel it (``order_cancel`` refuses the other statuses)."""
        return self.status in CANCELLABLE_STATUSES

    @property
    def awaits_offline_payment(self) -> bool:
        """Worth offering "mark paid": waiting for payment, or expired after the buyer gave their
        details (the money may have arrived another way)."""
        return self.status == OrderStatus.PENDING or (
            self.status == OrderStatus.EXPIRED and self.terms_accepted_at is not None
        )

    @property
    def holds_capacity(self) -> bool:
        return self.released_at is None and self.status in {
            *HOLDING_STATUSES,
            OrderStatus.PAID,
        }


class OrderLine(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.PositiveIntegerField()
    unit_discount = models.PositiveIntegerField(default=0)
    # One name per admission when the event asks for attendee names (filled at checkout).
    attendee_names = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="orderline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_discount__lte=F("unit_price")), name="orderline_discount_le_price"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.ticket_type_id}"

    @property
    def line_total(self) -> int:
        return (self.unit_price - self.unit_discount) * self.quantity


def new_ticket_secret() -> str:
    return new_secret(secrets.token_bytes(SECRET_BYTES))


class TicketStatus(models.TextChoices):
    VALID = "valid", "Valid"
    CANCELLED = "cancelled", "Cancelled"


class Ticket(TimeStampedModel):
    """One admission, issued when its order is paid."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    attendee_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(
        max_length=16, choices=TicketStatus.choices, default=TicketStatus.VALID
    )
    # 8 random bytes, base32: signed into the QR code, typed by door staff, revocable.
    secret = models.CharField(max_length=16, default=new_ticket_secret)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["event", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "secret"], name="ticket_unique_secret")
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} of {self.order_id}"


class PaymentAttempt(TimeStampedModel):
    """Every try to pay an order (a declined card, an approval, a free order)."""

    class Result(models.TextChoices):
        STARTED = "started", "Started"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payment_attempts")
    provider = models.CharField(max_length=32)
    result = models.CharField(max_length=16, choices=Result.choices)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=128, blank=True)
    message = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.result} {self.amount} {self.currency}"
