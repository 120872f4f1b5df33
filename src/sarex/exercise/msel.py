"""The scenario's master scenario events list (MSEL) and objectives: ``[[inject]]`` and ``[[objective]]``.

HSEEP (REFERENCES §15): exercise objectives are evaluated by evaluators filling exercise
evaluation guides, and a master scenario events list schedules injects, each with the player
action expected. Both are exercise control's, never the participants': they belong to the
full :class:`~sarex.exercise.scenario.Scenario` and the participant view drops them. Times
are exercise (scenario) time, ISO 8601 UTC.

An objective may carry a measurable condition, judged from the played exercise's timeline
(:mod:`sarex.exercise.played`):

- ``on_scene_within`` ``minutes``: the first unit on scene (first report within the first
  period's search area) within that many minutes of the alert;
- ``plans_before_period`` ``period``: every nation's plan for that period approved before it starts;
- ``opportunity_within`` ``minutes``: a first detection opportunity within that many minutes of the alert;
- ``sighting_within`` ``minutes``: a sighting report near the truth within that many minutes of the alert;
- ``detected``: the truth detected in the exercise as played.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sarex.times import to_epoch_s
from sarex.nations import nation_code

INJECT_KINDS = ("sighting", "breakdown", "datum", "message")
MEASURES = ("on_scene_within", "plans_before_period", "opportunity_within", "sighting_within", "detected")
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def _epoch(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return to_epoch_s(v)
        except Exception:
            raise ValueError(f"{v!r} is not an ISO 8601 UTC time (e.g. 2026-02-11T03:00:00Z)") from None
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptedInject(_Strict):
    """One MSEL entry: delivered to its recipients when the exercise clock passes ``time``."""

    id: str = Field(pattern=_ID)
    time: float = Field(description="Exercise time of delivery (ISO 8601 UTC).")
    kind: Literal["sighting", "breakdown", "datum", "message"]
    text: str = Field(default="", max_length=2000)
    to: list[Literal["director", "evaluator", "coordinator", "planner", "unit", "observer"]] = Field(min_length=1)
    nations: list[str] = Field(default_factory=list, description="Organisations addressed (empty: all).")
    units: list[str] = Field(default_factory=list, description="Units addressed, for role 'unit' (empty: all).")
    unit: Optional[str] = Field(default=None, description="The unit a breakdown takes out of action.")
    lon: Optional[float] = Field(default=None, ge=-180.0, le=360.0)
    lat: Optional[float] = Field(default=None, ge=-90.0, le=90.0)
    event_time: Optional[float] = Field(default=None, description="Exercise time of the event reported.")
    expected_action: str = Field(default="", max_length=2000)
    objective: str = ""

    _t = field_validator("time", "event_time", mode="before")(_epoch)

    @model_validator(mode="after")
    def _consistent(self) -> "ScriptedInject":
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        if self.kind in ("sighting", "datum") and self.lon is None:
            raise ValueError(f"a {self.kind} inject needs lon and lat")
        if self.kind == "breakdown" and not self.unit:
            raise ValueError("a breakdown inject names the unit that breaks down (unit = ...)")
        return self


class Objective(_Strict):
    """An exercise objective, with a measurable condition where one exists."""

    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    measure: Optional[Literal["on_scene_within", "plans_before_period", "opportunity_within", "sighting_within", "detected"]] = None
    minutes: Optional[float] = Field(default=None, gt=0.0)
    period: Optional[int] = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Objective":
        if self.measure in ("on_scene_within", "opportunity_within", "sighting_within") and self.minutes is None:
            raise ValueError(f"measure {self.measure!r} needs minutes")
        if self.measure == "plans_before_period" and self.period is None:
            raise ValueError("measure 'plans_before_period' needs period")
        return self


def check_msel(injects: list[ScriptedInject], objectives: list[Objective], unit_ids: set[str], nation_codes: set[str]) -> None:
    """Cross-references: units, nations and objectives an inject names exist; ids unique (ValueError otherwise)."""
    for what, ids in (("inject", [i.id for i in injects]), ("objective", [o.id for o in objectives])):
        dup = sorted({x for x in ids if ids.count(x) > 1})
        if dup:
            raise ValueError(f"{what} ids must be unique ({dup[0]!r} twice)")
    objs = {o.id for o in objectives}
    for k, i in enumerate(injects):
        for u in i.units + ([i.unit] if i.unit else []):
            if u not in unit_ids:
                raise ValueError(f"inject[{k}] ({i.id}): no unit {u!r}")
        for n in i.nations:
            try:
                code = nation_code(n)
            except ValueError:
                code = n
            if code not in nation_codes:
                raise ValueError(f"inject[{k}] ({i.id}): no nation {n!r}")
        if i.objective and i.objective not in objs:
            raise ValueError(f"inject[{k}] ({i.id}): no objective {i.objective!r}")
