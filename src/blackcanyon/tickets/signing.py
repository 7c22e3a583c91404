"""The signed ticket payload carried by a QR code (format version 1).

Layout (big-endian), then an Ed25519 signature of exactly those 29 bytes by the event's key::

    version  u8   = 1
    event    u32  event id
    ticket   u32  ticket id
    type     u32  ticket type id
    from     u32  valid from, Unix seconds (UTC)
    until    u32  valid until, Unix seconds (UTC)
    secret   8 bytes  the ticket's secret (revocable; shown base32 as the manual-entry code)

Text form: ``"BCT1"`` + RFC 4648 base32 of ``body + signature`` (93 bytes) without padding —
153 characters, all in the QR alphanumeric set, so the code stays small (version 6, level M).
The same check runs in the offline scanner (``static/scanner/verify.js``, WebCrypto Ed25519).

Checks, in order, each with its own refusal code: ``malformed`` (not our format / version),
``wrong_event``, ``bad_signature``, ``revoked``, ``not_yet_valid``, ``expired``.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "BCT1"
VERSION = 1
BODY = struct.Struct(">BIIIII8s")
SIGNATURE_BYTES = 64
SECRET_BYTES = 8
# A ticket admits from a day before the event starts until 12 hours after it ends.
VALID_BEFORE_START = timedelta(hours=24)
VALID_AFTER_END = timedelta(hours=12)


class PayloadRefused(Exception):
    """Why a payload does not admit: ``code`` is one of the refusal codes above."""

    def __init__(self, code: str, claims: TicketClaims | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.claims = claims


@dataclass(frozen=True)
class TicketClaims:
    event_id: int
    ticket_id: int
    ticket_type_id: int
    valid_from: datetime
    valid_until: datetime
    secret: str  # base32, 13 characters, no padding

    def body(self) -> bytes:
        return BODY.pack(
            VERSION,
            self.event_id,
            self.ticket_id,
            self.ticket_type_id,
            int(self.valid_from.timestamp()),
            int(self.valid_until.timestamp()),
            secret_bytes(self.secret),
        )


def new_secret(raw: bytes) -> str:
    """The text form of 8 random bytes (callers pass ``secrets.token_bytes(SECRET_BYTES)``)."""
    if len(raw) != SECRET_BYTES:
        raise ValueError("a ticket secret is 8 bytes")
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def secret_bytes(secret: str) -> bytes:
    cleaned = normalise_secret(secret)
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def normalise_secret(text: str) -> str:
    """What door staff type (any case, spaces or dashes) → the stored secret."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def validity(*, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    return starts_at - VALID_BEFORE_START, ends_at + VALID_AFTER_END


def sign(claims: TicketClaims, private_key: Ed25519PrivateKey) -> str:
    body = claims.body()
    signature = private_key.sign(body)
    return PREFIX + base64.b32encode(body + signature).decode("ascii").rstrip("=")


def parse(text: str) -> tuple[TicketClaims, bytes, bytes]:
    """``(claims, body, signature)`` of a payload, or ``PayloadRefused("malformed")``."""
    text = text.strip()
    if not text.startswith(PREFIX):
        raise PayloadRefused("malformed")
    encoded = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except ValueError as exc:
        raise PayloadRefused("malformed") from exc
    if len(raw) != BODY.size + SIGNATURE_BYTES:
        raise PayloadRefused("malformed")
    body, signature = raw[: BODY.size], raw[BODY.size :]
    version, event_id, ticket_id, type_id, valid_from, valid_until, secret = BODY.unpack(body)
    if version != VERSION:
        raise PayloadRefused("malformed")
    claims = TicketClaims(
        event_id=event_id,
        ticket_id=ticket_id,
        ticket_type_id=type_id,
        valid_from=datetime.fromtimestamp(valid_from, tz=UTC),
        valid_until=datetime.fromtimestamp(valid_until, tz=UTC),
        secret=new_secret(secret),
    )
    return claims, body, signature


def verify(
    text: str,
    public_key: Ed25519PublicKey,
    *,
    event_id: int,
    now: datetime,
    revoked: Container[str] = (),
) -> TicketClaims:
    """The claims of a payload that admits to ``event_id`` at ``now``, or ``PayloadRefused``."""
    claims, body, signature = parse(text)
    if claims.event_id != event_id:
        raise PayloadRefused("wrong_event", claims)
    try:
        public_key.verify(signature, body)
    except InvalidSignature as exc:
        raise PayloadRefused("bad_signature", claims) from exc
    if claims.secret in revoked:
        raise PayloadRefused("revoked", claims)
    if now < claims.valid_from:
        raise PayloadRefused("not_yet_valid", claims)
    if now > claims.valid_until:
        raise PayloadRefused("expired", claims)
    return claims
