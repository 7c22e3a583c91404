"""Reads for accounts. Users are not organizer-owned: no tenant context is needed."""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from blackcanyon.accounts.models import User, normalize_email


def user_get(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def user_active_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_active=True).first()


def email_is_registered(*, email: str, exclude_user_id: int | None = None) -> bool:
    qs = User.objects.filter(email=normalize_email(email))
    if exclude_user_id is not None:
        qs = qs.exclude(pk=exclude_user_id)
    return qs.exists()


def user_uidb64(user: User) -> str:
    return urlsafe_base64_encode(str(user.pk).encode())


def user_from_uidb64(uidb64: str) -> User | None:
    """The active user a password-reset link's ``uidb64`` names, or ``None`` when malformed."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
