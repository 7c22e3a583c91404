"""Attach rows a service has just created as an instance's prefetched relation.

A sale creates the order's lines and tickets and then answers with them: attaching them as if
``prefetch_related`` had loaded them saves reading back what this very transaction wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models


def attach_prefetched(instance: models.Model, relation: str, rows: Sequence[Any]) -> None:
    """Make ``getattr(instance, relation).all()`` return ``rows`` without a query."""
    manager = getattr(instance, relation)
    # Reverse foreign keys keep their cache under the field's name, many-to-many on the manager.
    name = getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop(name, None)
    queryset = manager.all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache[name] = queryset
