{% autoescape off %}// Black Canyon door scanner — service worker (scope {{ scope }}), shell version {{ version }}.
// Precaches the scanner's shell (modules, CSS, decoder .wasm, icons, offline page) so the app
// opens without a network; scanner pages are fetched network-first and kept for offline use.
// API requests are never touched here: the page itself keeps data in IndexedDB.
const VERSION = "{{ version }}";
const SHELL = `bct-scanner-shell-${VERSION}`;
const PAGES = "bct-scanner-pages";
const SCOPE = new URL({{ scope }}, self.location).pathname;
const PRECACHE = {{ precache }};
const OFFLINE_URL = {{ offline_url }};
const PRECACHED = new Set(PRECACHE.map((url) => new URL(url, self.location).href));
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("bct-scanner-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request) {
  const pages = await caches.open(PAGES);
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(NAVIGATION_TIMEOUT_MS) });
    if (response.ok && !response.redirected && response.type === "basic") {
      await pages.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = (await pages.match(request, { ignoreSearch: true })) || (await caches.match(OFFLINE_URL));
    return cached || Response.error();
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate" && url.origin === self.location.origin && url.pathname.startsWith(SCOPE)) {
    event.respondWith(networkFirst(request));
  } else if (PRECACHED.has(url.href)) {
    event.respondWith(cacheFirst(request));
  }
});
{% endautoescape %}
