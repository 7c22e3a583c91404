// Talking to the check-in API with the browser session (cookies + X-CSRFToken).

export class Unreachable extends Error {
  // No answer in time, no network, or the server failed (5xx): decide on the device instead.
  constructor(message) {
    super(message);
    this.name = "Unreachable";
  }
}

export class Refusal extends Error {
  // The server answered with an error (not logged in, no permission, bad request). `fields` is the
  // error document's {field: [messages]}; `fromApi` is false when the answer was not the API's
  // error document at all (a proxy's error page, say).
  constructor(status, code, message, { fields = {}, fromApi = false } = {}) {
    super(message || code);
    this.name = "Refusal";
    this.status = status;
    this.code = code;
    this.fields = fields && typeof fields === "object" ? fields : {};
    this.fromApi = fromApi;
  }

  /** "Log in again" (401) or "not allowed" (403): about the device, not about any one scan. */
  get aboutSession() {
    return this.status === 401 || this.status === 403;
  }

  /** The batch items this refusal names (`scans.<index>` or `scans.<index>.<field>`):
   *  Map index → the server's messages about that item. Indexes past `count` are ignored. */
  itemMessages(count) {
    const named = new Map();
    for (const [field, messages] of Object.entries(this.fields)) {
      const match = /^scans\.(\d+)(?:\.|$)/.exec(field);
      if (!match || Number(match[1]) >= count) continue;
      const index = Number(match[1]);
      const said = Array.isArray(messages) ? messages.map(String) : [String(messages)];
      named.set(index, [...(named.get(index) || []), ...said]);
    }
    return named;
  }
}

export class Api {
  constructor(config) {
    this.urls = config.urls;
    this.csrfToken = config.csrfToken;
  }

  async request(url, { method = "GET", body = null, timeout = 8000 } = {}) {
    if (navigator.onLine === false) throw new Unreachable("offline");
    const headers = { Accept: "application/json" };
    if (body !== null) {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = this.csrfToken;
    }
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === null ? null : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      throw new Unreachable(error.message);
    }
    if (response.status >= 500 || response.status === 429) throw new Unreachable(`HTTP ${response.status}`);
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const fromApi = Boolean(data && data.error && typeof data.error === "object");
      const error = fromApi ? data.error : {};
      throw new Refusal(response.status, error.code || `http_${response.status}`, error.message, {
        fields: error.fields,
        fromApi,
      });
    }
    return data;
  }

  async refreshCsrf() {
    const data = await this.request(this.urls.session);
    if (data && data.csrfToken) this.csrfToken = data.csrfToken;
    return Boolean(data && data.authenticated);
  }

  /** POST scans; retries once with a fresh CSRF token (a page opened from the offline cache). */
  async postScans(scans, { timeout = 8000 } = {}) {
    try {
      return await this.request(this.urls.checkins, { method: "POST", body: { scans }, timeout });
    } catch (error) {
      if (!(error instanceof Refusal) || error.status !== 403) throw error;
      await this.refreshCsrf();
      return this.request(this.urls.checkins, { method: "POST", body: { scans }, timeout });
    }
  }

  /** Undo a recorded scan (POST /api/v1/checkins/{client_scan_id}/undo/). */
  undo(clientScanId) {
    const url = `${this.urls.checkins}${encodeURIComponent(clientScanId)}/undo/`;
    return this.request(url, { method: "POST", body: {}, timeout: 8000 });
  }

  fetchBundle() {
    return this.request(this.urls.bundle, { timeout: 20000 });
  }
}

/**
 * Send queued scans (oldest first) in batches of up to `size`, until every one is answered or set
 * aside. The server refuses a whole batch for one bad scan, so one bad scan must not hold back the
 * good ones:
 *  - a refusal naming scans (`scans.<i>.…` fields: a deleted check-in list, a field it rejects)
 *    sets exactly those aside, and the rest are sent again at once;
 *  - a refusal naming none (batch_too_large) halves the batch; a lone scan the API refuses
 *    without naming it is set aside.
 * `answered(ids)` is called with the ids the server answered, `setAside(rows)` with each refused
 * scan plus `refused: {status, code, message, at}`. Throws (and so leaves the rest queued) when the
 * server cannot be reached (Unreachable: no network, timeout, 5xx, 429), on 401/403, and on a
 * refusal of a lone scan that is not the API's answer (a proxy's error page).
 */
export async function sendQueued(api, scans, { size, timeout, answered, setAside, fields = null }) {
  let pending = [...scans];
  let batchSize = size;
  while (pending.length) {
    const batch = pending.slice(0, batchSize);
    const body = fields ? batch.map((scan) => Object.fromEntries(fields.map((k) => [k, scan[k]]))) : batch;
    try {
      const data = await api.postScans(body, { timeout });
      await answered(data.results.map((r) => r.client_scan_id));
      pending = pending.slice(batch.length);
    } catch (error) {
      if (!(error instanceof Refusal) || error.aboutSession) throw error;
      const aside = refusedIn(error, batch);
      if (aside.length) {
        await setAside(aside);
        const gone = new Set(aside.map((row) => row.client_scan_id));
        pending = pending.filter((scan) => !gone.has(scan.client_scan_id));
      } else if (batch.length > 1) {
        batchSize = Math.ceil(batch.length / 2);
      } else {
        throw error;
      }
    }
  }
}

function refusedIn(error, batch) {
  const at = new Date().toISOString();
  const why = (messages) => ({ status: error.status, code: error.code, message: messages.join(" ") || error.message, at });
  const named = error.itemMessages(batch.length);
  if (named.size) return [...named].map(([index, messages]) => ({ ...batch[index], refused: why(messages) }));
  if (batch.length === 1 && error.fromApi) return [{ ...batch[0], refused: why([]) }];
  return [];
}
