"""Use cases: separation alerts raised as position reports arrive, and who may read them (issue 30).

Each stored report is checked (:func:`sarex.exercise.separation.check_report`) against the other
units' latest reports no older than 60 s, each moved along its last velocity (from its two latest
reports). An aircraft that reports no altitude is not checked against other aircraft or ships
(its height is unknown); a ship's altitude is taken as 0. The same alert (kind and units) is not
raised again within ``REPEAT_S`` of the last one, so that units reporting every second do not flood
the log. Every alert is stored and audited in the reports' transaction. The server keeps each unit's two
latest reports in memory (read from the store once per process), so that a batch costs one check per
report and other unit, not a read of the reports' history; a batch that fails after the check leaves
them one report ahead until the unit reports again.

Visibility: exercise control (director, evaluator) and the coordinator read every alert; a unit
reads those it is in, and every alert of the scene when it is the scenario's on-scene coordinator
or the aircraft coordinator of an approved plan. **Safety overrides the usual visibility**: an
alert carries each unit's id, position and altitude at the alert's time, so a unit sees the other
nation's unit it is in conflict with, whatever the positions it may otherwise read.

Acknowledgement (issue 29): whoever reads an alert may acknowledge it (``POST .../alerts/{id}/ack``),
once per user; the acknowledgement is stored with the exercise time and the wall time, audited, shown
to every reader of the alert and carried into the after-action report (how long each alert waited).
"""

from __future__ import annotations

import json
import time
import tomllib
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sarex.exercise.separation import LocalPlane, SeparationSettings, Tasking, UnitReport, check_report
from sarex.server import audit
from sarex.server.models import AlertAck, Plan, PositionReport, SeparationAlert, Unit
from sarex.server.security import Principal
from sarex.server.workflow import Missing, exercise_for
from sarex.times import iso, to_epoch_s

if TYPE_CHECKING:
    from sarex.server.models import Exercise

AIRCRAFT = ("helicopter", "fixed-wing")
#: the same alert (kind, units) is raised again only after this long, s (exercise time)
REPEAT_S = 60.0
#: a unit's velocity comes from its two latest reports when they are at most this far apart, s
VELOCITY_SPAN_S = 300.0
SETTINGS = SeparationSettings()


_TASKINGS: dict[tuple[Any, ...], tuple[tuple[Any, ...], dict[str, "Tasking"]]] = {}  # (database, exercise) -> (approved plan ids, taskings)


def _taskings(s: Session, ex_id: int) -> dict[str, Tasking]:
    """Units' areas, blocks and times on task in the approved plans; the plans' JSON (routes, exports, messages:
    large) is parsed again only when the set of approved plans changes, not on every batch of reports."""
    ids = tuple(s.execute(select(Plan.id).where(Plan.exercise_id == ex_id, Plan.status == "approved").order_by(Plan.id)).scalars())
    key = (str(s.get_bind().url), ex_id)
    got = _TASKINGS.get(key)
    if got is not None and got[0] == ids:
        return got[1]
    out: dict[str, Tasking] = {}
    for pl in s.execute(select(Plan).where(Plan.id.in_(ids))).scalars() if ids else ():
        for a in json.loads(pl.data_json).get("assignments", []):
            if a.get("area_ring") and a.get("on_task"):
                blk = a.get("altitude_block_ft")
                out[a["unit"]] = Tasking(a["area_ring"], tuple(blk) if blk else None, to_epoch_s(a["on_task"]), to_epoch_s(a["off_task"]))
    _TASKINGS[key] = (ids, out)
    return out


def _velocity(prev: Optional[tuple[Any, ...]], last: tuple[Any, ...]) -> tuple[float, float]:
    """East and north speed (m/s) between two (t, lon, lat) reports of a unit; 0 without a usable previous one."""
    if prev is None or not 0.0 < last[0] - prev[0] <= VELOCITY_SPAN_S:
        return 0.0, 0.0
    x, y = LocalPlane.at(prev[1], prev[2]).forward(last[1], last[2])
    dt = last[0] - prev[0]
    return float(x) / dt, float(y) / dt


#: (database, exercise) -> unit -> its two latest reports [(t, lon, lat, alt m or None)], oldest first: the scene as the
#: server last saw it, so that a batch is checked without reading the reports' history back (the load bar of issue 11)
_LATEST: dict[tuple[Any, ...], dict[str, list[tuple[Any, ...]]]] = {}


def _latest(s: Session, ex_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The scene's latest reports, read from the store once per process (two per unit), then kept up to date."""
    key = (str(s.get_bind().url), ex_id)
    got = _LATEST.get(key)
    if got is None:
        got = {}
        for code in s.execute(select(Unit.code).where(Unit.exercise_id == ex_id)).scalars():
            rows = s.execute(select(PositionReport.time_s, PositionReport.lon, PositionReport.lat, PositionReport.alt_m)
                             .where(PositionReport.exercise_id == ex_id, PositionReport.unit_code == code)
                             .order_by(PositionReport.time_s.desc(), PositionReport.id.desc()).limit(3)).all()
            if rows:
                got[code] = [tuple(r) for r in rows[::-1]][-2:]
        _LATEST[key] = got
    return got


def _state(u: Unit, rows: list[tuple[Any, ...]]) -> Optional[UnitReport]:
    """A unit's latest report with its velocity (from the one before); None for an aircraft without altitude."""
    last = rows[-1]
    aircraft = u.type in AIRCRAFT
    if aircraft and last[3] is None:
        return None
    ve, vn = _velocity(rows[-2] if len(rows) > 1 else None, last)
    return UnitReport(u.code, u.nation, aircraft, last[1], last[2], 0.0 if last[3] is None else last[3], last[0], ve, vn)


def check_new_reports(s: Session, new: list[tuple[Any, ...]]) -> list[SeparationAlert]:
    """Check reports just stored, ``(exercise id, unit, time s, lon, lat, alt m or None)`` each, in time order, against
    the other units' latest reports; store and audit the alerts. A report older than its unit's latest one (a log
    uploaded late) moves nothing and raises nothing: the scene is judged as it is now."""
    by_ex: dict[int, list[tuple[Any, ...]]] = {}
    for r in new:
        by_ex.setdefault(r[0], []).append(r)
    made: list[SeparationAlert] = []
    for ex_id, reps in by_ex.items():
        units = {u.code: u for u in s.execute(select(Unit).where(Unit.exercise_id == ex_id)).scalars()}
        scene = _latest(s, ex_id)
        t0 = min(r[2] for r in reps)
        recent = {(a.kind, a.units): a.time_s for a in s.execute(select(SeparationAlert).where(
            SeparationAlert.exercise_id == ex_id, SeparationAlert.time_s >= t0 - REPEAT_S)).scalars()}
        taskings = _taskings(s, ex_id)
        for _, code, t, lon, lat, alt in sorted(reps, key=lambda r: r[2]):
            rows = scene.setdefault(code, [])
            if code not in units or (rows and t < rows[-1][0]):
                continue
            rows.append((t, lon, lat, alt))
            del rows[:-2]
            me = _state(units[code], rows)
            if me is None:
                continue
            others = [o for c, rs in scene.items() if c != code and c in units and rs and (o := _state(units[c], rs)) is not None]
            for al in check_report(me, others, SETTINGS, taskings):
                key = (al.kind, ",".join(al.units))
                if key in recent and al.time_s - recent[key] < REPEAT_S:
                    continue
                recent[key] = al.time_s
                row = SeparationAlert(exercise_id=ex_id, kind=al.kind, units=key[1], time_s=al.time_s, distance_nm=al.distance_nm,
                                      vertical_ft=al.vertical_ft, seen_json=json.dumps([x._asdict() for x in al.seen]), created_s=time.time())
                s.add(row)
                made.append(row)
    if made:
        s.flush()
        audit.append(s, [("separation", "alert", {**view(a), "rows": audit.rows_detail([a])}, a.exercise_id) for a in made])
    return made


def view(a: SeparationAlert, acks: Optional[list[dict[str, Any]]] = None) -> dict[str, Any]:
    """The alert as the API gives it: ``{id, kind, units, time, distance_nm, vertical_ft, seen, acks}``."""
    return {"id": a.id, "kind": a.kind, "units": a.units.split(","), "time": iso(a.time_s), "distance_nm": a.distance_nm,
            "vertical_ft": a.vertical_ft, "seen": json.loads(a.seen_json), "acks": acks or []}


def _acks(s: Session, alert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Alert id -> its acknowledgements, first first: ``{by, unit, time (exercise), wall}``."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not alert_ids:
        return out
    for k in s.execute(select(AlertAck).where(AlertAck.alert_id.in_(alert_ids)).order_by(AlertAck.id)).scalars():
        out.setdefault(k.alert_id, []).append({"by": k.user_name, "unit": k.unit_code, "time": iso(k.time_s), "wall": iso(k.created_s)})
    return out


def coordinators(s: Session, ex: Exercise) -> set[str]:
    """Units that read every alert of the scene: the scenario's OSC and the approved plans' ACOs."""

    out = set()
    # The scenario's top-level key, read without building the scenario (which loads the drift case: seconds, once).
    osc = tomllib.loads(ex.scenario_toml).get("on_scene_coordinator")
    if isinstance(osc, str):
        out.add(osc)
    for pl in s.execute(select(Plan).where(Plan.exercise_id == ex.id, Plan.status == "approved")).scalars():
        aco = json.loads(pl.data_json).get("airspace", {}).get("aco")
        if aco:
            out.add(aco)
    return out


READERS = {"director", "evaluator", "coordinator", "unit"}


def readable(p: Principal, exercise_id: int) -> bool:
    """Whether the caller holds a role that reads alerts (the event stream asks before each poll)."""
    return bool(p.roles(exercise_id) & READERS)


def visible(s: Session, p: Principal, exercise_id: int, after_id: int = 0) -> list[dict[str, Any]]:
    """The alerts the caller may read (see the module docstring), oldest first."""
    ex, roles = exercise_for(s, p, exercise_id, READERS)
    rows = list(s.execute(select(SeparationAlert).where(SeparationAlert.exercise_id == ex.id, SeparationAlert.id > after_id)
                          .order_by(SeparationAlert.id)).scalars())
    if rows and not roles & {"director", "evaluator", "coordinator"}:
        me = p.unit_of(ex.id)
        everything = me in coordinators(s, ex)
        rows = [a for a in rows if everything or me in a.units.split(",")]
    acks = _acks(s, [a.id for a in rows])
    return [view(a, acks.get(a.id)) for a in rows]


def acknowledge(s: Session, p: Principal, exercise_id: int, alert_id: int) -> dict[str, Any]:
    """The caller acknowledges an alert it may read (issue 29): stored once per user with the exercise time and the
    wall time, audited; a second acknowledgement by the same user answers the first. Returns the alert with its acks."""

    from sarex.server.clock import exercise_now
    from sarex.server.schemas import check_id

    ex, roles = exercise_for(s, p, exercise_id, READERS)
    a = s.get(SeparationAlert, check_id(alert_id, "alert_id"))
    readable_ids = {x["id"] for x in visible(s, p, ex.id, alert_id - 1)} if a is not None and a.exercise_id == ex.id else set()
    if a is None or a.id not in readable_ids:
        raise Missing(f"alert_id: no alert {alert_id} you may read in exercise {ex.id}", "alert_id")
    mine = s.execute(select(AlertAck).where(AlertAck.alert_id == a.id, AlertAck.user_name == p.name)).scalar()
    if mine is None:
        now = exercise_now(s, ex.id)
        ack = AlertAck(alert_id=a.id, exercise_id=ex.id, user_name=p.name, unit_code=p.unit_of(ex.id) if "unit" in roles else None,
                       time_s=now.ex_s, created_s=now.wall_s)
        try:
            with s.begin_nested():  # the same user at the same moment from two devices: the second is the first's answer
                s.add(ack)
                s.flush()
        except IntegrityError:
            pass
        else:
            audit.record(s, p.name, "alert.ack", {"alert": a.id, "kind": a.kind, "units": a.units.split(","), "time": iso(now.ex_s)},
                         ex.id, rows=[ack])
    return view(a, _acks(s, [a.id]).get(a.id))


def breaches(s: Session, exercise_id: int) -> list[dict[str, Any]]:
    """Every alert of the exercise (the after-action report's breach table): time (exercise), kind, units, distances,
    the wall time it was raised (``created_wall``) and who acknowledged it when (``acks``: by, unit, exercise time); by time."""
    rows = list(s.execute(select(SeparationAlert).where(SeparationAlert.exercise_id == exercise_id)
                          .order_by(SeparationAlert.time_s, SeparationAlert.id)).scalars())
    acks = _acks(s, [a.id for a in rows])
    return [{"time": iso(a.time_s), "kind": a.kind, "units": a.units.split(","), "distance_nm": a.distance_nm, "vertical_ft": a.vertical_ft,
             "created_wall": iso(a.created_s), "acks": [{k: x[k] for k in ("by", "unit", "time")} for x in acks.get(a.id, [])]} for a in rows]
