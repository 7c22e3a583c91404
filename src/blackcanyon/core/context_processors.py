from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {"PUBLIC_APP_URL": settings.PUBLIC_APP_URL, "BCT_ENV": settings.BCT_ENV}
