"""Per-event signing keys and the revocation list of ticket secrets.

A ticket's QR code carries claims signed with its event's Ed25519 key (``tickets.signing``).
The private key is stored encrypted (``tickets.keys``) and never leaves the server; scanners get
the public key and the revocation list so they can check tickets offline.
"""

from __future__ import annotations

from django.db import models

from blackcanyon.core.models import TimeStampedModel
from blackcanyon.events.models import Event
from blackcanyon.organizers.models import Organizer


class EventKey(TimeStampedModel):
    """The event's Ed25519 key pair (one per event, created on first use)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="signing_key")
    # Raw 32-byte public key, base64url without padding.
    public_key = models.CharField(max_length=64)
    # Raw 32-byte private key encrypted with a key derived from SECRET_KEY (Fernet token).
    private_key_encrypted = models.TextField()

    def __str__(self) -> str:
        return f"Key of event {self.event_id}"


class RevocationReason(models.TextChoices):
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    REISSUED = "reissued", "Re-issued"


class RevokedSecret(models.Model):
    """A ticket secret that must no longer admit anyone (scanners download this list)."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    secret = models.CharField(max_length=16)
    ticket_id = models.BigIntegerField()
    reason = models.CharField(max_length=16, choices=RevocationReason.choices)
    revoked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "secret"], name="revokedsecret_unique")
        ]
        indexes = [models.Index(fields=["event", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.secret} ({self.reason})"
