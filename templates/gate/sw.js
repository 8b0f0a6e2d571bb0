// The gate scanner's service worker (served by checkin/gate/views.py, scope "/gate"): the
// scanner starts with no network. The page comes from the network while there is one, else
// from its last copy; the static files it needs come from a cache named by their digest.
// Nothing under /api/ is ever cached: scans and the gate list live in IndexedDB (gate/store.js).
const VERSION = {{ version|tojson }};
const FILES = {{ files|tojson }};
const PAGE = {{ page|tojson }};
const PAGE_CACHE = {{ page_cache|tojson }};
const STATIC_CACHE = `checkin-gate-static-${VERSION}`;
// A server that has not answered by then is treated as gone, as the scanner's own requests are.
const PAGE_TIMEOUT_MS = 4000;

// Only the scanner page itself, signed in and set up: a redirect (to sign-in, to the gate
// picker) or an error page must not become what the phone shows offline.
async function keepPage(response) {
  const cache = await caches.open(PAGE_CACHE);
  if (response.status === 200 && !response.redirected && response.type === "basic") {
    await cache.put(PAGE, response);
  } else if (response.type === "opaqueredirect" || response.redirected) {
    await cache.delete(PAGE); // signed out or no gate chosen: no stale scanner offline
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    // "reload": fresh copies, not what the HTTP cache holds from an older version.
    await cache.addAll(FILES.map((url) => new Request(url, { cache: "reload" })));
    try {
      await keepPage(await fetch(PAGE, { cache: "reload", credentials: "same-origin" }));
    } catch (error) {
      // The page is kept on the next visit instead.
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("checkin-gate-static-") && name !== STATIC_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function pageFromNetworkFirst(request) {
  const network = fetch(request);
  network.then((response) => keepPage(response.clone())).catch(() => {});
  try {
    return await Promise.race([network, timeout(PAGE_TIMEOUT_MS)]);
  } catch (error) {
    const cached = await caches.match(PAGE, { cacheName: PAGE_CACHE });
    return cached || network;
  }
}

async function staticFromCacheFirst(request) {
  const cached = await caches.match(request, { cacheName: STATIC_CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(STATIC_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(pageFromNetworkFirst(request));
  } else if (url.pathname.startsWith("/static/") || FILES.includes(url.pathname + url.search)) {
    event.respondWith(staticFromCacheFirst(request));
  }
});
