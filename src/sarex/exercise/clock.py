"""The exercise clock: scenario (exercise) time as exercise control runs it, and wall time beside it.

A combined SAREX runs in *exercise time* — the scenario's own UTC times (the alert at
2026-02-10T21:30Z, period 1 from 00:00Z) — while the people taking part live in
*wall time*. Exercise control starts, pauses and resumes the clock and chooses its rate
(1× for a live exercise at sea, 60× for a table-top); in *live* mode exercise time is
wall time plus a fixed offset. The clock is a pure model: a state and one anchor
(exercise time ``anchor_ex_s`` shown at wall time ``anchor_wall_s``); while running,

    exercise_time(wall) = anchor_ex_s + rate · (wall − anchor_wall_s)
    wall_time(ex)       = anchor_wall_s + (ex − anchor_ex_s) / rate

and every change of state re-anchors at the wall time of the change, so exercise time is
continuous across pauses and rate changes. In live mode ``exercise = wall + offset_s``.
All times are float seconds since 1970-01-01T00:00:00Z (UTC). HSEEP's master scenario
events list (REFERENCES §15) schedules injects in exercise time; this model is what
turns that schedule into deliveries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

STATES = ("stopped", "running", "paused")
MODES = ("scaled", "live")
#: the fastest a clock may run (exercise seconds per wall second): a day of scenario in a quarter hour
MAX_RATE = 96.0


class ClockError(ValueError):
    """A clock change that cannot be made in the clock's state (e.g. pausing a stopped clock)."""


def _rate(rate: float) -> float:
    r = float(rate)
    if not (math.isfinite(r) and 0.0 < r <= MAX_RATE):
        raise ClockError(f"rate: {rate!r} must be above 0 and at most {MAX_RATE:g} (exercise seconds per wall second)")
    return r


@dataclass(frozen=True)
class ExerciseClock:
    """State of one exercise's clock.

    Attributes
    ----------
    state
        ``stopped`` (not started: exercise time stands at ``anchor_ex_s``), ``running`` or ``paused``.
    rate
        Exercise seconds per wall second (1 = real time).
    anchor_ex_s, anchor_wall_s
        Exercise time (s) the clock showed at wall time (s) of its last change.
    mode
        ``scaled`` (the formula above) or ``live`` (exercise = wall + ``offset_s``, always running).
    offset_s
        Live mode: exercise time minus wall time, s.
    """

    state: str = "stopped"
    rate: float = 1.0
    anchor_ex_s: float = 0.0
    anchor_wall_s: float = 0.0
    mode: str = "scaled"
    offset_s: float = 0.0

    @classmethod
    def at(cls, exercise_s: float, wall_s: float, rate: float = 1.0) -> "ExerciseClock":
        """A stopped clock showing ``exercise_s`` (e.g. the alert time), to be started later."""
        return cls("stopped", _rate(rate), float(exercise_s), float(wall_s))

    @property
    def running(self) -> bool:
        """Whether exercise time advances."""
        return self.mode == "live" or self.state == "running"

    def exercise_time(self, wall_s: float) -> float:
        """Exercise time (s) at wall time ``wall_s`` (s), as the clock runs now."""
        if self.mode == "live":
            return float(wall_s) + self.offset_s
        if self.state != "running":
            return self.anchor_ex_s
        return self.anchor_ex_s + self.rate * (float(wall_s) - self.anchor_wall_s)

    def wall_time(self, exercise_s: float) -> float:
        """Wall time (s) at which this clock shows ``exercise_s``.

        Running (or live): the closed form, also for past exercise times of the current run.
        Stopped or paused: ``inf`` for a time after the one shown (it comes only once
        the clock runs again), the time of the last change for one not after it.
        """
        if self.mode == "live":
            return float(exercise_s) - self.offset_s
        if self.state != "running":
            return math.inf if exercise_s > self.anchor_ex_s else self.anchor_wall_s
        return self.anchor_wall_s + (float(exercise_s) - self.anchor_ex_s) / self.rate

    def _anchored(self, wall_s: float, **kw) -> "ExerciseClock":
        return replace(self, anchor_ex_s=self.exercise_time(wall_s), anchor_wall_s=float(wall_s), **kw)

    def start(self, wall_s: float, rate: float | None = None, exercise_s: float | None = None) -> "ExerciseClock":
        """STARTEX: run from the time shown (or ``exercise_s``) at ``rate`` (default: the one set)."""
        if self.state != "stopped" or self.mode == "live":
            raise ClockError(f"action: the clock is {self.state if self.mode != 'live' else 'live'}; only a stopped clock starts")
        ex = self.anchor_ex_s if exercise_s is None else float(exercise_s)
        return replace(self, state="running", rate=_rate(self.rate if rate is None else rate), anchor_ex_s=ex, anchor_wall_s=float(wall_s))

    def pause(self, wall_s: float) -> "ExerciseClock":
        """Hold exercise time at the time shown at ``wall_s``."""
        if self.state != "running" or self.mode == "live":
            raise ClockError(f"action: the clock is {self.state if self.mode != 'live' else 'live'}; only a running clock pauses")
        return self._anchored(wall_s, state="paused")

    def resume(self, wall_s: float) -> "ExerciseClock":
        """Run again from the time it was paused at."""
        if self.state != "paused" or self.mode == "live":
            raise ClockError(f"action: the clock is {self.state if self.mode != 'live' else 'live'}; only a paused clock resumes")
        return replace(self, state="running", anchor_wall_s=float(wall_s))

    def with_rate(self, wall_s: float, rate: float) -> "ExerciseClock":
        """Change the rate from ``wall_s`` on (exercise time continuous)."""
        if self.mode == "live":
            raise ClockError("rate: a live clock runs at 1x; set scaled mode first")
        return self._anchored(wall_s, rate=_rate(rate))

    def set_time(self, wall_s: float, exercise_s: float) -> "ExerciseClock":
        """Jump: show ``exercise_s`` from ``wall_s`` on (state and rate kept)."""
        if self.mode == "live":
            raise ClockError("exercise_time: a live clock follows wall time; set an offset instead")
        return replace(self, anchor_ex_s=float(exercise_s), anchor_wall_s=float(wall_s))

    def live(self, wall_s: float, offset_s: float | None = None) -> "ExerciseClock":
        """Live mode: exercise = wall + ``offset_s`` (default: the offset that keeps the time shown now)."""
        off = self.exercise_time(wall_s) - float(wall_s) if offset_s is None else float(offset_s)
        if not math.isfinite(off):
            raise ClockError(f"offset_s: {offset_s!r} is not a finite number of seconds")
        return replace(self, mode="live", state="running", rate=1.0, offset_s=off, anchor_ex_s=float(wall_s) + off, anchor_wall_s=float(wall_s))

    def scaled(self, wall_s: float) -> "ExerciseClock":
        """Leave live mode: a running scaled clock at 1x from the time shown now."""
        return replace(self._anchored(wall_s), mode="scaled", state="running", rate=1.0, offset_s=0.0)


def period_of(exercise_s: float, periods: list[tuple[float, float]]) -> int | None:
    """The 1-based number of the period ``[start, end)`` holding ``exercise_s``, or None between and outside them."""
    for k, (a, b) in enumerate(periods, start=1):
        if a <= exercise_s < b:
            return k
    return None
