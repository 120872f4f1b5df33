"""The exercise clock (sarex.exercise.clock) against closed forms worked by hand."""

from __future__ import annotations

import math

import pytest

from sarex.exercise.clock import ClockError, ExerciseClock, period_of
from sarex.times import to_epoch_s

ALERT = to_epoch_s("2026-02-10T21:30:00Z")
W0 = to_epoch_s("2026-12-07T09:00:00Z")  # the wall time the table-top starts


def test_stopped_clock_shows_its_anchor_and_a_later_time_never_comes():
    c = ExerciseClock.at(ALERT, W0)
    assert c.exercise_time(W0 + 1234.0) == ALERT
    assert c.wall_time(ALERT + 1.0) == math.inf
    assert not c.running


def test_sixty_times_one_minute_of_wall_is_one_hour_of_exercise_and_back():
    c = ExerciseClock.at(ALERT, W0).start(W0 + 10.0, rate=60.0)
    # 90 s of wall at 60x: 5400 s = 1 h 30 min of exercise
    assert c.exercise_time(W0 + 100.0) == ALERT + 5400.0
    assert c.wall_time(ALERT + 3600.0) == W0 + 70.0
    for w in (W0 + 10.0, W0 + 33.3, W0 + 1000.0):
        assert c.wall_time(c.exercise_time(w)) == pytest.approx(w, abs=1e-6)


def test_pause_holds_exercise_time_and_resume_continues_without_a_jump():
    c = ExerciseClock.at(ALERT, W0).start(W0, rate=60.0)
    p = c.pause(W0 + 30.0)  # 30 s x 60 = 30 min
    assert p.exercise_time(W0 + 500.0) == ALERT + 1800.0
    assert p.wall_time(ALERT + 1801.0) == math.inf  # held: a later inject does not come while paused
    r = p.resume(W0 + 500.0)
    assert r.exercise_time(W0 + 500.0) == ALERT + 1800.0
    assert r.exercise_time(W0 + 510.0) == ALERT + 1800.0 + 600.0
    assert r.wall_time(ALERT + 3600.0) == W0 + 500.0 + 30.0


def test_rate_change_reanchors_so_time_is_continuous():
    c = ExerciseClock.at(ALERT, W0).start(W0, rate=1.0)
    d = c.with_rate(W0 + 100.0, 10.0)  # 100 s at 1x, then 10x
    assert d.exercise_time(W0 + 100.0) == ALERT + 100.0
    assert d.exercise_time(W0 + 110.0) == ALERT + 200.0


def test_live_mode_is_wall_plus_offset_both_ways():
    off = ALERT - W0
    c = ExerciseClock.at(ALERT, W0).live(W0, off)
    assert c.exercise_time(W0 + 77.0) == ALERT + 77.0
    assert c.wall_time(ALERT + 77.0) == W0 + 77.0
    assert c.running
    with pytest.raises(ClockError):
        c.pause(W0 + 1.0)


def test_refused_changes_and_rates():
    c = ExerciseClock.at(ALERT, W0)
    with pytest.raises(ClockError, match="only a running clock pauses"):
        c.pause(W0)
    with pytest.raises(ClockError, match="rate"):
        c.start(W0, rate=0.0)
    with pytest.raises(ClockError, match="rate"):
        c.start(W0, rate=1000.0)
    with pytest.raises(ClockError, match="only a stopped clock starts"):
        c.start(W0).start(W0)


def test_period_of_uses_half_open_periods():
    p = [(100.0, 200.0), (200.0, 300.0)]
    assert [period_of(t, p) for t in (99.0, 100.0, 199.9, 200.0, 300.0)] == [None, 1, 1, 2, None]
