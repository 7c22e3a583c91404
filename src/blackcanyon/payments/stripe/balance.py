"""Reading the platform's Stripe balance transactions (for ledger reconciliation).

One list call per page (``limit`` 100, ``created[gte]``/``created[lt]``), following
``has_more``/``starting_after`` through the SDK's auto-pagination. Read-only, so no idempotency
key; call it outside any transaction (it may take several round trips).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import stripe

from blackcanyon.payments.errors import StripeRefused, StripeUnavailable
from blackcanyon.payments.stripe.client import stripe_client, translate_error

PAGE_SIZE = 100


def stripe_balance_transactions(*, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Every balance transaction created in [since, until), as plain dicts (``id``, ``amount``,
    ``fee``, ``net``, ``currency``, ``type``, ``source`` ...), oldest pages first as Stripe
    returns them.

    Raises ``StripeNotConfigured`` without a key, ``StripeUnavailable`` (network, 5xx, rate
    limit) or ``StripeRefused`` (bad key, refused parameters); details go to the log only.
    """
    params: dict[str, Any] = {
        "created": {"gte": int(since.timestamp()), "lt": int(until.timestamp())},
        "limit": PAGE_SIZE,
    }
    try:
        listing = stripe_client().v1.balance_transactions.list(params=params)  # type: ignore[arg-type]
        return [_plain(txn) for txn in listing.auto_paging_iter()]
    except stripe.StripeError as error:
        raise translate_error(error, doing="listing balance transactions") from error


def _plain(txn: Any) -> dict[str, Any]:
    data: dict[str, Any] = txn.to_dict()
    source = data.get("source")
    if isinstance(source, dict):  # expanded: keep the id, as unexpanded lists return it
        data["source"] = source.get("id")
    return data


__all__ = ["StripeRefused", "StripeUnavailable", "stripe_balance_transactions"]
