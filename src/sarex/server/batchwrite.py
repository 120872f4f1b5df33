"""The batch writer of units' position reports: many requests' checked reports stored in one transaction.

The group commit (:mod:`sarex.server.ingest`), the NMEA listener and the plain route hand it
:class:`PositionBatch` es that :func:`sarex.server.reports.prepare_positions` checked against the
senders' grants; it checks each exercise's state and time window, inserts the new reports with
one statement per 500 rows (idempotent on the report id), answers retries with the stored ids,
appends the audit entries and runs the separation checks (:mod:`sarex.server.alerts`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, schemas
from sarex.server.models import AuthEpoch, Exercise, PositionReport
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Missing

if TYPE_CHECKING:
    from collections.abc import Iterable

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


def _outside_window(s: Session, b: PositionBatch) -> list[dict[str, Any]] | SarexInputError:
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
    rows: list[tuple[Any, ...]]  # (unit, report id, time s, lon, lat, alt m or None)
    source: str = "json"
    actor: str = ""  # audit actor; the principal's name if empty


@dataclass
class BatchState:
    """What a batch of reports is checked and chained against, read in its transaction."""

    epoch: int  # the store's auth epoch (see sarex.server.security)
    status: dict[int, str]  # exercise id -> status, for the batch's exercises that exist
    head: tuple[Any, ...]  # the audit chain's (last id, last hash), None for an empty chain


_WIDE = 32  # exercises read as columns of the one statement; more (rare) are read apart


def batch_state(s: Session, exercise_ids: Iterable[int]) -> BatchState:
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


def write_positions(s: Session, batches: list[PositionBatch], state: BatchState | None = None) -> list[list[dict[str, Any]] | Exception]:
    """Store many requests' reports in one transaction: per request its results, or the error that refused it.

    A report whose ``report_id`` was stored already (or comes twice in the batch) is acknowledged
    again with the stored id, not duplicated. One audit entry per stored report. ``state``: the
    batch's :func:`batch_state`, if the caller read it already in this transaction."""
    if state is None:
        state = batch_state(s, {b.exercise_id for b in batches})
    status = state.status
    out: list[list[dict[str, Any]] | Exception] = []
    for b in batches:
        if status.get(b.exercise_id) != "planning":
            out.append(Conflict(f"exercise_id: exercise {b.exercise_id} is at ENDEX; reports are closed", "exercise_id")
                       if b.exercise_id in status else Missing(f"exercise_id: no exercise {b.exercise_id}", "exercise_id"))
            continue
        out.append(_outside_window(s, b))
    now = time.time()
    new: list[tuple[Any, ...]] = []  # one row per (exercise, unit, report id) not seen before in this batch
    slots: list[tuple[list[dict[str, Any]], int, tuple[int, str, str]]] = []  # (result list, index, key) of each report in the batch
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


def _insert_new(s: Session, rows: list[tuple[Any, ...]]) -> dict[tuple[int, str, str], int]:
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
