"""The exercise as played, exported from the store (format ``sarex-played/1``): what the played
evaluation (:mod:`sarex.app.played`) reads, in the server's evaluate job and in
``sarex exercise evaluate-played EXPORT``. All times are exercise time (ISO 8601 UTC), the wall
time beside where the record has one. It holds the truth: director and evaluators only."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.server.models import TRUTH_ROLES, Exercise, Inject, Job, Period, Plan, PositionReport, Sighting
from sarex.server.security import Principal
from sarex.server.workflow import exercise_for, no_truth_in_case
from sarex.times import iso, to_epoch_s

FORMAT = "sarex-played/1"


def _iso(t: float | None) -> str | None:
    return None if t is None else iso(t)


def build(s: Session, ex: Exercise) -> dict[str, Any]:
    """The export of exercise ``ex`` (no access check: the caller made it)."""
    from sarex.server.alerts import breaches
    from sarex.server.clock import clock_view
    from sarex.server.injects import view
    from sarex.server.messages import log_table
    from sarex.server.observations import observation_rows

    pos = s.execute(select(PositionReport).where(PositionReport.exercise_id == ex.id).order_by(PositionReport.time_s, PositionReport.id)).scalars()
    sig = s.execute(select(Sighting).where(Sighting.exercise_id == ex.id).order_by(Sighting.time_s, Sighting.id)).scalars()
    plans = []
    for pl in s.execute(select(Plan).where(Plan.exercise_id == ex.id).order_by(Plan.period, Plan.nation)).scalars():
        d = json.loads(pl.data_json)
        plans.append({"id": pl.id, "period": pl.period, "nation": pl.nation, "status": pl.status, "approved_at": _iso(pl.approved_ex_s),
                      "approved_wall": _iso(pl.approved_s),
                      "assignments": [{k: a.get(k) for k in ("unit", "on_task", "off_task", "area_ring", "marginal_pos", "pos")} for a in d["assignments"]]})
    periods = [{"number": p.number, "start": iso(p.start_s), "end": iso(p.end_s), "closed_at": _iso(p.closed_ex_s), "closed_reason": p.closed_reason or ""}
               for p in s.execute(select(Period).where(Period.exercise_id == ex.id).order_by(Period.number)).scalars()]
    jobs = list(s.execute(select(Job).where(Job.exercise_id == ex.id).order_by(Job.id)).scalars())
    forecast_particles = [json.loads(j.params_json)["particles"] for j in jobs if j.kind == "forecast" and j.status == "done"]
    clock = clock_view(s, ex.id)
    rows = s.execute(select(Inject).where(Inject.exercise_id == ex.id).order_by(Inject.at_s, Inject.id)).scalars()
    return {
        "format": FORMAT, "exercise": {"id": ex.id, "name": ex.name, "status": ex.status}, "seed": ex.seed,
        "scenario_toml": ex.scenario_toml, "particles": forecast_particles[-1] if forecast_particles else None, "clock": clock,
        "positions": [{"unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "source": r.source, "received_wall": iso(r.received_s)} for r in pos],
        "sightings": [{"unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "note": r.note,
                       "received_at": _iso(r.received_ex_s), "received_wall": _iso(r.received_s)} for r in sig],
        "plans": plans, "periods": periods,
        "jobs": [{"id": j.id, "kind": j.kind, "status": j.status, "created_at": _iso(j.created_ex_s), "created_wall": iso(j.created_s)} for j in jobs],
        "injects": [view(r, clock_now_s(clock)) for r in rows],
        "observations": observation_rows(s, ex.id),
        # issue 30 item 6: every separation breach, low pass, unit outside its block or area, and the message log
        "breaches": breaches(s, ex.id), "messages": log_table(s, ex.id),
    }


def clock_now_s(clock: dict[str, Any]) -> float:

    return to_epoch_s(clock["exercise_time"])


def export(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    """The export (director, evaluators): it carries the truth."""
    ex, _ = exercise_for(s, p, exercise_id, TRUTH_ROLES)
    no_truth_in_case(ex, "truth")
    return build(s, ex)
