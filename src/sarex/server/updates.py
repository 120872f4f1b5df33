"""The forecast and update jobs on the store: what the units reported while on task, read out per
period for the Bayesian update, and the probability contours of the current forecast for the map.

The computing is :func:`sarex.server.services.forecast_and_plan` (the application layer's
forecast use case); this module only gathers its inputs and reads its stored result.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.server import injects, plans
from sarex.server.plans import FORECAST_KINDS as FORECAST_KINDS, current_forecast  # (re-exported: the job runner reads FORECAST_KINDS here)
from sarex.server.models import Job, Period, PositionReport
from sarex.server.security import Principal
from sarex.server.workflow import exercise_for
from sarex.times import to_epoch_s

def _cut(t: np.ndarray, x: np.ndarray, y: np.ndarray, t0: float, t1: float) -> Optional[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The piecewise-linear track of fixes (t, x, y) between t0 and t1, ends interpolated where fixes bracket them."""
    if t.size == 0 or t[-1] <= t0 or t[0] >= t1:
        return None
    inside = (t > t0) & (t < t1)
    tt = t[inside]
    a, b = max(t0, float(t[0])), min(t1, float(t[-1]))
    tt = np.concatenate([[a], tt, [b]])
    tt = np.unique(tt)
    if tt.size < 2:
        return None
    return tt, np.interp(tt, t, x), np.interp(tt, t, y)


def reported_tracks(s: Session, exercise_id: int, through: int) -> dict[int, list[dict[str, Any]]]:
    """Per period 1..``through``: the track each unit tasked in an approved plan reported while on task.

    A unit's fixes are joined by straight lines (as a GPX track is) and cut to its
    time on task (``on_task``..``off_task`` of its assignment, within the period);
    only on-task legs count as search, as in ``sarex search-update``.
    """
    ends = {p.number: p.end_s for p in s.execute(select(Period).where(Period.exercise_id == exercise_id)).scalars()}
    out: dict[int, list[dict[str, Any]]] = {}
    for pl, a in plans._assignments(s, exercise_id, True):
        if pl.period > through:
            continue
        t0, t1 = to_epoch_s(a["on_task"]), min(to_epoch_s(a["off_task"]), ends.get(pl.period, float("inf")))
        rows = s.execute(select(PositionReport.time_s, PositionReport.lon, PositionReport.lat)
                         .where(PositionReport.exercise_id == exercise_id, PositionReport.unit_code == a["unit"])
                         .order_by(PositionReport.time_s, PositionReport.id)).all()
        if not rows:
            continue
        arr = np.asarray(rows, dtype=float)
        cut = _cut(arr[:, 0], arr[:, 1], arr[:, 2], t0, t1)
        if cut is None:
            continue
        tt, xx, yy = cut
        out.setdefault(pl.period, []).append({"unit": a["unit"], "time_s": tt.tolist(), "lon": xx.tolist(), "lat": yy.tolist()})
    return out


def job_inputs(s: Session, job: Job) -> dict[str, Any]:
    """What a forecast or update job computes from: periods done, their reported tracks, units out of action."""
    params = json.loads(job.params_json)
    through = int(params.get("period", 0)) if job.kind == "update" else 0
    return {"done_through": through, "reported": reported_tracks(s, job.exercise_id, through),
            "unavailable": injects.units_out_of_action(s, job.exercise_id), "pins": params.get("pins") or {}}


CONTOUR_ROLES = {"director", "evaluator", "coordinator", "planner", "observer"}


def contours(s: Session, p: Principal, exercise_id: int, period: Optional[int] = None) -> list[dict[str, Any]]:
    """The 50/90 % containment areas of the current forecast, per period (GeoJSON features with
    ``level``, ``period``, ``time``, ``source``); none before the first forecast. Units get their tasking, not the picture."""
    ex, roles = exercise_for(s, p, exercise_id)
    if not roles & CONTOUR_ROLES:
        return []
    fc = current_forecast(s, ex.id)
    if fc is None:
        return []
    out = []
    for q in fc["periods"]:
        if period is not None and q["period"] != period:
            continue
        for k, f in enumerate(q.get("contours", [])):
            props = {**f["properties"], "period": q["period"], "time": q["contour_time"], "source": q["source"],
                     "start": q["start"], "end": q["end"]}
            out.append({"type": "Feature", "id": f"contour-{q['period']}-{k}", "geometry": f["geometry"], "properties": props})
    return out


def summary(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    """The current forecast per period: planned or updated with reports, the POS of its search, cumulative POS."""
    ex, _ = exercise_for(s, p, exercise_id, CONTOUR_ROLES)
    fc = plans._forecast(s, ex.id)
    keys = ("period", "start", "end", "source", "pos", "pos_planned", "cumulative_pos", "searched_units", "contour_time")
    return {"particles": fc["particles"], "done_through": fc.get("done_through", 0), "warnings": fc.get("warnings", []),
            "periods": [{k: q.get(k) for k in keys} for q in fc["periods"]]}
