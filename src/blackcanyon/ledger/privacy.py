"""Personal data held by the ledger: none.

Entries hold amounts, currencies, times and references (order ids, Stripe object ids), never a
buyer's name or email. A manual adjustment's reason (``memo``) is written by platform staff about
money, not people; who made it is in the audit log (``core.AuditLog.actor``). Retention: ledger
rows are append-only and kept as long as the platform must keep accounting records.
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {}
