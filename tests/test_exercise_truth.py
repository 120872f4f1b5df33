"""The exercise truth: one Leeway object with its own draws, deterministic per seed."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from sarex.environment.base import Environment
from sarex.environment.constant import ConstantField
from sarex.exercise.truth import drift_truth, scenario_truth
from sarex.exercise.scenario import load_scenario
from sarex.times import to_epoch_s

T0 = to_epoch_s("2026-02-11T00:00:00Z")


def test_downwind_drift_matches_the_leeway_law():
    # wind 10 m/s towards the east, current 0.1 m/s east: the eastward speed is
    # 0.1 + slope*10 + offset with the truth's own drawn downwind slope and offset.
    env = Environment(ConstantField(10.0, 0.0), ConstantField(0.1, 0.0))
    hours = 6.0
    track, ds = drift_truth(env, "LIFE-RAFT-DB-11", 129.8, 34.8, T0, hours, seed=11, coast=False)
    slope = float(ds["downwind_slope"].values[0])
    offset = float(ds["downwind_offset"].values[0])
    expected = (0.1 + slope * 10.0 + offset) * hours * 3600.0
    latm = 0.5 * (track.lat[0] + track.lat[-1])
    _, _, east = Geod(ellps="WGS84").inv(track.lon[0], latm, track.lon[-1], latm)
    assert east == pytest.approx(expected, rel=0.003)
    assert track.time_s[0] == T0 and track.time_s[-1] == pytest.approx(T0 + hours * 3600.0)
    assert track.lon[0] == pytest.approx(129.8, abs=1e-9) and track.lat[0] == pytest.approx(34.8, abs=1e-9)
    assert float(ds["weight"].values[0]) == 1.0


def test_truth_is_deterministic_per_seed_and_draws_its_side():
    env = Environment(ConstantField(8.0, -6.0), ConstantField(0.2, 0.3))
    a, _ = drift_truth(env, "PIW-1", 129.8, 34.8, T0, 3.0, seed=5, coast=False)
    b, _ = drift_truth(env, "PIW-1", 129.8, 34.8, T0, 3.0, seed=5, coast=False)
    c, _ = drift_truth(env, "PIW-1", 129.8, 34.8, T0, 3.0, seed=6, coast=False)
    np.testing.assert_array_equal(a.lon, b.lon)
    np.testing.assert_array_equal(a.lat, b.lat)
    assert not np.array_equal(a.lon, c.lon)
    # the starting side of downwind is drawn, not fixed by the engine's particle order
    sides = {int(drift_truth(env, "PIW-1", 129.8, 34.8, T0, 0.5, seed=s, coast=False)[1]["orientation"].values[0, 0]) for s in range(10)}
    assert sides == {0, 1}


def test_scenario_truth_uses_the_truth_environment():
    sc = load_scenario("korea-japan")
    truth, _ = scenario_truth(sc, seed=1, coast=False)
    assert truth.time_s[-1] >= sc.end_time_s - 1.0
    # drifting the same object with the same draws in the forecast field ends elsewhere
    from sarex.exercise.scenario import open_spec

    env_f = open_spec(sc.forecast, sc.truth.time, sc.end_time_s)
    hours = (truth.time_s[-1] - truth.time_s[0]) / 3600.0
    fc, _ = drift_truth(env_f, sc.truth.object_class, sc.truth.lon, sc.truth.lat, sc.truth.time, hours, seed=1, coast=False)
    _, _, d = Geod(ellps="WGS84").inv(truth.lon[-1], truth.lat[-1], fc.lon[-1], fc.lat[-1])
    assert d > 1000.0  # the forecast field is not the truth field
