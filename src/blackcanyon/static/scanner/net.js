// Talking to the check-in API with the browser session (cookies + X-CSRFToken).

export class Unreachable extends Error {
  // No answer in time, no network, or the server failed (5xx): decide on the device instead.
  constructor(message) {
    super(message);
    this.name = "Unreachable";
  }
}

export class Refusal extends Error {
  // The server answered with an error (not logged in, no permission, bad request).
  constructor(status, code, message) {
    super(message || code);
    this.name = "Refusal";
    this.status = status;
    this.code = code;
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
      const error = (data && data.error) || {};
      throw new Refusal(response.status, error.code || `http_${response.status}`, error.message);
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
