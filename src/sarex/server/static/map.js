// The map (Leaflet, vendored): land filled, labels that need no hover, legend with colour keys, a nautical
// scale bar, a degree-minute graticule, nation colours on areas, tracks and units, icons by unit type.
(function () {
  "use strict";
  const T = (k, v) => window.SX_I18N.T(k, v);
  const NATION = { KOR: "#1f5fbf", ROK: "#1f5fbf", JPN: "#b0124a", USA: "#2e7d32", CHN: "#8d6e00", RUS: "#5d4037" };
  const nationColour = (n) => NATION[n] || "#455a64";
  const M = { map: null, layers: {}, legend: null };

  // Unit icons by type: a hull for ships, a rotor for helicopters, wings for fixed-wing aircraft.
  const SHAPES = {
    ship: '<path d="M12 2 L18 9 L18 21 L6 21 L6 9 Z"/>',
    helicopter: '<circle cx="12" cy="12" r="5"/><path d="M3 3 L21 21 M21 3 L3 21" stroke-width="2.2"/>',
    aircraft: '<path d="M12 2 L14 10 L22 13 L22 15 L14 13.5 L13.5 19 L16 21 L16 22 L8 22 L8 21 L10.5 19 L10 13.5 L2 15 L2 13 L10 10 Z"/>',
  };
  const kindOf = (type) => (/heli/.test(type || "") ? "helicopter" : /wing|air|plane/.test(type || "") ? "aircraft" : "ship");
  function svg(kind, colour, size) {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="${size}" height="${size}" aria-hidden="true"><g fill="${colour}" stroke="${kind === "helicopter" ? colour : "#fff"}" stroke-width="1.2">${SHAPES[kind]}</g></svg>`;
  }

  // A scale bar in nautical miles (and km): Leaflet's Scale with the imperial bar counting NM.
  const NmScale = L.Control.Scale.extend({
    _updateImperial(maxMeters) {
      const nm = maxMeters / 1852, n = nm >= 1 ? this._getRoundNum(nm) : Math.round(nm * 10) / 10 || 0.1;
      this._updateScale(this._iScale, n + " NM", n / nm);
    },
  });

  // Degree-minute graticule: a spacing that gives 3 to 8 lines across the view, labelled on the edges.
  const STEPS_MIN = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200];
  function drawGraticule() {
    const g = M.layers.grid; g.clearLayers();
    const b = M.map.getBounds(), span = (b.getEast() - b.getWest()) * 60;
    const step = STEPS_MIN.find((s) => span / s <= 7);
    if (!step || !M.map.getSize().x) return;  // a hidden map (a phone's other tabs) or the whole world: no grid
    const lab = (v, pos, neg) => { const h = v >= 0 ? pos : neg, a = Math.abs(v), d = Math.floor(a + 1e-9), m = Math.round((a - d) * 60);
      return `${d}°${String(m).padStart(2, "0")}'${h}`; };
    const opt = { color: "#34495e", weight: 0.6, opacity: 0.55, interactive: false };
    for (let m = Math.ceil(b.getWest() * 60 / step) * step; m <= b.getEast() * 60; m += step) {
      const x = m / 60;
      L.polyline([[b.getSouth(), x], [b.getNorth(), x]], opt).addTo(g);
      L.marker([b.getNorth(), x], { interactive: false, keyboard: false, icon: L.divIcon({ className: "grid-label grid-lon", html: lab(x, "E", "W"), iconSize: null }) }).addTo(g);
    }
    for (let m = Math.ceil(b.getSouth() * 60 / step) * step; m <= b.getNorth() * 60; m += step) {
      const y = m / 60;
      L.polyline([[y, b.getWest()], [y, b.getEast()]], opt).addTo(g);
      L.marker([y, b.getWest()], { interactive: false, keyboard: false, icon: L.divIcon({ className: "grid-label grid-lat", html: lab(y, "N", "S"), iconSize: null }) }).addTo(g);
    }
  }

  function init() {
    if (M.map) return;
    M.map = L.map("map", { zoomControl: true, attributionControl: true, keyboard: true });
    M.map.attributionControl.setPrefix(false);
    new NmScale({ metric: true, imperial: true, position: "bottomright" }).addTo(M.map);
    M.layers.grid = L.layerGroup().addTo(M.map);
    M.map.on("moveend", drawGraticule);
    M.map.on("zoomend moveend", declutterSoon);
  }

  async function open(ex, api) {
    Object.entries(M.layers).forEach(([k, l]) => { if (k !== "grid") M.map.removeLayer(l); });
    M.layers = { grid: M.layers.grid };
    const b = ex.bbox; M.map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    M.layers.land = L.layerGroup().addTo(M.map);
    try {  // filled land where the server gives polygons, the shoreline otherwise
      const land = await api(`/api/exercises/${ex.id}/land`);
      L.geoJSON(land, { interactive: false, style: { color: "#7b6a4e", weight: 0.8, fillColor: "#e9dfc4", fillOpacity: 1, fillRule: "evenodd" } }).addTo(M.layers.land);
      M.map.attributionControl.addAttribution("GSHHG");
    } catch (e) {
      try {
        const coast = await api(`/api/exercises/${ex.id}/coast`);
        L.geoJSON(coast, { interactive: false, style: { color: "#7b6a4e", weight: 1.2 } }).addTo(M.layers.land);
        M.map.attributionControl.addAttribution("GSHHG");
      } catch (e2) { /* no coastline: the sea alone */ }
    }
    for (const k of ["contours", "areas", "routes", "datum", "tracks", "units", "sightings", "lkp"]) M.layers[k] = L.layerGroup().addTo(M.map);
    legend();
  }

  function label(html, cls) { return { permanent: true, direction: "center", className: "map-label " + (cls || ""), opacity: 1, interactive: false, html }; }
  function draw(S) {
    document.querySelectorAll(".leaflet-control-zoom-in, .leaflet-control-zoom-out").forEach((a) => {
      const t = T(a.classList.contains("leaflet-control-zoom-in") ? "zoom_in" : "zoom_out"); a.title = t; a.setAttribute("aria-label", t); });
    const ex = S.ex, Lr = M.layers, fmtTime = window.SX.fmtTime, pct = window.SX.pct;
    ["areas", "routes", "sightings", "datum", "lkp"].forEach((k) => Lr[k].clearLayers());
    // LKP with its radius, the datum track, the truth once visible: each labelled on the map
    L.circle([ex.lkp.lat, ex.lkp.lon], { radius: ex.lkp.radius_m || 1852, color: "#c0392b", weight: 1.5, fill: false, dashArray: "3 4", interactive: false }).addTo(Lr.lkp);
    L.circleMarker([ex.lkp.lat, ex.lkp.lon], { radius: 5, color: "#c0392b", fillColor: "#c0392b", fillOpacity: 1, className: "lkp-marker" })
      .bindTooltip(T("map_lkp"), { permanent: true, direction: "right", className: "map-label lkp-label" }).addTo(Lr.lkp);
    if (S.datum.length) {
      L.polyline(S.datum.map((d) => [d.lat, d.lon]), { color: "#c0392b", weight: 2, dashArray: "2 6" }).addTo(Lr.datum);
      const d = S.datum[S.datum.length - 1];
      L.circleMarker([d.lat, d.lon], { radius: 3, color: "#c0392b" }).bindTooltip(T("map_datum"), { permanent: true, direction: "left", className: "map-label datum-label" }).addTo(Lr.datum);
    }
    if (ex.truth) L.circleMarker([ex.truth.lat, ex.truth.lon], { radius: 7, color: "#000", fillColor: "#f1c40f", fillOpacity: 1, className: "truth-marker" })
      .bindTooltip(T("map_truth"), { permanent: true, direction: "top", className: "map-label truth-label" }).addTo(Lr.datum);
    // search areas: nation colour, solid when approved, labelled with area, unit, nation and POS
    L.geoJSON({ type: "FeatureCollection", features: S.areas.features.filter((f) => f.properties.status === "draft" || f.properties.status === "approved") }, {
      style: (f) => ({ className: "area area-" + f.properties.status, color: nationColour(f.properties.nation), weight: 2,
                       fillOpacity: f.properties.status === "approved" ? 0.18 : 0.06, dashArray: f.properties.status === "approved" ? null : "5 4" }),
      onEachFeature: (f, l) => { const p = f.properties;
        l.bindTooltip(`P${p.period} <b>${p.unit}</b><br>${p.nation} · POS ${p.pos !== undefined ? pct(p.pos) : ""}`, { permanent: true, direction: "center", className: `map-label area-label area-p${p.period}`, interactive: false }); },
    }).eachLayer((l) => Lr.areas.addLayer(l));
    L.geoJSON(S.routesFc, { interactive: false, style: (f) => ({ color: nationColour(f.properties.nation), weight: 1, opacity: 0.8 }) }).eachLayer((l) => Lr.routes.addLayer(l));
    S.sightings.forEach((s) => L.circleMarker([s.lat, s.lon], { radius: 6, color: "#e67e22", fillColor: "#f39c12", fillOpacity: 0.9 })
      .bindTooltip(T("map_sighting") + " " + fmtTime(s.time, true), { permanent: true, direction: "right", className: "map-label sighting-label" }).addTo(Lr.sightings));
    drawContours(S); drawUnits(S); legend(S);
  }

  // Labels that would stack on one spot (a phone's 390 px, or zoomed out): from their pixel boxes after each draw
  // and zoom, the more important is kept where it is, a colliding one is moved just above or below its place,
  // and hidden only where neither is free; zooming in separates them again. Importance: the LKP, the truth and
  // the units' call signs, then search areas (the latest period first), sightings, the datum, a previewed area.
  function labelRank(el) {
    const c = el.classList;
    if (c.contains("lkp-label") || c.contains("truth-label")) return 0;
    if (c.contains("unit-label")) return 1;
    if (c.contains("area-label")) { const m = /area-p(\d+)/.exec(el.className); return 2 + 1 / (1 + (m ? +m[1] : 0)); }
    if (c.contains("sighting-label")) return 4;
    if (c.contains("datum-label")) return 5;
    return 6;
  }
  function declutter() {
    if (!M.map) return;
    const els = [...M.map.getContainer().querySelectorAll(".leaflet-tooltip.map-label, .unit-label")];
    els.forEach((el) => { el.classList.remove("label-hidden"); el.style.marginTop = ""; });
    const items = els.map((el) => ({ el, rank: labelRank(el), b: el.getBoundingClientRect() })).filter((x) => x.b.width > 0).sort((a, b) => a.rank - b.rank);
    const kept = [], hit = (b) => kept.some((k) => b.left < k.right - 1 && k.left < b.right - 1 && b.top < k.bottom - 1 && k.top < b.bottom - 1);
    for (const x of items) {
      const h = x.b.height + 2, movable = x.el.classList.contains("leaflet-tooltip");
      const dy = [0, ...(movable ? [h, -h] : [])].find((d) => !hit({ left: x.b.left, right: x.b.right, top: x.b.top + d, bottom: x.b.bottom + d }));
      if (dy === undefined) { x.el.classList.add("label-hidden"); continue; }
      if (dy) x.el.style.marginTop = (parseFloat(getComputedStyle(x.el).marginTop) || 0) + dy + "px";  // over Leaflet's own margin
      kept.push({ left: x.b.left, right: x.b.right, top: x.b.top + dy, bottom: x.b.bottom + dy });
    }
  }
  // after Leaflet has placed its tooltips for the new view
  function declutterSoon() { requestAnimationFrame(declutter); }

  function drawContours(S) {
    const sel = document.getElementById("contour-period"), feats = S.contours.features;
    const have = [...new Set(feats.map((f) => f.properties.period))].sort((a, b) => a - b), keep = +sel.value;
    sel.innerHTML = have.map((k) => `<option value="${k}">P${k}</option>`).join("");
    sel.closest(".row").hidden = !have.length;
    const planned = feats.find((f) => f.properties.source === "planned");
    sel.value = have.includes(keep) ? keep : (planned ? planned.properties.period : (have[0] || ""));
    M.layers.contours.clearLayers();
    L.geoJSON({ type: "FeatureCollection", features: feats.filter((f) => f.properties.period === +sel.value) }, {
      interactive: false,
      style: (f) => ({ className: "contour contour-" + Math.round(100 * f.properties.level), color: f.properties.level < 0.7 ? "#6c3483" : "#a569bd",
                       weight: 1.5, fill: false, dashArray: f.properties.level < 0.7 ? null : "6 3" }),
    }).eachLayer((l) => M.layers.contours.addLayer(l));
  }
  document.getElementById("contour-period").addEventListener("change", () => { if (window.SX.S.ex) drawContours(window.SX.S); });

  function lastPositions(S, cut) {
    const last = {};
    S.positions.forEach((p) => { const t = Date.parse(p.time); if (t <= cut && (!last[p.unit] || Date.parse(last[p.unit].time) <= t)) last[p.unit] = p; });
    return last;
  }
  function drawUnits(S) {
    const cut = window.SX_PANELS ? window.SX_PANELS.sliderTime(S) : Infinity, last = lastPositions(S, cut), byCode = {};
    S.units.forEach((u) => (byCode[u.code] = u));
    M.layers.units.clearLayers(); M.layers.tracks.clearLayers();
    const tracks = {};
    S.positions.filter((p) => Date.parse(p.time) <= cut).sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).forEach((p) => (tracks[p.unit] = tracks[p.unit] || []).push([p.lat, p.lon]));
    Object.entries(tracks).forEach(([u, tr]) => L.polyline(tr, { color: nationColour((byCode[u] || {}).nation), weight: 2, opacity: 0.8, interactive: false }).addTo(M.layers.tracks));
    Object.values(last).forEach((p) => {
      const u = byCode[p.unit] || {}, kind = kindOf(u.type), c = nationColour(u.nation);
      L.marker([p.lat, p.lon], { keyboard: false, title: p.unit, icon: L.divIcon({ className: "unit-marker unit-" + kind, html: svg(kind, c, 22) + `<span class="unit-label">${p.unit}</span>`, iconSize: [22, 22], iconAnchor: [11, 11] }) })
        .addTo(M.layers.units);
    });
    declutterSoon();
    return last;
  }

  // Each nation's colour with the services that bring its units ("KOR: ROK Navy, Korea Coast Guard"), in the reader's language.
  function servicesLine(S) {
    const by = {};
    ((S && S.units) || []).forEach((u) => { if (u.service) (by[u.nation] = by[u.nation] || new Set()).add(u.service); });
    const name = (s) => (window.SX_I18N.has("svc_" + s) ? T("svc_" + s) : `<span translate="no">${s.replace(/[&<>"']/g, "")}</span>`);
    return Object.keys(by).sort().map((n) => `<li class="leg-services"><span class="key" style="background:${nationColour(n)}"></span>${n}: ${[...by[n]].sort().map(name).join(", ")}</li>`).join("");
  }
  function legend(S) {
    const key = S ? JSON.stringify(((S.units) || []).map((u) => [u.nation, u.service])) + window.SX_I18N.lang : "";
    if (M.legend && S && M.legendKey === key) return;
    M.legendKey = key;
    if (M.legend) M.legend.remove();
    const box = L.control({ position: "bottomleft" });
    box.onAdd = () => {
      const d = L.DomUtil.create("div", "legend");
      L.DomEvent.disableClickPropagation(d);
      d.innerHTML = `<details${window.innerWidth > 820 ? " open" : ""}><summary>${T("legend")}</summary><ul>` +
        `<li><span class="key" style="border:2px solid #c0392b;border-radius:50%"></span>${T("map_lkp")}</li>` +
        `<li><span class="key" style="border-top:2px dashed #c0392b;height:0"></span>${T("map_datum")}</li>` +
        `<li><span class="key" style="border:2px solid #6c3483"></span>${T("leg_contour50")}</li>` +
        `<li><span class="key" style="border:2px dashed #a569bd"></span>${T("leg_contour90")}</li>` +
        `<li><span class="key" style="border:2px solid ${nationColour("KOR")};background:${nationColour("KOR")}33"></span>${T("leg_area")} KOR</li>` +
        `<li><span class="key" style="border:2px solid ${nationColour("JPN")};background:${nationColour("JPN")}33"></span>${T("leg_area")} JPN</li>` +
        `<li><span class="key" style="border:2px dashed #455a64"></span>${T("leg_draft")}</li>` +
        `<li>${svg("ship", "#455a64", 14)} ${T("leg_ship")} ${svg("helicopter", "#455a64", 14)} ${T("leg_helo")} ${svg("aircraft", "#455a64", 14)} ${T("leg_air")}</li>` +
        `<li><span class="key" style="background:#f39c12;border-radius:50%"></span>${T("map_sighting")}</li>` +
        `<li><span class="key" style="background:#e9dfc4;border:1px solid #7b6a4e"></span>${T("leg_land")}</li>` + servicesLine(S) + "</ul></details>";
      return d;
    };
    M.legend = box.addTo(M.map);
  }

  // Zoom to what matters: the unit's own area and position; otherwise areas, containment and LKP.
  function fit(S) {
    if (!M.map.getSize().x) return;  // hidden: fitted when shown
    const b = L.latLngBounds([[S.ex.lkp.lat, S.ex.lkp.lon]]);
    const add = (g) => { try { const x = g.getBounds && g.getBounds(); if (x && x.isValid()) b.extend(x); } catch (e) { /* empty group */ } };
    [M.layers.areas, M.layers.contours, M.layers.datum].forEach((g) => g.eachLayer(add));
    M.layers.units.eachLayer((m) => b.extend(m.getLatLng()));
    if (b.isValid()) M.map.fitBounds(b.pad(0.15), { maxZoom: 11 });
  }
  // A proposal being previewed: its areas in grey, dashed, labelled, until drafted or discarded. With `onEdit`
  // (planners and the coordinator) each area gets a centre handle (drag: move) and a corner handle (drag: resize);
  // its geometry {centre_lon, centre_lat, legs_deg, leg_nm, creep_nm} goes back through onEdit(unit, g).
  function areaRing(g) {  // corners [lat, lon] on a local flat approximation (a few NM: well under a metre off)
    const r = Math.PI / 180, c = Math.cos(g.centre_lat * r), b = g.legs_deg * r, u = [Math.sin(b), Math.cos(b)], v = [Math.cos(b), -Math.sin(b)];
    return [[1, 1], [-1, 1], [-1, -1], [1, -1]].map(([i, j]) => {
      const e = 0.5 * (i * g.leg_nm * u[0] + j * g.creep_nm * v[0]), n = 0.5 * (i * g.leg_nm * u[1] + j * g.creep_nm * v[1]);
      return [g.centre_lat + n / 60, g.centre_lon + e / (60 * c)];
    });
  }
  const handle = (cls) => L.divIcon({ className: `area-handle ${cls}`, iconSize: [18, 18], html: "" });
  function editable(a, poly, onEdit) {
    const g = { centre_lon: a.centre_lon, centre_lat: a.centre_lat, legs_deg: a.legs_deg, leg_nm: a.leg_nm, creep_nm: a.creep_nm };
    const move = L.marker([g.centre_lat, g.centre_lon], { icon: handle("move"), draggable: true, title: T("move_area", { unit: a.unit }), zIndexOffset: 900 });
    const size = L.marker(areaRing(g)[0], { icon: handle("resize"), draggable: true, title: T("resize_area", { unit: a.unit }), zIndexOffset: 900 });
    const redraw = (from) => { poly.setLatLngs(areaRing(g)); if (from !== "move") move.setLatLng([g.centre_lat, g.centre_lon]); if (from !== "size") size.setLatLng(areaRing(g)[0]); };
    move.on("drag", () => { const p = move.getLatLng(); g.centre_lat = p.lat; g.centre_lon = p.lng; redraw("move"); });
    size.on("drag", () => {
      const p = size.getLatLng(), r = Math.PI / 180, b = g.legs_deg * r;
      const e = (p.lng - g.centre_lon) * 60 * Math.cos(g.centre_lat * r), n = (p.lat - g.centre_lat) * 60;
      const clamp = (x) => Math.min(100, Math.max(0.5, Math.round(x * 100) / 100));
      g.leg_nm = clamp(2 * Math.abs(e * Math.sin(b) + n * Math.cos(b))); g.creep_nm = clamp(2 * Math.abs(e * Math.cos(b) - n * Math.sin(b)));
      redraw("size");
    });
    [move, size].forEach((m) => m.on("dragend", () => { redraw(); onEdit(a.unit, { ...g }); }));
    M.edit[a.unit] = (ng) => { Object.assign(g, ng); redraw(); };
    move.addTo(M.layers.preview); size.addTo(M.layers.preview);
  }
  function preview(assignments, onEdit) {
    if (!M.layers.preview) M.layers.preview = L.layerGroup().addTo(M.map);
    M.layers.preview.clearLayers();
    M.edit = {};
    (assignments || []).filter((a) => a.area_ring).forEach((a) => {
      const poly = L.polygon(a.area_ring.map(([x, y]) => [y, x]), { color: "#212f3d", weight: 2, dashArray: "2 5", fillOpacity: 0.05, className: "preview-area" })
        .bindTooltip(`${T("proposal")} <b>${a.unit}</b><br>POS ${window.SX.pct(a.pos)}`, onEdit
          ? { permanent: true, direction: "bottom", offset: [0, 12], className: "map-label", interactive: false }  // clear of the centre handle
          : { permanent: true, direction: "center", className: "map-label", interactive: false })
        .addTo(M.layers.preview);
      if (onEdit && a.centre_lon !== undefined) editable(a, poly, onEdit);
    });
    if (assignments && assignments.length && M.layers.preview.getLayers().length) M.map.fitBounds(L.featureGroup(M.layers.preview.getLayers()).getBounds().pad(0.3), { maxZoom: 11 });
    declutterSoon();
  }
  // An area set in the panel's inputs: redraw it and its handles.
  const setArea = (unit, g) => { if (M.edit && M.edit[unit]) M.edit[unit](g); };
  function resize(S) { if (M.map) { M.map.invalidateSize(); if (S) fit(S); else drawGraticule(); } }

  window.SX_MAP = { init, open, draw, drawUnits, fit, resize, preview, setArea, areaRing, legend, nationColour, kindOf, lastPositions, declutter, get map() { return M.map; } };
})();
