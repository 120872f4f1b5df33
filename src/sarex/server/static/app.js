// sarex web UI, core: API calls, formats, login, tabs by role, exercise loading. No external requests.
(function () {
  "use strict";
  const I = window.SX_I18N, T = I.T;
  const $ = (id) => document.getElementById(id);
  const S = { csrf: null, me: null, ex: null, fmt: localStorage.getItem("sarex.fmt") || "ddm", positions: [], routes: new Set(),
              units: [], periods: [], plans: [], jobs: [], areas: { features: [] }, routesFc: { features: [] }, sightings: [], datum: [],
              tasking: null, contours: { features: [] }, forecast: null, injects: [], tab: null };

  // --- API: errors carry the server's stable code, shown in the reader's language --------------------
  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || String(status));
      this.status = status; this.code = (body && body.code) || CODES[status] || "error"; this.field = (body && body.field) || "";
    }
  }
  const CODES = { 400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many", 503: "unavailable" };
  async function api(path, opts = {}) {
    const o = Object.assign({ credentials: "same-origin", headers: {} }, opts);
    if (o.method && o.method !== "GET") o.headers["X-CSRF-Token"] = S.csrf || "";
    if (o.json !== undefined) { o.body = JSON.stringify(o.json); o.headers["Content-Type"] = "application/json"; }
    const r = await fetch(path, o);
    const type = r.headers.get("content-type") || "";
    const body = type.includes("json") ? await r.json() : await r.text();
    if (!r.ok) throw new ApiError(r.status, typeof body === "object" ? body : null);
    return body;
  }
  // "<what went wrong> (<field>)" from the code; the server's English line stays in the title for support.
  function errText(e) {
    if (!(e instanceof ApiError)) return T("err_network");
    const key = I.has("err_" + e.code) ? "err_" + e.code : "err_error";
    const field = e.field && I.has("field_" + e.field.split(/[.[]/)[0]) ? T("field_" + e.field.split(/[.[]/)[0]) : "";
    return T(key) + (field ? ` (${field})` : "");
  }
  function showError(el, e) { el.textContent = errText(e); el.title = e.message || ""; }

  // --- formats: positions DD / DDM, times UTC with KST/JST (UTC+9) ----------------------------------
  function ddm(v, pos, neg, w) {
    const h = v >= 0 ? pos : neg; v = Math.abs(v); let d = Math.floor(v); let m = (v - d) * 60;
    if (Math.round(m * 100) / 100 >= 60) { d += 1; m = 0; }
    return String(d).padStart(w, "0") + "°" + m.toFixed(2).padStart(5, "0") + "'" + h;
  }
  function fmtPos(lon, lat) {
    if (S.fmt === "dd") return lat.toFixed(4) + "° " + lon.toFixed(4) + "°";
    return ddm(lat, "N", "S", 2) + " " + ddm(lon, "E", "W", 3);
  }
  function fmtTime(iso, short) {
    const t = new Date(iso); if (isNaN(t)) return String(iso);
    const k = new Date(t.getTime() + 9 * 3600e3).toISOString().slice(11, 16);
    const z = t.toISOString();
    return (short ? z.slice(11, 16) : z.slice(0, 16).replace("T", " ")) + " UTC" + (short ? "" : ` (${T("kst_jst")} ${k})`);
  }
  const pct = (x) => (100 * x).toFixed(1) + " %";
  function esc(s) { return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }

  // --- confirmations: a modal dialog, optionally with a comment ---------------------------------------
  function confirmDialog(title, text, withComment) {
    const d = $("confirm");
    $("confirm-title").textContent = title; $("confirm-text").textContent = text;
    $("confirm-comment-label").hidden = !withComment; $("confirm-comment").value = "";
    return new Promise((resolve) => {
      d.onclose = () => resolve(d.returnValue === "ok" ? { comment: $("confirm-comment").value } : null);
      d.returnValue = ""; d.showModal(); (withComment ? $("confirm-comment") : $("confirm-no")).focus();
    });
  }
  function flash(msg) { $("flash").textContent = msg; clearTimeout(S.flashT); S.flashT = setTimeout(() => ($("flash").textContent = ""), 6000); }

  // --- tabs: the role's main task first ---------------------------------------------------------------
  const TABS = {
    unit: ["tasking", "report", "inbox", "messages", "alerts", "sitreps", "map"],
    planner: ["plans", "forecast", "units", "inbox", "sitreps", "map"],
    coordinator: ["plans", "forecast", "units", "messages", "alerts", "sitreps", "inbox", "map"],
    director: ["control", "msel", "injects", "plans", "forecast", "units", "messages", "alerts", "sitreps", "audit", "map"],
    evaluator: ["observations", "units", "msel", "plans", "forecast", "messages", "alerts", "sitreps", "inbox", "map"],
    observer: ["units", "plans", "sitreps", "inbox", "map"],
  };
  function tabsFor(roles) {
    const out = [];
    ["director", "coordinator", "planner", "unit", "evaluator", "observer"].forEach((r) => { if (roles.includes(r)) TABS[r].forEach((t) => out.includes(t) || out.push(t)); });
    return out.filter((t) => t !== "map").concat(["map"]);
  }
  function renderTabs() {
    const tabs = tabsFor(S.ex.roles), nav = $("tabs");
    if (!tabs.includes(S.tab)) S.tab = tabs[0];
    const key = tabs.join(",") + "|" + I.lang;
    if (nav.dataset.key !== key) {  // rebuilt only when the set changes, so a focused tab keeps its focus
      nav.dataset.key = key;
      nav.innerHTML = tabs.map((t) => `<button role="tab" id="tab-${t}" data-tab="${t}" aria-controls="${t === "map" ? "map" : "panel-" + t}" class="${t === "map" ? "tab-map" : ""}">${esc(T("tab_" + t))}</button>`).join("");
      nav.querySelectorAll("button").forEach((b) => { b.onclick = () => selectTab(b.dataset.tab); });
    }
    nav.querySelectorAll("button").forEach((b) => { const on = b.dataset.tab === S.tab; b.setAttribute("aria-selected", String(on)); b.tabIndex = on ? 0 : -1; });
    document.querySelectorAll(".panel").forEach((p) => { p.hidden = p.id !== "panel-" + S.tab; });
    $("app-view").classList.toggle("show-map", S.tab === "map");
    document.querySelectorAll(".panel").forEach((p) => { if (!tabs.includes(p.id.slice(6))) p.hidden = true; });
  }
  function selectTab(t) { S.tab = t; renderTabs(); const b = $("tab-" + t); if (b) b.focus(); if (t === "map") setTimeout(() => window.SX_MAP.resize(S), 0); if (t === "audit") window.SX_PANELS.renderAudit(S); }
  $("tabs").addEventListener("keydown", (ev) => {  // arrow keys move between tabs (WAI-ARIA tabs pattern)
    const bs = [...$("tabs").querySelectorAll("button")], i = bs.findIndex((b) => b.dataset.tab === S.tab);
    const j = ev.key === "ArrowRight" ? i + 1 : ev.key === "ArrowLeft" ? i - 1 : ev.key === "Home" ? 0 : ev.key === "End" ? bs.length - 1 : null;
    if (j === null) return;
    ev.preventDefault(); selectTab(bs[(j + bs.length) % bs.length].dataset.tab);
  });

  // --- login -------------------------------------------------------------------------------------------
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("login-error").textContent = "";
    delete $("login-error").dataset.i18n;
    try {
      const r = await api("/api/login", { method: "POST", json: { username: $("username").value, password: $("password").value } });
      S.csrf = r.csrf; await start();
    } catch (e) {
      // keyed, so that a catalogue still loading (a slow phone) translates it when it comes
      if (e instanceof ApiError && e.status === 401) { $("login-error").dataset.i18n = "err_login"; $("login-error").textContent = T("err_login"); } else showError($("login-error"), e);
    }
  });
  $("logout").addEventListener("click", async () => { try { await api("/api/logout", { method: "POST" }); } finally { location.reload(); } });
  $("fmt").value = S.fmt;
  $("lang").addEventListener("change", async () => { localStorage.setItem("sarex.lang", $("lang").value); await I.load($("lang").value); I.apply(); if (S.ex) render(); });
  $("fmt").addEventListener("change", () => { S.fmt = $("fmt").value; localStorage.setItem("sarex.fmt", S.fmt); if (S.ex) render(); });

  async function start() {
    S.me = await api("/api/me"); S.csrf = S.me.csrf || S.csrf;
    $("login-view").hidden = true; $("app-view").hidden = false; $("logout").hidden = false;
    $("who").textContent = S.me.user + " · " + S.me.org;
    try { S.routes = new Set(Object.keys((await api("/openapi.json")).paths)); } catch (e) { S.routes = new Set(); }
    const list = await api("/api/exercises");
    S.list = list;
    $("exercise").innerHTML = list.map((e) => `<option value="${e.id}" translate="no">#${e.id} ${esc(e.name)}</option>`).join("");
    $("exercise").onchange = () => open(+$("exercise").value);
    window.SX_MAP.init();
    if (list.length) await open(list[0].id);
  }

  async function open(id) {
    S.ex = await api(`/api/exercises/${id}`); S.positions = []; S.tab = null;
    await window.SX_MAP.open(S.ex, api);
    await refresh(true);
    live();
  }

  const get = async (p, dflt) => { try { return await api(p); } catch (e) { return dflt; } };
  async function refresh(fit) {
    const id = S.ex.id, r = S.ex.roles, unit = r.includes("unit"), control = r.some((x) => ["director", "coordinator", "planner", "evaluator", "observer"].includes(x));
    const e = `/api/exercises/${id}`;
    const [units, periods, plans, jobs, areas, routes, sightings, datum, tasking, contours, forecast, injects, clock] = await Promise.all([
      get(`${e}/units`, []), get(`${e}/periods`, []), control ? get(`${e}/plans`, []) : [], control ? get(`${e}/jobs`, []) : [],
      get(`${e}/collections/areas/items`, { features: [] }), get(`${e}/collections/routes/items`, { features: [] }), get(`${e}/sightings`, []),
      control ? get(`${e}/datum`, []) : [], unit ? get(`${e}/tasking`, []) : null,
      control ? get(`${e}/collections/contours/items`, { features: [] }) : { features: [] }, control ? get(`${e}/forecast`, null) : null,
      get(`${e}/injects`, []), get(`${e}/clock`, null)]);
    Object.assign(S, { units, periods, plans, jobs, areas, routesFc: routes, sightings, datum, tasking, contours, forecast, injects, clock });
    S.ex = await api(e);
    await window.SX_PLAYED.load(S);
    render();
    if (fit) { window.SX_MAP.resize(); window.SX_MAP.fit(S); }
    if (S.jobs.some((j) => j.status === "running" || j.status === "queued")) { clearTimeout(S.poll); S.poll = setTimeout(() => refresh(false), 2000); }
  }

  function render() {
    const ex = S.ex;
    I.apply();
    $("exname").textContent = ex.name;
    $("status").textContent = T("exstatus_" + ex.status) + (ex.truth_released ? " · " + T("truth_released") : "");
    $("lkp").innerHTML = `<b>${T("lkp")}</b> ${fmtPos(ex.lkp.lon, ex.lkp.lat)} · ${fmtTime(ex.lkp.time)} · ${esc(I.has("obj_" + ex.scenario.reported.object_class) ? T("obj_" + ex.scenario.reported.object_class) : ex.scenario.reported.object_class)}`;
    $("truth").hidden = !ex.truth;
    if (ex.truth) $("truth").innerHTML = `<b>${T("truth")}</b> ${fmtPos(ex.truth.lon, ex.truth.lat)} · ${fmtTime(ex.truth.time)} · ${esc(I.has("obj_" + ex.truth.object_class) ? T("obj_" + ex.truth.object_class) : ex.truth.object_class)}`;
    renderTabs();
    window.SX_MAP.draw(S);
    window.SX_PANELS.render(S);
    window.SX_PLAYED.render(S);
  }

  function live() {
    if (S.es) S.es.close();
    S.es = new EventSource(`/api/exercises/${S.ex.id}/events`);
    S.es.addEventListener("position", (ev) => {
      S.positions.push(JSON.parse(ev.data)); clearTimeout(S.draw);
      S.draw = setTimeout(() => { window.SX_MAP.drawUnits(S); window.SX_PANELS.renderUnits(S); }, 200);
    });
    S.es.addEventListener("truth", () => { if (!S.ex.truth) refresh(false); });
    S.es.addEventListener("alert", (ev) => {
      const a = JSON.parse(ev.data);
      if (S.alerts && !S.alerts.some((x) => x.id === a.id)) { S.alerts.push(a); window.SX_PLAYED.renderAlerts(S); flash(T("alert_new")); }
    });
    S.es.addEventListener("inject", (ev) => {
      const i = JSON.parse(ev.data);
      if (!S.injects.some((x) => x.id === i.id && x.delivered)) { S.injects = S.injects.filter((x) => x.id !== i.id).concat([i]); window.SX_PANELS.renderInjects(S); }
    });
  }

  // What a panel needs to act: POST, then refresh; errors inline in `errEl`, input kept.
  async function act(path, json, errEl) {
    if (errEl) errEl.textContent = "";
    try { const r = await api(path, { method: "POST", json }); await refresh(false); return r; } catch (e) { if (errEl) showError(errEl, e); else flash(errText(e)); return null; }
  }

  // Exercise time (ISO, UTC) at a wall time (ms): every report is stamped in exercise time (the
  // time contract, issue 28), computed from the exercise clock as exercise/clock.py does.
  function exerciseTime(wallMs) {
    const c = S.clock;
    if (!c) return new Date(wallMs).toISOString();
    const wall = wallMs / 1000;
    const ex = c.mode === "live" ? wall + c.offset_s : c.state !== "running" ? c.anchor_exercise_s : c.anchor_exercise_s + c.rate * (wall - c.anchor_wall_s);
    return new Date(Math.round(ex * 1000)).toISOString();
  }
  window.SX = { S, api, act, refresh, errText, showError, fmtPos, fmtTime, pct, esc, confirmDialog, flash, T, ApiError, selectTab, exerciseTime };
  // The shell offline (static/sw.js): registered where the browser allows it (a secure context: HTTPS or this host).
  if ("serviceWorker" in navigator && window.isSecureContext) navigator.serviceWorker.register("/sw.js").catch(() => {});
  // Opened offline, the page could not ask who is logged in: ask again when the connection returns.
  window.addEventListener("online", () => { if (!S.me) api("/api/me").then(start).then(() => window.SX_OUTBOX.flush()).catch(() => {}); });
  const lang0 = localStorage.getItem("sarex.lang") || "en";
  $("lang").value = lang0;
  I.load(lang0).then(() => { I.apply(); return api("/api/me"); }).then(start).catch(() => {});
})();
