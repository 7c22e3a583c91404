"""The POST-button pattern organizer pages share: call one service as the signed-in user and turn
the outcome into a flash message (a refusal never becomes a 500)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from blackcanyon.core.errors import DomainError


def run_action(
    request: HttpRequest, action: Callable[..., Any], success: str, **kwargs: Any
) -> Any | None:
    """Call ``action(actor=request.user, **kwargs)``; show ``success`` or the refusal's message.

    Returns the service's result, or None when it refused.
    """
    try:
        result = action(actor=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success)
    return result
