"""Issue 32: the survival-weighted objective (probability of finding the person alive by the period's end).

A detection counts the probability the person is alive while the particle is in the area
(REFERENCES §10: Weibull survival ``S(τ) = exp(−ln 2 (τ/t50)^k)``), the units taken in the order
they come on task (the first detection is the one that counts). Checked against hand-computed
values on one particle, then on a person in the water with a short median survival (2 h):
the plan that maximises finding alive puts the early helicopter on the core where the POS plan
puts the late ship there, finds more alive, and both figures are reported.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarex.geo import LocalProjection
from sarex.planning.cloud import PeriodCloud
from sarex.planning.coverage import path_bounds, plan_score, time_weights
from sarex.planning.planner import Planner, Sru
from sarex.planning.plantypes import PlannerSettings
from sarex.search.podmodel import DetectionModel
from sarex.times import to_epoch_s

NM = 1852.0
T0 = to_epoch_s("2026-01-15T12:00Z")


def test_plan_score_alive_counts_first_detection_hand_checked():
    # One particle at the origin for 2 h (3 samples); unit 1 searches the first hour, unit 2 the second.
    t = T0 + 3600.0 * np.arange(3)
    x = np.zeros((1, 3))
    y = np.zeros((1, 3))
    alive = np.array([[1.0, 0.5, 0.25]])
    tw = np.zeros((2, 3))
    m0, m1 = np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64)
    for j, (a, b) in enumerate(((T0, T0 + 3600.0), (T0 + 3600.0, T0 + 7200.0))):
        tw[j], m0[j], m1[j] = time_weights(t, a, b)
    geom = np.array([[0.0, 0.0, 1.0, 0.0, 100.0, 100.0]] * 2)
    cov = np.array([1.0, 2.0])
    cs = np.ones((2, 1))
    marg = np.empty(2)
    w = np.ones(1)
    pos = plan_score(x, y, tw, m0, m1, geom, cov, cs, int(DetectionModel.EXPONENTIAL), path_bounds(x, y), w, marg, np.zeros((0, 0)))
    found_alive = plan_score(x, y, tw, m0, m1, geom, cov, cs, int(DetectionModel.EXPONENTIAL), path_bounds(x, y), w, marg, alive)
    p1, p2 = 1 - math.exp(-1.0), 1 - math.exp(-2.0)
    assert pos == pytest.approx(1 - (1 - p1) * (1 - p2), rel=1e-12)
    # Trapezoid means of alive over each hour: 0.75 and 0.375; the second unit finds only what the first missed.
    assert found_alive == pytest.approx(0.75 * p1 + 0.375 * p2 * (1 - p1), rel=1e-12)


def piw_cloud(t50_h: float = 2.0, shape: float = 1.0, in_water_h: float = 1.0, n: int = 6000) -> PeriodCloud:
    rng = np.random.default_rng(5)
    times = T0 + 1800.0 * np.arange(13)
    x = np.repeat(rng.normal(0, 1.5 * NM, n)[:, None], times.size, 1)
    y = np.repeat(rng.normal(0, 1.5 * NM, n)[:, None], times.size, 1)
    tau_h = in_water_h + (times - T0) / 3600.0
    alive = np.repeat(np.exp(-math.log(2.0) * (tau_h / t50_h) ** shape)[None, :], n, 0)
    return PeriodCloud(LocalProjection(129.7, 34.8), times, x, y, np.full(n, 1.0 / n), alive=alive)


def two_units():
    """A ship on task from about 3 h with W 1 NM (coverage up to 4 at its 0.25 NM minimum), and a helicopter on task
    from a quarter of an hour for about 1 h with W 0.5 NM (coverage up to 1.7): about the same effort, 45 NM²."""
    kn = NM / 3600
    ship = Sru("SHIP", 1.0 * NM, 15 * kn, 20 * kn, 1e6, (-60 * NM, 0.0), T0, turn_radius_m=150.0, min_spacing_m=0.25 * NM)
    helo = Sru("HELO", 0.5 * NM, 90 * kn, 120 * kn, 1.5 * 3600.0, (0.0, -30 * NM), T0, turn_radius_m=150.0, is_aircraft=True,
               min_spacing_m=0.3 * NM)
    return [ship, helo]


@pytest.mark.slow
def test_alive_objective_puts_early_unit_on_core():
    """With areas kept apart at all times (``reuse_gap_s`` infinite) the two objectives part: the POS plan puts the
    late ship's larger effort on the core, the survival plan the early helicopter. Where a later unit may search
    again where an earlier one has been (the default, 30 min after it left), both put the helicopter on the core
    and the ship searches again behind it: more POS than either partition."""
    cloud = piw_cloud()
    plans = {o: Planner(cloud, "exponential", seed=0, settings=PlannerSettings(objective=o, reuse_gap_s=math.inf)).plan(two_units())
             for o in ("pos", "alive")}
    for o, p in plans.items():
        print(o, f"POS {p.total_pos:.4f} found alive {p.p_found_alive:.4f}",
              {a.unit_id: (round(100 * a.poc, 1), round(a.coverage, 2), round((a.arrive_s - T0) / 3600, 2)) for a in p.assignments})
        assert p.p_found_alive == p.p_found_alive and p.objective == o  # both figures reported
    pos_plan, alive_plan = plans["pos"], plans["alive"]
    helo_poc = {o: next(a.poc for a in p.assignments if a.unit_id == "HELO") for o, p in plans.items()}
    # Earlier effort on the core: the helicopter's area holds more probability in the survival plan.
    assert helo_poc["alive"] > helo_poc["pos"] + 0.05
    assert alive_plan.p_found_alive > pos_plan.p_found_alive * 1.02
    assert pos_plan.total_pos >= alive_plan.total_pos - 1e-3
    reuse = Planner(cloud, "exponential", seed=0, settings=PlannerSettings(objective="pos")).plan(two_units())
    helo, ship = (next(a for a in reuse.assignments if a.unit_id == u) for u in ("HELO", "SHIP"))
    assert helo.poc > 0.75 and ship.arrive_s >= helo.search_end_s + 1800.0  # the ship comes 30 min or more after the helicopter left
    assert reuse.total_pos > pos_plan.total_pos + 0.01
