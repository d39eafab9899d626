/* Nattpatrull service worker (scope "/"), served in two forms from this one source
 * (patrol/guard/pages.py): a classic script at /service-worker.js, and a module at
 * /service-worker-module.js for browsers with Background Sync (Chromium), which imports the
 * page's own sync engine so that it can deliver the outbox with no window open.
 *
 * The server fills in VERSION (a hash of the content of every precached file), the precache
 * list, the screen paths and the lines marked below when it serves this file, so a new
 * deployment yields new worker bytes, the browser installs it, and it waits until the guard
 * taps "Ny version finns" (never mid-form).
 *
 * - Navigations to the guard screens (and /c/<token> from a scanned QR code) answer with the
 *   cached shell: the app opens with no network at all.
 * - Precached static files: cache first (they are versioned by the cache name).
 * - API reads (GET /api/...): network first, the cached copy when offline.
 * - Writes and photos are never cached here: the page's outbox owns them.
 * - Background Sync "outbox": an open app window runs the sync pass; with no window open, the
 *   module worker runs it itself (sw-sync.js, the same modules as the page).
 *
 * Other features add their own handlers in the lines the server fills in at the end (push).
 */
// The app's version, for people reading this file; the cache name is the digest below.
const APP_VERSION = "__APP_VERSION__";
const VERSION = "__VERSION__";
const PRECACHE_URLS = __PRECACHE_URLS__;
const SHELL_CACHE = `nattpatrull-shell-${VERSION}`;
const API_CACHE = "nattpatrull-api";
const CACHE_PREFIX = "nattpatrull-shell-";

// The URLs whose navigation the shell answers: the server fills them in from its one list
// (patrol/guard/pages.py SCREENS).
const SHELL_PATHS = new Set(__SCREEN_PATHS__);
// API reads that are kept for offline use. Not /api/v1/me: an old copy would tell the app
// the wrong login state and carry a stale CSRF token. Photos are never cached by the worker.
const CACHED_API_READS = new Set(["/api/v1/sites"]);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) =>
      // cache: "reload" skips the HTTP cache so the files match VERSION.
      cache.addAll(PRECACHE_URLS.map((url) => new Request(url, { cache: "reload" })))
    )
  );
  // No skipWaiting() here: an update waits until the guard taps "Ny version finns",
  // except for the very first install, which has nothing to replace.
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(CACHE_PREFIX) && name !== SHELL_CACHE)
          .map((name) => caches.delete(name))
      );
      await self.clients.claim();
    })()
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (data.type === "CLEAR_API_CACHE") {
    // On logout: another user on this phone must not see the previous user's cached reads.
    event.waitUntil(caches.delete(API_CACHE));
  } else if (data.type === "GET_VERSION" && event.source) {
    event.source.postMessage({ type: "VERSION", version: VERSION });
  }
});

function isShellNavigation(url) {
  return SHELL_PATHS.has(url.pathname) || /^\/c\/[^/]+$/.test(url.pathname);
}

async function shellResponse() {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match("/");
  if (cached) return cached;
  return fetch("/");
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreSearch: false });
  if (cached) return cached;
  return fetch(request);
}

async function networkFirstApi(request) {
  const cache = await caches.open(API_CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // writes go straight to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isShellNavigation(url)) {
    event.respondWith(shellResponse());
    return;
  }
  if (CACHED_API_READS.has(url.pathname)) {
    event.respondWith(networkFirstApi(request));
    return;
  }
  if (url.pathname.startsWith("/api/")) return; // photos and other reads: network only
  if (PRECACHE_URLS.includes(url.pathname)) {
    event.respondWith(cacheFirst(url.pathname));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(syncOutbox());
});

async function syncOutbox() {
  const windows = await self.clients.matchAll({ type: "window" });
  if (windows.length || !replayOutbox) {
    // The outbox lives in the page's modules; an open window runs the pass.
    for (const client of windows) client.postMessage({ type: "SYNC_NOW" });
    return;
  }
  await replayOutbox();
}

// Push notifications, SOS and extra rounds (issue 5): push, notificationclick,
// pushsubscriptionchange; and the outbox replay where the worker is a module.
/* __FEATURE_SCRIPTS__ */
