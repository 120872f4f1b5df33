"""Use cases: units' position reports and sightings, ENDEX, release of the truth, scores and report."""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, services
from sarex.server.models import Exercise, Job, PositionReport, Sighting
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Denied, Missing, exercise_for, no_truth_in_case, truth_visible, visible_units
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


def prepare_positions(p: Principal, exercise_id: int, reports: list[dict]) -> list[tuple[str, str, float, float, float]]:
    """Check a unit's reports against its grants (no store access): (unit, report id, time s, lon, lat) each.

    Everything is checked before anything is stored (all or nothing); the exercise's state is
    checked when the batch is written (:func:`write_positions`)."""
    roles = p.roles(exercise_id)
    if not roles:
        raise Missing(f"exercise_id: no exercise {exercise_id} visible to {p.name}", "exercise_id")
    if "unit" not in roles:
        raise Denied(f"role: {p.name} holds {sorted(roles)} in exercise {exercise_id}; this needs one of ['unit']", "role")
    me = p.unit_of(exercise_id)
    rows = []
    for i, r in enumerate(reports):
        unit = r.get("unit")
        if unit and unit != me:
            raise Denied(f"unit: {p.name} reports for {me!r}, not {unit!r}", "unit")
        t = _time(r["time"], f"reports[{i}].time")
        _lonlat(r["lon"], r["lat"], f"reports[{i}]")
        rid = r.get("report_id") or hashlib.sha256(f"{me}|{t!r}|{r['lon']!r}|{r['lat']!r}".encode()).hexdigest()[:32]
        rows.append((me, rid, t, float(r["lon"]), float(r["lat"])))
    return rows


@dataclass
class PositionBatch:
    """One request's checked reports, waiting for the group commit."""

    p: Principal
    exercise_id: int
    rows: list[tuple[str, str, float, float, float]]
    source: str = "json"
    actor: str = ""  # audit actor; the principal's name if empty


def write_positions(s: Session, batches: list[PositionBatch]) -> list[list[dict] | Exception]:
    """Store many requests' reports in one transaction: per request its results, or the error that refused it.

    A report whose ``report_id`` was stored already (or comes twice in the batch) is acknowledged
    again with the stored id, not duplicated. One audit entry per stored report."""
    ex_ids = sorted({b.exercise_id for b in batches})
    status = dict(s.execute(select(Exercise.id, Exercise.status).where(Exercise.id.in_(ex_ids))).all())
    out: list[list[dict] | Exception] = []
    groups: dict[tuple[int, str], set[str]] = {}
    for b in batches:
        if status.get(b.exercise_id) != "planning":
            out.append(Conflict(f"exercise_id: exercise {b.exercise_id} is at ENDEX; reports are closed", "exercise_id")
                       if b.exercise_id in status else Missing(f"exercise_id: no exercise {b.exercise_id}", "exercise_id"))
            continue
        out.append([])
        for unit, rid, *_ in b.rows:
            groups.setdefault((b.exercise_id, unit), set()).add(rid)
    known: dict[tuple[int, str, str], int] = {}
    for (ex_id, unit), rids in groups.items():  # the unique index (exercise, unit, report id) answers each
        ordered = sorted(rids)
        for k in range(0, len(ordered), 500):
            q = select(PositionReport.report_id, PositionReport.id).where(
                PositionReport.exercise_id == ex_id, PositionReport.unit_code == unit, PositionReport.report_id.in_(ordered[k:k + 500]))
            known.update({(ex_id, unit, rid): i for rid, i in s.execute(q).all()})
    now = time.time()
    new: list[dict] = []
    slots: list[tuple[list, int, tuple]] = []  # (result list, index, key) of each new row
    pending: dict[tuple[int, str, str], tuple[list, int]] = {}
    for b, res in zip(batches, out):
        if isinstance(res, Exception):
            continue
        for unit, rid, t, lon, lat in b.rows:
            key = (b.exercise_id, unit, rid)
            if key in known:
                res.append({"id": known[key], "report_id": rid, "duplicate": True})
            elif key in pending:
                res.append({"id": None, "report_id": rid, "duplicate": True})
                slots.append((res, len(res) - 1, key))
            else:
                res.append({"id": None, "report_id": rid, "duplicate": False})
                pending[key] = (res, len(res) - 1)
                slots.append((res, len(res) - 1, key))
                new.append({"exercise_id": b.exercise_id, "unit_code": unit, "report_id": rid, "time_s": t, "lon": lon, "lat": lat,
                            "source": b.source, "user_id": b.p.user_id, "received_s": now, "_actor": (b.actor or b.p.name)[:64]})
    if new:
        actors = [r.pop("_actor") for r in new]
        table = PositionReport.__table__  # Core insert: no ORM bookkeeping per row
        ids = s.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), new).scalars().all()
        by_key = {(r["exercise_id"], r["unit_code"], r["report_id"]): i for r, i in zip(new, ids)}
        for res, k, key in slots:
            res[k]["id"] = by_key[key]
        audit.append(s, [(a, "position", {"id": i, "unit": r["unit_code"], "t": r["time_s"], "lon": r["lon"], "lat": r["lat"]}, r["exercise_id"])
                         for a, r, i in zip(actors, new, ids)])
    return out


def post_positions(s: Session, p: Principal, exercise_id: int, reports: list[dict], source: str = "json") -> list[dict]:
    """Store a unit's position reports in the caller's transaction (the path without group commit)."""
    res = write_positions(s, [PositionBatch(p, exercise_id, prepare_positions(p, exercise_id, reports), source)])[0]
    if isinstance(res, Exception):
        raise res
    return res


def upload_rows(s: Session, p: Principal, exercise_id: int, data: bytes, filename: str) -> tuple[list[dict], str]:
    """The reports of an uploaded GPX, NMEA or AIS log of the caller's unit, and their source kind."""
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    unit = _reporting_unit(s, p, ex, None)
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    mmsi = next((u.mmsi for u in sc.resolved_units() if u.id == unit), None)
    fixes = services.read_track_upload(data, filename, unit, mmsi)
    digest = hashlib.sha256(data).hexdigest()[:16]
    return [{"report_id": f"{digest}-{k}", "time": t, "lon": x, "lat": y} for k, (t, x, y) in enumerate(fixes)], filename.rsplit(".", 1)[-1].lower()


def upload_track(s: Session, p: Principal, exercise_id: int, data: bytes, filename: str) -> list[dict]:
    rows, kind = upload_rows(s, p, exercise_id, data, filename)
    return post_positions(s, p, exercise_id, rows, kind)


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
