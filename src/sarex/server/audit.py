"""Append-only, hash-chained audit log of every change, anchored by a key outside the database.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
canonical JSON (time, actor, exercise, action, detail). Editing an entry breaks
its hash; deleting one breaks the next entry's ``prev_hash`` and leaves a gap in
the ids; deleting entries at the end is caught by the records that must have an
entry (each position report, plan and job names its audit entry's action and id).

A chain alone can be rewritten whole by anyone who can write the database: they
recompute every hash. So each entry also carries ``mac``, an HMAC-SHA256 of its
hash under the server's audit key, a random 256-bit secret in a file outside the
database (:func:`load_key`); without that file no one can forge a MAC, and
``verify`` with the key detects a rewritten chain. The key is never logged or
printed. Entries are appended with explicit consecutive ids under the chain lock
(SQLite's single writer; a PostgreSQL advisory lock), so a rolled-back
transaction leaves no gap that would read as a deletion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from sarex.server import models as m
from sarex.server.models import AuditEntry, PositionReport
from sarex.errors import SarexInputError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection

GENESIS = "0" * 64
KEY_BYTES = 32


# One encoder each, not json.dumps with options (which builds an encoder per call): the writer
# encodes two documents per position report. The output is byte for byte json.dumps's.
_chain_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_detail_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def _digest(prev: str, time_s: float, actor: str, exercise_id: int | None, action: str, detail: str) -> str:
    body = _chain_json([prev, repr(float(time_s)), actor, exercise_id, action, detail])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _mac(key: bytes | None, digest: str) -> str:
    return hmac.digest(key, digest.encode("ascii"), "sha256").hex() if key else ""


def load_key(path: Path | None, create: bool = True) -> tuple[bytes | None, bool]:
    """The audit key in ``path`` (hex), created with mode 0600 if absent and ``create``; returns (key, created)."""
    if path is None:
        return None, False
    path = Path(path)
    if path.exists():
        raw = path.read_text(encoding="ascii").strip()
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            from sarex.errors import SarexInputError

            raise SarexInputError(f"audit key {str(path)!r}: not {KEY_BYTES} bytes of hex")  # the content is not shown
        return key, False
    if not create:
        return None, False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(KEY_BYTES) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return load_key(path, create=False)[0], True


def lock_chain(s: Session) -> None:
    """Make this transaction the chain's one writer (SQLite: its BEGIN IMMEDIATE does already)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(7262)"))


def head_columns() -> tuple[Any, ...]:
    """The chain's last id and hash as two scalar subqueries, for a caller that reads them in one
    statement with other things (the group commit: every statement is a wait for the GIL); read
    them after :func:`lock_chain`, and give them to :func:`append` as ``head``."""
    last = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    return last.with_only_columns(AuditEntry.id).scalar_subquery(), last.with_only_columns(AuditEntry.hash).scalar_subquery()


def _head(s: Session) -> tuple[int, str]:
    """Lock the chain for this transaction and return its last (id, hash)."""
    lock_chain(s)
    row = s.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def driver_placeholder(conn: Connection) -> str:
    """The DB-API placeholder of a connection's driver (sqlite3: ``?``, psycopg: ``%s``), for the
    hot-path statements written as plain SQL (audit entries here, position reports in reports.py)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def append(s: Session, entries: list[tuple[str, str, dict[str, Any], int | None]], head: tuple[Any, ...] | None = None) -> list[int]:
    """Append (actor, action, detail, exercise id) entries in the caller's transaction; returns their ids.

    One head read and one multi-row insert for the lot (group commit); ``head``: the (last id,
    last hash) the caller read under the chain lock (see :func:`head_columns`), else read here."""
    if not entries:
        return []
    key = s.info.get("audit_key")
    last_id, prev = _head(s) if head is None else (head[0] or 0, head[1] or GENESIS)
    t = time.time()
    rows = []
    for actor, action, detail, exercise_id in entries:
        d = _detail_json(detail)
        h = _digest(prev, t, actor, exercise_id, action, d)
        last_id += 1
        rows.append((last_id, t, actor, exercise_id, action, d, prev, h, _mac(key, h)))
        prev = h
    # Plain multi-row INSERTs, one statement per _CHUNK rows: a batch of position reports appends
    # hundreds of entries at once. Not the driver's executemany: sqlite3 runs that one row at a time
    # and lets go of the GIL around each row, and under load every such hand-over makes the writer
    # thread wait for the busy event loop's thread (up to the 5 ms switch interval each time).
    conn = s.connection()
    one = "(" + ",".join([driver_placeholder(conn)] * len(_COLS)) + ")"
    for k in range(0, len(rows), _CHUNK):
        chunk = rows[k:k + _CHUNK]
        conn.exec_driver_sql(f"INSERT INTO audit ({','.join(_COLS)}) VALUES {','.join([one] * len(chunk))}",
                             tuple(v for row in chunk for v in row))
    return [r[0] for r in rows]


_COLS = ("id", "time_s", "actor", "exercise_id", "action", "detail", "prev_hash", "hash", "mac")
_CHUNK = 500  # rows per INSERT: 4 500 parameters, under every SQLite's and PostgreSQL's limit


#: The records the audit covers, with the columns whose values it vouches for (a job's progress
#: and message, which its worker updates unaudited, are not among them). Position reports are
#: covered by their own entries' detail (id, unit, t, lon, lat), the hot path writing no digest.
COVERED = {
    "orgs": (m.Org, ("id", "code", "name", "nation", "service")),
    "users": (m.User, ("id", "name", "org_id", "password_hash")),
    "sessions": (m.Session, ("token_hash", "user_id", "csrf", "kind", "expires_s")),
    "grants": (m.Grant, ("id", "user_id", "exercise_id", "role", "unit_code")),
    "exercises": (m.Exercise, ("id", "name", "kind", "scenario_toml", "seed", "status", "truth_released")),
    "units": (m.Unit, ("id", "exercise_id", "code", "nation", "name", "type")),
    "periods": (m.Period, ("id", "exercise_id", "number", "start_s", "end_s")),
    "plans": (m.Plan, ("id", "exercise_id", "period", "nation", "status", "data_json", "drafted_by", "approved_by", "org")),
    "jobs": (m.Job, ("id", "exercise_id", "kind", "params_json", "result_json", "created_by")),
    "sightings": (m.Sighting, ("id", "exercise_id", "unit_code", "time_s", "lon", "lat", "note")),
    "injects": (m.Inject, ("id", "exercise_id", "kind", "text", "to_roles", "to_orgs", "at_s", "time_s", "lon", "lat", "unit_code")),
    # issue 30
    "alerts": (m.SeparationAlert, ("id", "exercise_id", "kind", "units", "time_s", "distance_nm", "vertical_ft", "seen_json")),
    "alert_acks": (m.AlertAck, ("id", "alert_id", "exercise_id", "user_name", "unit_code", "time_s", "created_s")),
    "messages": (m.Message, ("id", "exercise_id", "sender", "to", "phrase", "params_json", "text", "time_s")),
    "sitreps": (m.Sitrep, ("id", "exercise_id", "number", "form", "data_json", "time_s")),
}
_TABLE = {model: name for name, (model, _) in COVERED.items()}


def _pk(table: str, obj: Any) -> str:
    return str(obj.token_hash if table == "sessions" else obj.id)


def _value(v: Any) -> Any:
    return repr(float(v)) if isinstance(v, float) else v


def _implied_nation(code: str) -> str | None:
    from sarex.nations import nation_code

    try:
        return nation_code(code)
    except ValueError:
        return None


#: Columns added after records were first audited (migration 0007), digested only where their value says more
#: than the older columns imply: an organisation's nation and service where they are not (its code's nation, ""),
#: a plan's organisation where it is not its nation. Records written before, given exactly those values by the
#: migration, keep verifying against their old digests; any other value (set, or edited later) is vouched for.
LATER = {
    "orgs": (("nation", "service"), lambda v: v.get("service") in ("", None) and v.get("nation") == _implied_nation(v.get("code") or "")),
    "plans": (("org",), lambda v: v.get("org") in (v.get("nation"), "", None)),
}


def row_digest(table: str, values: dict[str, Any]) -> str:
    """SHA-256 over a record's covered columns (canonical JSON; floats by ``repr``, so exact); the :data:`LATER`
    columns only where they carry information beyond the older ones."""
    cols = COVERED[table][1]
    later, implied = LATER.get(table, ((), None))
    if later and implied(values):
        cols = tuple(c for c in cols if c not in later)
    return hashlib.sha256(_detail_json([table, [_value(values.get(c)) for c in cols]]).encode("utf-8")).hexdigest()


def rows_detail(rows: Iterable[Any] = (), deleted: Iterable[Any] = ()) -> dict[str, Any]:
    """``{"table/key": digest}`` of the records a change wrote (flushed ORM objects) and ``""`` for
    those it deleted (``(table, key)`` pairs): what :func:`verify` checks the current rows against."""
    out = {}
    for obj in rows:
        table = _TABLE[type(obj)]
        out[f"{table}/{_pk(table, obj)}"] = row_digest(table, {c: getattr(obj, c) for c in COVERED[table][1]})
    for table, key in deleted:
        out[f"{table}/{key}"] = ""
    return out


def record(s: Session, actor: str, action: str, detail: dict[str, Any], exercise_id: int | None = None, rows: Iterable[Any] = (), deleted: Iterable[Any] = ()) -> int:
    """Append one entry inside the caller's transaction (so the change and its record commit together); returns its id.

    ``rows``: the records the change wrote (flushed ORM objects of :data:`COVERED` tables), whose
    digests the entry carries; ``deleted``: (table, key) of records it removed."""
    if rows or deleted:
        s.flush()
        detail = {**detail, "rows": rows_detail(rows, deleted)}
    return append(s, [(actor, action, detail, exercise_id)])[0]


def head(s: Session) -> tuple[int, str]:
    """The chain's newest (id, hash): what is published so that a later cut or rewrite shows."""
    row = s.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


_HEADS_AT: dict[tuple[str, float], tuple[int, str]] = {}


def head_at(s: Session, t: float) -> tuple[int, str] | None:
    """The newest entry written at or before ``t`` (s since the epoch), or None: the head as it stood
    then. Entries are appended in time order under the chain lock, so a binary search over ids finds
    it in a few lookups; a past head never changes, so each is looked up once per process."""
    if t > time.time():
        return None
    where = (str(s.get_bind().url), float(t))
    if where in _HEADS_AT:
        return _HEADS_AT[where]
    lo, hi, best = 1, head(s)[0], None
    while lo <= hi:
        mid = (lo + hi) // 2
        ts = s.execute(select(AuditEntry.time_s).where(AuditEntry.id == mid)).scalar()
        if ts is None:  # a gap (verify reports it); look lower
            hi = mid - 1
        elif ts <= t:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best is None:
        return None
    h = (best, s.execute(select(AuditEntry.hash).where(AuditEntry.id == best)).scalar())
    _HEADS_AT[where] = h
    return h


def head_text(h: tuple[int, str]) -> str:
    return f"{h[0]}:{h[1]}"


def parse_head(text_: str) -> tuple[int, str]:
    """``ID:HASH`` as published (see :func:`head_text`)."""

    a, _, b = str(text_).strip().partition(":")
    if not a.isdigit() or len(b) != 64 or any(c not in "0123456789abcdef" for c in b):
        raise SarexInputError(f"--head: {text_!r} is not ID:HASH as published (e.g. 42:{'0' * 8}...)")
    return int(a), b


def chain_length_conn(conn: Connection) -> int:
    """How many entries the chain holds (its newest id), on a plain connection; 0 when there is no table yet."""

    if not inspect(conn).has_table("audit"):
        return 0
    return int(conn.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)).scalar() or 0)


@dataclass
class Verdict:
    ok: bool
    entries: int
    problem: str = ""
    anchored: bool = False  # every entry's MAC was checked against the audit key


def verify(s: Session, published: tuple[int, str] | None = None) -> Verdict:
    """Walk the chain, then check the records against it; the first problem found is named.

    The chain: consecutive ids, each entry's link and hash, its MAC under the audit key (a store
    whose chain has entries but whose key is missing fails: it cannot be checked). ``published``:
    a head (id, hash) published earlier, which the chain must still hold unchanged. The records:
    every covered record (:data:`COVERED`, and position reports) must match the digest of the
    newest entry that wrote it, and every record an entry wrote must still be there."""
    key = s.info.get("audit_key")
    prev = GENESIS
    n = 0
    last_id = 0
    latest: dict[str, str] = {}
    positions: dict[int, tuple[Any, ...]] = {}
    for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if e.id != last_id + 1:
            return Verdict(False, n, f"entries {last_id + 1}..{e.id - 1} are missing (deleted)")
        if e.prev_hash != prev:
            return Verdict(False, n, f"entry {e.id}: prev_hash does not match entry {last_id} (an entry was deleted or edited)")
        if _digest(prev, e.time_s, e.actor, e.exercise_id, e.action, e.detail) != e.hash:
            return Verdict(False, n, f"entry {e.id}: hash does not match its content (edited)")
        if key is None:
            return Verdict(False, n, f"the audit key file is missing, so entry {e.id} and the chain cannot be checked "
                                     "(restore the key file; it is never replaced)")
        if not hmac.compare_digest(_mac(key, e.hash), e.mac or ""):
            return Verdict(False, n, f"entry {e.id}: its MAC does not match the audit key (the chain was rewritten from here)")
        if e.action == "position":
            d = json.loads(e.detail)
            positions[int(d.get("id", -1))] = (d.get("unit"), d.get("t"), d.get("lon"), d.get("lat"), d.get("alt"))
        elif '"rows"' in e.detail:
            latest.update(json.loads(e.detail).get("rows") or {})
        prev, last_id, n = e.hash, e.id, n + 1
    if published is not None:
        got = s.get(AuditEntry, published[0]) if published[0] else None
        if published[0] and (got is None or got.hash != published[1]):
            return Verdict(False, n, f"the published head {head_text(published)} is not in the chain "
                                     f"({'entry gone' if got is None else 'entry ' + str(published[0]) + ' now has hash ' + got.hash})")
    problem = _check_positions(s, positions) or _check_records(s, latest)
    if problem:
        return Verdict(False, n, problem)
    return Verdict(True, n, anchored=key is not None)


def _check_positions(s: Session, entries: dict[int, tuple[Any, ...]]) -> str:
    seen = set()
    for r in s.execute(select(PositionReport.id, PositionReport.unit_code, PositionReport.time_s, PositionReport.lon, PositionReport.lat,
                              PositionReport.alt_m)):
        seen.add(r[0])
        e = entries.get(r[0])
        if e is None:
            return f"positions [{r[0]}] have no audit entry (entries were deleted, or the record was inserted)"
        if (e[0], _value(e[1]), _value(e[2]), _value(e[3]), _value(e[4])) != (r[1], _value(r[2]), _value(r[3]), _value(r[4]), _value(r[5])):
            return f"positions/{r[0]}: the record differs from its audit entry (edited)"
    gone = sorted(set(entries) - seen)
    return f"positions {gone[:5]} are in the audit log but no longer stored (deleted)" if gone else ""


def _check_records(s: Session, latest: dict[str, str]) -> str:
    for table, (model, cols) in COVERED.items():
        present = set()
        for obj in s.execute(select(model)).scalars():
            key = f"{table}/{_pk(table, obj)}"
            present.add(key)
            want = latest.get(key)
            if want is None:
                return f"{key}: no audit entry wrote this record (inserted, or its entries were deleted)"
            if want != row_digest(table, {c: getattr(obj, c) for c in cols}):
                return f"{key}: the record differs from what its newest audit entry wrote (edited)"
        gone = sorted(k for k, d in latest.items() if d and k.startswith(table + "/") and k not in present)
        if gone:
            return f"{gone[0]}: written by an audit entry but no longer stored (deleted)"
    return ""
