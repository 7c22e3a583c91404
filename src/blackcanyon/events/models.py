from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from blackcanyon.core.models import TimeStampedModel
from blackcanyon.core.money import CURRENCY_CHOICES
from blackcanyon.organizers.models import Organizer


class EventStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


def event_image_path(instance: Event, filename: str) -> str:
    return f"events/{instance.organizer_id}/{filename}"


class Event(TimeStampedModel):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True, help_text="Markdown")
    description_html = models.TextField(blank=True, editable=False)
    venue_name = models.CharField(max_length=200, blank=True)
    venue_address = models.TextField(blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=EventStatus.choices, default=EventStatus.DRAFT, db_index=True
    )
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # Seats taken over all ticket types (orders + live reservations); always the sum of the
    # types' ``taken``. Changed only by orders.inventory's conditional UPDATEs.
    taken = models.PositiveIntegerField(default=0, editable=False)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    ask_attendee_names = models.BooleanField(
        default=False, help_text="Ask buyers for the name of each attendee at checkout."
    )
    image = models.ImageField(upload_to=event_image_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organizer", "slug"], name="event_unique_slug"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(taken__lte=F("capacity")),
                name="event_taken_le_capacity",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class TicketType(TimeStampedModel):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = models.PositiveIntegerField(help_text="Minor units (cents)")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    capacity = models.PositiveIntegerField()
    # Seats taken by orders and live reservations; only ever changed by a conditional UPDATE.
    taken = models.PositiveIntegerField(default=0, editable=False)
    sales_start = models.DateTimeField(null=True, blank=True)
    sales_end = models.DateTimeField(null=True, blank=True)
    min_per_order = models.PositiveSmallIntegerField(default=1)
    max_per_order = models.PositiveSmallIntegerField(default=10)
    hidden = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="tickettype_taken_le_capacity"
            ),
            models.CheckConstraint(
                condition=Q(min_per_order__gte=1) & Q(max_per_order__gte=F("min_per_order")),
                name="tickettype_order_limits",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> int:
        return max(self.capacity - self.taken, 0)
