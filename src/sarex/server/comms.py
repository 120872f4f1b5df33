"""Use cases: the exercise's communications plan (issue 30): channels by purpose, call signs, the ACO.

The scenario's ``[communications]`` is the starting plan; the coordinator may replace it (stored
with the exercise, audited). Plans drafted after the change carry it into the SAP messages and
taskings (:func:`apply`, used by the forecast job); plans drafted before keep the plan they were
sent with, as a sent message does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.exercise.scenario import Communications
from sarex.server import audit, services
from sarex.server.models import Exercise, Unit
from sarex.server.security import Principal
from sarex.server.workflow import exercise_for

if TYPE_CHECKING:
    from sarex.exercise.scenario import ParticipantScenario, Scenario


def current(ex: Exercise) -> Communications:
    """The exercise's communications plan: the coordinator's, else the scenario's."""
    if ex.comms_json:
        return Communications(**json.loads(ex.comms_json))
    return services.parse_scenario_text(ex.scenario_toml, case=True).communications


def apply(sc: Scenario | ParticipantScenario, ex: Exercise) -> Scenario | ParticipantScenario:
    """The scenario with the exercise's current communications plan."""
    return sc if not ex.comms_json else sc.model_copy(update={"communications": current(ex)})


def get(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    ex, _ = exercise_for(s, p, exercise_id)
    return current(ex).model_dump()


def put(s: Session, p: Principal, exercise_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the plan (coordinator); call signs only for units of the exercise."""
    ex, _ = exercise_for(s, p, exercise_id, {"coordinator"})
    try:
        c = Communications(**body)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(x) for x in e.get("loc", ())) or "body"
        raise SarexInputError(f"{field}: {e.get('msg', 'invalid')}") from None
    codes = set(s.execute(select(Unit.code).where(Unit.exercise_id == ex.id)).scalars())
    for uid in c.callsigns:
        if uid not in codes:
            raise SarexInputError(f"callsigns.{uid}: {uid!r} is not a unit of exercise {ex.id}")
    ex.comms_json = json.dumps(c.model_dump(), ensure_ascii=False)
    audit.record(s, p.name, "communications", c.model_dump(), ex.id)
    return c.model_dump()
