"""Writing audit entries. Call ``record`` inside the service's ``transaction.atomic()`` block."""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction

from blackcanyon.core import fastinsert, request_context, tenancy
from blackcanyon.core.models import AuditLog

ACTION_RE = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")


def record(
    *,
    actor: Any | None,
    action: str,
    organizer: Any | None = None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit entry. ``action`` is ``app.entity.verb`` (``events.event.published``)."""
    if not ACTION_RE.match(action):
        raise ValueError(f"Audit action must look like app.entity.verb: {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the change's transaction")
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    entry = AuditLog(
        actor_id=actor_id if getattr(actor, "is_authenticated", False) else None,
        organizer_id=getattr(organizer, "pk", None),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
        request_id=request_context.request_id(),
    )
    readable = entry.organizer_id is not None or (
        entry.actor_id is not None and entry.actor_id == tenancy.current().user_id
    )
    if not readable:
        _append_unreadable(entry)
    else:
        fastinsert.insert([entry])
    return entry


def _append_unreadable(entry: AuditLog) -> None:
    """Insert an entry the app role may write but not read back (RLS: an organizer-less entry of
    another or no actor, e.g. an anonymous password-reset request). ``INSERT ... RETURNING`` needs
    read access on PostgreSQL, so take the id from the sequence first and insert without it."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('core_auditlog', 'id'))")
            entry.pk = cursor.fetchone()[0]
        fields = list(AuditLog._meta.local_concrete_fields)
        queryset = AuditLog._base_manager.get_queryset()
        queryset._insert([entry], fields=fields, using=connection.alias)  # type: ignore[attr-defined]
        entry._state.adding = False
        entry._state.db = connection.alias
    else:
        entry.save(force_insert=True)
