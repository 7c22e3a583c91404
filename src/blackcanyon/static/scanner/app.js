// The scanning screen. Every scan gets a client_scan_id and goes to POST /api/v1/checkins/; when
// the server cannot be reached in time it is decided on the device from the list's offline bundle
// (offline.js, verify.js) and queued in IndexedDB until the server has answered it. A queued scan
// the server refuses (its list was deleted, say) is set aside with the server's reason, so it does
// not hold back the others, and stays on the device until staff send it again or remove it.

import { Camera } from "./camera.js";
import { Feedback } from "./feedback.js";
import { Api, Refusal, sendQueued, Unreachable } from "./net.js";
import { decide } from "./offline.js";
import { registerServiceWorker, rememberList } from "./picker.js";
import * as store from "./store.js";
import { normaliseSecret, PREFIX } from "./verify.js";

const LIVE_TIMEOUT_MS = 1500; // past this the device decides, so staff get an answer in time
const SAME_CODE_PAUSE_MS = 4000; // a ticket held in front of the camera is not re-scanned at once
const BUNDLE_REFRESH_MS = 60_000;
const SYNC_RETRY_MS = 15_000;
const BATCH = 100;
const GATE_KEY = "bct-scanner:gate";
const DIRECTION_KEY = "bct-scanner:direction";
const CAMERA_KEY = "bct-scanner:camera";
const SCAN_FIELDS = ["client_scan_id", "list_id", "payload", "secret", "direction", "scanned_at", "gate", "offline", "client_status"];

const config = JSON.parse(document.getElementById("scanner-config").textContent);
const api = new Api(config);
const el = (id) => document.getElementById(id);
const state = { bundle: null, undo: null, busy: false, last: { text: "", at: 0 }, reachable: navigator.onLine, syncing: false, syncNote: "", usedManual: false };

function stored(key, fallback) {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
}

function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Settings are conveniences; scanning works without them.
  }
}

// --- Settings: direction, gate, camera -------------------------------------------------------

const gateInput = el("gate");
gateInput.value = stored(GATE_KEY, "");
gateInput.addEventListener("input", () => remember(GATE_KEY, gateInput.value.slice(0, 40)));

const savedDirection = stored(DIRECTION_KEY, "entry") === "exit" ? "exit" : "entry";
el(savedDirection === "exit" ? "dir-exit" : "dir-entry").checked = true;
for (const radio of document.querySelectorAll('input[name="direction"]')) {
  radio.addEventListener("change", () => remember(DIRECTION_KEY, direction()));
}

function direction() {
  return el("dir-exit").checked ? "exit" : "entry";
}

// --- Network and sync state ------------------------------------------------------------------

function setReachable(reachable) {
  state.reachable = reachable;
  const net = el("net");
  net.dataset.state = reachable ? "online" : "offline";
  net.textContent = reachable ? "Online" : "Offline";
}

const scansWord = (count) => (count === 1 ? "1 scan" : `${count} scans`);

async function showQueue() {
  const count = await store.queueCount();
  const scans = scansWord(count);
  let text = "";
  if (count && !state.reachable) text = `Offline — ${scans} waiting`;
  else if (count) text = `${scans} waiting to sync${state.syncNote ? ` (${state.syncNote})` : "…"}`;
  el("sync").textContent = text;
}

async function syncQueue() {
  if (state.syncing) return;
  state.syncing = true;
  try {
    const items = (await store.queued()).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
    await sendQueued(api, items, {
      size: BATCH,
      timeout: 15000,
      fields: SCAN_FIELDS,
      // Only what the server answered leaves the queue; a repeat is harmless (deduplicated).
      answered: async (ids) => {
        await store.dequeue(ids);
        setReachable(true);
      },
      // What it refused goes aside (never deleted), so the rest can be sent at once.
      setAside: async (rows) => {
        await store.setAside(rows);
        setReachable(true);
      },
    });
    state.syncNote = "";
  } catch (error) {
    if (error instanceof Unreachable) setReachable(false);
    state.syncNote = error instanceof Refusal ? (error.aboutSession ? "log in again to send them" : error.message) : "";
  } finally {
    state.syncing = false;
    await showQueue();
    await showRefused();
  }
}

// --- Scans the server refused ----------------------------------------------------------------

const SHOWN_AS = { valid: "admitted here", already_checked_in: "shown as already in", not_inside: "shown as not inside" };

function timeOf(iso) {
  try {
    return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.timezone }).format(new Date(iso));
  } catch {
    return new Date(iso).toISOString().slice(11, 16);
  }
}

function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

async function describeRefused(row) {
  const bundle = row.list_id === config.listId ? null : await store.loadBundle(row.list_id);
  const list = row.list_id === config.listId ? config.listName : bundle?.data?.list?.name || `list ${row.list_id}`;
  const parts = [timeOf(row.scanned_at), row.direction === "exit" ? "Exit" : "Entry", list];
  if (row.gate) parts.push(row.gate);
  const shown = SHOWN_AS[row.client_status] || (row.client_status ? `shown as ${row.client_status.replaceAll("_", " ")}` : "");
  if (shown) parts.push(shown);
  return `${parts.join(" · ")} — ${row.refused?.message || "refused"}`;
}

async function showRefused() {
  const box = el("refused");
  if (!box) return; // a page saved by an older release, opened offline: sync still works
  const rows = (await store.refused()).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
  box.hidden = rows.length === 0;
  el("refused-title").textContent = rows.length ? `${scansWord(rows.length)} refused by the server — not recorded` : "";
  const it = rows.length === 1 ? "it" : "them";
  el("refused-help").textContent = `Not in the counts. This device keeps ${it}: tell the organizer, then send ${it} again or remove ${it}.`;
  const reasons = new Map();
  for (const row of rows) {
    const message = row.refused?.message || "No reason given.";
    reasons.set(message, (reasons.get(message) || 0) + 1);
  }
  const reasonItems = [...reasons].map(([message, count]) => item(reasons.size > 1 ? `${message} (${scansWord(count)})` : message));
  el("refused-reasons").replaceChildren(...reasonItems);
  el("refused-list").replaceChildren(...(await Promise.all(rows.map(describeRefused))).map(item));
}

el("refused-retry")?.addEventListener("click", async () => {
  const status = el("refused-status");
  const ids = (await store.requeueRefused()).map((row) => row.client_scan_id);
  if (!ids.length) return;
  status.textContent = `Sending ${scansWord(ids.length)} again…`;
  await showRefused();
  await syncQueue();
  const again = (await store.refused()).filter((row) => ids.includes(row.client_scan_id)).length;
  const waiting = (await store.queued()).filter((row) => ids.includes(row.client_scan_id)).length;
  const parts = [];
  if (ids.length - again - waiting) parts.push(`${scansWord(ids.length - again - waiting)} recorded`);
  if (again) parts.push(`${scansWord(again)} refused again`);
  if (waiting) parts.push(`${scansWord(waiting)} waiting to sync`);
  status.textContent = `Sent again: ${parts.join(", ")}.`;
});

el("refused-remove")?.addEventListener("click", async () => {
  const rows = await store.refused();
  if (!rows.length) return;
  const them = rows.length === 1 ? "it" : "them";
  if (!window.confirm(`Remove ${scansWord(rows.length)} from this device? The server never recorded ${them}; removed, ${them} cannot be sent again.`)) return;
  await store.removeRefused(rows.map((row) => row.client_scan_id));
  el("refused-status").textContent = `Removed ${scansWord(rows.length)} from this device.`;
  await showRefused();
});

// --- Offline bundle --------------------------------------------------------------------------

function describeBundle(row) {
  const note = el("bundle-state");
  if (!row) {
    note.textContent = "Offline data: not on this device yet — it downloads while online.";
    return;
  }
  const at = new Date(row.savedAt).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  const revoked = (row.data.revoked || []).length;
  note.textContent = `Offline data ready · updated ${at} · ${revoked} revoked`;
  note.dataset.ready = "true";
}

async function refreshBundle() {
  try {
    const data = await api.fetchBundle();
    await store.saveBundle(config.listId, data);
    state.bundle = data;
    describeBundle(await store.loadBundle(config.listId));
    setReachable(true);
  } catch (error) {
    if (error instanceof Unreachable) setReachable(false);
    if (error instanceof Refusal) el("bundle-state").textContent = `Offline data could not be loaded: ${error.message}`;
  }
}

// --- Scanning --------------------------------------------------------------------------------

function newScan(text, source) {
  const cleaned = text.trim();
  const isPayload = source === "camera" || (cleaned.toUpperCase().startsWith(PREFIX) && cleaned.length > 20);
  return {
    client_scan_id: crypto.randomUUID(),
    list_id: config.listId,
    payload: isPayload ? cleaned : null,
    secret: isPayload ? null : normaliseSecret(cleaned),
    direction: direction(),
    scanned_at: new Date().toISOString(),
    gate: gateInput.value.trim().slice(0, 40),
    offline: false,
    client_status: null,
  };
}

async function decideHere(scan) {
  if (!state.bundle) {
    return { status: "needs_connection", message: "", ticket: null, previous: null };
  }
  const answer = await decide(scan, state.bundle, (ticketId) => store.ticketState(config.listId, ticketId));
  if (answer.status === "needs_connection") return answer;
  await store.enqueue({ ...scan, offline: true, client_status: answer.status });
  if (answer.status === "valid" && answer.claims) {
    await store.recordTicket(config.listId, answer.claims.ticketId, { direction: scan.direction, at: scan.scanned_at, gate: scan.gate });
  }
  await showQueue();
  return answer;
}

async function check(scan) {
  try {
    const data = await api.postScans([scan], { timeout: LIVE_TIMEOUT_MS });
    setReachable(true);
    const answer = data.results[0];
    if (answer.status === "valid" && answer.ticket) {
      await store.recordTicket(config.listId, answer.ticket.id, { direction: scan.direction, at: scan.scanned_at, gate: scan.gate });
    }
    syncQueue(); // the server is back: send what was queued while it was not
    return { answer, offline: false };
  } catch (error) {
    if (error instanceof Refusal && !error.aboutSession) {
      return { answer: { status: "error", message: error.message, ticket: null, previous: null }, offline: false };
    }
    if (error instanceof Unreachable) setReachable(false);
    else state.syncNote = "log in again to send them";
    return { answer: await decideHere(scan), offline: true };
  }
}

async function handleCode(text, source) {
  const cleaned = String(text || "").trim();
  if (!cleaned || state.busy || feedback.visible) return;
  if (source === "camera" && cleaned === state.last.text && Date.now() - state.last.at < SAME_CODE_PAUSE_MS) return;
  state.busy = true;
  camera.paused = true;
  state.usedManual = source === "manual";
  const scan = newScan(cleaned, source);
  try {
    const { answer, offline } = await check(scan);
    feedback.show(answer, { direction: scan.direction, offline, minimumAge: state.bundle?.event?.minimum_age ?? config.minimumAge });
    if (source === "manual") el("result").focus({ preventScroll: true });
    offerUndo(answer, scan, offline);
  } finally {
    state.busy = false;
    state.last = { text: cleaned, at: Date.now() };
  }
}

// --- Undo the last admission (a mistaken scan) ------------------------------------------------

function offerUndo(answer, scan, offline) {
  const ticketId = answer.ticket?.id ?? answer.claims?.ticketId;
  if (answer.status !== "valid" || !ticketId) return;
  state.undo = { id: scan.client_scan_id, offline, ticketId };
  const button = el("undo");
  button.textContent = scan.direction === "exit" ? "Undo last exit" : "Undo last admission";
  button.hidden = false;
  el("undo-status").textContent = "";
}

el("undo").addEventListener("click", async () => {
  const last = state.undo;
  if (!last) return;
  const status = el("undo-status");
  try {
    // Still on this device only: drop it. Otherwise the server marks it undone.
    if (last.offline && (await store.isQueued(last.id))) await store.dequeue([last.id]);
    else if (last.offline && (await store.isRefused(last.id))) await store.removeRefused([last.id]);
    else await api.undo(last.id);
  } catch (error) {
    status.textContent = error instanceof Unreachable ? "Undo needs a connection. Try again in a moment." : `Could not undo: ${error.message}`;
    return;
  }
  await store.forgetTicket(config.listId, last.ticketId);
  state.undo = null;
  el("undo").hidden = true;
  status.textContent = "Undone. The ticket can be scanned again.";
  await showQueue();
  await showRefused();
  refreshBundle();
});

const feedback = new Feedback(el("result"), {
  timezone: config.timezone,
  onDismiss: () => {
    camera.paused = false;
    state.last.at = Date.now();
    if (state.usedManual) el("code").focus();
  },
});

const cameraStatus = el("camera-status");
const camera = new Camera(el("video"), {
  wasmUrl: config.wasmUrl,
  onCode: (text) => handleCode(text, "camera"),
  onStatus: (text, kind) => {
    cameraStatus.textContent = text;
    cameraStatus.dataset.kind = kind;
  },
});

const toggle = el("camera-toggle");
function showCameraButton(on) {
  el("video").closest(".viewfinder").dataset.camera = on ? "on" : "off";
  toggle.setAttribute("aria-pressed", on ? "true" : "false");
  toggle.textContent = on ? "Camera on — tap to turn off" : "Camera off — tap to turn on";
}
toggle.addEventListener("click", async () => {
  if (camera.running) {
    camera.stop();
    remember(CAMERA_KEY, "off");
    showCameraButton(false);
  } else {
    remember(CAMERA_KEY, "on");
    showCameraButton(await camera.start());
  }
});
document.addEventListener("visibilitychange", async () => {
  if (document.hidden && camera.running) camera.stop();
  else if (!document.hidden && stored(CAMERA_KEY, "on") === "on") showCameraButton(await camera.start());
});

el("manual").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = el("code");
  const text = input.value;
  input.value = "";
  handleCode(text, "manual");
});

// --- Start -----------------------------------------------------------------------------------

window.addEventListener("online", () => {
  refreshBundle();
  syncQueue();
});
window.addEventListener("offline", () => {
  setReachable(false);
  showQueue();
});

async function start() {
  setReachable(navigator.onLine);
  rememberList({ url: location.pathname, listName: config.listName, eventTitle: config.eventTitle });
  registerServiceWorker(config.urls.serviceWorker, config.urls.scope).then(() => {
    // The first visit is not yet under the worker's control: save this page for offline use.
    if (!navigator.serviceWorker?.controller && window.caches) {
      caches.open("bct-scanner-pages").then((cache) => cache.add(location.pathname)).catch(() => {});
    }
  });
  const row = await store.loadBundle(config.listId);
  state.bundle = row ? row.data : null;
  describeBundle(row);
  await showRefused();
  if (stored(CAMERA_KEY, "on") === "on") showCameraButton(await camera.start());
  else {
    showCameraButton(false);
    cameraStatus.textContent = "Camera off. Type the ticket code below, or turn the camera on.";
  }
  await refreshBundle();
  await syncQueue();
  setInterval(refreshBundle, BUNDLE_REFRESH_MS);
  setInterval(async () => {
    if ((await store.queueCount()) > 0) syncQueue();
  }, SYNC_RETRY_MS);
}

start();
