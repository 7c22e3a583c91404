"""The scanner's offline check (static/scanner/verify.js and offline.js) in real Chromium, on
payloads signed by the server's own code (tickets/signing.py): same claims, same refusals."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from blackcanyon.tickets import signing
from blackcanyon.tickets.keys import b64

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2031, 6, 1, 20, 0, tzinfo=UTC)
EVENT_ID = 41

VERIFY_ALL = """
async ([url, cases, key, eventId, now, revoked]) => {
  const m = await import(url);
  const out = {};
  for (const [name, text] of Object.entries(cases)) {
    try {
      const c = await m.verifyPayload(text, {
        publicKey: key, eventId, now: new Date(now), revoked: new Set(revoked),
      });
      out[name] = {ok: true, eventId: c.eventId, ticketId: c.ticketId,
        ticketTypeId: c.ticketTypeId, secret: c.secret,
        validFrom: c.validFrom.toISOString(), validUntil: c.validUntil.toISOString()};
    } catch (e) {
      out[name] = {ok: false, code: e.code || String(e)};
    }
  }
  return out;
}
"""


def _raw_public(private: Ed25519PrivateKey) -> str:
    return b64(
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    )


def _claims(**overrides: Any) -> signing.TicketClaims:
    values: dict[str, Any] = {
        "event_id": EVENT_ID,
        "ticket_id": 70001,
        "ticket_type_id": 9,
        "valid_from": NOW - timedelta(hours=2),
        "valid_until": NOW + timedelta(hours=5),
        "secret": signing.new_secret(secrets.token_bytes(signing.SECRET_BYTES)),
    }
    values.update(overrides)
    return signing.TicketClaims(**values)


def _tamper(payload: str) -> str:
    # Change one character of the signed body (still valid base32, same length).
    index = len(signing.PREFIX) + 10
    swapped = "B" if payload[index] != "B" else "C"
    return payload[:index] + swapped + payload[index + 1 :]


def test_verify_js_accepts_and_refuses_exactly_like_the_server(live_server: Any, page: Any) -> None:
    # Given payloads signed by the server's code, good and bad in every way it checks
    key = Ed25519PrivateKey.generate()
    other_key = Ed25519PrivateKey.generate()
    good = _claims()
    revoked = _claims(ticket_id=70002)
    cases = {
        "valid": signing.sign(good, key),
        "surrounding_whitespace": "  " + signing.sign(good, key) + "\n",
        "wrong_event": signing.sign(_claims(event_id=EVENT_ID + 1), key),
        "tampered": _tamper(signing.sign(good, key)),
        "other_key": signing.sign(good, other_key),
        "revoked": signing.sign(revoked, key),
        "not_yet_valid": signing.sign(_claims(valid_from=NOW + timedelta(minutes=1)), key),
        "expired": signing.sign(_claims(valid_until=NOW - timedelta(seconds=1)), key),
        "garbage": "hello world",
        "wrong_prefix": "BCT2" + signing.sign(good, key)[4:],
        "truncated": signing.sign(good, key)[:-8],
        "not_base32": signing.sign(good, key)[:-1] + "1",
    }
    expected_python = {}
    for name, text in cases.items():
        try:
            signing.verify(
                text,
                key.public_key(),
                event_id=EVENT_ID,
                now=NOW,
                revoked={revoked.secret},
            )
            expected_python[name] = "ok"
        except signing.PayloadRefused as refused:
            expected_python[name] = refused.code

    # When Chromium checks them with verify.js (WebCrypto Ed25519)
    page.goto(f"{live_server.url}/scan/offline/")
    results = page.evaluate(
        VERIFY_ALL,
        [
            "/static/scanner/verify.js",
            cases,
            _raw_public(key),
            EVENT_ID,
            NOW.isoformat(),
            [revoked.secret],
        ],
    )

    # Then every answer is the server's answer
    got = {name: "ok" if r["ok"] else r["code"] for name, r in results.items()}
    assert got == expected_python
    assert got["valid"] == "ok"
    assert got["tampered"] == "bad_signature"
    assert got["other_key"] == "bad_signature"
    assert got["wrong_event"] == "wrong_event"
    assert got["revoked"] == "revoked"
    # And the claims read from the payload are the signed ones
    claims = results["valid"]
    assert claims["eventId"] == EVENT_ID
    assert claims["ticketId"] == good.ticket_id
    assert claims["ticketTypeId"] == good.ticket_type_id
    assert claims["secret"] == good.secret
    assert claims["validFrom"] == good.valid_from.isoformat().replace("+00:00", ".000Z")
    assert claims["validUntil"] == good.valid_until.isoformat().replace("+00:00", ".000Z")


def test_manual_codes_and_base32_match_the_server(live_server: Any, page: Any) -> None:
    # Given secrets as the server writes them and as door staff type them
    raws = [secrets.token_bytes(8) for _ in range(20)]
    typed = ["abcd-efgh ijklm", " a1b2 c3d4-e5f6g ", "ABCDEFGHIJKLM"]
    page.goto(f"{live_server.url}/scan/offline/")

    # When verify.js encodes the bytes and cleans the typing
    got = page.evaluate(
        """async ([url, raws, typed]) => {
             const m = await import(url);
             return {
               encoded: raws.map((r) => m.base32Encode(Uint8Array.from(r))),
               roundtrip: raws.map(
                 (r) => Array.from(m.base32Decode(m.base32Encode(Uint8Array.from(r))))),
               typed: typed.map(m.normaliseSecret),
             };
           }""",
        ["/static/scanner/verify.js", [list(r) for r in raws], typed],
    )

    # Then it is exactly what signing.py does
    assert got["encoded"] == [signing.new_secret(r) for r in raws]
    assert got["encoded"] == [base64.b32encode(r).decode().rstrip("=") for r in raws]
    assert got["roundtrip"] == [list(r) for r in raws]
    assert got["typed"] == [signing.normalise_secret(t) for t in typed]


DECIDE_ALL = """
async ([url, bundle, scans, device, now]) => {
  const m = await import(url);
  const out = {};
  for (const [name, scan] of Object.entries(scans)) {
    const a = await m.decide(scan, bundle, async (id) => device[String(id)] || null, new Date(now));
    out[name] = {status: a.status, previous: a.previous, type: a.ticket && a.ticket.ticket_type,
                 name: a.ticket && a.ticket.attendee_name};
  }
  return out;
}
"""


def test_offline_decision_uses_the_bundle_and_this_devices_scans(
    live_server: Any, page: Any
) -> None:
    # Given an offline bundle: list of type 9 only, no re-entry; ticket 2 inside per the bundle
    key = Ed25519PrivateKey.generate()
    tickets = {n: _claims(ticket_id=n) for n in (1, 2, 3, 4, 5, 7)}
    vip = _claims(ticket_id=6, ticket_type_id=10)
    bundle = {
        "format": 1,
        "event": {"id": EVENT_ID, "minimum_age": 18, "timezone": "America/Denver"},
        "list": {"id": 3, "ticket_type_ids": [9], "allow_reentry": False},
        "public_key": _raw_public(key),
        "ticket_types": [{"id": 9, "name": "Floor"}, {"id": 10, "name": "VIP"}],
        "revoked": [tickets[5].secret],
        "inside": {"2": {"at": "2031-06-01T19:42:00Z", "gate": "Gate 2"}},
        # came in and left (on another device); the list allows no re-entry
        "entered": {"7": {"at": "2031-06-01T18:30:00Z", "gate": "West"}},
        "attendees": {"1": "Ana Canyon"},
    }
    # And this device saw ticket 3 come in and leave, and ticket 4 come in
    device = {
        "3": {
            "inside": False,
            "at": "2031-06-01T19:50:00Z",
            "gate": "North",
            "firstEntry": {"at": "2031-06-01T19:10:00Z", "gate": "North"},
        },
        "4": {
            "inside": True,
            "at": "2031-06-01T19:55:00Z",
            "gate": "South",
            "firstEntry": {"at": "2031-06-01T19:55:00Z", "gate": "South"},
        },
    }

    def scan(claims: signing.TicketClaims, direction: str = "entry") -> dict[str, Any]:
        return {"payload": signing.sign(claims, key), "secret": None, "direction": direction}

    scans = {
        "fresh": scan(tickets[1]),
        "inside_per_bundle": scan(tickets[2]),
        "left_no_reentry": scan(tickets[3]),
        "left_per_bundle": scan(tickets[7]),
        "inside_per_device": scan(tickets[4]),
        "revoked": scan(tickets[5]),
        "other_type": scan(vip),
        "exit_inside": scan(tickets[4], "exit"),
        "exit_never_in": scan(tickets[1], "exit"),
        "manual_unknown": {"payload": None, "secret": "abcd efgh ijklm", "direction": "entry"},
        "manual_revoked": {
            "payload": None,
            "secret": tickets[5].secret.lower(),
            "direction": "entry",
        },
    }
    page.goto(f"{live_server.url}/scan/offline/")

    # When the device decides them offline
    got = page.evaluate(
        DECIDE_ALL, ["/static/scanner/offline.js", bundle, scans, device, NOW.isoformat()]
    )

    # Then admission follows the list, the revocations and where each ticket is
    status = {name: r["status"] for name, r in got.items()}
    assert status == {
        "fresh": "valid",
        "inside_per_bundle": "already_checked_in",
        "left_no_reentry": "already_checked_in",
        "left_per_bundle": "already_checked_in",
        "inside_per_device": "already_checked_in",
        "revoked": "revoked",
        "other_type": "not_on_list",
        "exit_inside": "valid",
        "exit_never_in": "not_inside",
        "manual_unknown": "needs_connection",
        "manual_revoked": "revoked",
    }
    assert got["inside_per_bundle"]["previous"] == {"at": "2031-06-01T19:42:00Z", "gate": "Gate 2"}
    assert got["inside_per_device"]["previous"]["gate"] == "South"
    assert got["left_per_bundle"]["previous"] == {"at": "2031-06-01T18:30:00Z", "gate": "West"}
    assert got["fresh"]["type"] == "Floor"
    assert got["fresh"]["name"] == "Ana Canyon"
    assert got["inside_per_bundle"]["name"] is None
