"""Every write for accounts: signup, email verification, password and email changes, erasure.

Each service runs in one transaction with its audit entry (``organizer=None``: accounts belong to
no organizer) and queues its emails in that transaction, so a rolled-back change sends nothing.
Audit data never holds email addresses, names, passwords or tokens.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse

from blackcanyon.accounts import selectors, tokens
from blackcanyon.accounts.errors import (
    EmailAlreadyRegistered,
    EmailAlreadyVerified,
    EmailUnchanged,
    LinkInvalid,
    WeakPassword,
    WrongPassword,
)
from blackcanyon.accounts.models import User, normalize_email
from blackcanyon.core import audit, clock
from blackcanyon.core.errors import PermissionDenied, ValidationFailed
from blackcanyon.notifications.services import email_enqueue

FULL_NAME_MAX = 150
RESET_LINK_BAD = "This password reset link is invalid or has expired."


# --- helpers ---------------------------------------------------------------------------------


def _absolute(name: str, **kwargs: Any) -> str:
    return settings.PUBLIC_APP_URL + reverse(f"accounts:{name}", kwargs=kwargs)


def duration_text(seconds: int) -> str:
    """'3 days', '3 hours', '15 minutes' — for emails and pages that tell when a link expires."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    n = max(1, seconds // 60)
    return f"{n} minute{'' if n == 1 else 's'}"


def _clean_email(email: str, *, field: str) -> str:
    value = normalize_email(email)
    try:
        validate_email(value)
    except ValidationError:
        message = "Enter a valid email address."
        raise ValidationFailed(message, fields={field: [message]}) from None
    return value


def _clean_full_name(full_name: str) -> str:
    value = " ".join(full_name.split())
    if len(value) > FULL_NAME_MAX:
        message = f"Use at most {FULL_NAME_MAX} characters."
        raise ValidationFailed(message, fields={"full_name": [message]})
    return value


def _check_password_strength(password: str, user: User, *, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise WeakPassword(" ".join(exc.messages), fields={field: list(exc.messages)}) from None


def _check_current_password(user: User, password: str) -> None:
    if not user.check_password(password):
        raise WrongPassword(fields={"current_password": [WrongPassword.default_message]})


def _email_taken(field: str) -> EmailAlreadyRegistered:
    return EmailAlreadyRegistered(fields={field: [EmailAlreadyRegistered.default_message]})


def _locked_user(user_id: Any) -> User | None:
    if not isinstance(user_id, int):
        return None
    return User.objects.select_for_update().filter(pk=user_id, is_active=True).first()


def _enqueue_verification(user: User) -> None:
    token = tokens.sign({"u": user.pk, "e": user.email}, salt=tokens.VERIFY_EMAIL_SALT)
    email_enqueue(
        to=user.email,
        template="account_verify_email",
        context={
            "name": user.get_short_name(),
            "link": _absolute("verify_email", token=token),
            "expires_in": duration_text(settings.BCT_EMAIL_VERIFICATION_TTL),
        },
    )


def _enqueue_password_changed(user: User) -> None:
    email_enqueue(
        to=user.email,
        template="password_changed",
        context={
            "name": user.get_short_name(),
            "reset_link": _absolute("password_reset"),
            "when": clock.now().strftime("%Y-%m-%d %H:%M UTC"),
        },
    )


def _forget_login_failures(username: str) -> None:
    """Clear django-axes lockout counters for ``username`` (a proven owner may log in again)."""
    AccessAttempt.objects.filter(username=username).delete()


# --- signup and verification -----------------------------------------------------------------


def user_signup(*, email: str, full_name: str, password: str) -> User:
    """Create an account whose email is not verified yet and queue the verification email.

    Raises ``ValidationFailed`` (bad email or name), ``WeakPassword`` and
    ``EmailAlreadyRegistered``. The new user is the actor of the audit entry.
    """
    email = _clean_email(email, field="email")
    full_name = _clean_full_name(full_name)
    if selectors.email_is_registered(email=email):  # first: logging in is the real answer
        raise _email_taken("email")
    _check_password_strength(password, User(email=email, full_name=full_name))
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, full_name=full_name)
            audit.record(actor=user, action="accounts.user.signed_up", obj=user)
            _enqueue_verification(user)
    except IntegrityError:  # a concurrent signup with the same address won
        raise _email_taken("email") from None
    return user


def user_send_verification_email(*, actor: User, user: User) -> None:
    """Queue a fresh verification link for ``user``. Raises ``EmailAlreadyVerified``."""
    if user.is_verified:
        raise EmailAlreadyVerified()
    with transaction.atomic():
        _enqueue_verification(user)
        audit.record(actor=actor, action="accounts.user.verification_sent", obj=user)


def user_verify_email(*, token: str) -> User:
    """Mark the address a verification link was sent to as verified; idempotent.

    Raises ``LinkExpired`` after ``BCT_EMAIL_VERIFICATION_TTL`` seconds and ``LinkInvalid`` for a
    tampered link or one for an address the account no longer has.
    """
    payload = tokens.unsign(
        token, salt=tokens.VERIFY_EMAIL_SALT, max_age=settings.BCT_EMAIL_VERIFICATION_TTL
    )
    with transaction.atomic():
        user = _locked_user(payload.get("u"))
        if user is None or user.email != payload.get("e"):
            raise LinkInvalid()
        if user.email_verified_at is None:
            user.email_verified_at = clock.now()
            user.save(update_fields=["email_verified_at"])
            audit.record(actor=user, action="accounts.user.email_verified", obj=user)
    return user


# --- profile, password, email ----------------------------------------------------------------


def user_update_profile(*, actor: User, full_name: str) -> User:
    """Change the signed-in user's display name. Raises ``ValidationFailed``."""
    full_name = _clean_full_name(full_name)
    if full_name == actor.full_name:
        return actor
    with transaction.atomic():
        actor.full_name = full_name
        actor.save(update_fields=["full_name"])
        audit.record(
            actor=actor,
            action="accounts.user.profile_updated",
            obj=actor,
            data={"fields": ["full_name"]},
        )
    return actor


def user_change_password(*, actor: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one; emails a notice to the account.

    Other sessions end (their auth hash no longer matches); the caller keeps its own with
    ``update_session_auth_hash``. Raises ``WrongPassword`` and ``WeakPassword``.
    """
    _check_current_password(actor, current_password)
    _check_password_strength(new_password, actor, field="new_password")
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit.record(actor=actor, action="accounts.user.password_changed", obj=actor)
        _enqueue_password_changed(actor)


def user_request_email_change(*, actor: User, current_password: str, new_email: str) -> None:
    """Send a confirmation link to ``new_email`` and a heads-up to the current address.

    Nothing changes until the link is followed (``user_confirm_email_change``). The link dies
    when the password or the email changes first. Raises ``ValidationFailed``,
    ``EmailUnchanged``, ``WrongPassword`` and ``EmailAlreadyRegistered``.
    """
    new_email = _clean_email(new_email, field="new_email")
    if new_email == actor.email:
        raise EmailUnchanged(fields={"new_email": [EmailUnchanged.default_message]})
    _check_current_password(actor, current_password)
    if selectors.email_is_registered(email=new_email, exclude_user_id=actor.pk):
        raise _email_taken("new_email")
    token = tokens.sign(
        {
            "u": actor.pk,
            "o": actor.email,
            "n": new_email,
            "p": tokens.password_fingerprint(actor.password),
        },
        salt=tokens.CHANGE_EMAIL_SALT,
    )
    expires_in = duration_text(settings.BCT_EMAIL_VERIFICATION_TTL)
    with transaction.atomic():
        email_enqueue(
            to=new_email,
            template="account_email_change_confirm",
            context={
                "name": actor.get_short_name(),
                "link": _absolute("email_change_confirm", token=token),
                "expires_in": expires_in,
            },
        )
        email_enqueue(
            to=actor.email,
            template="account_email_change_requested",
            context={
                "name": actor.get_short_name(),
                "new_email": new_email,
                "password_link": _absolute("password_reset"),
            },
        )
        audit.record(actor=actor, action="accounts.user.email_change_requested", obj=actor)


def _email_change_payload(token: str) -> dict[str, Any]:
    payload = tokens.unsign(
        token, salt=tokens.CHANGE_EMAIL_SALT, max_age=settings.BCT_EMAIL_VERIFICATION_TTL
    )
    if not isinstance(payload.get("n"), str):
        raise LinkInvalid()
    return payload


def _email_change_still_valid(user: User | None, payload: dict[str, Any]) -> bool:
    return (
        user is not None
        and user.email == payload.get("o")
        and tokens.password_fingerprint(user.password) == payload.get("p")
    )


def email_change_link_target(*, token: str) -> str:
    """The new address a still-usable email-change link would switch to (read only).

    Raises ``LinkExpired`` / ``LinkInvalid`` like ``user_confirm_email_change``.
    """
    payload = _email_change_payload(token)
    user_id = payload.get("u")
    user = selectors.user_get(user_id=user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or not _email_change_still_valid(user, payload):
        raise LinkInvalid()
    return str(payload["n"])


def user_confirm_email_change(*, token: str) -> User:
    """Switch the account to the address the link was sent to (now verified) and tell the
    old address. Raises ``LinkExpired``, ``LinkInvalid`` (tampered, used, password changed
    since) and ``EmailAlreadyRegistered`` (someone registered the address meanwhile)."""
    payload = _email_change_payload(token)
    new_email = str(payload["n"])
    try:
        with transaction.atomic():
            user = _locked_user(payload.get("u"))
            if user is None or not _email_change_still_valid(user, payload):
                raise LinkInvalid()
            if selectors.email_is_registered(email=new_email, exclude_user_id=user.pk):
                raise _email_taken("new_email")
            old_email = user.email
            user.email = new_email
            user.email_verified_at = clock.now()
            user.save(update_fields=["email", "email_verified_at"])
            audit.record(actor=user, action="accounts.user.email_changed", obj=user)
            email_enqueue(
                to=old_email,
                template="account_email_changed",
                context={
                    "name": user.get_short_name(),
                    "new_email": new_email,
                    "support_email": settings.DEFAULT_FROM_EMAIL,
                },
            )
    except IntegrityError:
        raise _email_taken("new_email") from None
    return user


# --- password reset --------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Email a reset link if an active account has this address; do nothing otherwise.

    Callers must answer the same way in both cases (no account enumeration).
    """
    user = selectors.user_active_by_email(email=email)
    if user is None:
        return
    link = _absolute(
        "password_reset_confirm",
        uidb64=selectors.user_uidb64(user),
        token=tokens.password_reset_tokens.make_token(user),
    )
    with transaction.atomic():
        email_enqueue(
            to=user.email,
            template="password_reset",
            context={
                "name": user.get_short_name(),
                "link": link,
                "expires_in": duration_text(settings.PASSWORD_RESET_TIMEOUT),
            },
        )
        audit.record(actor=None, action="accounts.user.password_reset_requested", obj=user)


def password_reset_link_valid(*, user: User | None, token: str) -> bool:
    return user is not None and tokens.password_reset_tokens.check_token(user, token)


def user_reset_password(*, user: User | None, token: str, new_password: str) -> User:
    """Set a new password through an emailed reset link.

    Following the link proves the user owns the address, so it also verifies the email and
    lifts a login lockout. Raises ``LinkInvalid`` (used, expired or tampered) and
    ``WeakPassword``.
    """
    if user is None or not password_reset_link_valid(user=user, token=token):
        raise LinkInvalid(RESET_LINK_BAD)
    _check_password_strength(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        fields = ["password"]
        if user.email_verified_at is None:
            user.email_verified_at = clock.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        _forget_login_failures(user.email)
        audit.record(actor=user, action="accounts.user.password_reset", obj=user)
        _enqueue_password_changed(user)
    return user


# --- erasure ---------------------------------------------------------------------------------


def user_erase(*, actor: User, user: User) -> User:
    """Pseudonymise an account for good: ``erased-<id>@invalid``, no name, no usable password,
    deactivated (its sessions end), login-attempt records removed. Idempotent.

    Only the person themselves or platform staff may do it (raises ``PermissionDenied``).
    """
    if not (actor.pk == user.pk or actor.is_staff):
        raise PermissionDenied("Only the account holder or platform staff may erase an account.")
    old_email = user.email
    with transaction.atomic():
        user.email = f"erased-{user.pk}@invalid"
        user.full_name = ""
        user.is_active = False
        user.email_verified_at = None
        user.set_unusable_password()
        user.save(
            update_fields=["email", "full_name", "is_active", "email_verified_at", "password"]
        )
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username=old_email).delete()
        audit.record(actor=actor, action="accounts.user.erased", obj=user)
    return user
