"""Writing audit entries. Call ``record`` inside the service's ``transaction.atomic()`` block."""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction

from blackcanyon.core import request_context
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
    return AuditLog.objects.create(
        actor_id=actor_id if getattr(actor, "is_authenticated", False) else None,
        organizer_id=getattr(organizer, "pk", None),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
        request_id=request_context.request_id(),
    )
