"""Coded errors of the notifications app."""

from __future__ import annotations

from blackcanyon.core.errors import DomainError


class Undeliverable(DomainError):
    """An email that can never be composed (its order is gone): failed at once, not retried."""

    code = "email_undeliverable"
    status = 422
    default_message = "This email can no longer be sent."
