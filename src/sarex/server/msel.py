"""The scenario's master scenario events list (``[[inject]]``) as rows of the injects table, once per exercise.

Kept apart from :mod:`sarex.server.injects` so that creating an exercise
(:func:`sarex.server.workflow.add_exercise`) can lay out its timeline without an import cycle.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.nations import nation_code
from sarex.server import audit, services
from sarex.server.models import Exercise, Inject
from sarex.times import iso


def _org(code: str) -> str:
    try:
        return nation_code(code)
    except ValueError:
        return code


def ensure_scripted(s: Session, ex: Exercise, user_id: int, actor: str) -> int:
    """The scenario's ``[[inject]]`` entries as scheduled injects (those not laid out yet); returns how many were added."""
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    scripted = list(getattr(sc, "inject", []) or [])
    have = set(s.execute(select(Inject.ref).where(Inject.exercise_id == ex.id, Inject.ref != "")).scalars())
    now = time.time()
    n = 0
    for i in scripted:
        if i.id in have:
            continue
        row = Inject(exercise_id=ex.id, kind=i.kind, text=i.text, to_roles=",".join(sorted(set(i.to))),
                     to_orgs=",".join(sorted({_org(o) for o in i.nations})), at_s=i.time, time_s=i.event_time,
                     lon=i.lon, lat=i.lat, unit_code=i.unit, created_by=user_id, created_s=now, status="scheduled",
                     to_units=",".join(sorted(set(i.units))), expected_action=i.expected_action, objective=i.objective, ref=i.id)
        s.add(row)
        s.flush()
        audit.record(s, actor, "inject.create", {"id": row.id, "ref": i.id, "kind": i.kind, "at": iso(i.time), "source": "scenario"}, ex.id, rows=[row])
        n += 1
    return n
