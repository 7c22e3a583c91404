// Decide a scan on the device when the server cannot be reached, from the list's offline bundle
// (GET /api/v1/checkin-lists/{id}/offline/) and what this device itself recorded. The answer has
// the shape of one result of POST /api/v1/checkins/, so the screen shows both the same way.

import { normaliseSecret, Refused, verifyPayload } from "./verify.js";

const REFUSAL_STATUS = {
  malformed: "invalid",
  bad_signature: "invalid",
  wrong_event: "wrong_event",
  revoked: "revoked",
  not_yet_valid: "not_yet_valid",
  expired: "expired",
};

function later(a, b) {
  if (!a) return b;
  if (!b) return a;
  return new Date(a.at) >= new Date(b.at) ? a : b;
}

function earlierEntry(row) {
  return row ? { at: row.at, gate: row.gate || "" } : null;
}

/**
 * Where the ticket is as far as this device knows: the newer of the bundle's "inside" entry and
 * the device's own last scan of it. Returns {inside, at, gate, firstEntry}; the bundle's
 * "entered" (tickets that came in and left, sent for lists without re-entry) counts as an entry.
 */
export function whereIs(ticketId, bundle, deviceRow) {
  const fromBundle = bundle.inside && bundle.inside[String(ticketId)];
  const bundleState = fromBundle ? { inside: true, at: fromBundle.at, gate: fromBundle.gate || "" } : null;
  const deviceState = deviceRow ? { inside: deviceRow.inside, at: deviceRow.at, gate: deviceRow.gate || "" } : null;
  const latest = later(bundleState, deviceState);
  return {
    inside: Boolean(latest && latest.inside),
    at: latest ? latest.at : null,
    gate: latest ? latest.gate : "",
    firstEntry: (deviceRow && deviceRow.firstEntry) || earlierEntry(fromBundle || (bundle.entered || {})[String(ticketId)]),
  };
}

function ticketInfo(claims, bundle) {
  const types = bundle.ticket_types || [];
  const type = types.find((t) => Number(t.id) === claims.ticketTypeId);
  const names = bundle.attendees || {};
  return {
    id: claims.ticketId,
    ticket_type: type ? type.name : "",
    attendee_name: names[String(claims.ticketId)] || null,
    minimum_age: (bundle.event && bundle.event.minimum_age) || null,
    order_code: null,
  };
}

function result(status, extra = {}) {
  return { status, message: "", ticket: null, previous: null, ...extra };
}

/**
 * The device's verdict for a scan: {status, ticket, previous, claims}.
 * `scan` has payload or secret and direction; `deviceRowFor(ticketId)` reads the device's record.
 */
export async function decide(scan, bundle, deviceRowFor, now = new Date()) {
  const revoked = new Set(bundle.revoked || []);
  if (!scan.payload) {
    const secret = normaliseSecret(scan.secret || "");
    if (revoked.has(secret)) return result("revoked");
    return result("needs_connection");
  }
  let claims;
  try {
    claims = await verifyPayload(scan.payload, {
      publicKey: bundle.public_key,
      eventId: bundle.event.id,
      now,
      revoked,
    });
  } catch (error) {
    if (error instanceof Refused) {
      const ticket = error.claims && error.code !== "bad_signature" ? ticketInfo(error.claims, bundle) : null;
      return result(REFUSAL_STATUS[error.code] || "invalid", { ticket });
    }
    throw error;
  }
  const ticket = ticketInfo(claims, bundle);
  const allowed = (bundle.list && bundle.list.ticket_type_ids) || [];
  if (allowed.length && !allowed.map(Number).includes(claims.ticketTypeId)) {
    return result("not_on_list", { ticket, claims });
  }
  const where = whereIs(claims.ticketId, bundle, await deviceRowFor(claims.ticketId));
  if (scan.direction === "exit") {
    return where.inside ? result("valid", { ticket, claims }) : result("not_inside", { ticket, claims });
  }
  if (where.inside) {
    return result("already_checked_in", { ticket, claims, previous: { at: where.at, gate: where.gate } });
  }
  const reentry = bundle.list && bundle.list.allow_reentry;
  if (!reentry && where.firstEntry) {
    return result("already_checked_in", { ticket, claims, previous: where.firstEntry });
  }
  return result("valid", { ticket, claims });
}
