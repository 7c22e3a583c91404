"""Small helpers shared by the events tests."""

from __future__ import annotations

import re

from django.test import Client


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The response body with tags removed and whitespace collapsed (what a reader sees)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def ticket_card(response, name: str) -> str:  # type: ignore[no-untyped-def]
    """The visible text of the public ticket card titled ``name``."""
    html = response.content.decode()
    for chunk in html.split('<li class="card ticket-type')[1:]:
        if f"<h3>{name}</h3>" in chunk:
            return " ".join(re.sub(r"<[^>]+>", " ", chunk.split("</li>")[0]).split())
    raise AssertionError(f"no ticket card named {name!r}")


def logged_in(client: Client, user) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client
