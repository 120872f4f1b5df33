"""The planner on a static circular normal cloud (closed-form optimum) and its constraints."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from planning_fixtures import NM, T0, ring_sru, static_normal_drift

from sarex.planning.cloud import period_cloud
from sarex.planning.coverage import rect_pod, time_weights
from sarex.planning.optimal import circular_normal_pos
from sarex.planning.planner import Planner, Sru
from sarex.search.podmodel import DetectionModel

SIGMA = 5 * NM
HOURS = 6
# 0.25 NM (was 1 NM): with coverage now bounded to 0.5–2 and a spacing of at least W/2, a 1-NM-wide unit
# with H = 0.5 of effort split three ways flies a single leg each and cannot shape its area (issue 13).
W = 0.25 * NM


@pytest.fixture(scope="module")
def cloud():
    return period_cloud(static_normal_drift(SIGMA, 20000, seed=1, hours=HOURS), T0, T0 + HOURS * 3600)


def _equal_units(k: int, h: float) -> list[Sru]:
    z = math.pi * SIGMA**2 * h**2
    speed = z / W / (HOURS * 3600) / k
    return [ring_sru(i, k, W, speed) for i in range(k)]


def _check_constraints(plan, srus):
    by_id = {s.id: s for s in srus}
    for a, b in combinations(plan.assignments, 2):
        assert a.rect.polygon().intersection(b.rect.polygon()).area == 0.0
    for a in plan.assignments:
        s = by_id[a.unit_id]
        # Endurance recomputed from the route itself: out to the CSP, the pattern, back from its last waypoint.
        out = math.hypot(a.pattern.x[0] - s.start_xy[0], a.pattern.y[0] - s.start_xy[1]) / s.transit_speed_ms
        back = math.hypot(a.pattern.x[-1] - s.start_xy[0], a.pattern.y[-1] - s.start_xy[1]) / s.transit_speed_ms
        search = a.pattern.track_length_m / s.search_speed_ms
        assert a.depart_s >= s.ready_s - 1e-6
        assert a.depart_s + out <= a.arrive_s + 1e-6
        assert (a.arrive_s - a.depart_s) + search + back <= s.endurance_s * (1 + 1e-9)
        assert a.arrive_s >= plan.start_s - 1e-6 and a.search_end_s <= plan.end_s + 1e-6
        assert a.pattern.track_length_m * s.sweep_width_m == pytest.approx(a.effort_m2, rel=1e-9)
        # Flyable, sane patterns (issue 13): coverage within the default IAMSAR bounds 0.5–2 (was 0.2–5),
        # legs at least a turn diameter apart.
        assert 0.5 * (1 - 1e-9) <= a.coverage <= 2.0 * (1 + 1e-9)
        assert a.spacing_m >= 2 * s.turn_radius_m
        # The unit's pattern stays in its area; legs are S apart.
        assert a.rect.contains(a.pattern.x, a.pattern.y, margin_m=1e-6).all()
        assert a.pattern.spacing_m == pytest.approx(a.spacing_m) == pytest.approx(a.rect.creep_m / a.n_legs)
        if s.on_scene_s is not None:
            assert a.time_on_task_s <= s.on_scene_s * (1 + 1e-12)


@pytest.mark.parametrize("k, h", [(1, 0.5), (1, 1.0), (1, 2.0), (3, 0.5), (3, 1.0), (3, 2.0)])
def test_planner_reaches_90_percent_of_stone_optimum(cloud, k, h):
    srus = _equal_units(k, h)
    plan = Planner(cloud, "exponential", seed=0).plan(srus)
    p_star = circular_normal_pos(math.pi * SIGMA**2 * h**2, SIGMA)
    assert len(plan.assignments) == k and not plan.unassigned
    # All the effort is used: units wait on scene before the period, so they search all of it.
    assert plan.total_effort_m2 == pytest.approx(math.pi * SIGMA**2 * h**2, rel=1e-9)
    ratio = plan.total_pos / p_star
    print(f"k={k} H={h}: POS {plan.total_pos:.4f} P* {p_star:.4f} ratio {ratio:.3f} grid bound {plan.bound_pos:.4f}")
    assert ratio >= 0.90
    # The grid bound is an upper bound to within sampling noise and the best plan cannot beat it.
    assert plan.bound_pos == pytest.approx(p_star, rel=0.04)
    assert plan.total_pos <= plan.bound_pos * 1.01
    _check_constraints(plan, srus)


def test_endurance_limits_effort_and_unreachable_unit_is_listed(cloud):
    heli = Sru("heli", 2 * NM, 90 * NM / 3600, 120 * NM / 3600, 3 * 3600.0, (-60 * NM, 0.0), T0 - 3 * 3600)
    ship = Sru("ship", 0.8 * NM, 10 * NM / 3600, 16 * NM / 3600, 200 * 3600.0, (0.0, -15 * NM), T0 - 2 * 3600)
    far = Sru("far", 2 * NM, 150 * NM / 3600, 250 * NM / 3600, 2 * 3600.0, (600 * NM, 0.0), T0)
    capped = Sru("capped", 0.8 * NM, 10 * NM / 3600, 16 * NM / 3600, 200 * 3600.0, (0.0, 15 * NM), T0 - 2 * 3600, on_scene_s=1.5 * 3600)
    plan = Planner(cloud, "exponential", seed=4).plan([heli, ship, far, capped])
    assert set(plan.unassigned) == {"far"} and "endurance" in plan.unassigned["far"]
    a = {x.unit_id: x for x in plan.assignments}
    assert a["capped"].time_on_task_s == pytest.approx(1.5 * 3600)
    # The helicopter's time on task is bounded by 3 h minus its transits (≥ 0.5 h each way at 120 kn).
    assert a["heli"].time_on_task_s <= 3 * 3600 - 2 * 60 * NM / heli.transit_speed_ms * (1 - 0.3)
    assert a["heli"].time_on_task_s < HOURS * 3600 - 1
    _check_constraints(plan, [heli, ship, far, capped])


def test_same_seed_same_plan(cloud):
    srus = _equal_units(2, 1.0)
    p1 = Planner(cloud, "exponential", seed=7).plan(srus)
    p2 = Planner(cloud, "exponential", seed=7).plan(srus)
    assert [a.rect for a in p1.assignments] == [a.rect for a in p2.assignments]
    assert p1.total_pos == p2.total_pos


def test_time_averaged_coverage_of_a_crossing_particle():
    """A particle crossing a 10 km rectangle at 1 m/s during [0, 20000] s spends 10000 s inside."""
    t = np.linspace(0, 20000, 81)
    x = (-5000.0 - 5000.0 + t)[None, :]  # enters at t = 5000, leaves at t = 15000
    y = np.zeros_like(x)
    tw, m0, m1 = time_weights(t, 0.0, 20000.0)
    assert tw.sum() == pytest.approx(1.0)
    pod, frac = np.empty(1), np.empty(1)
    rect_pod(x, y, tw, m0, m1, 0.0, 0.0, 1.0, 0.0, 5000.0, 5000.0, 2.0, np.ones(x.shape[0]), int(DetectionModel.EXPONENTIAL), pod, frac)
    # Trapezoidal time average: exact up to one sample interval (250 s of 20000 s).
    assert frac[0] == pytest.approx(0.5, abs=1 / 80 + 1e-9)
    assert pod[0] == pytest.approx(1 - math.exp(-2.0 * frac[0]), rel=1e-12)
    # Searching only the first quarter of the period: the particle is inside for 0 of it.
    tw, m0, m1 = time_weights(t, 0.0, 4000.0)
    rect_pod(x, y, tw, m0, m1, 0.0, 0.0, 1.0, 0.0, 5000.0, 5000.0, 2.0, np.ones(x.shape[0]), int(DetectionModel.EXPONENTIAL), pod, frac)
    assert frac[0] == 0.0 and pod[0] == 0.0


def test_planner_follows_the_drift_not_a_snapshot():
    """A cloud moving east at 2 kn: a unit searching hours 3–6 goes where the cloud is then."""
    from planning_fixtures import CENTRE, static_normal_drift

    from sarex.geo import LocalProjection

    v = 2 * NM / 3600
    ds = static_normal_drift(2 * NM, 8000, seed=6, hours=6, east_ms=v)
    cloud = period_cloud(ds, T0, T0 + 6 * 3600)
    # Ready at hour 2.5, 10 nm south of the cloud's mid-path: on task from about hour 3.
    start = LocalProjection(*CENTRE).inverse(np.array([9 * NM]), np.array([-10 * NM]))
    sx, sy = cloud.frame.forward(start[0], start[1])
    sru = Sru("late", 0.5 * NM, 10 * NM / 3600, 20 * NM / 3600, 1e6, (float(sx[0]), float(sy[0])), T0 + 2.5 * 3600)
    plan = Planner(cloud, "exponential", seed=0).plan([sru])
    a = plan.assignments[0]
    assert a.arrive_s >= T0 + 2.5 * 3600
    # Cloud centre (plane) at the middle of the unit's time on task.
    t_mid = 0.5 * (a.arrive_s + a.search_end_s)
    cx_true, cy_true = cloud.frame.forward(*LocalProjection(*CENTRE).inverse(np.array([v * (t_mid - T0)]), np.array([0.0])))
    assert math.hypot(a.rect.cx - cx_true[0], a.rect.cy - cy_true[0]) < 1.0 * NM
    # The same rectangle where the cloud was at the period start finds much less.
    from sarex.planning.planner import _Evaluator
    from sarex.planning.rectangle import Rectangle

    x0, y0 = cloud.frame.forward(*LocalProjection(*CENTRE).inverse(np.array([0.0]), np.array([0.0])))
    moved = Rectangle(float(x0[0]), float(y0[0]), a.rect.phi, a.rect.leg_m, a.rect.creep_m)
    ev = _Evaluator(cloud, np.arange(cloud.x.shape[0]), 1)
    g_snapshot, fit = ev.gain(sru, moved, np.ones(cloud.x.shape[0]), [], 2.0)
    assert fit is not None and g_snapshot < 0.5 * plan.total_pos


def test_plan_pod_matches_an_independent_numpy_evaluation():
    """Recompute every particle's POD for a drifting cloud with plain numpy and compare with the plan."""
    ds = static_normal_drift(3 * NM, 2000, seed=8, hours=6, east_ms=1.5 * NM / 3600)
    cloud = period_cloud(ds, T0, T0 + 6 * 3600)
    srus = [ring_sru(0, 2, 0.6 * NM, 10 * NM / 3600), ring_sru(1, 2, 0.6 * NM, 10 * NM / 3600)]
    plan = Planner(cloud, "exponential", seed=1).plan(srus)
    assert len(plan.assignments) == 2
    surv = np.ones(cloud.x.shape[0])
    tf = None
    for a in plan.assignments:
        inside = a.rect.contains(cloud.x, cloud.y).astype(float)
        # Indicator linear between samples, averaged over [arrive, end] on a fine grid.
        tf = np.linspace(a.arrive_s, a.search_end_s, 4001)
        ind = np.array([np.interp(tf, cloud.times_s, row) for row in inside])
        frac = np.trapezoid(ind, tf, axis=1) / (tf[-1] - tf[0])
        surv *= np.exp(-a.coverage * frac)
    assert 0.05 < plan.total_pos < 0.95
    np.testing.assert_allclose(plan.pod_per_particle, 1 - surv, atol=2e-4)
    assert plan.total_pos == pytest.approx(float(np.sum(cloud.weight * (1 - surv))), abs=1e-4)


def test_surface_units_keep_their_areas_off_land(cloud):
    """A block of land east of the cloud centre: the ship's area avoids it, an aircraft's may not."""
    from dataclasses import replace

    from shapely.geometry import box

    from sarex.planning.land import PlaneLand

    cell = 250.0
    n = int(40 * NM / cell)
    x0 = y0 = -20 * NM
    xc = x0 + (np.arange(n) + 0.5) * cell
    X, Y = np.meshgrid(xc, xc)
    block = (2 * NM, -3 * NM, 8 * NM, 3 * NM)
    land = PlaneLand((X >= block[0]) & (X <= block[2]) & (Y >= block[1]) & (Y <= block[3]), x0, y0, cell)
    assert land.on_land(np.array([5 * NM, 0.0]), np.array([0.0, 0.0])).tolist() == [True, False]
    ship = _equal_units(1, 1.5)[0]
    free = Planner(cloud, "exponential", seed=0).plan([ship]).assignments[0]
    assert free.rect.polygon().intersection(box(*block)).area > 0.05 * free.rect.area_m2  # the test can fail
    ship_sea = replace(ship, keep_off_land=True)
    a = Planner(cloud, "exponential", seed=0, land=land).plan([ship_sea]).assignments[0]
    assert not land.touches_land(a.rect, n=101)
    assert a.rect.polygon().intersection(box(*block)).area < 0.002 * a.rect.area_m2
    # Aircraft (keep_off_land False) ignore the raster.
    b = Planner(cloud, "exponential", seed=0, land=land).plan([ship]).assignments[0]
    assert b.rect == free.rect


def _kernel_pod(c: np.ndarray, model: str) -> np.ndarray:
    from sarex.search.podmodel import DetectionModel

    x = np.zeros((c.size, 2))
    y = np.zeros((c.size, 2))
    tw, m0, m1 = time_weights(np.array([0.0, 1.0]), 0.0, 1.0)
    got = np.empty(c.size)
    for i, ci in enumerate(c):
        pod, frac = np.empty(c.size), np.empty(c.size)
        rect_pod(x, y, tw, m0, m1, 0.0, 0.0, 1.0, 0.0, 10.0, 10.0, ci, np.ones(x.shape[0]), int(DetectionModel.parse(model)), pod, frac)
        got[i] = pod[0]
    return got


COVERAGES = np.array([0.0, 0.1, 0.5, 1.0, 2.0, 4.0])


@pytest.mark.parametrize("model", ["definite", "exponential", "inverse-cube"])
def test_kernel_pod_formulas(model):
    """The kernel's POD(C) per model against the closed forms (REFERENCES §3)."""
    c = COVERAGES
    got = _kernel_pod(c, model)
    closed = {"definite": np.minimum(1, c), "exponential": 1 - np.exp(-c), "inverse-cube": np.array([math.erf(math.sqrt(math.pi) * v / 2) for v in c])}
    np.testing.assert_allclose(got, closed[model], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("model", ["definite", "exponential", "inverse-cube"])
def test_kernel_pod_matches_search_detection(model):
    from sarex.search.podmodel import pod_from_coverage

    np.testing.assert_allclose(_kernel_pod(COVERAGES, model), pod_from_coverage(COVERAGES, model), rtol=1e-12, atol=1e-15)
