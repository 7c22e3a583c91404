"""Tracked outgoing emails: one ``Message`` row per email the platform owes somebody.

The row is written in the transaction of the change that causes the email (with the task that
sends it), so a committed change always has its email on record and a rolled-back change leaves
none. The sending task, its retries and the provider's delivery webhooks move the row through its
statuses (docs/email.md):

    queued ──send──▶ sent ──webhook──▶ delivered ──▶ complained
      │  ▲            └──────webhook──▶ bounced
      └──┘ retry with backoff; after MAX_ATTEMPTS: failed
"""

from __future__ import annotations

from django.db import models

from blackcanyon.core import clock
from blackcanyon.organizers.models import Organizer


class MessageKind(models.TextChoices):
    ORDER_CONFIRMATION = "order_confirmation", "Order confirmation"
    ORDER_CANCELLED = "order_cancelled", "Order cancellation"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    COMPLAINED = "complained", "Marked as spam"


# How far along a message is: a provider event only ever moves a message forward, so an event
# that arrives late (delivered after bounced) or twice changes nothing.
STATUS_RANK: dict[str, int] = {
    MessageStatus.QUEUED: 0,
    MessageStatus.FAILED: 1,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.BOUNCED: 3,
    MessageStatus.COMPLAINED: 3,
}


class Message(models.Model):
    """One email to one recipient, with its delivery history in timestamps."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    kind = models.CharField(max_length=32, choices=MessageKind.choices)
    to_email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last sending error or the provider's bounce reason, shortened and with configured
    # secrets removed (services._safe_error). Never a password or an API key.
    last_error = models.CharField(max_length=500, blank=True)
    # The provider's id (anymail's message_id, Resend's email id), or the Message-ID header we
    # set for plain SMTP. Delivery webhooks find the message by it.
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def retrying(self) -> bool:
        """Queued again after a failed attempt, waiting for its next try."""
        return self.status == MessageStatus.QUEUED and self.attempts > 0
