"""Use case: evaluate the exercise as played, from an export of the server's exercise (issue 28).

One use case for the CLI (``sarex exercise evaluate-played EXPORT``) and the server's evaluate
job: the export (JSON, format ``sarex-played/1``; :func:`sarex.server.played_export.export`) holds
the scenario (truth included), the seed, the forecast's particle count, and what was played in
exercise time — positions, sightings, plans with their approval times, periods, jobs, injects,
observations, separation breaches and the message log. The computing is :mod:`sarex.exercise.played`; this module reads the export,
drifts the truth and the players' forecast with the exercise's seed, and assembles the
``played`` scores (issue 28 item 5) and the report's played sections.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from sarex.errors import SarexInputError
from sarex.times import iso, to_epoch_s
from sarex.app._validate import DEFAULT_FORCING_ERROR
from sarex.seeds import stream
from sarex.app.output import run_into

FORMAT = "sarex-played/1"
#: stream of the seeded detection draw on pod_true (sarex.seeds: 0..3 are taken)
PLAYED_STREAM = 4


@dataclass
class PlayedEvaluation:
    """The played scores (JSON-able) and what the report needs beside them."""

    scores: dict
    objectives: list[dict]
    observations: list[dict]
    injects: list[dict]
    truth_track: Any  # TruthTrack
    tracks: dict  # unit -> Track


def _t(v: Any, where: str) -> float:
    try:
        return float(v) if isinstance(v, (int, float)) else to_epoch_s(str(v))
    except (SarexInputError, ValueError):
        raise SarexInputError(f"{where}: {v!r} is not an ISO 8601 UTC time") from None


def load_export(path: Path) -> dict:
    """Read and check an export file (one-line errors naming the file and field)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SarexInputError(f"{path}: no such file") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SarexInputError(f"{path}: not a JSON export of a played exercise ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SarexInputError(f"{path}: format: {data.get('format') if isinstance(data, dict) else None!r} is not {FORMAT!r}")
    for k in ("scenario_toml", "seed", "positions", "plans", "periods"):
        if k not in data:
            raise SarexInputError(f"{path}: {k}: missing from the export")
    return data


def _after_action(data: dict) -> tuple[list[dict], list[dict]]:
    """The export's breaches and message log (issue 30 item 6), checked and reduced to what the report shows, by
    exercise time; an export made before they were exported has neither (empty lists)."""
    rows = []
    for i, b in enumerate(data.get("breaches") or []):
        w = f"breaches[{i}]"
        _t(b.get("time"), f"{w}.time")
        if not isinstance(b.get("kind"), str) or not isinstance(b.get("units"), list):
            raise SarexInputError(f"{w}: needs a kind (text) and units (a list), got {b.get('kind')!r}, {b.get('units')!r}")
        vft = b.get("vertical_ft")
        acks = b.get("acks") or []
        if not isinstance(acks, list):
            raise SarexInputError(f"{w}.acks: a list of acknowledgements, got {acks!r}")
        for j, k in enumerate(acks):
            _t(k.get("time") if isinstance(k, dict) else None, f"{w}.acks[{j}].time")
        rows.append({"kind": b["kind"], "units": [str(u) for u in b["units"]], "time": b["time"], "wall": b.get("created_wall"),
                     "distance_nm": float(b.get("distance_nm") or 0.0), "vertical_ft": None if vft is None else float(vft),
                     "acks": [{"by": str(k.get("by", "")), "unit": k.get("unit"), "time": k["time"]} for k in acks]})
    msgs = []
    for i, m in enumerate(data.get("messages") or []):
        _t(m.get("time"), f"messages[{i}].time")
        to = m.get("to") or []
        msgs.append({"time": m["time"], "wall": m.get("created_wall"), "sender": str(m.get("sender", "")),
                     "to": [str(x) for x in (to if isinstance(to, list) else [to])], "text": str(m.get("text", "")),
                     "untranslated": bool(m.get("untranslated", False))})
    key = lambda r: _t(r["time"], "time")  # noqa: E731
    return sorted(rows, key=key), sorted(msgs, key=key)


def _scenario(text: str):
    from sarex.exercise.scenario import Scenario, parse_scenario

    try:
        sc = parse_scenario(tomllib.loads(text), Path("exported-scenario.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise SarexInputError(f"scenario_toml: not valid TOML ({exc})") from None
    if not isinstance(sc, Scenario):
        raise SarexInputError("scenario_toml: a real case has no truth; nothing to evaluate")
    return sc


def _inputs(data: dict, sc) -> Any:
    from sarex.exercise.played import Assignment, Fix, PlanRecord, PlayedInput, SightingReport
    from sarex.geo import NM_M
    from sarex.planning.sru import unit_sweep_width_nm

    cond = sc.conditions
    units = sc.resolved_units()
    cls = sc.truth.object_class
    widths = {u.id: unit_sweep_width_nm(u, cls, cond.visibility_nm, cond.weather_factor_for(cls), cond.fatigue) * NM_M for u in units}
    fixes = [Fix(r["unit"], _t(r["time"], f"positions[{i}].time"), float(r["lon"]), float(r["lat"])) for i, r in enumerate(data["positions"])]
    sightings = [SightingReport(r["unit"], _t(r["time"], f"sightings[{i}].time"), float(r["lon"]), float(r["lat"]), r.get("note", ""))
                 for i, r in enumerate(data.get("sightings", []))]
    plans = []
    for i, p in enumerate(data["plans"]):
        appr = _t(p["approved_at"], f"plans[{i}].approved_at") if p.get("status") == "approved" and p.get("approved_at") else None
        asg = tuple(Assignment(a["unit"], _t(a["on_task"], "on_task"), _t(a["off_task"], "off_task"), tuple(map(tuple, a.get("area_ring") or [])),
                               float(a.get("marginal_pos") or 0.0)) for a in p.get("assignments", []))
        plans.append(PlanRecord(int(p["period"]), p["nation"], appr, asg))
    forecasts = [_t(j["created_at"], "jobs.created_at") for j in data.get("jobs", [])
                 if j.get("kind") == "forecast" and j.get("status") == "done" and j.get("created_at")]
    periods = [(int(p["number"]), _t(p["start"], "periods.start"), _t(p["end"], "periods.end")) for p in data["periods"]]
    return PlayedInput(sc.reported.time, periods, fixes, sightings, plans, min(forecasts) if forecasts else None, widths,
                       {u.id: u.nation for u in units})


class SailedPos(NamedTuple):
    """POS of the sailed tracks against one ensemble: cumulative over the periods, per unit, after each period."""

    total: float
    by_unit: dict
    by_period: list


def sailed_pos(ds, periods: list[tuple[int, float, float]], tracks: dict, widths_m: dict[str, float]) -> SailedPos:
    """Cumulative POS of the sailed tracks against the ensemble ``ds`` (REFERENCES §4): per period, each unit's
    track cut to the period gives a POD per particle; ``Σ w_k (1 − Π (1 − POD_k))`` on the ensemble's weights,
    after each period (cumulative) and per unit (its own passes only). ``widths_m``: sweep width per unit, m."""
    from sarex.exercise.played import period_tracks
    from sarex.io.track import Track
    from sarex.search.detection import SearchUnit, pod_along_tracks
    from sarex.search.positions import output_times_s

    w = np.asarray(ds["weight"].values, dtype=float)
    w = w / w.sum()
    t_out = output_times_s(ds)
    miss = np.ones_like(w)
    miss_unit = {k: np.ones_like(w) for k in tracks}
    cum = []
    for _, a, b in periods:
        a, b = max(a, float(t_out[0])), min(b, float(t_out[-1]))
        for u, tr in period_tracks(tracks, a, b).items():
            if u not in widths_m or len(tr) < 2:
                continue
            pod = pod_along_tracks(ds, [SearchUnit(Track(tr.lon, tr.lat, tr.time_s, u), widths_m[u], name=u)], "forecast")
            miss *= 1.0 - pod
            miss_unit[u] *= 1.0 - pod
        cum.append(float(np.sum(w * (1.0 - miss))))
    return SailedPos(float(np.sum(w * (1.0 - miss))), {u: float(np.sum(w * (1.0 - m))) for u, m in miss_unit.items()}, cum)


def _pos(sc, inp, tracks, particles: int, seed: int, coast: bool) -> tuple[SailedPos, SailedPos]:
    """POS of the sailed tracks against the players' forecast ensemble, and against the perfect forecast
    (the same release drifted in the truth's ocean: :func:`sarex.exercise.run.perfect_forecast_drift`)."""
    from sarex.drift.forcing_error import parse_forcing_error
    from sarex.exercise.run import forecast_drift, perfect_forecast_drift
    from sarex.geo import NM_M
    from sarex.planning.sru import unit_sweep_width_nm

    cond, cls = sc.conditions, sc.reported.object_class
    widths = {u.id: unit_sweep_width_nm(u, cls, cond.visibility_nm, cond.weather_factor_for(cls), cond.fatigue) * NM_M for u in sc.resolved_units()}
    ds = forecast_drift(sc, particles, seed, coast=coast, forcing_error=parse_forcing_error(DEFAULT_FORCING_ERROR))
    perfect = perfect_forecast_drift(sc, particles, seed, coast=coast)
    return sailed_pos(ds, inp.periods, tracks, widths), sailed_pos(perfect, inp.periods, tracks, widths)


def evaluate_played(data: dict, *, coast: bool = True, rehearsal: Optional[dict] = None,
                    progress: Optional[Callable[[str], None]] = None) -> PlayedEvaluation:
    """Score the exercise as played (issue 28 item 5) from an export; ``rehearsal`` (the simulated run's
    scores) gives the counterfactual: the planner's plan and Stone's bound on the players' forecast."""
    from sarex.exercise import played as pl
    from sarex.exercise.truth import scenario_truth
    from sarex.geo import NM_M

    say = progress or (lambda m: None)
    breaches, messages = _after_action(data)  # checked first: a bad row fails before the drift
    sc = _scenario(data["scenario_toml"])
    seed = int(data["seed"])
    inp = _inputs(data, sc)
    say("truth")
    truth, _ = scenario_truth(sc, seed, coast=coast)
    tracks = pl.sailed_tracks(inp.fixes)
    all_passes = pl.passes(tracks, truth.time_s, truth.lon, truth.lat, inp.sweep_widths_m)
    opps = pl.opportunities_of(all_passes, inp.sweep_widths_m)
    ptrue = pl.pod_true(all_passes)
    checks = pl.check_sightings(inp.sightings, truth.time_s, truth.lon, truth.lat)
    good = [c for c in checks if c.counts]
    if good:
        detected, by, who, when = True, "sighting", good[0].unit, good[0].time_s
    elif not sc.truth.dummy_at_sea:
        hit = pl.detection_draw(all_passes, np.random.default_rng(stream(seed, PLAYED_STREAM)))
        detected, by, who, when = hit is not None, ("simulated" if hit is not None else None), getattr(hit, "unit", None), getattr(hit, "time_s", None)
    else:
        detected, by, who, when = False, None, None, None
    say("POS achieved against the players' forecast")
    particles = int(data.get("particles") or 2000)
    none = SailedPos(0.0, {}, [0.0] * len(inp.periods))
    fc, perfect = _pos(sc, inp, tracks, particles, seed, coast) if tracks else (none, none)
    pos_total, pos_unit, pos_cum = fc
    scene, scene_by_unit = pl.first_on_scene(tracks, inp.plans)
    approved: dict[str, float] = {}
    for p in inp.plans:
        if p.approved_s is not None:
            approved[p.nation] = min(approved.get(p.nation, np.inf), p.approved_s)
    first_sighting = min((s.time_s for s in inp.sightings), default=None)
    tl_s = {"alert": inp.alert_s, "first_forecast": inp.first_forecast_s, **{f"plan_approved_{n}": approved.get(n) for n in (x.code for x in sc.nations)},
            "first_on_scene": scene, "first_opportunity": float(round(opps[0].time_s)) if opps else None, "first_sighting": first_sighting}
    iso_or = lambda t: None if t is None else iso(t)  # noqa: E731
    nations = [x.code for x in sc.nations]
    by_nation = {n: {"first_on_scene": iso_or(min((t for u, t in scene_by_unit.items() if inp.nations.get(u) == n), default=None)),
                     "first_opportunity": iso_or(next((float(round(o.time_s)) for o in opps if inp.nations.get(o.unit) == n), None)),
                     "plan_approved": iso_or(approved.get(n))} for n in nations}
    in_force = []
    for n_, a, b in inp.periods:
        for n in nations:
            p = next((q for q in inp.plans if q.period == n_ and q.nation == n and q.approved_s is not None), None)
            in_force.append({"period": n_, "nation": n, "approved_at": iso_or(p.approved_s if p else None),
                             "approved_before_start": bool(p and p.approved_s <= a),
                             "units": [x.unit for x in p.assignments] if p else [],
                             "pos_promised": float(sum(x.marginal_pos for x in p.assignments)) if p else 0.0})
    units = {}
    for u in sorted(inp.sweep_widths_m):
        tr = tracks.get(u)
        units[u] = {"nation": inp.nations[u], "track_nm": pl.track_nm(tr), "on_task_h": pl.on_task_hours(tr, u, inp.plans),
                    "pos": pos_unit.get(u, 0.0), "pos_perfect_forecast": perfect.by_unit.get(u, 0.0), "opportunities": sum(1 for o in opps if o.unit == u),
                    "sweep_width_nm": inp.sweep_widths_m[u] / NM_M, "reports": 0 if tr is None else len(tr)}
    counter = []
    for k, (n_, a, b) in enumerate(inp.periods):
        rp = next((q for q in (rehearsal or {}).get("periods", []) if q["period"] == n_), None)
        counter.append({"period": n_, "start": iso(a), "end": iso(b), "pos_achieved_cumulative": pos_cum[k] if k < len(pos_cum) else None,
                        "pos_perfect_forecast_cumulative": perfect.by_period[k] if k < len(perfect.by_period) else None,
                        "pos_promised": sum(r["pos_promised"] for r in in_force if r["period"] == n_),
                        "pos_planner": rp["pos_planner"] if rp else None, "stone_reference_pos": rp["stone_reference_pos"] if rp else None})
    timeline = {k: iso_or(v) for k, v in tl_s.items()}
    played = {
        "opportunities": [{"unit": o.unit, "time": iso(round(o.time_s)), "distance_nm": o.range_m / NM_M} for o in opps],
        "first_opportunity": ({"unit": opps[0].unit, "time": iso(round(opps[0].time_s)), "distance_nm": opps[0].range_m / NM_M} if opps else None),
        "pod_true": ptrue,
        "detected": bool(detected),
        "detected_by": by,
        "detection": None if not detected else {"unit": who, "time": iso(round(when)), "by": by},
        "pos_achieved": pos_total,
        "pos_achieved_perfect_forecast": perfect.total,
        "units": units,
        "timeline": timeline,
        "timeline_by_nation": by_nation,
        "plans_in_force": in_force,
        "sightings": [{"unit": c.unit, "time": iso(c.time_s), "distance_nm": c.distance_nm, "time_error_min": c.time_error_min,
                       "nearest_nm_within_30_min": c.nearest_nm, "counts": c.counts} for c in checks],
        "counterfactual": counter,
        "breaches": breaches,
        "messages": messages,
        "scenario": sc.name,
        "passes": len(all_passes),
        "particles": particles,
    }
    objectives = []
    for o in (x.model_dump() for x in sc.objective):
        met = pl.judge_objective(o, tl_s, bool(detected), inp.periods, inp.plans, set(nations))
        objectives.append({**o, "measured": met})
    played["objectives"] = [{"id": o["id"], "measured": o["measured"]} for o in objectives]
    return PlayedEvaluation(played, objectives, data.get("observations", []), data.get("injects", []), truth, tracks)


def played_report(ev: PlayedEvaluation, rehearsal: Any = None):
    """The after-action report: the exercise as played first, the rehearsal (the simulated ``exercise run``,
    an :class:`~sarex.exercise.engine.ExerciseResult`) beside it, each section labelled."""
    from sarex.report.html import Paragraph, Report, Section
    from sarex.report.played_report import played_sections

    sc = _scenario_of(ev)
    nations = {u: v["nation"] for u, v in ev.scores["units"].items()}
    rep = Report(f"{sc} — after-action report", "the exercise as played, then the rehearsal (simulated); EVALUATORS ONLY (truth revealed)")
    rep.sections += played_sections(ev, nations)
    if rehearsal is not None:
        from sarex.report.exercise_report import build_exercise_report

        sim = build_exercise_report(rehearsal)
        intro = Section("Rehearsal (simulated exercise run, not the exercise as played)")
        intro.blocks.append(Paragraph("The sections below simulate the exercise from the planner's plans with the same seed; a detection "
                                      "there did not happen in the exercise as played unless the played outcome above says so."))
        rep.sections.append(intro)
        for s in sim.sections:
            s.title = f"Rehearsal: {s.title}"
            rep.sections.append(s)
    return rep


def _scenario_of(ev: PlayedEvaluation) -> str:
    return ev.scores.get("scenario", "exercise")


def played_report_html(ev: PlayedEvaluation, rehearsal: Any = None) -> str:
    from sarex.report.html import render_html

    return render_html(played_report(ev, rehearsal))


from sarex.app._validate import Request  # noqa: E402  (the request model sits with the use case it drives)


class PlayedRequest(Request):
    """``sarex exercise evaluate-played EXPORT``: the played exercise's export, and whether to run the rehearsal beside it."""

    export: Path
    rehearsal: bool = False
    coast: bool = True


@dataclass
class PlayedResult:
    evaluation: PlayedEvaluation
    files: list[str]


def exercise_evaluate_played(req: PlayedRequest, target: Any, progress: Optional[Callable[[str], None]] = None) -> PlayedResult:
    """Evaluate a played exercise from its export; write ``played.json`` (the ``played`` scores), ``report.html`` and
    ``report.pdf`` (played first; with ``rehearsal``, the simulated ``exercise run`` of the same seed beside it)."""
    from sarex.report.html import render_html, write_pdf

    data = load_export(req.export)
    sim = scores = None
    if req.rehearsal:
        import tempfile

        from sarex.app import FolderTarget
        from sarex.app.exercise import RunRequest, exercise_run

        with tempfile.TemporaryDirectory(prefix="sarex-rehearsal-") as tmp:
            sc_path = Path(tmp) / "scenario.toml"
            sc_path.write_text(data["scenario_toml"], encoding="utf-8")
            sim = exercise_run(RunRequest(scenario=str(sc_path), seed=int(data["seed"]), particles=int(data.get("particles") or 2000), coast=req.coast),
                               FolderTarget(Path(tmp) / "run", inputs=[sc_path]), progress=progress)
            scores = sim.scores()
    ev = evaluate_played(data, coast=req.coast, rehearsal=scores, progress=progress)
    report = played_report(ev, sim)
    page = render_html(report)

    def body() -> None:
        target.write_text("played.json", json.dumps({"played": ev.scores, **({"rehearsal": scores} if scores else {})}, indent=1, ensure_ascii=False) + "\n")
        target.write_text("report.html", page)
        target.write_file("report.pdf", lambda p: write_pdf(report, p))

    return PlayedResult(ev, run_into(target, body))
