// sarex web UI: login, map (Leaflet, vendored), tables, live positions (SSE). No external requests.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const S = { csrf: null, me: null, ex: null, lang: localStorage.getItem("sarex.lang") || "en", fmt: localStorage.getItem("sarex.fmt") || "ddm",
              positions: [], layers: {}, map: null, es: null, tmin: 0, tmax: 0 };
  const T = (k) => (window.SAREX_I18N[S.lang] || {})[k] || window.SAREX_I18N.en[k] || k;

  async function api(path, opts = {}) {
    const o = Object.assign({ credentials: "same-origin", headers: {} }, opts);
    if (o.method && o.method !== "GET") o.headers["X-CSRF-Token"] = S.csrf || "";
    if (o.json !== undefined) { o.body = JSON.stringify(o.json); o.headers["Content-Type"] = "application/json"; }
    const r = await fetch(path, o);
    const type = r.headers.get("content-type") || "";
    const body = type.includes("json") ? await r.json() : await r.text();
    if (!r.ok) throw new Error((body && body.error) || r.status);
    return body;
  }

  // --- formats: positions DD / DDM, times UTC with KST and JST (both UTC+9) ---
  function ddm(v, pos, neg, w) {
    const h = v >= 0 ? pos : neg; v = Math.abs(v); let d = Math.floor(v); let m = (v - d) * 60;
    if (Math.round(m * 100) / 100 >= 60) { d += 1; m = 0; }
    return String(d).padStart(w, "0") + "°" + m.toFixed(2).padStart(5, "0") + "'" + h;
  }
  function fmtPos(lon, lat) {
    if (S.fmt === "dd") return lat.toFixed(4) + ", " + lon.toFixed(4);
    return ddm(lat, "N", "S", 2) + " " + ddm(lon, "E", "W", 3);
  }
  function fmtTime(iso) {
    const t = new Date(iso); if (isNaN(t)) return iso;
    const z = (d) => d.toISOString().slice(11, 16);
    const k = new Date(t.getTime() + 9 * 3600e3);
    return t.toISOString().slice(0, 16).replace("T", " ") + "Z (KST/JST " + z(k) + ")";
  }
  function i18n() {
    document.documentElement.lang = S.lang;
    document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = T(e.dataset.i18n); });
  }

  // --- login ---
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("login-error").textContent = "";
    try {
      const r = await api("/api/login", { method: "POST", json: { username: $("username").value, password: $("password").value } });
      S.csrf = r.csrf; await start();
    } catch (e) { $("login-error").textContent = e.message; }
  });
  $("logout").addEventListener("click", async () => { try { await api("/api/logout", { method: "POST" }); } finally { location.reload(); } });
  $("lang").value = S.lang; $("fmt").value = S.fmt;
  $("lang").addEventListener("change", () => { S.lang = $("lang").value; localStorage.setItem("sarex.lang", S.lang); i18n(); if (S.ex) render(); });
  $("fmt").addEventListener("change", () => { S.fmt = $("fmt").value; localStorage.setItem("sarex.fmt", S.fmt); if (S.ex) render(); });

  async function start() {
    S.me = await api("/api/me"); S.csrf = S.me.csrf || S.csrf;
    $("login-view").hidden = true; $("app-view").hidden = false; $("logout").hidden = false;
    $("who").textContent = S.me.user + " (" + S.me.org + ")";
    const list = await api("/api/exercises");
    $("exercise").innerHTML = list.map((e) => `<option value="${e.id}">${e.id}: ${esc(e.name)} [${e.roles.join(", ")}]</option>`).join("");
    $("exercise").onchange = () => open(+$("exercise").value);
    if (!S.map) {
      S.map = L.map("map", { zoomControl: true, attributionControl: true });
      S.map.attributionControl.setPrefix("Leaflet");
    }
    if (list.length) await open(list[0].id);
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }

  async function open(id) {
    const ex = await api(`/api/exercises/${id}`);
    S.ex = ex; S.positions = [];
    const b = ex.bbox; S.map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    Object.values(S.layers).forEach((l) => S.map.removeLayer(l)); S.layers = {};
    const ctl = {};
    try {
      const coast = await api(`/api/exercises/${id}/coast`);
      S.layers.coast = L.geoJSON(coast, { style: { color: "#5d6d7e", weight: 1 } }).addTo(S.map); ctl[T("coast")] = S.layers.coast;
    } catch (e) { /* coastline is optional */ }
    S.layers.lkp = L.circleMarker([ex.lkp.lat, ex.lkp.lon], { radius: 6, color: "#c0392b" }).bindTooltip(T("lkp")).addTo(S.map);
    S.layers.areas = L.layerGroup().addTo(S.map); ctl[T("area")] = S.layers.areas;
    S.layers.routes = L.layerGroup().addTo(S.map); ctl[T("route")] = S.layers.routes;
    S.layers.units = L.layerGroup().addTo(S.map); ctl[T("positions")] = S.layers.units;
    S.layers.sightings = L.layerGroup().addTo(S.map); ctl[T("sightings")] = S.layers.sightings;
    S.layers.datum = L.layerGroup().addTo(S.map); ctl[T("datum")] = S.layers.datum;
    S.layers.contours = L.layerGroup().addTo(S.map); ctl[T("contours")] = S.layers.contours;
    if (S.layerCtl) S.layerCtl.remove();
    S.layerCtl = L.control.layers(null, ctl).addTo(S.map);
    await refresh();
    live();
  }

  async function refresh() {
    const id = S.ex.id, roles = S.ex.roles;
    const get = async (p, dflt) => { try { return await api(p); } catch (e) { return dflt; } };
    const [units, periods, plans, jobs, areas, routes, sightings, datum, tasking, contours, forecast, injects] = await Promise.all([
      get(`/api/exercises/${id}/units`, []), get(`/api/exercises/${id}/periods`, []), get(`/api/exercises/${id}/plans`, []),
      get(`/api/exercises/${id}/jobs`, []), get(`/api/exercises/${id}/collections/areas/items`, { features: [] }),
      get(`/api/exercises/${id}/collections/routes/items`, { features: [] }), get(`/api/exercises/${id}/sightings`, []),
      get(`/api/exercises/${id}/datum`, []), roles.includes("unit") ? get(`/api/exercises/${id}/tasking`, []) : Promise.resolve(null),
      get(`/api/exercises/${id}/collections/contours/items`, { features: [] }), get(`/api/exercises/${id}/forecast`, null),
      get(`/api/exercises/${id}/injects`, [])]);
    Object.assign(S, { units, periods, plans, jobs, areas, routes, sightings, datum, tasking, contours, forecast, injects });
    S.ex = await api(`/api/exercises/${id}`);
    render();
  }

  function render() {
    const ex = S.ex;
    i18n();
    $("exname").textContent = ex.name;
    $("status").textContent = ex.status + (ex.truth_released ? " · truth released" : "");
    $("lkp").innerHTML = `<b>${T("lkp")}</b>: ${fmtPos(ex.lkp.lon, ex.lkp.lat)} · ${fmtTime(ex.lkp.time)} · ${esc(ex.scenario.reported.object_class)}`;
    if (ex.truth) { $("truth").hidden = false; $("truth").innerHTML = `<b>${T("truth")}</b>: ${fmtPos(ex.truth.lon, ex.truth.lat)} · ${fmtTime(ex.truth.time)} · ${esc(ex.truth.object_class)}`; }
    else $("truth").hidden = true;
    // map layers
    S.layers.areas.clearLayers(); S.layers.routes.clearLayers(); S.layers.sightings.clearLayers(); S.layers.datum.clearLayers();
    L.geoJSON(S.areas, { style: (f) => ({ className: "area area-" + f.properties.status, color: f.properties.colour || "#2471a3", weight: 2, fillOpacity: f.properties.status === "approved" ? 0.25 : 0.08, dashArray: f.properties.status === "approved" ? null : "4 4" }),
      onEachFeature: (f, l) => l.bindTooltip(`P${f.properties.period} ${f.properties.unit} (${f.properties.nation}) ${f.properties.status}`) })
      .eachLayer((l) => S.layers.areas.addLayer(l));
    L.geoJSON(S.routes, { style: (f) => ({ color: f.properties.colour || "#555", weight: 1 }) }).eachLayer((l) => S.layers.routes.addLayer(l));
    S.sightings.forEach((s) => L.circleMarker([s.lat, s.lon], { radius: 5, color: "#d35400" }).bindTooltip(esc(s.note)).addTo(S.layers.sightings));
    if (S.datum.length) L.polyline(S.datum.map((d) => [d.lat, d.lon]), { color: "#c0392b", dashArray: "2 6" }).addTo(S.layers.datum);
    if (ex.truth) L.circleMarker([ex.truth.lat, ex.truth.lon], { radius: 7, color: "#000", fillColor: "#f1c40f", fillOpacity: 1 }).bindTooltip(T("truth")).addTo(S.layers.datum);
    drawUnits(); drawContours();
    // tables
    const fc = {}; ((S.forecast || {}).periods || []).forEach((q) => (fc[q.period] = q));
    $("periods-table").tBodies[0].innerHTML = S.periods.map((p) => { const q = fc[p.number];
      return `<tr data-period="${p.number}"><td>${p.number}</td><td>${fmtTime(p.start)}</td><td>${fmtTime(p.end)}</td><td>${p.approved.join(", ")}</td>` +
        `<td class="period-source">${q ? T(q.source) : ""}</td><td>${q ? (100 * q.pos).toFixed(1) + " %" : ""}</td><td>${q ? (100 * q.cumulative_pos).toFixed(1) + " %" : ""}</td></tr>`; }).join("");
    renderInjects();
    const canApprove = ex.roles.includes("coordinator");
    $("plans-table").tBodies[0].innerHTML = S.plans.flatMap((pl) => pl.assignments.map((a, i) =>
      `<tr data-plan="${pl.id}"><td>${pl.period}</td><td>${pl.nation}</td><td>${esc(a.unit)}</td><td>${(100 * a.pos).toFixed(1)} %</td><td class="plan-status">${pl.status}</td>` +
      `<td>${i === 0 && canApprove && pl.status === "draft" ? `<button class="approve" data-plan="${pl.id}">${T("approve")}</button>` : ""}</td></tr>`)).join("");
    document.querySelectorAll("button.approve").forEach((b) => b.onclick = () => act(`/api/exercises/${ex.id}/plans/${b.dataset.plan}/approve`, {}));
    renderActions(); renderTasking(); renderJobs();
  }

  function drawUnits() {
    const cut = sliderTime();
    const last = {};
    S.positions.forEach((p) => { const t = Date.parse(p.time); if (t <= cut && (!last[p.unit] || Date.parse(last[p.unit].time) <= t)) last[p.unit] = p; });
    S.layers.units.clearLayers();
    const tracks = {};
    S.positions.filter((p) => Date.parse(p.time) <= cut).sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).forEach((p) => (tracks[p.unit] = tracks[p.unit] || []).push([p.lat, p.lon]));
    Object.values(tracks).forEach((tr) => L.polyline(tr, { color: "#1e8449", weight: 1 }).addTo(S.layers.units));
    Object.values(last).forEach((p) => L.circleMarker([p.lat, p.lon], { radius: 5, color: "#1e8449", className: "unit-marker" }).bindTooltip(p.unit).addTo(S.layers.units));
    $("units-table").tBodies[0].innerHTML = S.units.map((u) => { const p = last[u.code];
      return `<tr data-unit="${esc(u.code)}"><td>${esc(u.code)}</td><td>${u.nation}</td><td>${p ? fmtPos(p.lon, p.lat) : ""}</td><td>${p ? fmtTime(p.time) : ""}</td></tr>`; }).join("");
  }

  // 50 % and 90 % containment areas of the current forecast, for the period chosen
  function drawContours() {
    const sel = $("contour-period"), have = [...new Set(S.contours.features.map((f) => f.properties.period))].sort((a, b) => a - b);
    const keep = +sel.value;
    sel.innerHTML = have.map((k) => `<option value="${k}">P${k}</option>`).join("");
    sel.closest(".row").hidden = !have.length;  // units get their tasking, not the picture
    const planned = S.contours.features.find((f) => f.properties.source === "planned");
    sel.value = have.includes(keep) ? keep : (planned ? planned.properties.period : (have[0] || ""));
    S.layers.contours.clearLayers();
    L.geoJSON({ type: "FeatureCollection", features: S.contours.features.filter((f) => f.properties.period === +sel.value) }, {
      style: (f) => ({ className: "contour contour-" + Math.round(100 * f.properties.level), color: f.properties.level < 0.7 ? "#8e44ad" : "#c39bd3",
                       weight: 1.5, fill: false, dashArray: f.properties.level < 0.7 ? null : "6 3" }),
      onEachFeature: (f, l) => l.bindTooltip(`P${f.properties.period} ${Math.round(100 * f.properties.level)} % ${T("contours")} · ${fmtTime(f.properties.time)}`) })
      .eachLayer((l) => S.layers.contours.addLayer(l));
  }
  $("contour-period").addEventListener("change", () => { if (S.ex) drawContours(); });

  function renderInjects() {
    $("injects").innerHTML = S.injects.map((i) => `<li class="inject inject-${i.kind}${i.delivered ? "" : " scheduled"}" data-inject="${i.id}">` +
      `<b>${T("inject_" + i.kind)}</b> ${fmtTime(i.at)}${i.unit ? " · " + esc(i.unit) : ""}${i.lon !== null ? " · " + fmtPos(i.lon, i.lat) : ""} · ${esc(i.text)}` +
      (i.delivered ? "" : ` <button class="issue" data-inject="${i.id}">${T("issue")}</button>`) + "</li>").join("");
    document.querySelectorAll("button.issue").forEach((b) => b.onclick = () => act(`/api/exercises/${S.ex.id}/injects/${b.dataset.inject}/issue`, {}));
  }

  function sliderTime() {
    const v = +$("slider").value;
    if (v >= 1000 || !S.positions.length) return Infinity;
    const ts = S.positions.map((p) => Date.parse(p.time)); const a = Math.min(...ts), b = Math.max(...ts);
    return a + (b - a) * v / 1000;
  }
  $("slider").addEventListener("input", () => { const t = sliderTime(); $("slider-time").textContent = isFinite(t) ? fmtTime(new Date(t).toISOString()) : ""; if (S.ex) drawUnits(); });

  function renderActions() {
    const ex = S.ex, r = ex.roles, box = $("actions"); box.innerHTML = "";
    const btn = (label, id, fn) => { const b = document.createElement("button"); b.textContent = label; b.id = id; b.onclick = fn; box.appendChild(b); };
    const id = ex.id;
    if (ex.status === "planning" && (r.includes("director") || r.includes("coordinator") || r.includes("planner")))
      btn(T("forecast"), "run-forecast", () => act(`/api/exercises/${id}/jobs`, { kind: "forecast", particles: 2000 }));
    if (ex.status === "planning" && (r.includes("planner") || r.includes("coordinator")))
      S.periods.forEach((p) => btn(`${T("draft")} P${p.number} (${S.me.org})`, `draft-${p.number}`, () => act(`/api/exercises/${id}/plans`, { period: p.number, nation: r.includes("planner") ? S.me.org : (ex.scenario.nations[0] || {}).code })));
    if (ex.status === "planning" && (r.includes("director") || r.includes("coordinator")))
      S.periods.slice(0, -1).forEach((p) => btn(`${T("update")} P${p.number}`, `update-${p.number}`, () => act(`/api/exercises/${id}/jobs`, { kind: "update", particles: 2000, period: p.number })));
    $("inject-form").hidden = !r.includes("director");
    if (r.includes("director")) {
      if (ex.status === "planning") btn(T("endex"), "endex", () => act(`/api/exercises/${id}/endex`, {}));
      btn(T("evaluate"), "evaluate", () => act(`/api/exercises/${id}/jobs`, { kind: "evaluate", particles: 2000 }));
      if (ex.status === "endex" && !ex.truth_released) btn(T("release"), "release", () => act(`/api/exercises/${id}/release`, {}));
    }
    if (ex.truth) { const a = document.createElement("a"); a.href = `/api/exercises/${id}/report.html`; a.textContent = T("report"); a.target = "_blank"; box.appendChild(a); }
  }

  function renderTasking() {
    const box = $("tasking");
    if (!S.tasking) { box.innerHTML = ""; return; }
    if (!S.tasking.length) { box.innerHTML = `<h3>${T("tasking")}</h3><p>${T("no_tasking")}</p>`; return; }
    box.innerHTML = `<h3>${T("tasking")}</h3>` + S.tasking.map((t) => {
      const base = `/api/exercises/${S.ex.id}/exports/${t.period}/${encodeURIComponent(t.unit)}`;
      return `<div class="box tasking-item" data-unit="${esc(t.unit)}"><b>P${t.period} ${esc(t.unit)}</b> ${t.pattern} · CSP ${fmtPos(t.route[1].lon, t.route[1].lat)} · ${fmtTime(t.on_task)} · POS ${(100 * t.pos).toFixed(1)} %` +
        ` · <a href="${base}.gpx">GPX</a> <a href="${base}.kml">KML</a>${t.rtz === undefined ? "" : ""} <a href="${base}.rtz">RTZ</a><pre>${esc(t.messages[S.lang] || t.messages.en)}</pre></div>`;
    }).join("");
  }

  function renderJobs() {
    $("jobs").innerHTML = S.jobs.map((j) => `<li data-job="${j.id}">${j.id} ${j.kind}: <span class="job-status">${j.status}</span> ${(100 * j.progress).toFixed(0)} % ${esc(j.message)}` +
      (j.status === "running" || j.status === "queued" ? ` <button class="cancel" data-job="${j.id}">×</button>` : "") + "</li>").join("");
    document.querySelectorAll("button.cancel").forEach((b) => b.onclick = () => act(`/api/jobs/${b.dataset.job}/cancel`, {}));
    if (S.jobs.some((j) => j.status === "running" || j.status === "queued")) { clearTimeout(S.poll); S.poll = setTimeout(refresh, 2000); }
  }

  async function act(path, json) {
    try { await api(path, { method: "POST", json }); } catch (e) { alert(e.message); }
    await refresh();
  }

  function live() {
    if (S.es) S.es.close();
    S.es = new EventSource(`/api/exercises/${S.ex.id}/events`);
    S.es.addEventListener("position", (ev) => { S.positions.push(JSON.parse(ev.data)); clearTimeout(S.draw); S.draw = setTimeout(drawUnits, 200); });
    S.es.addEventListener("truth", () => { if (!S.ex.truth) refresh(); });
    S.es.addEventListener("inject", (ev) => { const i = JSON.parse(ev.data); if (!S.injects.some((x) => x.id === i.id && x.delivered)) { S.injects = S.injects.filter((x) => x.id !== i.id).concat([i]); renderInjects(); } });
  }

  $("inject-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target, to = [...f.querySelectorAll("input[name=to]:checked")].map((c) => c.value);
    const body = { kind: f.kind.value, text: f.text.value, to };
    if (f.lon.value && f.lat.value) { body.lon = +f.lon.value; body.lat = +f.lat.value; }
    if (f.unit.value) body.unit = f.unit.value;
    await act(`/api/exercises/${S.ex.id}/injects`, body); f.text.value = "";
  });

  i18n();
  api("/api/me").then(start).catch(() => {});
})();
