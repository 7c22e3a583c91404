"""The personal-data registry (DESIGN rule 9), and what the core app itself holds.

Every app that stores something about a person declares it in its ``privacy.py``:

* ``PERSONAL_FIELDS`` — ``{"app.Model": {"field": "what it is; how it is exported and erased"}}``;
* ``NOT_PERSONAL`` (optional) — the same shape, for fields that look personal but are not, with
  the reason (an organizer's business contact address).

``undeclared_personal_fields()`` lists every field of our models that looks personal (an email
or IP address field, a person's name, a reference to an account) and is declared in neither; the
test suite fails while it is not empty.

Core's own data: ``core.AuditLog.actor`` points at the account that made a change. Audit entries
are never deleted: the account behind ``actor`` is pseudonymised by accounts, and ``data`` never
holds a person's email, name or a token (services record ids and field names).
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "core.AuditLog": {
        "actor": "who made a change; kept (points at the pseudonymised account)",
    },
}

_PERSONAL_NAMES = frozenset({"full_name", "first_name", "last_name", "phone", "ip_address"})


def _privacy_modules() -> Iterator[ModuleType]:
    for config in apps.get_app_configs():
        if not config.name.startswith("blackcanyon."):
            continue
        name = f"{config.name}.privacy"
        try:
            yield import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise


def _merged(attribute: str) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for module in _privacy_modules():
        for model, fields in getattr(module, attribute, {}).items():
            merged.setdefault(model, {}).update(fields)
    return merged


def declared_personal_fields() -> dict[str, dict[str, str]]:
    """Every app's ``PERSONAL_FIELDS``, merged."""
    return _merged("PERSONAL_FIELDS")


def declared_not_personal() -> dict[str, dict[str, str]]:
    """Every app's ``NOT_PERSONAL``, merged."""
    return _merged("NOT_PERSONAL")


def looks_personal(field: Any) -> bool:
    """An email or IP address field, a person's name, or a reference to an account."""
    if isinstance(field, models.EmailField | models.GenericIPAddressField):
        return True
    if field.is_relation and field.related_model is not None and not field.auto_created:
        return field.related_model._meta.label == settings.AUTH_USER_MODEL
    return field.name in _PERSONAL_NAMES


def undeclared_personal_fields() -> list[str]:
    """``app.Model.field`` of every personal-looking field no ``privacy.py`` declares."""
    personal, not_personal = declared_personal_fields(), declared_not_personal()
    missing = []
    for config in apps.get_app_configs():
        if not config.name.startswith("blackcanyon."):
            continue
        for model in config.get_models():
            label = model._meta.label
            declared = {*personal.get(label, {}), *not_personal.get(label, {})}
            for field in model._meta.get_fields():
                if looks_personal(field) and field.name not in declared:
                    missing.append(f"{label}.{field.name}")
    return missing
