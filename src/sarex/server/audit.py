"""Append-only, hash-chained audit log of every change.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
canonical JSON (time, actor, exercise, action, detail). Editing an entry breaks
its hash; deleting one breaks the next entry's ``prev_hash`` and leaves a gap in
the ids; deleting entries at the end is caught by the records that must have an
entry (each position report, plan and job names its audit entry's action and id).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sarex.server.models import AuditEntry, Job, Plan, PositionReport

GENESIS = "0" * 64


def _digest(prev: str, time_s: float, actor: str, exercise_id: int | None, action: str, detail: str) -> str:
    body = json.dumps([prev, repr(float(time_s)), actor, exercise_id, action, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(s: Session, actor: str, action: str, detail: dict, exercise_id: int | None = None) -> AuditEntry:
    """Append one entry inside the caller's transaction (so the change and its record commit together)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(7262)"))  # one writer at a time extends the chain
    last = s.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    t = time.time()
    d = json.dumps(detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    e = AuditEntry(time_s=t, actor=actor, exercise_id=exercise_id, action=action, detail=d, prev_hash=prev,
                   hash=_digest(prev, t, actor, exercise_id, action, d))
    s.add(e)
    s.flush()
    return e


@dataclass
class Verdict:
    ok: bool
    entries: int
    problem: str = ""


def verify(s: Session) -> Verdict:
    """Walk the chain; the first problem found is named (entry id and what is wrong)."""
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
        if e.action in referenced:
            referenced[e.action].add(int(json.loads(e.detail).get("id", -1)))
        prev, last_id, n = e.hash, e.id, n + 1
    for action, model in (("position", PositionReport), ("plan.draft", Plan), ("job.create", Job)):
        ids = set(s.execute(select(model.id)).scalars())
        missing = sorted(ids - referenced[action])
        if missing:
            return Verdict(False, n, f"{model.__tablename__} {missing[:5]} have no audit entry (entries were deleted)")
    return Verdict(True, n)
