"""The signed QR payload format v1: what admits, and every way a payload is refused."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from blackcanyon.tickets import signing
from blackcanyon.tickets.signing import PayloadRefused, TicketClaims

STARTS = datetime(2030, 7, 5, 1, 30, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=3)
KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key()


def claims(**overrides: object) -> TicketClaims:
    valid_from, valid_until = signing.validity(starts_at=STARTS, ends_at=ENDS)
    fields: dict[str, object] = {
        "event_id": 42,
        "ticket_id": 1001,
        "ticket_type_id": 7,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "secret": "ABCDEFGHIJKLM",
    }
    fields.update(overrides)
    return TicketClaims(**fields)  # type: ignore[arg-type]


PAYLOAD = signing.sign(claims(), KEY)


def raw(payload: str) -> bytes:
    encoded = payload[len(signing.PREFIX) :]
    return base64.b32decode(encoded + "=" * (-len(encoded) % 8))


def text(data: bytes) -> str:
    return signing.PREFIX + base64.b32encode(data).decode().rstrip("=")


def refusal(payload: str, *, public: object = PUBLIC, now: datetime = STARTS, **kw: object) -> str:
    with pytest.raises(PayloadRefused) as caught:
        signing.verify(payload, public, event_id=42, now=now, **kw)  # type: ignore[arg-type]
    return caught.value.code


def test_a_signed_payload_admits_and_round_trips_its_claims():
    verified = signing.verify(PAYLOAD, PUBLIC, event_id=42, now=STARTS)

    assert verified == claims()
    assert PAYLOAD.startswith("BCT1")
    assert len(PAYLOAD) == 153


def test_payload_uses_only_qr_alphanumeric_characters():
    alphanumeric = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

    assert set(PAYLOAD) <= alphanumeric


def test_signing_is_deterministic():
    assert signing.sign(claims(), KEY) == PAYLOAD


@pytest.mark.parametrize("position", range(len(raw(PAYLOAD))))
def test_changing_any_byte_is_refused(position):
    data = bytearray(raw(PAYLOAD))
    data[position] ^= 0x01

    code = refusal(text(bytes(data)))

    # The version byte makes it malformed, the event id another event, anything else a bad
    # signature: never admitted.
    assert code in {"malformed", "wrong_event", "bad_signature"}
    if position >= 5:
        assert code == "bad_signature"


@given(
    position=st.integers(min_value=0, max_value=92), flip=st.integers(min_value=1, max_value=255)
)
def test_no_single_byte_change_admits(position, flip):
    data = bytearray(raw(PAYLOAD))
    data[position] ^= flip

    with pytest.raises(PayloadRefused):
        signing.verify(text(bytes(data)), PUBLIC, event_id=42, now=STARTS)


def test_changing_a_character_of_the_text_is_refused():
    tampered = PAYLOAD[:60] + ("A" if PAYLOAD[60] != "A" else "B") + PAYLOAD[61:]

    assert refusal(tampered) in {"bad_signature", "malformed"}


def test_claims_signed_by_another_key_are_refused():
    forged = signing.sign(claims(), Ed25519PrivateKey.generate())

    assert refusal(forged) == "bad_signature"


def test_verifying_with_another_events_key_is_refused():
    assert refusal(PAYLOAD, public=Ed25519PrivateKey.generate().public_key()) == "bad_signature"


def test_a_ticket_of_another_event_is_refused_before_its_signature():
    other = signing.sign(claims(event_id=43), KEY)

    with pytest.raises(PayloadRefused) as caught:
        signing.verify(other, PUBLIC, event_id=42, now=STARTS)

    assert caught.value.code == "wrong_event"
    assert caught.value.claims is not None
    assert caught.value.claims.event_id == 43


def test_a_revoked_secret_is_refused_with_its_claims():
    with pytest.raises(PayloadRefused) as caught:
        signing.verify(PAYLOAD, PUBLIC, event_id=42, now=STARTS, revoked={"ABCDEFGHIJKLM"})

    assert caught.value.code == "revoked"
    assert caught.value.claims == claims()


def test_another_revoked_secret_does_not_matter():
    assert signing.verify(PAYLOAD, PUBLIC, event_id=42, now=STARTS, revoked={"ZZZZZZZZZZZZZ"})


def test_validity_runs_from_a_day_before_the_start_to_twelve_hours_after_the_end():
    opens = STARTS - timedelta(hours=24)
    closes = ENDS + timedelta(hours=12)

    assert signing.verify(PAYLOAD, PUBLIC, event_id=42, now=opens)
    assert signing.verify(PAYLOAD, PUBLIC, event_id=42, now=closes)
    assert refusal(PAYLOAD, now=opens - timedelta(seconds=1)) == "not_yet_valid"
    assert refusal(PAYLOAD, now=closes + timedelta(seconds=1)) == "expired"


def test_a_forged_longer_validity_breaks_the_signature():
    data = bytearray(raw(PAYLOAD))
    # valid_until is bytes 17..20 of the body: push it a year later.
    until = int.from_bytes(data[17:21], "big") + 365 * 24 * 3600
    data[17:21] = until.to_bytes(4, "big")

    assert refusal(text(bytes(data)), now=ENDS + timedelta(days=30)) == "bad_signature"


def test_the_signature_is_checked_before_revocation_and_time():
    forged = signing.sign(claims(), Ed25519PrivateKey.generate())

    code = refusal(forged, now=ENDS + timedelta(days=30), revoked={"ABCDEFGHIJKLM"})

    assert code == "bad_signature"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        "BCT1",
        "BCT2" + PAYLOAD[4:],
        "bct1" + PAYLOAD[4:],
        PAYLOAD[:-8],
        PAYLOAD + "AAAAAAAA",
        "BCT1" + "1" * 149,  # not base32
        "https://example.com/ticket/1",
    ],
)
def test_malformed_payloads_are_refused(payload):
    assert refusal(payload) == "malformed"


def test_a_validly_signed_other_version_is_malformed():
    body = bytearray(claims().body())
    body[0] = 2
    other_version = text(bytes(body) + KEY.sign(bytes(body)))

    assert refusal(other_version) == "malformed"


def test_surrounding_whitespace_from_a_scanner_is_ignored():
    assert signing.verify(f" {PAYLOAD}\n", PUBLIC, event_id=42, now=STARTS)


@pytest.mark.parametrize("typed", ["abcd efgh ijklm", "ABCD-EFGH-IJKLM", " AbCdEfGhIjKlM "])
def test_manual_entry_codes_normalise_to_the_secret(typed):
    assert signing.normalise_secret(typed) == "ABCDEFGHIJKLM"


def test_secrets_are_eight_bytes():
    assert len(signing.new_secret(bytes(8))) == 13
    with pytest.raises(ValueError, match="8 bytes"):
        signing.new_secret(bytes(7))
