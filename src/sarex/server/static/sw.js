// The service worker: the page's shell (HTML, scripts, styles, string catalogues, vendored Leaflet) kept in
// the browser so that a unit's phone opens the page with no connection; reports made then wait in the
// outbox (IndexedDB) and are sent when the connection returns. Network first, so a page online is always
// the server's current one; the API is never cached (what a participant may read depends on who asks and
// when: the truth, for one, is released only after ENDEX).
"use strict";
const CACHE = "sarex-shell-v1";
const SHELL = ["/", "/static/app.css", "/static/i18n.js", "/static/map.js", "/static/outbox.js", "/static/app.js", "/static/panels.js",
  "/static/played.js", "/static/favicon.svg", "/static/i18n/en.json", "/static/i18n/ko.json", "/static/i18n/ja.json",
  "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css"];

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys().then((ks) => Promise.all(ks.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== "GET" || url.origin !== self.location.origin) return;
  const shell = url.pathname === "/" || url.pathname.startsWith("/static/");
  if (!shell) return;  // the API and everything else: straight to the network
  ev.respondWith(fetch(ev.request).then((r) => {
    if (r.ok) { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(ev.request, copy)); }
    return r;
  }).catch(() => caches.match(ev.request, { ignoreSearch: true }).then((hit) => hit || Response.error())));
});
