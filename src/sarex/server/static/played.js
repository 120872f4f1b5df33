// The exercise as played: the exercise clock (everyone reads exercise time with wall time beside; the
// director runs it), the MSEL (director: release, hold, cancel; evaluator: read), the evaluators'
// observations, separation alerts (acknowledged on the server), the message log and the SITREPs.
// Each panel is loaded only for the roles the server lets read it; actions only where they can be done.
(function () {
  "use strict";
  const SX = window.SX, T = SX.T, esc = SX.esc, $ = (id) => document.getElementById(id);
  const roles = (S) => (S.ex ? S.ex.roles : []);
  const any = (S, list) => roles(S).some((r) => list.includes(r));
  const tr = (prefix, v) => (window.SX_I18N.has(prefix + v) ? T(prefix + v) : v);
  const btn = (cls, label, extra) => `<button type="button" class="${cls}" ${extra || ""}>${esc(label)}</button>`;
  const READ_LOG = ["director", "evaluator", "coordinator", "unit"], CONTROL = ["director", "evaluator"];

  // --- loading: what this caller may read, in parallel; a refused read leaves the panel empty -----------------
  async function load(S) {
    const e = `/api/exercises/${S.ex.id}`, lang = window.SX_I18N.lang;
    const get = async (p, d) => { try { return await SX.api(p); } catch (x) { return d; } };
    const [messages, alerts, sitreps, msel, objectives, observations] = await Promise.all([
      any(S, READ_LOG) ? get(`${e}/messages?lang=${lang}`, []) : [], any(S, READ_LOG) ? get(`${e}/alerts`, []) : [],
      get(`${e}/sitreps?lang=${lang}`, []), any(S, CONTROL) ? get(`${e}/msel`, []) : [], any(S, CONTROL) ? get(`${e}/objectives`, []) : [],
      any(S, CONTROL) ? get(`${e}/observations`, []) : []]);
    Object.assign(S, { messages, alerts, sitreps, msel, objectives, observations });
  }

  function render(S) { renderClock(S); renderMsel(S); renderObservations(S); renderAlerts(S); renderMessages(S); renderSitreps(S); }

  // --- the clock: exercise time computed locally from the server's anchors, wall time beside ---------------
  function clockLine(S) {
    const c = S.clock;
    if (!c) return "";
    const now = Date.now(), ex = SX.exerciseTime(now), wall = new Date(now).toISOString();
    const rate = c.mode === "live" ? T("clock_live") : `×${+c.rate.toFixed(2)}`;
    return `<span class="nb"><b>${T("exercise_time")}</b> <span id="clock-ex">${ex.slice(0, 10)} ${ex.slice(11, 19)} UTC</span></span> · ` +
      `<span class="nb">${T("wall_time")} <span id="clock-wall">${wall.slice(11, 19)} UTC</span></span> · <span class="nb"><span class="clock-state" data-state="${c.state}">${T("clock_" + c.state)}</span> ${rate}</span>`;
  }
  function tick() { const S = SX.S; if (S && S.ex && S.clock) $("clock").innerHTML = clockLine(S); }
  setInterval(tick, 1000);
  function renderClock(S) {
    $("clock").hidden = !S.clock; tick();
    const box = $("clock-actions"), director = roles(S).includes("director"), c = S.clock;
    $("clock-form").hidden = !director || !c;
    if (!director || !c) { box.innerHTML = ""; return; }
    box.innerHTML = (c.state === "stopped" ? btn("primary", T("clock_start"), 'data-clock="start"') : "") +
      (c.state === "running" ? btn("", T("clock_pause"), 'data-clock="pause"') : "") +
      (c.state === "paused" ? btn("primary", T("clock_resume"), 'data-clock="resume"') : "");
    box.querySelectorAll("button[data-clock]").forEach((b) => (b.onclick = () => clock(S, { action: b.dataset.clock, rate: b.dataset.clock === "start" ? rateValue() : undefined })));
    const f = $("clock-form");
    if (document.activeElement !== f.rate) f.rate.value = c.rate;
  }
  const rateValue = () => { const v = parseFloat($("clock-form").rate.value); return isFinite(v) ? v : undefined; };
  async function clock(S, body) {
    const err = $("clock-error");
    err.textContent = "";
    try { S.clock = await SX.api(`/api/exercises/${S.ex.id}/clock`, { method: "POST", json: body }); await SX.refresh(false); } catch (e) { SX.showError(err, e); }
  }
  $("clock-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const S = SX.S, f = ev.target, what = ev.submitter ? ev.submitter.value : "rate";
    if (what === "rate") clock(S, { action: "rate", rate: rateValue() });
    else if (!f.time.value) { $("clock-error").textContent = T("err_invalid") + ` (${T("field_exercise_time")})`; f.time.focus(); }
    else clock(S, { action: "set", exercise_time: new Date(f.time.value + "Z").toISOString() });
  });

  // --- MSEL: the injects timeline by exercise time ---------------------------------------------------------
  function renderMsel(S) {
    const director = roles(S).includes("director"), list = S.msel || [];
    $("msel").innerHTML = list.length ? list.map((i) => {
      const open = i.status === "scheduled" || i.status === "held";
      const acts = !director || !open ? "" : btn("release", T("msel_release"), `data-msel="${i.id}" data-act="release"`) + " " +
        (i.status === "held" ? btn("unhold", T("msel_unhold"), `data-msel="${i.id}" data-act="unhold"`) : btn("hold", T("msel_hold"), `data-msel="${i.id}" data-act="hold"`)) + " " +
        btn("cancel-inject", T("msel_cancel"), `data-msel="${i.id}" data-act="cancel"`);
      return `<li data-msel="${i.id}" class="box msel-item msel-${i.status}"><b>${SX.fmtTime(i.at, true)}</b> · ${tr("inject_", i.kind)} · ` +
        `<span class="msel-status" data-status="${i.status}">${T("msel_" + i.status)}</span> · ${T("to")}: ${i.to.map((r) => tr("role_", r)).join(", ")}` +
        `${i.units.length ? ` · <span translate="no">${esc(i.units.join(", "))}</span>` : ""}<br><span translate="no" class="usertext">${esc(i.text)}</span>` +
        `${i.expected_action ? `<br><small>${T("expected_action")}: <span translate="no">${esc(i.expected_action)}</span></small>` : ""}` +
        (acts ? `<div class="row">${acts}</div>` : "") + "</li>";
    }).join("") : `<li>${T("msel_empty")}</li>`;
    $("msel").querySelectorAll("button[data-msel]").forEach((b) => (b.onclick = async () => {
      const a = b.dataset.act;
      if ((a === "cancel" || a === "release") && !(await SX.confirmDialog(T("confirm_msel_" + a + "_title"), T("confirm_msel_" + a + "_text", { id: b.dataset.msel })))) return;
      await SX.act(`/api/exercises/${S.ex.id}/msel/${b.dataset.msel}`, { action: a }, $("msel-error"));
    }));
  }

  // --- observations: the evaluator writes what they observed against an objective ----------------------
  function renderObservations(S) {
    const objs = S.objectives || [], sel = $("obs-form").objective, keep = sel.value;
    sel.innerHTML = objs.map((o) => `<option value="${esc(o.id)}" translate="no">${esc(o.id)}</option>`).join("") + `<option value="general">${T("obs_general")}</option>`;
    if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
    const obs = objs.flatMap((o) => o.observations);
    $("objectives").innerHTML = objs.map((o) => `<li data-objective="${esc(o.id)}"><b translate="no">${esc(o.id)}</b> <span translate="no" class="usertext">${esc(o.text)}</span>` +
      (o.observations.length ? `<ul>${o.observations.map((x) => obsLine(x)).join("")}</ul>` : "") + "</li>").join("") || `<li>${T("no_objectives")}</li>`;
    $("obs-general").innerHTML = (S.observations || []).filter((x) => !obs.some((y) => y.id === x.id)).map(obsLine).join("");
  }
  const obsLine = (x) => `<li class="observation" data-obs="${x.id}"><span class="rating rating-${x.rating}">${T("rating_" + x.rating)}</span> ${SX.fmtTime(x.time, true)} ` +
    `(${T("wall_time")} ${SX.fmtTime(x.wall, true)}) · <span translate="no">${esc(x.by)}</span>: <span translate="no" class="usertext">${esc(x.text)}</span></li>`;
  $("obs-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target, err = f.querySelector(".error");
    if (!f.text.value.trim()) { err.textContent = T("err_invalid") + ` (${T("field_text")})`; f.text.focus(); return; }
    const body = { objective: f.objective.value, rating: f.rating.value, text: f.text.value, finding: f.finding.value, owner: f.owner.value };
    if (f.due.value) body.due = f.due.value;
    if (await SX.act(`/api/exercises/${SX.S.ex.id}/observations`, body, err)) { f.text.value = ""; f.finding.value = ""; SX.flash(T("sent")); }
  });

  // --- alerts: separation alerts, newest first; acknowledged on the server (who and when, read by all its readers) -----
  const ROUTE_ACK_ALERT = "/api/exercises/{exercise_id}/alerts/{alert_id}/ack";
  const ackKey = (S) => `sarex.ack.${S.me.user}.${S.ex.id}`;  // a server without the route: this device only
  const local = (S) => new Set(JSON.parse(localStorage.getItem(ackKey(S)) || "[]"));
  const mineAcked = (S, a, loc) => (a.acks || []).some((k) => k.by === S.me.user) || loc.has(a.id);
  function renderAlerts(S) {
    const loc = local(S), list = (S.alerts || []).slice().reverse(), open = list.filter((a) => !mineAcked(S, a, loc)).length;
    const server = S.routes && S.routes.has(ROUTE_ACK_ALERT);
    const who = (a) => (a.acks || []).map((k) => `<span translate="no">${esc(k.unit || k.by)}</span> ${SX.fmtTime(k.time, true)}`).join(", ");
    $("alerts-count").textContent = T("alerts_open", { n: open });
    $("alerts").innerHTML = list.length ? list.map((a) => `<li class="alert-item${mineAcked(S, a, loc) ? " acked" : ""}" data-alert="${a.id}"><b>${tr("alert_", a.kind)}</b> ` +
      `${SX.fmtTime(a.time, true)} · <span translate="no">${esc(a.units.join(" / "))}</span> · ${a.distance_nm.toFixed(2)} NM` +
      (a.vertical_ft !== null && a.vertical_ft !== undefined ? ` · ${Math.round(a.vertical_ft)} ft` : "") +
      ((a.acks || []).length ? ` · ${T("acknowledged")}: ${who(a)}` : "") +
      (mineAcked(S, a, loc) ? (a.acks || []).length ? "" : ` · ${T("acknowledged")}` : ` ${btn("ack", T("acknowledge"), `data-alert="${a.id}"`)}`) +
      `<span class="error" role="alert"></span></li>`).join("") : `<li>${T("no_alerts")}</li>`;
    $("alerts").querySelectorAll("button.ack").forEach((b) => (b.onclick = async () => {
      const id = +b.dataset.alert;
      if (!server) { const d = local(S); d.add(id); localStorage.setItem(ackKey(S), JSON.stringify([...d])); renderAlerts(S); return; }
      const got = await SX.act(`/api/exercises/${S.ex.id}/alerts/${id}/ack`, {}, b.parentElement.querySelector(".error"));
      if (got) { const i = S.alerts.findIndex((x) => x.id === id); if (i >= 0) S.alerts[i] = got; renderAlerts(S); }
    }));
    const tab = $("tab-alerts");
    if (tab) tab.classList.toggle("attention", open > 0);
  }

  // --- messages: the log the caller may read, and a form to send free text --------------------------------
  function renderMessages(S) {
    const can = any(S, ["unit", "coordinator", "director"]), f = $("msg-form");
    f.hidden = !can;
    if (can) {
      const to = f.to, keep = to.value, me = S.tasking && S.tasking.length ? S.tasking[0].unit : null;
      const groups = ["rcc", "excon", "all"].map((g) => `<option value="${g}">${T("to_" + g)}</option>`);
      to.innerHTML = groups.join("") + S.units.filter((u) => u.code !== me).map((u) => `<option value="${esc(u.code)}" translate="no">${esc(u.code)}</option>`).join("");
      if ([...to.options].some((o) => o.value === keep)) to.value = keep;
    }
    if (can) loadPhrases(S);
    const list = (S.messages || []).slice().reverse(), who = (x) => (["rcc", "excon", "all"].includes(x) ? T("to_" + x) : `<span translate="no">${esc(x)}</span>`);
    $("messages").innerHTML = list.length ? list.map((m) => `<li class="message" data-message="${m.id}">${SX.fmtTime(m.time, true)} · ${who(m.sender)} → ${m.to.map(who).join(", ")}<br>` +
      (m.untranslated ? `<span translate="no" class="usertext">${esc(m.text)}</span>` : `<span data-doc="phrase">${esc(m.text)}</span>`) + "</li>").join("") : `<li>${T("no_messages")}</li>`;
  }
  // Standard phrases (IMO SMCP style, exercise/phrases.py): each reader reads them in their own language. The form
  // offers them with their parameters, filled from what the page knows (my unit, the exercise time, my last position).
  const PHRASES_ROUTE = "/api/messages/phrases";
  const NUM = { alt_ft: "min=0 max=60000 step=50", low_ft: "min=0 max=60000 step=50", high_ft: "min=0 max=60000 step=50",
    lon: "min=-180 max=180 step=0.0001", lat: "min=-90 max=90 step=0.0001" };
  async function loadPhrases(S) {
    if (S.phrases || !(S.routes && S.routes.has(PHRASES_ROUTE))) return;
    try { S.phrases = await SX.api(PHRASES_ROUTE); } catch (e) { S.phrases = null; return; }
    const sel = $("msg-form").phrase;
    sel.innerHTML = `<option value="">${T("free_text")}</option>` + Object.keys(S.phrases.phrases).map((k) => `<option value="${k}">${T("phrase_" + k)}</option>`).join("");
  }
  function myUnit(S) { return S.tasking && S.tasking.length ? S.tasking[0].unit : (S.me.unit || ""); }
  function phraseParams(S) {
    const f = $("msg-form"), key = f.phrase.value, box = $("msg-params");
    f.querySelector(".free-text").hidden = !!key;
    if (!key || !S.phrases) { box.innerHTML = ""; $("msg-preview").textContent = ""; return; }
    const me = myUnit(S), last = (S.positions || []).filter((p) => p.unit === me).slice(-1)[0];
    const value = { unit: me, time: SX.exerciseTime(Date.now()).slice(0, 16) + "Z", lon: last ? last.lon.toFixed(4) : "", lat: last ? last.lat.toFixed(4) : "",
      other: f.to.value && !["rcc", "excon", "all"].includes(f.to.value) ? f.to.value : "" };
    const order = ["unit", "other", "area", "object", "alt_ft", "low_ft", "high_ft", "lon", "lat", "time"];
    box.innerHTML = S.phrases.phrases[key].params.slice().sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((p) => {
      const lab = `<span>${T("param_" + p)}</span>`;
      if (p === "object") return `<label>${lab} <select name="p_object">` + Object.entries(S.phrases.objects).map(([k, n]) => `<option value="${k}">${esc(n[window.SX_I18N.lang] || n.en)}</option>`).join("") + "</select></label>";
      if (NUM[p]) return `<label>${lab} <input type="number" name="p_${p}" ${NUM[p]} value="${esc(value[p] || "")}" required></label>`;
      return `<label>${lab} <input name="p_${p}" value="${esc(value[p] || "")}" maxlength="${p === "time" ? 25 : 64}" required translate="no"></label>`;
    }).join("");
    box.querySelectorAll("input, select").forEach((x) => x.addEventListener("input", () => preview(S)));
    preview(S);
  }
  function params(S) {
    const f = $("msg-form"), out = {};
    S.phrases.phrases[f.phrase.value].params.forEach((p) => { const v = f["p_" + p].value; out[p] = NUM[p] ? parseFloat(v) : v; });
    return out;
  }
  function preview(S) {  // the message as I will read it (the others read it in theirs); figures as the server formats them
    const f = $("msg-form"), key = f.phrase.value, lang = window.SX_I18N.lang, p = params(S), t = S.phrases.phrases[key].text[lang] || S.phrases.phrases[key].text.en;
    const v = { ...p, pos: p.lon !== undefined ? SX.fmtPos(p.lon, p.lat) : "", object: p.object ? (S.phrases.objects[p.object][lang] || p.object) : "" };
    if (p.time !== undefined) {  // a date-time group, as the server writes it (DDHHMMZ MON YYYY)
      const d = new Date(p.time), z = (n) => String(n).padStart(2, "0");
      v.time = Number.isNaN(d.getTime()) ? "…" : `${z(d.getUTCDate())}${z(d.getUTCHours())}${z(d.getUTCMinutes())}Z ${d.toUTCString().slice(8, 11).toUpperCase()} ${d.getUTCFullYear()}`;
    }
    $("msg-preview").textContent = t.replace(/{(\w+)}/g, (_m, k) => (v[k] === undefined || Number.isNaN(v[k]) ? "…" : String(v[k])));
  }
  $("msg-form").phrase.addEventListener("change", () => phraseParams(SX.S));
  $("msg-form").to.addEventListener("change", () => { if ($("msg-form").phrase.value) phraseParams(SX.S); });
  $("msg-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const S = SX.S, f = ev.target, err = f.querySelector(".error");
    let body;
    if (f.phrase.value) body = { to: [f.to.value], phrase: f.phrase.value, params: params(S) };
    else {
      if (!f.text.value.trim()) { err.textContent = T("err_invalid") + ` (${T("field_text")})`; f.text.focus(); return; }
      body = { to: [f.to.value], text: f.text.value };
    }
    if (await SX.act(`/api/exercises/${S.ex.id}/messages`, body, err)) { f.text.value = ""; SX.flash(T("sent")); }
  });

  // --- SITREPs: everyone reads them in their language; the coordinator (the RCC) sends the next ---------------
  function renderSitreps(S) {
    $("sitrep-form").hidden = !(roles(S).includes("coordinator"));
    const list = (S.sitreps || []).slice().reverse();
    $("sitreps").innerHTML = list.length ? list.map((r) => `<article class="box sitrep" data-sitrep="${r.number}"><h3>${T("sitrep_n", { n: r.number })} · ${SX.fmtTime(r.time, true)} · ${T("sitrep_" + r.form)}</h3>` +
      `<pre class="sap" data-doc="sitrep" lang="${esc(r.lang)}">${esc(r.text)}</pre></article>`).join("") : `<p>${T("no_sitreps")}</p>`;
  }
  $("sitrep-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const S = SX.S, f = ev.target, err = f.querySelector(".error"), n = (S.sitreps || []).length + 1;
    if (!(await SX.confirmDialog(T("confirm_sitrep_title", { n }), T("confirm_sitrep_text", { n })))) return;
    const body = { form: f.sform.value };
    ["identity", "wind", "on_scene_channel", "remarks"].forEach((k) => { if (f[k].value.trim()) body[k] = f[k].value.trim(); });
    if (f.persons.value !== "") body.persons = parseInt(f.persons.value, 10);
    if (await SX.act(`/api/exercises/${S.ex.id}/sitreps`, body, err)) { f.remarks.value = ""; SX.flash(T("sitrep_sent", { n })); }
  });

  window.SX_PLAYED = { load, render, renderAlerts };
})();
