// Reports made at sea: each is written to IndexedDB with its report id first, then sent; it leaves the
// outbox only when the server has answered (stored, or refused with a 4xx). The server stores a position
// or sighting report id once (a retry is acknowledged, not stored again), so sending twice after a lost answer is safe.
(function () {
  "use strict";
  const DB = "sarex-outbox", STORE = "reports";
  let dbp = null, busy = false;
  function db() {
    if (!dbp) dbp = new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: "report_id" });
      r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
    });
    return dbp;
  }
  async function tx(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(STORE, mode), out = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(out && out.result !== undefined ? out.result : undefined); t.onerror = () => reject(t.error);
    });
  }
  const all = () => tx("readonly", (s) => s.getAll());
  const put = (item) => tx("readwrite", (s) => s.put(item));
  const del = (id) => tx("readwrite", (s) => s.delete(id));

  function newId() {  // 128 random bits; crypto.randomUUID needs a secure context, getRandomValues does not
    const b = crypto.getRandomValues(new Uint8Array(16));
    return "web-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // kind "position": body {time, lon, lat}; kind "sighting": body {time, lon, lat, note}
  async function add(exercise, kind, body) {
    const item = { report_id: newId(), exercise, kind, body, created: new Date().toISOString() };
    await put(item);
    changed();
    flush();
    return item.report_id;
  }

  async function send(item) {
    const SX = window.SX, e = `/api/exercises/${item.exercise}`;
    if (item.kind === "position") return SX.api(`${e}/positions`, { method: "POST", json: { reports: [{ ...item.body, report_id: item.report_id }] } });
    return SX.api(`${e}/sightings`, { method: "POST", json: { ...item.body, report_id: item.report_id } });
  }

  async function flush() {
    if (busy || !navigator.onLine || !window.SX || !window.SX.S.csrf) return;  // not logged in yet (a page opened offline): wait
    busy = true;
    try {
      for (const item of await all()) {
        try {
          await send(item);
          await del(item.report_id);
        } catch (e) {
          if (e instanceof window.SX.ApiError && e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429) {
            await del(item.report_id);  // refused for good (bad input, no grant): say so, do not resend forever
            window.SX.flash(window.SX.errText(e));
          } else break;  // offline, server down, logged out: keep it and try again later
        }
      }
    } finally { busy = false; changed(); }
  }

  async function changed() {
    const n = (await all()).length, el = document.getElementById("outbox");
    if (el) el.textContent = n ? window.SX_I18N.T("outbox_waiting", { n }) : (navigator.onLine ? "" : window.SX_I18N.T("offline"));
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", changed);
  setInterval(flush, 15000);
  window.SX_OUTBOX = { add, flush, all, put, changed };
})();
