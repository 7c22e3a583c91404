"""Domain errors: one base class with a stable code, a human message and an HTTP status.

Every app raises subclasses of ``DomainError`` from its services. Views turn them into form errors
or messages, the API turns them into ``{"error": {"code", "message", "fields"}}`` — both through
``to_json`` / the ``message`` attribute here, so wording lives in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    default_message = "Some fields need attention."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = "You do not have permission to do that."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "That conflicts with the current state."


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "Too many requests. Please wait a while and try again."


def error_catalogue() -> dict[str, tuple[int, str]]:
    """Every registered error code with its status and default message (docs and API schema)."""
    seen: dict[str, tuple[int, str]] = {}
    stack: list[type[DomainError]] = [DomainError]
    while stack:
        cls = stack.pop()
        seen.setdefault(cls.code, (cls.status, cls.default_message))
        stack.extend(cls.__subclasses__())
    return dict(sorted(seen.items()))
