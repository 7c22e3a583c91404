"""The id of the request (or task) being handled, for logs and audit entries."""

from __future__ import annotations

import contextvars
import secrets

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("bct_request_id", default="")


def request_id() -> str:
    return _request_id.get()


def new_request_id(incoming: str | None = None) -> str:
    """Adopt a sane incoming id (from the proxy) or make one; store it for this context."""
    value = incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else None
    rid = value or secrets.token_hex(8)
    _request_id.set(rid)
    return rid


def clear() -> None:
    _request_id.set("")
