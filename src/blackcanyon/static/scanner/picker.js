// Picker pages: install the service worker early (so the scanner opens offline later) and offer
// "Continue scanning" for the list this device used last.

const LAST_LIST = "bct-scanner:last-list";

export function registerServiceWorker(url, scope) {
  if (!("serviceWorker" in navigator) || !url) return Promise.resolve(null);
  return navigator.serviceWorker.register(url, { scope, updateViaCache: "none" }).catch(() => null);
}

export function rememberList(entry) {
  try {
    localStorage.setItem(LAST_LIST, JSON.stringify(entry));
  } catch {
    // Private mode or full storage: the resume link is a convenience only.
  }
}

function showResume() {
  const box = document.getElementById("resume");
  if (!box) return;
  let last = null;
  try {
    last = JSON.parse(localStorage.getItem(LAST_LIST) || "null");
  } catch {
    last = null;
  }
  if (!last || !last.url || !last.url.startsWith("/")) return;
  document.getElementById("resume-link").href = last.url;
  document.getElementById("resume-label").textContent = `${last.listName} · ${last.eventTitle}`;
  box.hidden = false;
}

const script = document.querySelector("script[data-sw]");
if (script) {
  registerServiceWorker(script.dataset.sw, script.dataset.scope);
  showResume();
}
