"""Use cases: the scenario's objectives and the evaluators' observations on them (HSEEP, REFERENCES §15).

An observation rates an objective met, partly met or not met, says what was seen and when
(exercise time; the wall time is stored beside it), and may carry an improvement-plan item
(finding, owner, due date) for the after-action report. Director and evaluators only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, services
from sarex.server.clock import exercise_now
from sarex.server.models import TRUTH_ROLES, Observation, User
from sarex.server.security import Principal
from sarex.server.workflow import exercise_for
from sarex.times import iso, to_epoch_s

RATINGS = ("met", "partly", "not_met")


def scenario_objectives(scenario_toml: str) -> list[dict[str, Any]]:
    sc = services.parse_scenario_text(scenario_toml, case=True)
    return [o.model_dump() for o in getattr(sc, "objective", []) or []]


def _view(o: Observation, by: str) -> dict[str, Any]:
    return {"id": o.id, "objective": o.objective, "rating": o.rating, "text": o.text, "time": iso(o.time_s), "wall": iso(o.wall_s),
            "finding": o.finding, "owner": o.owner, "due": o.due, "by": by}


def observation_rows(s: Session, exercise_id: int) -> list[dict[str, Any]]:
    rows = s.execute(select(Observation, User.name).join(User, User.id == Observation.user_id)
                     .where(Observation.exercise_id == exercise_id).order_by(Observation.time_s, Observation.id)).all()
    return [_view(o, name) for o, name in rows]


def listing(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, _ = exercise_for(s, p, exercise_id, TRUTH_ROLES)
    return observation_rows(s, ex.id)


def objectives(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, _ = exercise_for(s, p, exercise_id, TRUTH_ROLES)
    obs = observation_rows(s, ex.id)
    return [{**o, "observations": [x for x in obs if x["objective"] == o["id"]]} for o in scenario_objectives(ex.scenario_toml)]


def add(s: Session, p: Principal, exercise_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Record an observation (evaluator, director) on one of the scenario's objectives (or ``general``)."""
    ex, _ = exercise_for(s, p, exercise_id, TRUTH_ROLES)
    ids = [o["id"] for o in scenario_objectives(ex.scenario_toml)] + ["general"]
    if body["objective"] not in ids:
        raise SarexInputError(f"objective: {body['objective']!r} is not one of the scenario's objectives ({', '.join(ids)})")
    if body["rating"] not in RATINGS:
        raise SarexInputError(f"rating: {body['rating']!r} is not one of {', '.join(RATINGS)}")
    if body.get("due"):
        try:
            date.fromisoformat(body["due"])
        except ValueError:
            raise SarexInputError(f"due: {body['due']!r} is not a date (YYYY-MM-DD)") from None
    now = exercise_now(s, ex.id)
    t = now.ex_s
    if body.get("time"):
        try:
            t = to_epoch_s(str(body["time"]))
        except (SarexInputError, ValueError):
            raise SarexInputError(f"time: {body['time']!r} is not an ISO 8601 UTC time (e.g. 2026-02-11T03:00:00Z)") from None
    row = Observation(exercise_id=ex.id, objective=body["objective"], rating=body["rating"], text=body["text"], time_s=t, wall_s=now.wall_s,
                      finding=body.get("finding") or "", owner=body.get("owner") or "", due=body.get("due") or "", user_id=p.user_id)
    s.add(row)
    s.flush()
    audit.record(s, p.name, "observation", {"id": row.id, "objective": row.objective, "rating": row.rating, "at": iso(t),
                                            "at_wall": iso(now.wall_s)}, ex.id)
    return _view(row, p.name)
