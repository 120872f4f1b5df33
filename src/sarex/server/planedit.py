"""Use case: an SMC moves or resizes a unit's search area on the map, and the period is planned again (issue 29).

The planners (each for its own organisation's units) and the coordinator (any unit) set one or more areas
of a period's proposal: centre, leg bearing and sides. The current forecast is then run again as a job
of the same kind (a forecast, or an update after the same periods) with those areas *pinned*: the
planner fits each pinned unit's pattern in its area, computes its POS on the forecast ensemble, and
plans the other units around it (:meth:`sarex.planning.planner.Planner.plan`); the airspace of the
period is deconflicted again with the new areas. Pins accumulate: an area set earlier for another unit
of any period stays set until a forecast or an update is started afresh (``POST .../jobs``); a pinned
area in which the unit's pattern cannot be fitted (on land, out of reach) leaves the unit unassigned,
with the reason. Nothing is drafted: the new proposal is previewed
and drafted as any other.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import plans
from sarex.server.models import Job
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Denied, exercise_for

#: a moved area's centre stays within this of the proposal's area (farther is a new plan, not an edit), NM
MAX_MOVE_NM = 60.0
#: the largest area one unit is given by hand, NM² (a 50 × 50 NM square; the planner's own areas are smaller)
MAX_AREA_NM2 = 2500.0


def _distance_nm(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on a sphere of 1 arc-minute = 1 NM (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin(0.5 * (p2 - p1)) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(0.5 * math.radians(lon2 - lon1)) ** 2
    return math.degrees(2.0 * math.asin(math.sqrt(min(1.0, h)))) * 60.0


def replan_with_areas(s: Session, p: Principal, exercise_id: int, period: int, areas: list[dict[str, Any]]) -> Job:
    """Queue the re-planning of ``period`` with ``areas`` pinned.

    ``areas``: ``{"unit", "centre_lon", "centre_lat", "legs_deg", "leg_nm", "creep_nm"}`` each (bounds checked
    by the request model). A planner sets only its own organisation's units; a unit must have an area in the
    period's current proposal; the exercise must still be planning.
    """
    ex, roles = exercise_for(s, p, exercise_id, {"planner", "coordinator"})
    if ex.status != "planning":
        raise Conflict(f"exercise_id: exercise {ex.id} is at {ex.status}; no more plans", "exercise_id")
    job = plans.current_forecast_job(s, ex.id)
    if job is None:
        raise Conflict("job: no finished forecast job for this exercise yet (POST .../jobs kind=forecast)", "job")
    q = plans._period(json.loads(job.result_json or "{}"), period)
    plans._planned(q)
    now = {a["unit"]: (nation, a) for nation, n in q["nations"].items() for a in n["assignments"]}
    from sqlalchemy import select

    from sarex.server.models import Unit

    service = dict(s.execute(select(Unit.code, Unit.service).where(Unit.exercise_id == ex.id)).all())
    seen: set[str] = set()
    for i, area in enumerate(areas):
        unit = area["unit"]
        if unit in seen:
            raise SarexInputError(f"areas[{i}].unit: {unit!r} is given twice")
        seen.add(unit)
        if unit not in now:
            raise SarexInputError(f"areas[{i}].unit: {unit!r} has no area in the period {period} proposal ({', '.join(sorted(now)) or 'none'})")
        nation, a = now[unit]
        if "coordinator" not in roles and not p.owns(nation, service.get(unit)):
            raise Denied(f"areas[{i}].unit: {p.name} plans for {p.org_code}, not {unit} of {nation} ({service.get(unit) or 'no service'})", "unit")
        if area["leg_nm"] * area["creep_nm"] > MAX_AREA_NM2:
            raise SarexInputError(f"areas[{i}]: {area['leg_nm']:g} × {area['creep_nm']:g} NM is larger than {MAX_AREA_NM2:g} NM² for one unit")
        moved = _distance_nm(a.get("centre_lon", area["centre_lon"]), a.get("centre_lat", area["centre_lat"]), area["centre_lon"], area["centre_lat"])
        if moved > MAX_MOVE_NM:
            raise SarexInputError(f"areas[{i}]: the centre is {moved:.0f} NM from {unit}'s proposed area; an edit moves it at most {MAX_MOVE_NM:g} NM")
    params = json.loads(job.params_json)
    pins = params.get("pins") or {}
    pins.setdefault(str(period), {}).update({a["unit"]: {k: float(a[k]) for k in ("centre_lon", "centre_lat", "legs_deg", "leg_nm", "creep_nm")}
                                             for a in areas})
    return plans.queue_job(s, p, ex, job.kind, {**params, "pins": pins})
