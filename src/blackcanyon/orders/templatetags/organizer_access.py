"""``{% if request.membership|may:"orders.view" %}``: show a link only to roles that may use it.

The answer comes from ``organizers.access`` (the one place roles map to permissions); the page the
link leads to checks again.
"""

from __future__ import annotations

from typing import Any

from django import template

from blackcanyon.organizers.access import role_has

register = template.Library()


@register.filter
def may(membership: Any, permission: str) -> bool:
    role = getattr(membership, "role", None)
    return bool(role) and role_has(str(role), permission)
