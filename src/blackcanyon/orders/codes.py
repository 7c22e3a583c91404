"""Order codes: short, unique, easy to read aloud and to type (no 0/O, no 1/I)."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 32^8 ≈ 1.1e12 codes


def new_order_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(text: str) -> str:
    """What a person typed (any case, spaces or dashes) → the stored form."""
    return "".join(text.split()).replace("-", "").upper()
