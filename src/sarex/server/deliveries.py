"""Inject deliveries recorded as the exercise clock reaches them (issue 28 item 2).

A participant sees an inject as soon as the clock passes its exercise time (:func:`sarex.server.injects.visible`
compares with the clock on every read). The delivery's *record* — status ``delivered`` and its audit entry
with the exercise time and the wall time beside it — is written by :func:`sarex.server.injects.deliver_due`.
This thread calls it for every exercise whose clock runs, every :data:`TICK_S` seconds of wall time, so each
delivery is audited within about one tick of the moment its time is reached, not at the next clock or MSEL
change. The entry's times stay the clock's own (the exercise time of the inject and the wall time at which the
clock reached it), whenever the thread writes it.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import or_, select

from sarex.server.db import Store
from sarex.server.models import ExerciseClockRow, Inject

#: wall seconds between two sweeps
TICK_S = 0.5
log = logging.getLogger(__name__)


def due_exercises(store: Store, wall_s: float) -> list[int]:
    """The exercises whose running clock has passed a scheduled inject's time (one read transaction)."""
    from sarex.server.clock import load_clock

    out = []
    with store.read() as s:
        rows = s.execute(select(ExerciseClockRow.exercise_id).where(or_(ExerciseClockRow.state == "running",
                                                                         ExerciseClockRow.mode == "live"))).scalars().all()
        for ex_id in rows:
            now_ex = load_clock(s, ex_id).exercise_time(wall_s)
            hit = s.execute(select(Inject.id).where(Inject.exercise_id == ex_id, Inject.status == "scheduled", Inject.at_s <= now_ex)
                            .limit(1)).first()
            if hit is not None:
                out.append(int(ex_id))
    return out


def sweep(store: Store, wall_s: float | None = None) -> int:
    """Record every delivery due now; returns how many were recorded."""
    from sarex.server.injects import deliver_due

    wall = time.time() if wall_s is None else wall_s
    n = 0
    for ex_id in due_exercises(store, wall):
        with store.tx() as s:
            n += deliver_due(s, ex_id, wall)
    return n


class DeliverySweeper:
    """The thread that records inject deliveries as the clocks reach them."""

    def __init__(self, store: Store, tick_s: float = TICK_S) -> None:
        self.store, self.tick_s = store, tick_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sarex-inject-deliveries", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_s):
            try:
                sweep(self.store)
            except Exception:  # a failed sweep (a locked database, a store shutting down) is retried next tick
                log.exception("inject delivery sweep failed")
