"""Use cases of the exercise clock: read it (everyone in the exercise) and run it (director).

The clock's store and the time contract are :mod:`sarex.server.clock`; this module adds the
access rules, the audit, and the delivery of the injects due before every change.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.exercise.clock import ClockError
from sarex.server import audit
from sarex.server.clock import clock_view, load_clock, save_clock
from sarex.server.injects import deliver_due
from sarex.server.msel import ensure_scripted
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, exercise_for
from sarex.times import iso

ACTIONS = ("start", "pause", "resume", "rate", "set", "live", "scaled")


def control(s: Session, p: Principal, exercise_id: int, action: str, rate: Optional[float] = None,
            exercise_time: Optional[str] = None, offset_s: Optional[float] = None) -> dict[str, Any]:
    """Exercise control runs the clock (director): start, pause, resume, rate, set (jump), live, scaled.

    Injects that fall due under the old clock are delivered (and audited) before it changes,
    so a pause holds exactly those not yet due."""
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    if action not in ACTIONS:
        raise SarexInputError(f"action: {action!r} is not one of {', '.join(ACTIONS)}")
    wall = time.time()
    if ex.kind == "exercise":
        ensure_scripted(s, ex, p.user_id, p.name)
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
            raise SarexInputError(str(exc)) from None
        raise Conflict(str(exc), field) from None
    save_clock(s, ex.id, new, wall)
    audit.record(s, p.name, f"clock.{action}", {"state": new.state, "mode": new.mode, "rate": new.rate,
                                                "exercise_time": iso(new.exercise_time(wall)), "wall_time": iso(wall)}, ex.id)
    return clock_view(s, ex.id, wall)


def read_clock(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    """Everyone taking part sees the clock (exercise time is no secret)."""
    ex, _ = exercise_for(s, p, exercise_id)
    return clock_view(s, ex.id)
