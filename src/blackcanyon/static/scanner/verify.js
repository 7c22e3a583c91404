// Offline check of a ticket's signed QR payload — the same format and checks as
// src/blackcanyon/tickets/signing.py (format v1):
//   "BCT1" + base32 (no padding) of a 29-byte body + 64-byte Ed25519 signature of the body.
//   body (big-endian): version u8 = 1, event u32, ticket u32, ticket type u32,
//                      valid from u32 (Unix s), valid until u32 (Unix s), secret 8 bytes.
// Checks in order, each with the server's refusal code: malformed, wrong_event,
// bad_signature, revoked, not_yet_valid, expired.

export const PREFIX = "BCT1";
export const VERSION = 1;
const BODY_BYTES = 29;
const SIGNATURE_BYTES = 64;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export class Refused extends Error {
  constructor(code, claims = null) {
    super(code);
    this.name = "Refused";
    this.code = code;
    this.claims = claims;
  }
}

export function base32Decode(text) {
  const clean = text.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const ch of clean) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) throw new Error("not base32");
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (value >>> bits) & 0xff;
    }
  }
  return out;
}

export function base32Encode(bytes) {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base64UrlDecode(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** What door staff type (any case, spaces or dashes) → the stored secret. */
export function normaliseSecret(text) {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/** The claims of a payload (no signature check), or Refused("malformed"). */
export function parsePayload(text) {
  const trimmed = String(text).trim();
  if (!trimmed.startsWith(PREFIX)) throw new Refused("malformed");
  let raw;
  try {
    raw = base32Decode(trimmed.slice(PREFIX.length));
  } catch {
    throw new Refused("malformed");
  }
  if (raw.length !== BODY_BYTES + SIGNATURE_BYTES) throw new Refused("malformed");
  const body = raw.slice(0, BODY_BYTES);
  const signature = raw.slice(BODY_BYTES);
  const view = new DataView(body.buffer, body.byteOffset, BODY_BYTES);
  if (view.getUint8(0) !== VERSION) throw new Refused("malformed");
  return {
    eventId: view.getUint32(1),
    ticketId: view.getUint32(5),
    ticketTypeId: view.getUint32(9),
    validFrom: new Date(view.getUint32(13) * 1000),
    validUntil: new Date(view.getUint32(17) * 1000),
    secret: base32Encode(body.slice(21, 29)),
    body,
    signature,
  };
}

const keys = new Map();

/** A WebCrypto Ed25519 key from the raw 32-byte public key in base64url (cached). */
export function importPublicKey(base64url) {
  if (!keys.has(base64url)) {
    const raw = base64UrlDecode(base64url);
    keys.set(
      base64url,
      crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]),
    );
  }
  return keys.get(base64url);
}

/**
 * The claims of a payload that admits to `eventId` at `now`; throws Refused(code) otherwise.
 * `publicKey` is the base64url raw key (or a CryptoKey); `revoked` a Set of secrets.
 */
export async function verifyPayload(text, { publicKey, eventId, now = new Date(), revoked = new Set() }) {
  const claims = parsePayload(text);
  if (claims.eventId !== Number(eventId)) throw new Refused("wrong_event", claims);
  const key = typeof publicKey === "string" ? await importPublicKey(publicKey) : publicKey;
  let ok = false;
  try {
    ok = await crypto.subtle.verify({ name: "Ed25519" }, key, claims.signature, claims.body);
  } catch {
    ok = false;
  }
  if (!ok) throw new Refused("bad_signature", claims);
  if (revoked.has(claims.secret)) throw new Refused("revoked", claims);
  if (now < claims.validFrom) throw new Refused("not_yet_valid", claims);
  if (now > claims.validUntil) throw new Refused("expired", claims);
  return claims;
}
