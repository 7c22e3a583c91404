// The scanner's device storage (IndexedDB "bct-scanner"):
//   bundles  — the latest offline bundle per check-in list (public key, revocations, inside, names)
//   queue    — scans decided on this device while offline, until the server has answered them
//   tickets  — what this device saw per (list, ticket): inside or not, first entry, last scan

const DB_NAME = "bct-scanner";
const DB_VERSION = 1;
let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function open() {
  if (!opening) {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("bundles")) db.createObjectStore("bundles", { keyPath: "listId" });
      if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "client_scan_id" });
      if (!db.objectStoreNames.contains("tickets")) db.createObjectStore("tickets", { keyPath: ["listId", "ticketId"] });
    };
    opening = promised(request);
  }
  return opening;
}

async function run(storeName, mode, action) {
  const db = await open();
  const tx = db.transaction(storeName, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  const result = action(tx.objectStore(storeName));
  const [value] = await Promise.all([result instanceof IDBRequest ? promised(result) : result, done]);
  return value;
}

export function saveBundle(listId, data) {
  return run("bundles", "readwrite", (s) => s.put({ listId, savedAt: new Date().toISOString(), data }));
}

export async function loadBundle(listId) {
  const row = await run("bundles", "readonly", (s) => s.get(listId));
  return row || null;
}

export function enqueue(scan) {
  return run("queue", "readwrite", (s) => s.put(scan));
}

export function queued() {
  return run("queue", "readonly", (s) => s.getAll());
}

export function queueCount() {
  return run("queue", "readonly", (s) => s.count());
}

export async function isQueued(id) {
  return Boolean(await run("queue", "readonly", (s) => s.get(id)));
}

export function dequeue(ids) {
  return run("queue", "readwrite", (s) => {
    for (const id of ids) s.delete(id);
  });
}

export async function ticketState(listId, ticketId) {
  const row = await run("tickets", "readonly", (s) => s.get([listId, ticketId]));
  return row || null;
}

/** Remember what this device recorded for a ticket (entry → inside, exit → outside). */
export async function recordTicket(listId, ticketId, { direction, at, gate }) {
  const previous = (await ticketState(listId, ticketId)) || { listId, ticketId, firstEntry: null };
  const row = { ...previous, inside: direction === "entry", at, gate };
  if (direction === "entry" && !row.firstEntry) row.firstEntry = { at, gate };
  return run("tickets", "readwrite", (s) => s.put(row));
}

/** Forget what this device recorded for a ticket (after an undo): the bundle decides again. */
export function forgetTicket(listId, ticketId) {
  return run("tickets", "readwrite", (s) => s.delete([listId, ticketId]));
}
