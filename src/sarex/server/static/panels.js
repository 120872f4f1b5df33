// The panels: a unit's tasking and reports, plans (preview, draft, approve, reject, withdraw), forecast and
// jobs, units, exercise control, injects, inbox and audit log. Actions appear only when they can be done.
(function () {
  "use strict";
  const SX = window.SX, T = SX.T, esc = SX.esc, $ = (id) => document.getElementById(id);
  const has = (S, path) => S.routes.has(path);
  const ROUTE_ACK = "/api/exercises/{exercise_id}/tasking/{period}/answer", ROUTE_STATE = "/api/exercises/{exercise_id}/tasking/{period}/status";
  const ROUTE_WITHDRAW = "/api/exercises/{exercise_id}/plans/{plan_id}/withdraw", ROUTE_REJECT = "/api/exercises/{exercise_id}/plans/{plan_id}/reject";
  const ROUTE_AREAS = "/api/exercises/{exercise_id}/proposals/{period}/areas";
  const tr = (prefix, v) => (window.SX_I18N.has(prefix + v) ? T(prefix + v) : v);
  // a service's name in the reader's language where the catalogue has it ("svc_ROK Navy"), else as the scenario writes it
  const svc = (name) => (!name ? "" : window.SX_I18N.has("svc_" + name) ? esc(T("svc_" + name)) : `<span translate="no">${esc(name)}</span>`);
  const btn = (id, cls, label, extra) => `<button type="button" ${id ? `id="${id}"` : ""} class="${cls}" ${extra || ""}>${esc(label)}</button>`;

  function render(S) {
    renderTasking(S); renderReport(S); renderInjects(S); renderPlans(S); renderForecast(S); renderUnits(S); renderControl(S);
    if (S.tab === "audit") renderAudit(S);
  }

  // --- unit: tasking first, with its answer and status -------------------------------------------------
  function renderTasking(S) {
    const box = $("tasking");
    if (!S.tasking) { box.innerHTML = ""; return; }
    if (!S.tasking.length) { box.innerHTML = `<p class="box">${T("no_tasking")}</p>`; return; }
    box.innerHTML = S.tasking.map((t) => {
      const base = `/api/exercises/${S.ex.id}/exports/${t.period}/${encodeURIComponent(t.unit)}`, csp = t.route && t.route.length > 1 ? t.route[1] : null;
      const ans = t.answer ? `<p class="answer">${T("answer_" + t.answer.answer)}${t.answer.reason ? " · " : ""}<span translate="no">${esc(t.answer.reason || "")}</span></p>` : "";
      const form = has(S, ROUTE_ACK) ? `<form class="answer-form row" data-period="${t.period}"><button type="submit" name="answer" value="accepted" class="primary accept">${T("accept")}</button>` +
        `<label><span>${T("reason")}</span> <input name="reason" maxlength="300"></label><button type="submit" name="answer" value="unable" class="unable">${T("unable")}</button><p class="error" role="alert"></p></form>` : "";
      const state = has(S, ROUTE_STATE) ? `<form class="state-form row" data-period="${t.period}"><label><span>${T("my_status")}</span> <select name="status">` +
        ["en_route", "on_scene", "searching", "returning"].map((k) => `<option value="${k}"${t.state && t.state.status === k ? " selected" : ""}>${T("st_" + k)}</option>`).join("") +
        `</select></label><button type="submit" class="send-state">${T("send_status")}</button><p class="error" role="alert"></p></form>` : "";
      return `<article class="tasking-item box" data-unit="${esc(t.unit)}"><h3>P${t.period} · <span translate="no">${esc(t.unit)}</span></h3><dl class="kv">` +
        `<dt>${T("pattern")}</dt><dd>${tr("pattern_", t.pattern)} · ${(t.spacing_nm || 0).toFixed(1)} NM</dd>` +
        (csp ? `<dt>CSP</dt><dd>${SX.fmtPos(csp.lon, csp.lat)}</dd>` : "") +
        `<dt>${T("on_task")}</dt><dd>${SX.fmtTime(t.on_task)}</dd><dt>${T("off_task")}</dt><dd>${SX.fmtTime(t.off_task)}</dd>` +
        `<dt>POS</dt><dd>${SX.pct(t.pos)}</dd><dt>${T("files")}</dt><dd><a href="${base}.gpx">GPX</a> · <a href="${base}.rtz">RTZ</a> · <a href="${base}.kml">KML</a></dd></dl>` +
        ans + form + state + `<details open><summary>${T("message")}</summary><pre class="sap" data-doc="sap" lang="${window.SX_I18N.lang}">${esc(t.messages[window.SX_I18N.lang] || t.messages.en)}</pre></details></article>`;
    }).join("");
    box.querySelectorAll(".answer-form").forEach((f) => f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const answer = ev.submitter ? ev.submitter.value : "accepted", err = f.querySelector(".error");
      if (answer === "unable" && !f.reason.value.trim()) { err.textContent = T("need_reason"); f.reason.focus(); return; }
      await SX.act(`/api/exercises/${S.ex.id}/tasking/${f.dataset.period}/answer`, { answer, reason: f.reason.value }, err);
    }));
    box.querySelectorAll(".state-form").forEach((f) => f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (await SX.act(`/api/exercises/${S.ex.id}/tasking/${f.dataset.period}/status`, { status: f.status.value }, f.querySelector(".error"))) SX.flash(T("sent"));
    }));
  }
  // --- unit: report my position (Geolocation API), a sighting; both through the outbox ------------------
  let geoTimer = null;
  function geoUnavailable() {
    if (!window.isSecureContext) return T("geo_insecure");
    if (!navigator.geolocation) return T("geo_none");
    return "";
  }
  function renderReport(S) {
    const why = geoUnavailable();
    $("geo-once").disabled = !!why; $("geo-every").disabled = !!why;
    if (why) $("geo-state").textContent = why;
    window.SX_OUTBOX.changed();
  }
  function here(ok) {
    const el = $("geo-state"), why = geoUnavailable();
    if (why) { el.textContent = why; return; }
    el.textContent = T("geo_wait");
    navigator.geolocation.getCurrentPosition(ok, (e) => { el.textContent = T("geo_err_" + (e.code || 2)); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }
  function reportHere() {
    here(async (p) => {
      const body = { time: SX.exerciseTime(p.timestamp || Date.now()), lon: +p.coords.longitude.toFixed(6), lat: +p.coords.latitude.toFixed(6) };
      await window.SX_OUTBOX.add(SX.S.ex.id, "position", body);
      $("geo-state").textContent = T("geo_reported", { pos: SX.fmtPos(body.lon, body.lat), time: SX.fmtTime(body.time, true) });
    });
  }
  $("geo-once").addEventListener("click", reportHere);
  $("geo-every").addEventListener("change", () => {
    clearInterval(geoTimer); geoTimer = null;
    const s = +$("geo-every").value;
    if (s > 0) { reportHere(); geoTimer = setInterval(reportHere, s * 1000); }
  });
  $("sighting-here").addEventListener("click", () => here((p) => {
    const f = $("sighting-form"); f.lat.value = p.coords.latitude.toFixed(5); f.lon.value = p.coords.longitude.toFixed(5); $("geo-state").textContent = "";
  }));
  $("sighting-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target, err = f.querySelector(".error"), lat = parseFloat(f.lat.value), lon = parseFloat(f.lon.value);
    err.textContent = "";
    if (!(lat >= -90 && lat <= 90)) { err.textContent = T("err_invalid") + ` (${T("field_lat")})`; f.lat.focus(); return; }
    if (!(lon >= -180 && lon <= 180)) { err.textContent = T("err_invalid") + ` (${T("field_lon")})`; f.lon.focus(); return; }
    const time = f.time.value ? new Date(f.time.value + "Z").toISOString() : SX.exerciseTime(Date.now());
    await window.SX_OUTBOX.add(SX.S.ex.id, "sighting", { time, lon, lat, note: f.note.value });
    f.note.value = ""; SX.flash(T("sighting_queued"));
  });

  // --- injects: the director's form and list; everyone's inbox --------------------------------------------
  function injectLine(S, i) {
    return `<b>${T("inject_" + i.kind)}</b> ${SX.fmtTime(i.at)}${i.unit ? ` · <span translate="no">${esc(i.unit)}</span>` : ""}${i.lon !== null && i.lon !== undefined ? " · " + SX.fmtPos(i.lon, i.lat) : ""}` +
      (i.text ? `<br><span translate="no" class="usertext">${esc(i.text)}</span>` : "");
  }
  function renderInjects(S) {
    const director = S.ex.roles.includes("director");
    $("injects").innerHTML = director ? S.injects.map((i) => `<li class="inject inject-${i.kind}${i.delivered ? "" : " scheduled"}" data-inject="${i.id}">${injectLine(S, i)}` +
      (i.delivered ? "" : ` ${btn("", "issue", T("issue"), `data-inject="${i.id}"`)}`) + "</li>").join("") : "";
    $("injects").querySelectorAll("button.issue").forEach((b) => (b.onclick = () => SX.act(`/api/exercises/${S.ex.id}/injects/${b.dataset.inject}/issue`, {})));
    const mine = S.injects.filter((i) => i.delivered).slice().reverse();
    $("inbox").innerHTML = mine.length ? mine.map((i) => `<li class="inject inject-${i.kind}" data-inject="${i.id}">${injectLine(S, i)}</li>`).join("") : `<li>${T("inbox_empty")}</li>`;
  }
  $("inject-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target, to = [...f.querySelectorAll("input[name=to]:checked")].map((c) => c.value), err = f.querySelector(".error");
    const body = { kind: f.kind.value, text: f.text.value, to };
    if (f.lon.value || f.lat.value) { body.lon = parseFloat(f.lon.value); body.lat = parseFloat(f.lat.value); }
    if (f.unit.value) body.unit = f.unit.value;
    if (await SX.act(`/api/exercises/${SX.S.ex.id}/injects`, body, err)) { f.text.value = ""; SX.flash(T("sent")); }  // input kept on error
  });

  // --- plans: preview a proposal, then draft; approve / reject / withdraw with a confirmation ----------------
  function renderPlans(S) {
    const r = S.ex.roles, planning = S.ex.status === "planning", canDraft = planning && (r.includes("planner") || r.includes("coordinator")) && S.forecast;
    $("preview-form").hidden = !canDraft;
    if (canDraft) {
      const open = ((S.forecast || {}).periods || []).filter((q) => q.source !== "reported").map((q) => q.period);
      const ps = $("preview-period"), keep = ps.value;
      ps.innerHTML = open.map((k) => `<option value="${k}">P${k}</option>`).join(""); if (open.includes(+keep)) ps.value = keep;
      const nations = r.includes("coordinator") ? [...new Set(S.units.map((u) => u.nation))] : [S.me.org_nation || S.me.org];
      const ns = $("preview-nation"), keepN = ns.value;
      ns.innerHTML = nations.map((n) => `<option value="${n}">${n}</option>`).join(""); if (nations.includes(keepN)) ns.value = keepN;
    }
    const showOld = $("show-old").checked, live = (pl) => pl.status === "draft" || pl.status === "approved";
    const list = S.plans.filter((pl) => showOld || live(pl));
    $("plans").innerHTML = list.length ? list.map((pl) => planCard(S, pl)).join("") : `<p>${T("no_plans")}</p>`;
    $("plans").querySelectorAll("button[data-act]").forEach((b) => (b.onclick = () => planAction(S, b.dataset.act, +b.dataset.plan)));
  }
  function planCard(S, pl) {
    const r = S.ex.roles, coord = r.includes("coordinator"), mine = r.includes("planner") && planOrg(pl) === S.me.org, draft = pl.status === "draft";
    const total = pl.assignments.reduce((a, x) => a + x.pos, 0);
    const acts = [draft && coord ? btn("", "approve primary", T("approve"), `data-act="approve" data-plan="${pl.id}"`) : "",
      draft && coord && has(S, ROUTE_REJECT) ? btn("", "reject", T("reject"), `data-act="reject" data-plan="${pl.id}"`) : "",
      draft && (coord || mine) && has(S, ROUTE_WITHDRAW) ? btn("", "withdraw", T("withdraw"), `data-act="withdraw" data-plan="${pl.id}"`) : ""].join(" ");
    const review = pl.review ? `<p class="review">${T("plan_" + pl.status)} · <span translate="no">${esc(pl.review.by || "")}</span>: <span translate="no" class="usertext">${esc(pl.review.comment || "")}</span></p>` : "";
    return `<article class="plan box plan-${pl.status}" data-plan="${pl.id}"><h3>P${pl.period} · ${orgLabel(pl)} · <span class="plan-status" data-status="${pl.status}">${T("plan_" + pl.status)}</span> · POS ${SX.pct(total)}</h3>` + review +
      `<div class="scroll" tabindex="0"><table><thead><tr><th>${T("unit")}</th><th>${T("pattern")}</th><th>POS</th><th>${T("on_task")}</th><th>${T("answer")}</th></tr></thead><tbody>` +
      pl.assignments.map((a) => `<tr><td translate="no">${esc(a.unit)}</td><td>${tr("pattern_", a.pattern)}</td><td>${SX.pct(a.pos)}</td><td>${SX.fmtTime(a.on_task, true)}</td><td>${a.answer ? T("answer_" + a.answer.answer) : ""}</td></tr>`).join("") +
      `</tbody></table></div>${acts.trim() ? `<div class="row">${acts}</div>` : ""}<p class="error" role="alert"></p></article>`;
  }
  // A plan is an organisation's (issue 29): a national one's code is its nation's, a service's (ROKN, KCG) its own.
  function planOrg(pl) { return pl.org || pl.nation; }
  function orgLabel(pl) { return planOrg(pl) === pl.nation ? pl.nation : `${pl.nation} · <span translate="no" class="plan-org">${esc(planOrg(pl))}</span>`; }
  // the organisation a draft from this page is for: the planner's own; the coordinator drafts a nation's (national) plan
  function draftOrg(S, nation) { return S.ex.roles.includes("planner") && !S.ex.roles.includes("coordinator") ? S.me.org : nation; }
  async function planAction(S, what, id) {
    const pl = S.plans.find((x) => x.id === id), name = `P${pl.period} ${orgLabel(pl)}`;
    const ok = await SX.confirmDialog(T("confirm_" + what + "_title", { plan: name }), T("confirm_" + what + "_text", { plan: name }), what === "reject");
    if (!ok) return;
    const err = document.querySelector(`article.plan[data-plan="${id}"] .error`);
    await SX.act(`/api/exercises/${S.ex.id}/plans/${id}/${what}`, what === "reject" ? { comment: ok.comment } : {}, err);
  }
  // The areas of a proposal as numbers (centre, leg bearing, sides): the map's handles and these inputs follow each other.
  const AREA_KEYS = [["centre_lat", 4], ["centre_lon", 4], ["legs_deg", 0], ["leg_nm", 2], ["creep_nm", 2]];
  function areaForm(assignments) {
    const lims = { centre_lat: "min=-90 max=90 step=0.0001", centre_lon: "min=-180 max=360 step=0.0001", legs_deg: "min=0 max=360 step=1", leg_nm: "min=0.5 max=100 step=0.01", creep_nm: "min=0.5 max=100 step=0.01" };
    const rows = assignments.filter((a) => a.centre_lon !== undefined).map((a) => `<tr data-area="${esc(a.unit)}"><td translate="no">${esc(a.unit)}${a.smc === "pinned" ? ` <span class="tag">${T("area_set")}</span>` : ""}</td>` +
      AREA_KEYS.map(([k, dp]) => `<td><input type="number" name="${k}" ${lims[k]} value="${(+a[k]).toFixed(dp)}" aria-label="${esc(a.unit)} ${T("area_" + k)}"></td>`).join("") + "</tr>").join("");
    return `<details class="area-edit"><summary>${T("edit_areas")}</summary><p class="hint">${T("edit_areas_hint")}</p><div class="scroll" tabindex="0"><table><thead><tr><th>${T("unit")}</th>` +
      AREA_KEYS.map(([k]) => `<th>${T("area_" + k)}</th>`).join("") + `</tr></thead><tbody>${rows}</tbody></table></div></details>`;
  }
  $("show-old").addEventListener("change", () => renderPlans(SX.S));
  $("preview-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const S = SX.S, f = ev.target, err = f.querySelector(".error"), period = +f.period.value, nation = f.nation.value;
    err.textContent = "";
    try {
      const q = await SX.api(`/api/exercises/${S.ex.id}/proposals/${period}`), n = q.nations[nation];
      if (!n) { $("proposal").innerHTML = `<p class="box">${T("no_proposal")}</p>`; return; }
      const org = draftOrg(S, nation), total = n.assignments.reduce((a, x) => a + x.pos, 0);
      const done = S.plans.some((pl) => pl.period === period && pl.nation === nation && planOrg(pl) === org && pl.status === "approved");
      const editing = !done && has(S, ROUTE_AREAS);
      $("proposal").innerHTML = `<section class="box proposal" aria-live="polite"><h3>${T("proposal")} P${period} · ${orgLabel({ nation, org })} · POS ${SX.pct(total)}</h3><div class="scroll" tabindex="0"><table><thead><tr><th>${T("unit")}</th><th>${T("pattern")}</th><th>POS</th><th>${T("on_task")}</th><th>${T("off_task")}</th></tr></thead><tbody>` +
        n.assignments.map((a) => `<tr><td translate="no">${esc(a.unit)}</td><td>${tr("pattern_", a.pattern)}</td><td>${SX.pct(a.pos)}</td><td>${SX.fmtTime(a.on_task, true)}</td><td>${SX.fmtTime(a.off_task, true)}</td></tr>`).join("") +
        `</tbody></table></div>` + (done ? `<p>${T("already_approved")}</p>` : "") + (editing ? areaForm(n.assignments) : "") +
        `<div class="row">${done ? "" : btn("draft-confirm", "primary", T("draft_this"))} ${editing ? btn("replan-areas", "", T("replan_areas"), "disabled") : ""} ${btn("draft-discard", "", T("discard"))}</div><p class="error" role="alert"></p></section>`;
      const edits = {}, box = $("proposal");
      const edited = (unit, g) => {
        edits[unit] = g;
        const row = box.querySelector(`tr[data-area="${CSS.escape(unit)}"]`);
        AREA_KEYS.forEach(([k, dp]) => (row.querySelector(`input[name="${k}"]`).value = (+g[k]).toFixed(dp)));
        $("replan-areas").disabled = false;
      };
      window.SX_MAP.preview(n.assignments, editing ? edited : null);
      const close = () => { $("proposal").innerHTML = ""; window.SX_MAP.preview(null); };
      $("draft-discard").onclick = close;
      if (editing) {
        box.querySelectorAll("tr[data-area] input").forEach((inp) => inp.addEventListener("change", () => {
          const row = inp.closest("tr"), g = {};
          AREA_KEYS.forEach(([k]) => (g[k] = parseFloat(row.querySelector(`input[name="${k}"]`).value)));
          if (Object.values(g).every(Number.isFinite)) { edits[row.dataset.area] = g; window.SX_MAP.setArea(row.dataset.area, g); $("replan-areas").disabled = false; }
        }));
        $("replan-areas").onclick = async () => {
          const areas = Object.entries(edits).map(([unit, g]) => ({ unit, ...g }));
          if (await SX.act(`/api/exercises/${S.ex.id}/proposals/${period}/areas`, { areas }, box.querySelector(".error"))) { close(); SX.flash(T("replanning")); }
        };
      }
      if (!done) $("draft-confirm").onclick = async () => {
        if (await SX.act(`/api/exercises/${S.ex.id}/plans`, { period, nation }, $("proposal").querySelector(".error"))) { close(); SX.flash(T("drafted")); }
      };
    } catch (e) { SX.showError(err, e); }
  });

  // --- forecast, periods and jobs ------------------------------------------------------------------------
  function renderForecast(S) {
    const r = S.ex.roles, id = S.ex.id, box = $("forecast-actions"), planning = S.ex.status === "planning", err = $("forecast-error");
    const busy = (k) => S.jobs.some((j) => j.kind === k && (j.status === "queued" || j.status === "running"));
    let h = "";
    if (planning && (r.includes("director") || r.includes("coordinator") || r.includes("planner")) && !busy("forecast")) h += btn("run-forecast", "primary", T("forecast"));
    if (planning && (r.includes("director") || r.includes("coordinator")) && !busy("update")) h += S.periods.slice(0, -1).map((p) => btn(`update-${p.number}`, "update", T("update", { n: p.number }), `data-period="${p.number}"`)).join("");
    box.innerHTML = h;
    if ($("run-forecast")) $("run-forecast").onclick = () => SX.act(`/api/exercises/${id}/jobs`, { kind: "forecast", particles: 2000 }, err);
    box.querySelectorAll("button.update").forEach((b) => (b.onclick = () => SX.act(`/api/exercises/${id}/jobs`, { kind: "update", particles: 2000, period: +b.dataset.period }, err)));
    const fc = {}; ((S.forecast || {}).periods || []).forEach((q) => (fc[q.period] = q));
    $("periods-table").tBodies[0].innerHTML = S.periods.map((p) => { const q = fc[p.number];
      return `<tr data-period="${p.number}"><td>P${p.number}</td><td>${SX.fmtTime(p.start, true)}</td><td>${SX.fmtTime(p.end, true)}</td><td translate="no">${(p.approved_orgs || p.approved).join(", ")}</td>` +
        `<td class="period-source">${q ? T(q.source) : ""}</td><td>${q ? SX.pct(q.pos) : ""}</td><td>${q ? SX.pct(q.cumulative_pos) : ""}</td></tr>`; }).join("");
    $("jobs").innerHTML = S.jobs.slice().reverse().map((j) => `<li data-job="${j.id}">#${j.id} ${T("job_" + j.kind)} · <span class="job-status" data-status="${j.status}">${T("jobst_" + j.status)}</span> ${(100 * j.progress).toFixed(0)} %` +
      ((j.status === "running" || j.status === "queued") && r.some((x) => ["director", "coordinator", "planner"].includes(x)) ? " " + btn("", "cancel", T("cancel_job"), `data-job="${j.id}"`) : "") + "</li>").join("");
    $("jobs").querySelectorAll("button.cancel").forEach((b) => (b.onclick = async () => {
      if (await SX.confirmDialog(T("confirm_cancel_title"), T("confirm_cancel_text", { job: b.dataset.job }))) SX.act(`/api/jobs/${b.dataset.job}/cancel`, {}, err);
    }));
  }

  // --- units ---------------------------------------------------------------------------------------------
  function sliderTime(S) {
    const v = +$("slider").value;
    if (v >= 1000 || !S.positions.length) return Infinity;
    const ts = S.positions.map((p) => Date.parse(p.time)), a = Math.min(...ts), b = Math.max(...ts);
    return a + (b - a) * v / 1000;
  }
  $("slider").addEventListener("input", () => { const S = SX.S, t = sliderTime(S); $("slider-time").textContent = isFinite(t) ? SX.fmtTime(new Date(t).toISOString(), true) : ""; if (S.ex) { window.SX_MAP.drawUnits(S); renderUnits(S); } });
  function renderUnits(S) {
    const last = window.SX_MAP.lastPositions(S, sliderTime(S)), st = {};
    (S.plans || []).forEach((pl) => (pl.assignments || []).forEach((a) => { if (a.state) st[a.unit] = a.state; }));
    (S.tasking || []).forEach((t) => { if (t.state) st[t.unit] = t.state; });
    $("units-table").tBodies[0].innerHTML = S.units.map((u) => { const p = last[u.code];
      return `<tr data-unit="${esc(u.code)}"><td translate="no" title="${esc(u.name)}">${esc(u.code)}</td><td>${u.nation}</td><td>${svc(u.service)}</td><td>${tr("utype_", u.type)}</td><td>${p ? SX.fmtPos(p.lon, p.lat) : ""}</td><td>${p ? SX.fmtTime(p.time, true) : ""}</td><td>${st[u.code] ? T("st_" + st[u.code].status) : ""}</td></tr>`; }).join("");
  }

  // --- exercise control (director): ENDEX, evaluate, release with confirmations; new exercise; audit ------
  function renderControl(S) {
    const r = S.ex.roles, box = $("control-actions"), id = S.ex.id, err = $("control-error");
    if (!r.includes("director")) { box.innerHTML = ""; return; }
    const evalJob = S.jobs.filter((j) => j.kind === "evaluate"), evalDone = evalJob.some((j) => j.status === "done"), evalBusy = evalJob.some((j) => j.status === "queued" || j.status === "running");
    let h = "";
    if (S.ex.status === "planning") h += btn("endex", "danger", T("endex"));
    if (S.ex.status === "endex" && S.ex.kind !== "case" && !evalBusy) h += btn("evaluate", "", T("evaluate"));
    if (S.ex.status === "endex" && S.ex.kind !== "case" && !S.ex.truth_released) h += btn("release", "danger", T("release"));
    if (evalDone && S.ex.truth) h += `<a href="/api/exercises/${id}/report.html" target="_blank" rel="noopener">${T("report")}</a>`;
    box.innerHTML = h || `<p>${T("nothing_to_do")}</p>`;
    const confirmThen = (what, path, json) => async () => { if (await SX.confirmDialog(T("confirm_" + what + "_title"), T("confirm_" + what + "_text"))) SX.act(path, json, err); };
    if ($("endex")) $("endex").onclick = confirmThen("endex", `/api/exercises/${id}/endex`, {});
    if ($("release")) $("release").onclick = confirmThen("release", `/api/exercises/${id}/release`, {});
    if ($("evaluate")) $("evaluate").onclick = () => SX.act(`/api/exercises/${id}/jobs`, { kind: "evaluate", particles: 2000 }, err);
  }
  $("create-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target, err = f.querySelector(".error"), fd = new FormData();
    err.textContent = "";
    if (f.builtin.value) fd.append("builtin", f.builtin.value); else if (f.scenario.files[0]) fd.append("scenario", f.scenario.files[0]);
    else { err.textContent = T("need_scenario"); return; }
    fd.append("seed", f.seed.value || "0");
    try {
      const r = await SX.api("/api/exercises", { method: "POST", body: fd });
      SX.flash(T("created", { id: r.id })); const opt = document.createElement("option");
      opt.value = r.id; opt.textContent = `#${r.id} ${r.name}`; opt.setAttribute("translate", "no"); $("exercise").appendChild(opt);
    } catch (e) { SX.showError(err, e); }
  });
  async function renderAudit(S) {
    if (!S.ex.roles.includes("director")) return;
    try {
      const rows = await SX.api(`/api/exercises/${S.ex.id}/audit?limit=200`);
      $("audit-table").tBodies[0].innerHTML = rows.map((e) => `<tr><td>${e.id}</td><td>${SX.fmtTime(e.time, true)}</td><td translate="no">${esc(e.actor)}</td><td>${tr("audit_", e.action)}</td><td translate="no" class="usertext">${esc(JSON.stringify(e.detail))}</td></tr>`).join("");
    } catch (e) { SX.flash(SX.errText(e)); }
  }

  window.SX_PANELS = { render, renderUnits, renderInjects, sliderTime, renderAudit };
})();
