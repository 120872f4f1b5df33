"""Use cases: units' position reports and sightings, ENDEX, release of the truth, scores and report."""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, services
from sarex.server.models import Exercise, Job, PositionReport, Sighting
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Denied, exercise_for, no_truth_in_case, truth_visible, visible_units
from sarex.times import iso, to_epoch_s


def _time(v, field: str) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        t = float(v)
    else:
        try:
            t = to_epoch_s(str(v))
        except (SarexInputError, ValueError):
            raise SarexInputError(f"{field}: {v!r} is not an ISO 8601 UTC time (e.g. 2026-02-11T01:00:00Z)") from None
    if not math.isfinite(t):
        raise SarexInputError(f"{field}: {v!r} is not a finite time")
    return t


def _lonlat(lon: float, lat: float, field: str) -> None:
    if not (math.isfinite(lon) and -180.0 <= lon <= 360.0):
        raise SarexInputError(f"{field}.lon: {lon!r} is outside [-180, 360] degrees")
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise SarexInputError(f"{field}.lat: {lat!r} is outside [-90, 90] degrees")


def _reporting_unit(s: Session, p: Principal, ex: Exercise, unit: Optional[str]) -> str:
    me = p.unit_of(ex.id)
    if unit and unit != me:
        raise Denied(f"unit: {p.name} reports for {me!r}, not {unit!r}", "unit")
    if ex.status != "planning":
        raise Conflict(f"exercise_id: exercise {ex.id} is at ENDEX; reports are closed", "exercise_id")
    return me


def post_positions(s: Session, p: Principal, exercise_id: int, reports: list[dict], source: str = "json") -> list[dict]:
    """Store a unit's position reports; a report whose ``report_id`` was stored already is acknowledged again, not duplicated.

    Everything is checked before anything is stored (all or nothing)."""
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    rows = []
    for i, r in enumerate(reports):
        unit = _reporting_unit(s, p, ex, r.get("unit"))
        t = _time(r["time"], f"reports[{i}].time")
        _lonlat(r["lon"], r["lat"], f"reports[{i}]")
        rid = r.get("report_id") or hashlib.sha256(f"{unit}|{t!r}|{r['lon']!r}|{r['lat']!r}".encode()).hexdigest()[:32]
        rows.append((unit, rid, t, float(r["lon"]), float(r["lat"])))
    out = []
    now = time.time()
    for unit, rid, t, lon, lat in rows:
        old = s.execute(select(PositionReport).where(PositionReport.exercise_id == ex.id, PositionReport.unit_code == unit,
                                                     PositionReport.report_id == rid)).scalar()
        if old is not None:
            out.append({"id": old.id, "report_id": rid, "duplicate": True})
            continue
        row = PositionReport(exercise_id=ex.id, unit_code=unit, report_id=rid, time_s=t, lon=lon, lat=lat, source=source,
                             user_id=p.user_id, received_s=now)
        s.add(row)
        s.flush()
        audit.record(s, p.name, "position", {"id": row.id, "unit": unit, "t": t, "lon": lon, "lat": lat}, ex.id)
        out.append({"id": row.id, "report_id": rid, "duplicate": False})
    return out


def upload_track(s: Session, p: Principal, exercise_id: int, data: bytes, filename: str) -> list[dict]:
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    unit = _reporting_unit(s, p, ex, None)
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    mmsi = next((u.mmsi for u in sc.resolved_units() if u.id == unit), None)
    fixes = services.read_track_upload(data, filename, unit, mmsi)
    digest = hashlib.sha256(data).hexdigest()[:16]
    kind = filename.rsplit(".", 1)[-1].lower()
    return post_positions(s, p, exercise_id, [{"report_id": f"{digest}-{k}", "time": t, "lon": x, "lat": y} for k, (t, x, y) in enumerate(fixes)], kind)


def positions(s: Session, p: Principal, exercise_id: int, after_id: int = 0, limit: int = 10000) -> list[dict]:
    ex, roles = exercise_for(s, p, exercise_id)
    codes = [u.code for u in visible_units(s, p, ex, roles)]
    q = (select(PositionReport).where(PositionReport.exercise_id == ex.id, PositionReport.unit_code.in_(codes), PositionReport.id > after_id)
         .order_by(PositionReport.id).limit(limit))
    return [{"id": r.id, "unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "source": r.source} for r in s.execute(q).scalars()]


def post_sighting(s: Session, p: Principal, exercise_id: int, t, lon: float, lat: float, note: str) -> dict:
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    unit = _reporting_unit(s, p, ex, None)
    ts = _time(t, "time")
    _lonlat(lon, lat, "sighting")
    if len(note) > 500:
        raise SarexInputError(f"note: {len(note)} characters, at most 500")
    row = Sighting(exercise_id=ex.id, unit_code=unit, time_s=ts, lon=lon, lat=lat, note=note, user_id=p.user_id)
    s.add(row)
    s.flush()
    audit.record(s, p.name, "sighting", {"id": row.id, "unit": unit, "t": ts, "lon": lon, "lat": lat, "note": note}, ex.id)
    return {"id": row.id}


def sightings(s: Session, p: Principal, exercise_id: int) -> list[dict]:
    ex, roles = exercise_for(s, p, exercise_id)
    codes = [u.code for u in visible_units(s, p, ex, roles)]
    q = select(Sighting).where(Sighting.exercise_id == ex.id, Sighting.unit_code.in_(codes)).order_by(Sighting.id)
    return [{"id": r.id, "unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "note": r.note} for r in s.execute(q).scalars()]


def endex(s: Session, p: Principal, exercise_id: int) -> dict:
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if ex.status == "endex":
        raise Conflict(f"exercise_id: exercise {ex.id} is at ENDEX already", "exercise_id")
    ex.status = "endex"
    audit.record(s, p.name, "endex", {"id": ex.id}, ex.id)
    return {"id": ex.id, "status": ex.status}


def release(s: Session, p: Principal, exercise_id: int) -> dict:
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if ex.kind == "case":
        raise Conflict(f"exercise_id: exercise {ex.id} is a real case; it has no truth to release", "exercise_id")
    if ex.status != "endex":
        raise Conflict(f"exercise_id: the truth is released after ENDEX (exercise {ex.id} is {ex.status})", "exercise_id")
    if ex.truth_released:
        raise Conflict(f"exercise_id: exercise {ex.id}'s truth is released already", "exercise_id")
    ex.truth_released = True
    audit.record(s, p.name, "release", {"id": ex.id}, ex.id)
    return {"id": ex.id, "truth_released": True}


def _evaluation(s: Session, p: Principal, exercise_id: int) -> dict:
    ex, roles = exercise_for(s, p, exercise_id)
    no_truth_in_case(ex, "truth")
    if not truth_visible(ex, roles):
        raise Denied(f"truth: exercise {exercise_id}'s evaluation is released with the truth, after ENDEX", "truth")
    j = s.execute(select(Job).where(Job.exercise_id == ex.id, Job.kind == "evaluate", Job.status == "done").order_by(Job.id.desc()).limit(1)).scalar()
    if j is None:
        raise Conflict("job: no finished evaluate job for this exercise yet", "job")
    return json.loads(j.result_json)


def scores(s: Session, p: Principal, exercise_id: int) -> dict:
    return _evaluation(s, p, exercise_id)["scores"]


def report_html(s: Session, p: Principal, exercise_id: int) -> str:
    return _evaluation(s, p, exercise_id)["report_html"]


def run_job(store, job_id: int, progress) -> None:
    """Execute a job (in a worker process): compute, then store the result unless it was cancelled meanwhile."""
    from sarex.server.updates import FORECAST_KINDS, job_inputs

    with store.tx() as s:
        j = s.get(Job, job_id)
        ex = s.get(Exercise, j.exercise_id)
        params, toml_text, kind = json.loads(j.params_json), ex.scenario_toml, j.kind
        inputs = job_inputs(s, j) if kind in FORECAST_KINDS else {}
    sc = services.parse_scenario_text(toml_text, case=True)
    if kind in FORECAST_KINDS:
        result = services.forecast_and_plan(sc, params["particles"], params["seed"], progress, **inputs)
    else:
        result = services.evaluate(toml_text, params["seed"], params["particles"], progress)
    with store.tx() as s:
        j = s.get(Job, job_id, with_for_update=True)
        if j.status != "running":
            return
        j.status, j.progress, j.message, j.updated_s = "done", 1.0, "done", time.time()
        j.result_json = json.dumps(result, ensure_ascii=False)
        audit.record(s, "job-runner", "job.done", {"id": j.id, "kind": kind}, j.exercise_id)
