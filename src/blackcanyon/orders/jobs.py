"""Periodic order jobs, scheduled in ``config/schedule.py`` and run by ``bct worker``.

Thin adapters (DESIGN rule 1): each sets the tenant context and calls one service.
"""

from __future__ import annotations

import logging

from django.tasks import task

from blackcanyon.core import tenancy
from blackcanyon.orders import services
from blackcanyon.orders.services.lifecycle import RELEASE_BATCH

logger = logging.getLogger(__name__)

# One run releases at most this many batches; the next minute's run picks up the rest.
MAX_BATCHES = 20


@task()
def release_expired_reservations() -> int:
    """Expire every reservation past its time, for every organizer, giving back its seats and
    code redemption; returns how many were released. Safe to run twice or in parallel: each
    order is released once (conditional UPDATE on the order row).

    Runs in the system context: on PostgreSQL the worker's role (a member of ``bct_system``)
    lists the due orders of every organizer, then each is expired in its organizer's context.
    """
    released = 0
    with tenancy.system_context():
        for _ in range(MAX_BATCHES):
            count = services.reservations_release_expired()
            released += count
            if count < RELEASE_BATCH:
                break
    if released:
        logger.info("Released %d expired reservations", released)
    return released
