"""View decorators other apps import: ``verified_email_required``.

    from blackcanyon.accounts.decorators import verified_email_required

    @verified_email_required
    def organizer_create(request): ...

Anonymous visitors go to the login page; signed-in users whose email is not verified yet go to a
page that explains why and offers to resend the link; both come back to ``next`` afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse

ViewFunc = Callable[..., HttpResponse]


def verified_email_required(view: ViewFunc) -> ViewFunc:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        query = urlencode({"next": request.get_full_path()})
        if not request.user.is_authenticated:
            return redirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
        if not getattr(request.user, "is_verified", False):
            return redirect(f"{reverse('accounts:verify_required')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
