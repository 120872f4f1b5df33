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

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sarex.server.models import AuditEntry, Job, Plan, PositionReport

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


def head_columns() -> tuple:
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


def driver_placeholder(conn) -> str:
    """The DB-API placeholder of a connection's driver (sqlite3: ``?``, psycopg: ``%s``), for the
    hot-path statements written as plain SQL (audit entries here, position reports in reports.py)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def append(s: Session, entries: list[tuple[str, str, dict, int | None]], head: tuple | None = None) -> list[int]:
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


def record(s: Session, actor: str, action: str, detail: dict, exercise_id: int | None = None) -> int:
    """Append one entry inside the caller's transaction (so the change and its record commit together); returns its id."""
    return append(s, [(actor, action, detail, exercise_id)])[0]


def stamp_unkeyed(s: Session, key: bytes) -> int:
    """MAC the entries written before the store had a key (done once, when the key is created)."""
    n = 0
    for e in s.execute(select(AuditEntry).where(AuditEntry.mac == "")).scalars():
        e.mac = _mac(key, e.hash)
        n += 1
    return n


@dataclass
class Verdict:
    ok: bool
    entries: int
    problem: str = ""
    anchored: bool = False  # every entry's MAC was checked against the audit key


def verify(s: Session) -> Verdict:
    """Walk the chain; the first problem found is named (entry id and what is wrong)."""
    key = s.info.get("audit_key")
    prev = GENESIS
    n = 0
    last_id = 0
    referenced: dict[str, set[int]] = {"position": set(), "plan.draft": set(), "job.create": set()}
    for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if e.id != last_id + 1:
            return Verdict(False, n, f"entries {last_id + 1}..{e.id - 1} are missing (deleted)")
        if e.prev_hash != prev:
            return Verdict(False, n, f"entry {e.id}: prev_hash does not match entry {last_id} (an entry was deleted or edited)")
        if _digest(prev, e.time_s, e.actor, e.exercise_id, e.action, e.detail) != e.hash:
            return Verdict(False, n, f"entry {e.id}: hash does not match its content (edited)")
        if key is not None and not hmac.compare_digest(_mac(key, e.hash), e.mac or ""):
            return Verdict(False, n, f"entry {e.id}: its MAC does not match the audit key (the chain was rewritten from here)")
        if key is None and e.mac:
            return Verdict(False, n, f"entry {e.id} carries a MAC but the audit key file is missing, so it cannot be checked")
        if e.action in referenced:
            referenced[e.action].add(int(json.loads(e.detail).get("id", -1)))
        prev, last_id, n = e.hash, e.id, n + 1
    for action, model in (("position", PositionReport), ("plan.draft", Plan), ("job.create", Job)):
        ids = set(s.execute(select(model.id)).scalars())
        missing = sorted(ids - referenced[action])
        if missing:
            return Verdict(False, n, f"{model.__tablename__} {missing[:5]} have no audit entry (entries were deleted)")
    return Verdict(True, n, anchored=key is not None)
