"""Use cases: units' position reports and sightings, ENDEX, release of the truth, scores and report.

The reports are stored by the batch writer (:mod:`sarex.server.batchwrite`); jobs run in
:mod:`sarex.server.jobwork`."""

from __future__ import annotations

import hashlib
import json
import math
from html import escape
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, schemas, services
from sarex.server.batchwrite import PositionBatch, report_window, write_positions
from sarex.server.clock import exercise_now, gps_to_exercise, load_clock
from sarex.server.models import AuditEntry, Exercise, Job, PositionReport, Sighting
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Denied, Missing, exercise_for, no_truth_in_case, published_heads, truth_visible, visible_units
from sarex.times import iso


def _time(v: object, field: str, window: tuple[float, float] | None = None) -> float:
    return schemas.check_time(v, field, window)


def _lonlat(lon: float, lat: float, field: str) -> None:
    schemas.check_lonlat(lon, lat, field)


def _reporting_unit(s: Session, p: Principal, ex: Exercise, unit: Optional[str]) -> str:
    me = p.unit_of(ex.id)
    if unit and unit != me:
        raise Denied(f"unit: {p.name} reports for {me!r}, not {unit!r}", "unit")
    if ex.status != "planning":
        raise Conflict(f"exercise_id: exercise {ex.id} is at ENDEX; reports are closed", "exercise_id")
    return me


def fix_report_id(unit: str, time_s: float, lon: float, lat: float) -> str:
    """The identity of a fix that came without a ``report_id``: its unit, time to the second and
    position to 1e-6 degrees (0.11 m), hashed.

    The same fix is one report however it enters (a JSON report, an uploaded GPX, NMEA or AIS log,
    a UDP datagram, an RMC and a GGA of the same fix, a file uploaded twice), while a unit's
    consecutive fixes (at least a second apart) stay apart.
    """
    key = f"{unit}|{round(float(time_s))}|{round(float(lon), 6) + 0.0:.6f}|{round(float(lat), 6) + 0.0:.6f}"
    return "fix-" + hashlib.sha256(key.encode()).hexdigest()[:28]


#: Altitudes of position reports, m above mean sea level: below the Dead Sea shore, above any SAR aircraft's ceiling
ALT_RANGE_M = (-500.0, 20000.0)


def _alt(v: Any, field: str) -> Optional[float]:
    if v is None:
        return None
    a = float(v)
    if not (math.isfinite(a) and ALT_RANGE_M[0] <= a <= ALT_RANGE_M[1]):
        raise SarexInputError(f"{field}: {v!r} m is outside [{ALT_RANGE_M[0]:g}, {ALT_RANGE_M[1]:g}] m above mean sea level")
    return a


def prepare_positions(p: Principal, exercise_id: int, reports: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Check a unit's reports against its grants (no store access): (unit, report id, time s, lon, lat, alt m or None) each.

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
        if unit is not None:
            schemas.check_string(unit, f"reports[{i}].unit", 64)
        if r.get("report_id") is not None:
            schemas.check_string(r["report_id"], f"reports[{i}].report_id", 64)
        if unit and unit != me:
            raise Denied(f"unit: {p.name} reports for {me!r}, not {unit!r}", "unit")
        t = _time(r["time"], f"reports[{i}].time")
        _lonlat(r["lon"], r["lat"], f"reports[{i}]")
        rid = r.get("report_id") or fix_report_id(me, t, r["lon"], r["lat"])
        rows.append((me, rid, t, float(r["lon"]), float(r["lat"]), _alt(r.get("alt_m"), f"reports[{i}].alt_m")))
    return rows


def post_positions(s: Session, p: Principal, exercise_id: int, reports: list[dict[str, Any]], source: str = "json") -> list[dict[str, Any]]:
    """Store a unit's position reports in the caller's transaction (the path without group commit)."""
    res = write_positions(s, [PositionBatch(p, exercise_id, prepare_positions(p, exercise_id, reports), source)])[0]
    if isinstance(res, Exception):
        raise res
    return res


def upload_rows(s: Session, p: Principal, exercise_id: int, data: bytes, filename: str) -> tuple[list[dict[str, Any]], str]:
    """The reports of an uploaded GPX, NMEA or AIS log of the caller's unit, and their source kind."""
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    unit = _reporting_unit(s, p, ex, None)
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    mmsi = next((u.mmsi for u in sc.resolved_units() if u.id == unit), None)
    fixes = services.read_track_upload(data, filename, unit, mmsi)
    # GPS time (NMEA, AIS, GPX) is wall time: through the exercise clock into exercise time, unless the
    # log already lies in the scenario's span (a log replayed in scenario time)

    clock, span = load_clock(s, ex.id), (sc.reported.time - 86400.0, sc.end_time_s + 86400.0)
    fixes = [(gps_to_exercise(clock, t, span), x, y) for t, x, y in fixes]
    # no report_id: each fix gets its identity from unit, (exercise) time and position (fix_report_id)
    return [{"time": t, "lon": x, "lat": y} for t, x, y in fixes], filename.rsplit(".", 1)[-1].lower()


def upload_track(s: Session, p: Principal, exercise_id: int, data: bytes, filename: str) -> list[dict[str, Any]]:
    rows, kind = upload_rows(s, p, exercise_id, data, filename)
    return post_positions(s, p, exercise_id, rows, kind)


def positions(s: Session, p: Principal, exercise_id: int, after_id: int = 0, limit: int = 10000) -> list[dict[str, Any]]:
    schemas.check_after_id(after_id)
    ex, roles = exercise_for(s, p, exercise_id)
    codes = [u.code for u in visible_units(s, p, ex, roles)]
    q = (select(PositionReport).where(PositionReport.exercise_id == ex.id, PositionReport.unit_code.in_(codes), PositionReport.id > after_id)
         .order_by(PositionReport.id).limit(limit))
    return [{"id": r.id, "unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "source": r.source,
             **({"alt_m": r.alt_m} if r.alt_m is not None else {})} for r in s.execute(q).scalars()]


def post_sighting(s: Session, p: Principal, exercise_id: int, t, lon: float, lat: float, note: str,
                  report_id: Optional[str] = None) -> dict[str, Any]:
    """Store a unit's sighting; one whose ``report_id`` this unit has sent already is acknowledged, not stored again."""
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    unit = _reporting_unit(s, p, ex, None)
    if report_id is not None:
        schemas.check_string(report_id, "report_id", 64)
        done = s.execute(select(Sighting.id).where(Sighting.exercise_id == ex.id, Sighting.unit_code == unit,
                                                   Sighting.report_id == report_id)).scalar()
        if done is not None:
            return {"id": done, "report_id": report_id, "duplicate": True}
    ts = _time(t, "time", report_window(s, ex.id))
    lon, lat = schemas.check_lonlat(lon, lat, "")
    schemas.check_string(note, "note", 500, multiline=True)

    now = exercise_now(s, ex.id)
    row = Sighting(exercise_id=ex.id, unit_code=unit, time_s=ts, lon=lon, lat=lat, note=note, user_id=p.user_id,
                   received_s=now.wall_s, received_ex_s=now.ex_s, report_id=report_id)
    s.add(row)
    s.flush()
    audit.record(s, p.name, "sighting", {"id": row.id, "unit": unit, "t": ts, "lon": lon, "lat": lat, "note": note}, ex.id, rows=[row])
    return {"id": row.id, "report_id": report_id, "duplicate": False}


def sightings(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, roles = exercise_for(s, p, exercise_id)
    codes = [u.code for u in visible_units(s, p, ex, roles)]
    q = select(Sighting).where(Sighting.exercise_id == ex.id, Sighting.unit_code.in_(codes)).order_by(Sighting.id)
    return [{"id": r.id, "unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "note": r.note,
             "received_at": iso(r.received_ex_s) if r.received_ex_s is not None else None,
             "received_wall": iso(r.received_s) if r.received_s is not None else None} for r in s.execute(q).scalars()]


def endex(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if ex.status == "endex":
        raise Conflict(f"exercise_id: exercise {ex.id} is at ENDEX already", "exercise_id")
    ex.status = "endex"
    i = audit.record(s, p.name, "endex", {"id": ex.id}, ex.id, rows=[ex])

    return {"id": ex.id, "status": ex.status, "audit_head": audit.head_text((i, s.get(AuditEntry, i).hash))}


def release(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if ex.kind == "case":
        raise Conflict(f"exercise_id: exercise {ex.id} is a real case; it has no truth to release", "exercise_id")
    if ex.status != "endex":
        raise Conflict(f"exercise_id: the truth is released after ENDEX (exercise {ex.id} is {ex.status})", "exercise_id")
    if ex.truth_released:
        raise Conflict(f"exercise_id: exercise {ex.id}'s truth is released already", "exercise_id")
    ex.truth_released = True
    audit.record(s, p.name, "release", {"id": ex.id}, ex.id, rows=[ex])
    return {"id": ex.id, "truth_released": True}


def _evaluation(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    ex, roles = exercise_for(s, p, exercise_id)
    no_truth_in_case(ex, "truth")
    if not truth_visible(ex, roles):
        raise Denied(f"truth: exercise {exercise_id}'s evaluation is released with the truth, after ENDEX", "truth")
    j = s.execute(select(Job).where(Job.exercise_id == ex.id, Job.kind == "evaluate", Job.status == "done").order_by(Job.id.desc()).limit(1)).scalar()
    if j is None:
        raise Conflict("job: no finished evaluate job for this exercise yet", "job")
    return json.loads(j.result_json)


def scores(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    return _evaluation(s, p, exercise_id)["scores"]


def report_html(s: Session, p: Principal, exercise_id: int) -> str:
    """The after-action report, with the audit heads published at the period ends and at ENDEX."""


    html = _evaluation(s, p, exercise_id)["report_html"]
    heads = published_heads(s, s.get(Exercise, exercise_id))
    rows = "".join(f"<li>period {h['period']} end: <code>{escape(h['head'])}</code></li>" for h in heads["periods"])
    if heads["endex"]:
        rows += f"<li>ENDEX: <code>{escape(heads['endex'])}</code></li>"
    note = ('<section id="audit-heads"><h2>Audit heads</h2><p>Check with <code>sarex server audit verify --head ID:HASH</code>.</p>'
            f"<ul>{rows or '<li>none published yet</li>'}</ul></section>")
    return html.replace("</body>", note + "</body>") if "</body>" in html else html + note
