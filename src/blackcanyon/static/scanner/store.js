// The scanner's device storage (IndexedDB "bct-scanner"):
//   bundles  — the latest offline bundle per check-in list (public key, revocations, inside, names)
//   queue    — scans decided on this device while offline, until the server has answered them
//   refused  — queued scans the server refused (e.g. their check-in list was deleted), with its
//              reason: kept apart so they no longer hold back the queue, never dropped silently
//   tickets  — what this device saw per (list, ticket): inside or not, first entry, last scan
//
// Version 2 added `refused`. Opening upgrades an older database in place: existing stores and
// their rows (queued scans above all) are kept; only missing stores are created.

const DB_NAME = "bct-scanner";
const DB_VERSION = 2;
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
      if (!db.objectStoreNames.contains("refused")) db.createObjectStore("refused", { keyPath: "client_scan_id" });
    };
    opening = promised(request).then((db) => {
      // A newer version of the app opened in another tab needs this connection closed to upgrade.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      return db;
    });
    opening.catch(() => {
      opening = null;
    });
  }
  return opening;
}

/** Run `action` in one transaction over one store (it gets the store) or several (it gets
 *  {name: store}); resolves with the action's request result once the transaction committed. */
async function run(storeNames, mode, action) {
  const db = await open();
  const tx = db.transaction(storeNames, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  const stores = Array.isArray(storeNames) ? Object.fromEntries(storeNames.map((name) => [name, tx.objectStore(name)])) : tx.objectStore(storeNames);
  const result = action(stores);
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

/** Move scans the server refused out of the queue into `refused` (rows carry `refused`: the
 *  server's status, code, message and when), in one transaction: a scan is always in one of them. */
export function setAside(rows) {
  return run(["queue", "refused"], "readwrite", ({ queue, refused: aside }) => {
    for (const row of rows) {
      aside.put(row);
      queue.delete(row.client_scan_id);
    }
  });
}

export function refused() {
  return run("refused", "readonly", (s) => s.getAll());
}

export async function isRefused(id) {
  return Boolean(await run("refused", "readonly", (s) => s.get(id)));
}

/** Put every refused scan back in the queue (staff asked to send them again); resolves with
 *  the rows moved. */
export function requeueRefused() {
  return run(["queue", "refused"], "readwrite", ({ queue, refused: aside }) => {
    const all = aside.getAll();
    all.addEventListener("success", () => {
      for (const { refused: _reason, ...scan } of all.result) {
        queue.put(scan);
        aside.delete(scan.client_scan_id);
      }
    });
    return all;
  });
}

/** Remove refused scans from this device (staff confirmed: they are not to be recorded). */
export function removeRefused(ids) {
  return run("refused", "readwrite", (s) => {
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
