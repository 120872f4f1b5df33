"""Use cases of the exercise clock on the store: read it, run it (director), and the time contract.

The time contract (issue 28): every time a record holds about the exercise — a position
fix, a sighting, an inject's delivery, a plan's approval, a job, an observation, a score —
is *exercise time* (ISO 8601 UTC, the scenario's time), and where the record is made the
wall time is stored beside it. :func:`exercise_now` is the one way to ask "what time is
it in this exercise": other use cases (messages, alerts) import it from here.

An exercise with no clock row yet has a stopped clock showing the alert (the reported
LKP time), as it had before the clock existed.
"""

from __future__ import annotations

import time
import tomllib
from typing import Any, NamedTuple, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.exercise.clock import ExerciseClock, period_of
from sarex.server.models import Exercise, ExerciseClockRow, Period
from sarex.times import iso, to_epoch_s

__all__ = ["ExerciseNow", "exercise_now", "load_clock", "save_clock", "clock_view", "ex_iso", "alert_time_s", "gps_to_exercise"]


class ExerciseNow(NamedTuple):
    """One instant in both times: exercise time and wall time (s since epoch, UTC)."""

    ex_s: float
    wall_s: float


def alert_time_s(ex: Exercise) -> float:
    """The alert: the scenario's reported LKP time (s), read from the stored scenario without validating it again."""
    raw = tomllib.loads(ex.scenario_toml)
    return to_epoch_s(str(raw["reported"]["time"])) if not isinstance(raw["reported"]["time"], (int, float)) else float(raw["reported"]["time"])


def load_clock(s: Session, exercise_id: int) -> ExerciseClock:
    """The exercise's clock (a stopped one at the alert if it was never set)."""
    row = s.get(ExerciseClockRow, exercise_id)
    if row is not None:
        return ExerciseClock(row.state, row.rate, row.anchor_ex_s, row.anchor_wall_s, row.mode, row.offset_s)
    ex = s.get(Exercise, exercise_id)
    if ex is None:
        raise SarexInputError(f"exercise_id: no exercise {exercise_id}")
    return ExerciseClock.at(alert_time_s(ex), ex.created_s)


def exercise_now(s: Session, exercise_id: int, wall_s: Optional[float] = None) -> ExerciseNow:
    """Exercise time and wall time now (or at ``wall_s``) for an exercise."""
    wall = time.time() if wall_s is None else float(wall_s)
    return ExerciseNow(load_clock(s, exercise_id).exercise_time(wall), wall)


def gps_to_exercise(clock: ExerciseClock, fix_s: float, span: tuple[float, float]) -> float:
    """A fix's time as exercise time: GPS (wall) time mapped through the clock, unless it already lies
    within the scenario's span ``span`` (a log replayed in scenario time), which it keeps."""
    lo, hi = span
    if lo <= fix_s <= hi:
        return fix_s
    return clock.exercise_time(fix_s)


def ex_iso(t: Optional[float]) -> Optional[str]:
    return None if t is None else iso(t)


def save_clock(s: Session, exercise_id: int, c: ExerciseClock, wall: float) -> None:
    row = s.get(ExerciseClockRow, exercise_id)
    if row is None:
        row = ExerciseClockRow(exercise_id=exercise_id)
        s.add(row)
    row.state, row.mode, row.rate, row.anchor_ex_s, row.anchor_wall_s, row.offset_s, row.updated_s = (
        c.state, c.mode, c.rate, c.anchor_ex_s, c.anchor_wall_s, c.offset_s, wall)
    s.flush()


def _periods(s: Session, exercise_id: int) -> list[tuple[float, float]]:
    rows = s.execute(select(Period).where(Period.exercise_id == exercise_id).order_by(Period.number)).scalars()
    return [(p.start_s, p.end_s) for p in rows]


def clock_view(s: Session, exercise_id: int, wall_s: Optional[float] = None) -> dict[str, Any]:
    """The clock as JSON: state, mode, rate, exercise time (UTC, with KST/JST = UTC+9 beside), wall time, period."""
    c = load_clock(s, exercise_id)
    wall = time.time() if wall_s is None else wall_s
    ex = c.exercise_time(wall)
    local = iso(ex + 9 * 3600.0).replace("Z", "+09:00")
    return {"exercise_id": exercise_id, "state": "running" if c.mode == "live" else c.state, "mode": c.mode, "rate": c.rate,
            "exercise_time": iso(ex), "wall_time": iso(wall), "kst": local, "jst": local,
            "anchor_exercise_time": iso(c.anchor_ex_s), "anchor_wall_time": iso(c.anchor_wall_s), "offset_s": c.offset_s,
            "anchor_exercise_s": c.anchor_ex_s, "anchor_wall_s": c.anchor_wall_s,
            "period": period_of(ex, _periods(s, exercise_id))}
