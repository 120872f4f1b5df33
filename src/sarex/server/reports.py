"""Use cases: units' position reports and sightings, ENDEX, release of the truth, scores and report."""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, schemas, services
from sarex.server.models import AuthEpoch, Exercise, Job, PositionReport, Sighting
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Denied, Missing, exercise_for, no_truth_in_case, truth_visible, visible_units
from sarex.times import iso


def _time(v, field: str, window: tuple[float, float] | None = None) -> float:
    return schemas.check_time(v, field, window)


def _lonlat(lon: float, lat: float, field: str) -> None:
    schemas.check_lonlat(lon, lat, field)


_WINDOWS: dict[int, tuple[float, float]] = {}


def report_window(s: Session, exercise_id: int) -> tuple[float, float]:
    """The times a report of the exercise may carry: its periods and a day either side (the LKP and
    the units' departures lie within that day before the first period).
    Periods never change once the exercise is made, so each exercise's window is read once."""
    w = _WINDOWS.get(exercise_id)
    if w is None:
        from sqlalchemy import func

        from sarex.server.models import Period

        t0, t1 = s.execute(select(func.min(Period.start_s), func.max(Period.end_s)).where(Period.exercise_id == exercise_id)).one()
        if t0 is None:
            return schemas.TIME_MIN_S, schemas.TIME_MAX_S
        # (the scenario is not parsed here: this runs in the group commit's transaction)
        w = _WINDOWS[exercise_id] = (t0 - schemas.REPORT_MARGIN_S, t1 + schemas.REPORT_MARGIN_S)
    return w


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


def _alt(v, field: str) -> Optional[float]:
    if v is None:
        return None
    a = float(v)
    if not (math.isfinite(a) and ALT_RANGE_M[0] <= a <= ALT_RANGE_M[1]):
        raise SarexInputError(f"{field}: {v!r} m is outside [{ALT_RANGE_M[0]:g}, {ALT_RANGE_M[1]:g}] m above mean sea level")
    return a


def prepare_positions(p: Principal, exercise_id: int, reports: list[dict]) -> list[tuple]:
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


def _outside_window(s: Session, b) -> list | SarexInputError:
    """[] when every report of the batch is within its exercise's window, else the refusal."""
    t0, t1 = report_window(s, b.exercise_id)
    for i, row in enumerate(b.rows):
        if not t0 <= row[2] <= t1:
            try:
                schemas.check_time(row[2], f"reports[{i}].time", (t0, t1))
            except SarexInputError as exc:
                return exc
    return []


@dataclass
class PositionBatch:
    """One request's checked reports, waiting for the group commit."""

    p: Principal
    exercise_id: int
    rows: list[tuple]  # (unit, report id, time s, lon, lat, alt m or None)
    source: str = "json"
    actor: str = ""  # audit actor; the principal's name if empty


@dataclass
class BatchState:
    """What a batch of reports is checked and chained against, read in its transaction."""

    epoch: int  # the store's auth epoch (see sarex.server.security)
    status: dict[int, str]  # exercise id -> status, for the batch's exercises that exist
    head: tuple  # the audit chain's (last id, last hash), None for an empty chain


_WIDE = 32  # exercises read as columns of the one statement; more (rare) are read apart


def batch_state(s: Session, exercise_ids) -> BatchState:
    """Lock the audit chain, then read the auth epoch, the exercises' states and the chain's head in
    one statement: on SQLite each statement hands the GIL to the sqlite3 module and waits to get
    it back from the busy event loop, so the group commit's statements are kept few."""
    audit.lock_chain(s)
    ids = sorted(exercise_ids)
    wide = ids if len(ids) <= _WIDE else []
    row = s.execute(select(select(AuthEpoch.n).where(AuthEpoch.id == 1).scalar_subquery(), *audit.head_columns(),
                           *(select(Exercise.status).where(Exercise.id == i).scalar_subquery() for i in wide))).one()
    status = {i: st for i, st in zip(wide, row[3:]) if st is not None}
    if not wide:
        status = dict(s.execute(select(Exercise.id, Exercise.status).where(Exercise.id.in_(ids))).all())
    return BatchState(int(row[0] or 0), status, (row[1], row[2]))


def write_positions(s: Session, batches: list[PositionBatch], state: BatchState | None = None) -> list[list[dict] | Exception]:
    """Store many requests' reports in one transaction: per request its results, or the error that refused it.

    A report whose ``report_id`` was stored already (or comes twice in the batch) is acknowledged
    again with the stored id, not duplicated. One audit entry per stored report. ``state``: the
    batch's :func:`batch_state`, if the caller read it already in this transaction."""
    if state is None:
        state = batch_state(s, {b.exercise_id for b in batches})
    status = state.status
    out: list[list[dict] | Exception] = []
    for b in batches:
        if status.get(b.exercise_id) != "planning":
            out.append(Conflict(f"exercise_id: exercise {b.exercise_id} is at ENDEX; reports are closed", "exercise_id")
                       if b.exercise_id in status else Missing(f"exercise_id: no exercise {b.exercise_id}", "exercise_id"))
            continue
        out.append(_outside_window(s, b))
    now = time.time()
    new: list[tuple] = []  # one row per (exercise, unit, report id) not seen before in this batch
    slots: list[tuple[list, int, tuple]] = []  # (result list, index, key) of each report in the batch
    first: set[tuple[int, str, str]] = set()
    actor: dict[tuple[int, str, str], str] = {}
    for b, res in zip(batches, out):
        if isinstance(res, Exception):
            continue
        for unit, rid, t, lon, lat, *alt in b.rows:
            key = (b.exercise_id, unit, rid)
            res.append({"id": None, "report_id": rid, "duplicate": key in first})
            slots.append((res, len(res) - 1, key))
            if key not in first:
                first.add(key)
                actor[key] = (b.actor or b.p.name)[:64]
                new.append((b.exercise_id, unit, rid, t, lon, lat, b.source, b.p.user_id, now, alt[0] if alt else None))
    stored = _insert_new(s, new)
    # Reports the insert skipped were stored by an earlier request (a client's retry): answer with
    # their stored ids. Rare, so looked up only when it happens.
    known = _stored_ids(s, first - stored.keys())
    for res, k, key in slots:
        if key in stored:
            res[k]["id"] = stored[key]
        else:
            res[k].update(id=known[key], duplicate=True)
    order = sorted(stored.items(), key=lambda kv: kv[1])  # the audit entries in the order of the report ids
    rows = {r[:3]: r for r in new}
    # the altitude (issue 30) only where reported, so that entries of reports without one are as before
    audit.append(s, [(actor[key], "position", {"id": i, "unit": key[1], "t": rows[key][3], "lon": rows[key][4], "lat": rows[key][5],
                                               **({"alt": rows[key][9]} if rows[key][9] is not None else {})}, key[0])
                     for key, i in order], head=state.head)
    if new:
        from sarex.server import alerts

        alerts.check_new_reports(s, [(rows[key][0], rows[key][1], rows[key][3], rows[key][4], rows[key][5], rows[key][9]) for key, _ in order])
    return out


_COLS = ("exercise_id", "unit_code", "report_id", "time_s", "lon", "lat", "source", "user_id", "received_s", "alt_m")
_CHUNK = 500  # rows per INSERT: 5 000 parameters, under every SQLite's and PostgreSQL's limit


def _insert_new(s: Session, rows: list[tuple]) -> dict[tuple[int, str, str], int]:
    """Insert the rows whose (exercise, unit, report id) is not stored yet; returns {key: new id}.

    The unique index answers the idempotency question inside the insert (``ON CONFLICT DO
    NOTHING``, on SQLite and PostgreSQL alike), so the common case, nothing stored before, needs
    no lookup; plain SQL with the driver's placeholders, since a batch is the hot path of the load
    bar and the statement never changes but for its row count."""
    conn = s.connection()
    ph = audit.driver_placeholder(conn)
    one = "(" + ",".join([ph] * len(_COLS)) + ")"
    sqlite = conn.dialect.name == "sqlite"
    got: dict[tuple[int, str, str], int] = {}
    for k in range(0, len(rows), _CHUNK):
        chunk = rows[k:k + _CHUNK]
        sql = (f"INSERT INTO positions ({','.join(_COLS)}) VALUES {','.join([one] * len(chunk))} "
               "ON CONFLICT (exercise_id, unit_code, report_id) DO NOTHING")
        params = tuple(v for row in chunk for v in row)
        if not sqlite:
            got.update({(e, u, r): i for i, e, u, r in conn.exec_driver_sql(sql + _RETURNING, params).all()})
            continue
        # SQLite: no RETURNING, whose rows sqlite3 fetches one step at a time, each step letting go of
        # the GIL and waiting to get it back from the busy event loop (see audit.append). In one
        # INSERT under the write lock each new row's id is the table's largest + 1 (the rowid rule of
        # an INTEGER PRIMARY KEY), so the rows inserted are the ids (last - n, last], in VALUES order
        # among those not skipped; if some were skipped (a retry), the new ones are read back by id.
        res = conn.exec_driver_sql(sql, params)
        n, last = res.rowcount, res.lastrowid
        if n == len(chunk):
            got.update({row[:3]: last - n + 1 + j for j, row in enumerate(chunk)})
        elif n > 0:
            q = f"SELECT id, exercise_id, unit_code, report_id FROM positions WHERE id > {ph} AND id <= {ph}"
            got.update({(e, u, r): i for i, e, u, r in conn.exec_driver_sql(q, (last - n, last)).all()})
    return got


_RETURNING = " RETURNING id, exercise_id, unit_code, report_id"


def _stored_ids(s: Session, keys: set[tuple[int, str, str]]) -> dict[tuple[int, str, str], int]:
    """The stored ids of already stored reports, by (exercise, unit, report id) through the unique index."""
    groups: dict[tuple[int, str], list[str]] = {}
    for ex_id, unit, rid in keys:
        groups.setdefault((ex_id, unit), []).append(rid)
    known: dict[tuple[int, str, str], int] = {}
    for (ex_id, unit), rids in groups.items():
        for k in range(0, len(rids), _CHUNK):
            q = select(PositionReport.report_id, PositionReport.id).where(
                PositionReport.exercise_id == ex_id, PositionReport.unit_code == unit, PositionReport.report_id.in_(rids[k:k + _CHUNK]))
            known.update({(ex_id, unit, rid): i for rid, i in s.execute(q).all()})
    return known


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
    # GPS time (NMEA, AIS, GPX) is wall time: through the exercise clock into exercise time, unless the
    # log already lies in the scenario's span (a log replayed in scenario time)
    from sarex.server.clock import gps_to_exercise, load_clock

    clock, span = load_clock(s, ex.id), (sc.reported.time - 86400.0, sc.end_time_s + 86400.0)
    fixes = [(gps_to_exercise(clock, t, span), x, y) for t, x, y in fixes]
    # no report_id: each fix gets its identity from unit, (exercise) time and position (fix_report_id)
    return [{"time": t, "lon": x, "lat": y} for t, x, y in fixes], filename.rsplit(".", 1)[-1].lower()


def upload_track(s: Session, p: Principal, exercise_id: int, data: bytes, filename: str) -> list[dict]:
    rows, kind = upload_rows(s, p, exercise_id, data, filename)
    return post_positions(s, p, exercise_id, rows, kind)


def positions(s: Session, p: Principal, exercise_id: int, after_id: int = 0, limit: int = 10000) -> list[dict]:
    schemas.check_after_id(after_id)
    ex, roles = exercise_for(s, p, exercise_id)
    codes = [u.code for u in visible_units(s, p, ex, roles)]
    q = (select(PositionReport).where(PositionReport.exercise_id == ex.id, PositionReport.unit_code.in_(codes), PositionReport.id > after_id)
         .order_by(PositionReport.id).limit(limit))
    return [{"id": r.id, "unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "source": r.source,
             **({"alt_m": r.alt_m} if r.alt_m is not None else {})} for r in s.execute(q).scalars()]


def post_sighting(s: Session, p: Principal, exercise_id: int, t, lon: float, lat: float, note: str) -> dict:
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    unit = _reporting_unit(s, p, ex, None)
    ts = _time(t, "time", report_window(s, ex.id))
    lon, lat = schemas.check_lonlat(lon, lat, "")
    schemas.check_string(note, "note", 500, multiline=True)
    from sarex.server.clock import exercise_now

    now = exercise_now(s, ex.id)
    row = Sighting(exercise_id=ex.id, unit_code=unit, time_s=ts, lon=lon, lat=lat, note=note, user_id=p.user_id,
                   received_s=now.wall_s, received_ex_s=now.ex_s)
    s.add(row)
    s.flush()
    audit.record(s, p.name, "sighting", {"id": row.id, "unit": unit, "t": ts, "lon": lon, "lat": lat, "note": note}, ex.id, rows=[row])
    return {"id": row.id}


def sightings(s: Session, p: Principal, exercise_id: int) -> list[dict]:
    ex, roles = exercise_for(s, p, exercise_id)
    codes = [u.code for u in visible_units(s, p, ex, roles)]
    q = select(Sighting).where(Sighting.exercise_id == ex.id, Sighting.unit_code.in_(codes)).order_by(Sighting.id)
    return [{"id": r.id, "unit": r.unit_code, "time": iso(r.time_s), "lon": r.lon, "lat": r.lat, "note": r.note,
             "received_at": iso(r.received_ex_s) if r.received_ex_s is not None else None,
             "received_wall": iso(r.received_s) if r.received_s is not None else None} for r in s.execute(q).scalars()]


def endex(s: Session, p: Principal, exercise_id: int) -> dict:
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if ex.status == "endex":
        raise Conflict(f"exercise_id: exercise {ex.id} is at ENDEX already", "exercise_id")
    ex.status = "endex"
    i = audit.record(s, p.name, "endex", {"id": ex.id}, ex.id, rows=[ex])
    from sarex.server.models import AuditEntry

    return {"id": ex.id, "status": ex.status, "audit_head": audit.head_text((i, s.get(AuditEntry, i).hash))}


def release(s: Session, p: Principal, exercise_id: int) -> dict:
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
    """The after-action report, with the audit heads published at the period ends and at ENDEX."""
    from html import escape

    from sarex.server.workflow import published_heads

    html = _evaluation(s, p, exercise_id)["report_html"]
    heads = published_heads(s, s.get(Exercise, exercise_id))
    rows = "".join(f"<li>period {h['period']} end: <code>{escape(h['head'])}</code></li>" for h in heads["periods"])
    if heads["endex"]:
        rows += f"<li>ENDEX: <code>{escape(heads['endex'])}</code></li>"
    note = ('<section id="audit-heads"><h2>Audit heads</h2><p>Check with <code>sarex server audit verify --head ID:HASH</code>.</p>'
            f"<ul>{rows or '<li>none published yet</li>'}</ul></section>")
    return html.replace("</body>", note + "</body>") if "</body>" in html else html + note


def run_job(store, job_id: int, progress) -> None:
    """Execute a job (in a worker process): compute, then store the result unless it was cancelled meanwhile."""
    from sarex.server.updates import FORECAST_KINDS, job_inputs

    with store.tx() as s:
        j = s.get(Job, job_id)
        ex = s.get(Exercise, j.exercise_id)
        params, toml_text, kind = json.loads(j.params_json), ex.scenario_toml, j.kind
        inputs = job_inputs(s, j) if kind in FORECAST_KINDS else {}
        if kind == "evaluate":
            from sarex.server.played_export import build

            played = build(s, ex)
        from sarex.server import comms

        sc = comms.apply(services.parse_scenario_text(toml_text, case=True), ex)
    if kind in FORECAST_KINDS:
        result = services.forecast_and_plan(sc, params["particles"], params["seed"], progress, **inputs)
    else:
        result = services.evaluate(toml_text, params["seed"], params["particles"], progress, played=played)
    with store.tx() as s:
        j = s.get(Job, job_id, with_for_update=True)
        if j.status != "running":
            return
        j.status, j.progress, j.message, j.updated_s = "done", 1.0, "done", time.time()
        j.result_json = json.dumps(result, ensure_ascii=False)
        audit.record(s, "job-runner", "job.done", {"id": j.id, "kind": kind}, j.exercise_id, rows=[j])
