"""The life of a tracked email (services): queued in the caller's transaction, sent by a task,
retried with backoff, moved on by the provider's delivery events. See docs/email.md.

Every function here runs in the message's organizer context (``tenancy.scoped``); the sending
task and the delivery-event task set it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.utils import make_msgid
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F

from blackcanyon.core import audit, clock, fastinsert
from blackcanyon.notifications.errors import Undeliverable
from blackcanyon.notifications.models import STATUS_RANK, Message, MessageStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# The wait after the 1st, 2nd, 3rd and 4th failed attempt, give or take JITTER, so the emails
# that failed together during a provider outage do not all retry in the same second.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
JITTER = 0.1
ERROR_LENGTH = 500

# Builds the email of a message (raises Undeliverable when it never can).
Compose = Callable[[Message], EmailMessage]
# Enqueues the sending task again to run after the given time (in the caller's transaction).
Requeue = Callable[[Message, datetime], None]


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"  # already sent, failed for good, or delivered: nothing to do
    MISSING = "missing"  # the row is gone (its organizer was deleted)


# Provider events (anymail's normalised event types) that move a message on.
EVENT_STATUS: dict[str, MessageStatus] = {
    "delivered": MessageStatus.DELIVERED,
    "bounced": MessageStatus.BOUNCED,
    "rejected": MessageStatus.BOUNCED,
    "complained": MessageStatus.COMPLAINED,
}


def message_queue(
    *, organizer_id: int, kind: str, to_email: str, order: Any = None, now: datetime | None = None
) -> Message:
    """Record an email as queued. Call inside the transaction of the change that causes it, and
    enqueue its sending task in the same transaction: both commit or neither does."""
    now = now or clock.now()
    message = Message(
        organizer_id=organizer_id,
        order=order,
        kind=kind,
        to_email=to_email,
        created_at=now,
        updated_at=now,
    )
    fastinsert.insert([message])
    return message


def message_deliver(*, message_id: int, compose: Compose, requeue: Requeue) -> Outcome:
    """Send a queued message once and record the result.

    Idempotent: a message that is not queued any more (sent, failed for good, delivered ...) is
    left alone, so a duplicate task run sends nothing. ``sent`` is recorded right after the
    transport accepts the email, before anything else. A transport error (SMTP, provider API,
    network) or a composing error counts as an attempt: the message is queued again with
    ``requeue`` after a growing delay, and marked failed after MAX_ATTEMPTS. Undeliverable
    (the order is gone) fails it at once.
    """
    message = Message.objects.filter(pk=message_id).first()
    if message is None:
        return Outcome.MISSING
    if message.status != MessageStatus.QUEUED:
        return Outcome.SKIPPED
    try:
        email = compose(message)
    except Undeliverable as error:
        return _record_failure(message, error.message, requeue=None)
    except Exception as error:
        logger.exception("Could not compose %s message %s", message.kind, message.pk)
        return _record_failure(message, safe_error(error), requeue=requeue)
    try:
        email.send()
    except Exception as error:
        logger.warning(
            "Sending %s message %s failed (attempt %d): %s",
            message.kind,
            message.pk,
            message.attempts + 1,
            type(error).__name__,
        )
        return _record_failure(message, safe_error(error), requeue=requeue)
    _record_sent(message, email)
    return Outcome.SENT


def _record_sent(message: Message, email: EmailMessage) -> None:
    now = clock.now()
    Message.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENT,
        attempts=F("attempts") + 1,
        provider_message_id=provider_message_id(email)[:255],
        subject=" ".join(str(email.subject).split())[:255],
        last_error="",
        last_attempt_at=now,
        next_attempt_at=None,
        sent_at=now,
        updated_at=now,
    )


def _record_failure(message: Message, error: str, *, requeue: Requeue | None) -> Outcome:
    """Count the attempt; queue the next one (same transaction) or give up."""
    now = clock.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status != MessageStatus.QUEUED:
            return Outcome.SKIPPED
        locked.attempts += 1
        locked.last_error = error[:ERROR_LENGTH]
        locked.last_attempt_at = locked.updated_at = now
        fields = ["attempts", "last_error", "last_attempt_at", "updated_at", "next_attempt_at"]
        if requeue is None or locked.attempts >= MAX_ATTEMPTS:
            locked.status = MessageStatus.FAILED
            locked.failed_at = now
            locked.next_attempt_at = None
            locked.save(update_fields=[*fields, "status", "failed_at"])
            audit.record(
                actor=None,
                action="notifications.message.failed",
                organizer=locked.organizer,
                obj=locked,
                data={"kind": locked.kind, "attempts": locked.attempts, "order": locked.order_id},
            )
            return Outcome.FAILED
        locked.next_attempt_at = now + retry_delay(locked.attempts)
        locked.save(update_fields=fields)
        requeue(locked, locked.next_attempt_at)
    return Outcome.RETRY


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts (RETRY_DELAYS ± JITTER)."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return base * secrets.SystemRandom().uniform(1 - JITTER, 1 + JITTER)


def provider_message_id(email: EmailMessage) -> str:
    """The provider's id for a sent email (anymail), else the Message-ID header we set."""
    status = getattr(email, "anymail_status", None)
    found = getattr(status, "message_id", None)
    if isinstance(found, str) and found:
        return found
    if found:  # one id per recipient: a set
        return str(sorted(found)[0])
    return str(email.extra_headers.get("Message-ID", ""))


def message_id_headers(message: Message) -> dict[str, str]:
    """Our own ``Message-ID`` for SMTP mailers (recorded as the provider id once sent, so a
    message can be traced in mail logs). Provider APIs (anymail) assign their own id."""
    backend = str(settings.MAILERS.get("default", {}).get("BACKEND", ""))
    if backend.startswith("anymail."):
        return {}
    domain = urlparse(settings.PUBLIC_APP_URL).hostname or "localhost"
    return {"Message-ID": make_msgid(idstring=f"bct-{message.pk}", domain=domain)}


def message_record_delivery_event(
    *, provider_message_id: str, event: str, occurred_at: datetime | None, detail: str = ""
) -> Message | None:
    """Apply a provider's delivery event (delivered, bounced, complained) to its message.

    A message only moves forward (``models.STATUS_RANK``): a repeated or late event changes
    nothing. Unknown message ids and other events are ignored (None). Bounces and complaints are
    audited; the bounce reason is kept in ``last_error`` for the organizer.
    """
    status = EVENT_STATUS.get(event)
    if status is None or not provider_message_id:
        return None
    now = clock.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(provider_message_id=provider_message_id)
            .order_by("pk")
            .first()
        )
        if message is None or STATUS_RANK[status] <= STATUS_RANK[message.status]:
            return message
        message.status = status
        setattr(message, f"{status}_at", occurred_at or now)
        message.updated_at = now
        fields = ["status", f"{status}_at", "updated_at"]
        if detail and status != MessageStatus.DELIVERED:
            message.last_error = safe_error(detail)
            fields.append("last_error")
        message.save(update_fields=fields)
        if status != MessageStatus.DELIVERED:
            audit.record(
                actor=None,
                action=f"notifications.message.{status}",
                organizer=message.organizer,
                obj=message,
                data={"kind": message.kind, "order": message.order_id},
            )
    return message


def messages_pseudonymise_for_order(*, actor: Any, order: Any) -> int:
    """Privacy erasure: replace the recipient address of an order's messages with
    ``erased-<order code>@invalid`` and drop error texts (they may quote the address)."""
    with transaction.atomic():
        count = Message.objects.filter(order=order).update(
            to_email=f"erased-{order.code.lower()}@invalid", last_error="", updated_at=clock.now()
        )
        audit.record(
            actor=actor,
            action="notifications.message.pseudonymised",
            organizer=order.event.organizer,
            obj=order,
            data={"messages": count},
        )
    return count


def safe_error(error: BaseException | str) -> str:
    """One line of error text for the organizer, without any configured secret in it."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    for secret in _configured_secrets():
        text = text.replace(secret, "[redacted]")
    return " ".join(text.split())[:ERROR_LENGTH]


_SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN")


def _configured_secrets() -> Iterator[str]:
    candidates: list[Any] = [settings.SECRET_KEY, getattr(settings, "EMAIL_HOST_PASSWORD", "")]
    for name, value in getattr(settings, "ANYMAIL", {}).items():
        if any(word in name.upper() for word in _SECRET_WORDS):
            candidates.append(value)
    for mailer in getattr(settings, "MAILERS", {}).values():
        for name, value in mailer.get("OPTIONS", {}).items():
            if any(word in name.upper() for word in _SECRET_WORDS):
                candidates.append(value)
    for value in candidates:
        if isinstance(value, str) and len(value) >= 6:
            yield value
