"""Organizer API tokens: bearer secrets scoped to one organizer, stored only as a hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from blackcanyon.core import clock
from blackcanyon.organizers.models import Organizer


class ApiToken(models.Model):
    """A token ``bct_<prefix>_<secret>``: shown once when created, then only its ``prefix``.

    ``token_hash`` is the sha256 of the whole token (the secret has 256 bits of entropy, so a
    slow hash adds nothing). Revoking keeps the row for the audit trail and the token list.
    """

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "prefix"], name="apitoken_unique_prefix")
        ]

    def __str__(self) -> str:
        return f"{self.name} (bct_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
