from __future__ import annotations

from django.conf import settings
from django.db import models

from blackcanyon.core.models import TimeStampedModel
from blackcanyon.core.money import CURRENCY_CHOICES


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"
    SCANNER = "scanner", "Scanner"


class Organizer(TimeStampedModel):
    """A tenant: the company or person who runs events. Its own row is public information."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    contact_email = models.EmailField()
    country = models.CharField(max_length=2)
    default_currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    timezone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organizer", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organizer_id}:{self.role}"


class Invitation(TimeStampedModel):
    """An invitation by email to join an organizer's team. Only the token's hash is stored."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation {self.email} → {self.organizer_id}"
