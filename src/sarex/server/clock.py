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
from typing import NamedTuple, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.exercise.clock import ClockError, ExerciseClock, period_of
from sarex.server import audit
from sarex.server.models import Exercise, ExerciseClockRow, Period
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Missing, exercise_for
from sarex.times import iso, to_epoch_s

__all__ = ["ExerciseNow", "exercise_now", "load_clock", "clock_view", "control", "ex_iso", "alert_time_s", "gps_to_exercise"]


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
        raise Missing(f"exercise_id: no exercise {exercise_id}", "exercise_id")
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


def _save(s: Session, exercise_id: int, c: ExerciseClock, wall: float) -> None:
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


def clock_view(s: Session, exercise_id: int, wall_s: Optional[float] = None) -> dict:
    """The clock as JSON: state, mode, rate, exercise time (UTC, with KST/JST = UTC+9 beside), wall time, period."""
    c = load_clock(s, exercise_id)
    wall = time.time() if wall_s is None else wall_s
    ex = c.exercise_time(wall)
    local = iso(ex + 9 * 3600.0).replace("Z", "+09:00")
    return {"exercise_id": exercise_id, "state": "running" if c.mode == "live" else c.state, "mode": c.mode, "rate": c.rate,
            "exercise_time": iso(ex), "wall_time": iso(wall), "kst": local, "jst": local,
            "anchor_exercise_time": iso(c.anchor_ex_s), "anchor_wall_time": iso(c.anchor_wall_s), "offset_s": c.offset_s,
            "period": period_of(ex, _periods(s, exercise_id))}


ACTIONS = ("start", "pause", "resume", "rate", "set", "live", "scaled")


def control(s: Session, p: Principal, exercise_id: int, action: str, rate: Optional[float] = None,
            exercise_time: Optional[str] = None, offset_s: Optional[float] = None) -> dict:
    """Exercise control runs the clock (director): start, pause, resume, rate, set (jump), live, scaled.

    Injects that fall due under the old clock are delivered (and audited) before it changes,
    so a pause holds exactly those not yet due."""
    from sarex.server.injects import deliver_due

    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if action not in ACTIONS:
        from sarex.errors import SarexInputError

        raise SarexInputError(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
    wall = time.time()
    deliver_due(s, ex.id, wall)
    c = load_clock(s, ex.id)
    ex_t = None
    if exercise_time is not None:
        from sarex.server.reports import _time

        ex_t = _time(exercise_time, "exercise_time")
    try:
        if action == "start":
            new = c.start(wall, rate, ex_t)
        elif action == "pause":
            new = c.pause(wall)
        elif action == "resume":
            new = c.resume(wall)
        elif action == "rate":
            if rate is None:
                raise ClockError("rate: give the rate (exercise seconds per wall second)")
            new = c.with_rate(wall, rate)
        elif action == "set":
            if ex_t is None:
                raise ClockError("exercise_time: give the exercise time to set (ISO 8601 UTC)")
            new = c.set_time(wall, ex_t)
        elif action == "live":
            new = c.live(wall, offset_s)
        else:
            new = c.scaled(wall)
    except ClockError as exc:
        field = str(exc).split(":", 1)[0]
        if field in ("rate", "offset_s", "exercise_time"):
            from sarex.errors import SarexInputError

            raise SarexInputError(str(exc)) from None
        raise Conflict(str(exc), field) from None
    _save(s, ex.id, new, wall)
    audit.record(s, p.name, f"clock.{action}", {"state": new.state, "mode": new.mode, "rate": new.rate,
                                                "exercise_time": iso(new.exercise_time(wall)), "wall_time": iso(wall)}, ex.id)
    return clock_view(s, ex.id, wall)


def read_clock(s: Session, p: Principal, exercise_id: int) -> dict:
    """Everyone taking part sees the clock (exercise time is no secret)."""
    ex, _ = exercise_for(s, p, exercise_id)
    return clock_view(s, ex.id)
