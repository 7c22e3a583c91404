"""Helpers of the email tests: sell an order, read its messages and tasks, act as the worker's
database role, sign a Resend (Svix) webhook."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blackcanyon.core import tenancy
from blackcanyon.core.rls import APP_ROLE, SYSTEM_ROLE
from blackcanyon.events.models import TicketType
from blackcanyon.notifications.models import Message
from blackcanyon.orders import services
from blackcanyon.orders.models import Order

SEND_TASK = "blackcanyon.orders.tasks.send_order_email"
EVENT_TASK = "blackcanyon.notifications.tasks.record_delivery_event"
SIGNING_SECRET = "whsec_" + base64.b64encode(b"test-signing-key-for-resend-hooks").decode()


def refusing_mailer() -> dict[str, Any]:
    """An SMTP mailer aimed at a local port nobody listens on: every connection is refused at
    once, as when the mail server is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def sell(ticket_type: TicketType, quantity: int = 2, email: str = "ana@example.com") -> Order:
    """A paid box-office order (its confirmation email queued in the same transaction)."""
    order, _ = services.order_create_box_office(
        actor=None,
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        buyer_name="Ana Canyon",
        buyer_email=email,
    )
    return order


def messages_of(order: Order) -> list[Message]:
    with tenancy.scoped(organizer_id=order.organizer_id):
        return list(Message.objects.filter(order_id=order.pk).order_by("pk"))


def message_of(order: Order) -> Message:
    (message,) = messages_of(order)
    return message


def tasks(path: str = SEND_TASK) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=path).order_by("enqueued_at"))


def make_retries_due() -> None:
    """Time passes: every task waiting for a later run may run now."""
    DBTaskResult.objects.filter(run_after__gt=timezone.now()).update(run_after=timezone.now())


@contextlib.contextmanager
def as_worker_role() -> Iterator[None]:
    """On PostgreSQL, act with the privileges of ``bct worker``'s login role (a member of
    ``bct_app`` and ``bct_system``), created inside the test's transaction. Elsewhere: no-op."""
    if connection.vendor != "postgresql":
        yield
        return
    role = f"bct_test_worker_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the suite's session user (a superuser) may create roles
        cursor.execute(f"CREATE ROLE {role} NOLOGIN IN ROLE {APP_ROLE}, {SYSTEM_ROLE}")
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")


def svix_headers(body: bytes, secret: str = SIGNING_SECRET, **override: str) -> dict[str, str]:
    """Sign ``body`` the way Resend (Svix) does: base64 HMAC-SHA256, keyed with the secret's
    base64 part, over ``<svix-id>.<svix-timestamp>.<body>``; sent as ``v1,<signature>``."""
    msg_id = override.get("msg_id", f"msg_{secrets.token_hex(8)}")
    timestamp = override.get("timestamp", str(int(time.time())))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "HTTP_SVIX_ID": msg_id,
        "HTTP_SVIX_TIMESTAMP": timestamp,
        "HTTP_SVIX_SIGNATURE": f"v1,{signature}",
    }


def resend_event(kind: str, email_id: str, **data: Any) -> bytes:
    """A Resend webhook payload (shape of resend.com/docs/dashboard/webhooks/event-types)."""
    payload = {
        "type": kind,
        "created_at": "2026-11-02T17:05:00.000Z",
        "data": {
            "created_at": "2026-11-02T17:00:00.000000+00:00",
            "email_id": email_id,
            "from": "Black Canyon Tickets <tickets@example.com>",
            "to": ["ana@example.com"],
            "subject": "Your tickets for Canyon Blues",
            **data,
        },
    }
    return json.dumps(payload).encode()
