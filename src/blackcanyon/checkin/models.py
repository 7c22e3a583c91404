"""Check-in lists, scans and scanner devices.

A **check-in list** says which tickets of an event a door admits (every ticket type, or some) and
whether a ticket may come back in after leaving. Every scan a device sends is one **Scan** row —
the record of what happened at the door, never rewritten except to mark it undone. A ticket's
state on a list is derived from its scans: the latest valid, not undone scan is flagged
``is_current``; it is inside when that scan is an entry. A partial unique constraint keeps at most
one current scan per (list, ticket) — the database's wall against two doors admitting the same
ticket at once (the service also locks the ticket row, see ``services/scans.py``).

A **scanner device** is a phone or handheld set up with a token (``bctd_...``) that may scan one
event (optionally one list) without anyone logging in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from blackcanyon.core import clock
from blackcanyon.core.models import TimeStampedModel
from blackcanyon.events.models import Event, TicketType
from blackcanyon.organizers.models import Organizer


class Direction(models.TextChoices):
    ENTRY = "entry", "Entry"
    EXIT = "exit", "Exit"


class ScanStatus(models.TextChoices):
    """The answer a scan gets (the check-in API's ``status``): green, amber or red."""

    VALID = "valid", "Valid"
    ALREADY_CHECKED_IN = "already_checked_in", "Already checked in"
    REVOKED = "revoked", "Revoked"
    INVALID = "invalid", "Invalid"
    WRONG_EVENT = "wrong_event", "Wrong event"
    NOT_YET_VALID = "not_yet_valid", "Not valid yet"
    EXPIRED = "expired", "Expired"
    NOT_ON_LIST = "not_on_list", "Not on this list"
    NOT_INSIDE = "not_inside", "Not inside"


class CheckInList(TimeStampedModel):
    """Which tickets of an event one door admits, and how."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_lists")
    name = models.CharField(max_length=100)
    # True: every ticket type of the event (also ones added later); False: ``ticket_types``.
    all_ticket_types = models.BooleanField(default=True)
    ticket_types = models.ManyToManyField(
        TicketType, through="CheckInListTicketType", related_name="+", blank=True
    )
    allow_reentry = models.BooleanField(default=False)
    # Door staff see attendees' names only when the organizer turns this on.
    show_attendee_names = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="checkinlist_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CheckInListTicketType(models.Model):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    checkin_list = models.ForeignKey(CheckInList, on_delete=models.CASCADE)
    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkin_list", "ticket_type"], name="checkinlisttickettype_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checkin_list_id} → {self.ticket_type_id}"


class ScannerDevice(models.Model):
    """A device token ``bctd_<prefix>_<secret>``: shown once, stored as its sha256 (the secret
    has 256 bits, so a slow hash adds nothing), revocable. Scoped to one event and, when
    ``checkin_list`` is set, to that list only."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    checkin_list = models.ForeignKey(
        CheckInList, null=True, blank=True, on_delete=models.CASCADE, related_name="devices"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "prefix"], name="scannerdevice_prefix")
        ]

    def __str__(self) -> str:
        return f"{self.name} (bctd_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Scan(models.Model):
    """One scan as a device sent it, with the server's answer. Idempotent by
    ``client_scan_id`` (unique per organizer): a retried upload finds the stored row."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    checkin_list = models.ForeignKey(CheckInList, on_delete=models.RESTRICT, related_name="scans")
    event = models.ForeignKey(Event, on_delete=models.RESTRICT, related_name="+")
    ticket = models.ForeignKey(
        "orders.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The ticket secret the scan presented (empty when the payload could not be read).
    secret = models.CharField(max_length=16, blank=True)
    client_scan_id = models.CharField(max_length=64)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    status = models.CharField(max_length=24, choices=ScanStatus.choices)
    scanned_at = models.DateTimeField(help_text="The device's clock")
    received_at = models.DateTimeField(default=clock.now)
    gate = models.CharField(max_length=40, blank=True)
    offline = models.BooleanField(default=False)
    # What an offline device showed at the door ("" when it decided nothing).
    client_status = models.CharField(max_length=24, blank=True)
    # Admitted offline while the server says it should not have been (e.g. already inside).
    conflict = models.BooleanField(default=False)
    # The latest valid, not undone scan of this ticket on this list (its state).
    is_current = models.BooleanField(default=False)
    # For "already checked in": when and where the ticket came in, as answered then.
    previous_at = models.DateTimeField(null=True, blank=True)
    previous_gate = models.CharField(max_length=40, blank=True)
    device = models.ForeignKey(
        ScannerDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_token = models.ForeignKey(
        "api.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "client_scan_id"], name="scan_unique_client_scan_id"
            ),
            models.UniqueConstraint(
                fields=["checkin_list", "ticket"],
                condition=Q(is_current=True),
                name="scan_one_current_per_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["checkin_list", "ticket"], name="scan_list_ticket"),
            models.Index(fields=["event", "-received_at"], name="scan_event_received"),
        ]

    def __str__(self) -> str:
        return f"{self.client_scan_id}: {self.status}"

    @property
    def admitted(self) -> bool:
        return self.status == ScanStatus.VALID and self.undone_at is None
