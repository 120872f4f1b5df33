"""Issue 13: adjacent strips tiling one region (tiling.py), the fused plan-score kernel and the land pre-check."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from planning_fixtures import NM, T0

from sarex.planning.coverage import path_bounds, plan_score, rect_pod, time_weights
from sarex.planning.land import PlaneLand
from sarex.planning.planner import Planner, Sru
from sarex.planning.rectangle import Rectangle
from sarex.planning.tiling import RowLayout, _pyramid, layouts
from sarex.search.podmodel import DetectionModel


def test_row_layout_boxes_are_apart_and_spend_each_units_effort():
    z = [400e6, 30e6, 35e6, 380e6, 390e6]
    cols = [[0], [1, 2], [3], [4]]
    row = RowLayout(np.array([1000.0, -500.0]), 0.7, cols, ["a", "b", "c", "d", "e"], z, gap_m=2.0)
    rng = np.random.default_rng(4)
    for _ in range(20):
        p = row.initial(30 * NM, 1.1) + rng.normal(0.0, 0.3, size=1 + 2 * len(cols) + len(z)) * np.r_[[1000.0], [1.0, 3000.0] * len(cols), [1.0] * len(z)]
        rects = row.rects(p)
        cov = np.exp(p[1 + 2 * len(cols) :])
        # Box j's coverage as parametrised: area × coverage = the unit's effort.
        for j, uid in enumerate(["a", "b", "c", "d", "e"]):
            assert rects[uid].area_m2 * cov[j] == pytest.approx(z[j], rel=1e-9)
        for (u, r), (v, q) in combinations(rects.items(), 2):
            assert r.separated_from(q, 1.999), (u, v)
            assert r.polygon().intersection(q.polygon()).area == 0.0
        # Boxes stacked in one column share its width and its position across the row.
        b, c = rects["b"], rects["c"]
        wb = b.creep_m if abs(math.cos(b.phi - 0.7)) < 0.5 else b.leg_m
        wc = c.creep_m if abs(math.cos(c.phi - 0.7)) < 0.5 else c.leg_m
        assert wb == pytest.approx(wc)
        ea = np.array([math.cos(0.7), math.sin(0.7)])
        assert np.dot([b.cx, b.cy], ea) == pytest.approx(np.dot([c.cx, c.cy], ea))


def test_pyramid_puts_the_smallest_in_the_middle_and_small_units_are_stacked():
    assert _pyramid([9, 8, 7, 6, 5, 4]) == [9, 7, 5, 4, 6, 8]
    lay = layouts([500.0, 40.0, 45.0, 520.0, 510.0, 43.0], np.array([10.0, 10.0]))
    assert len(lay) == 2  # circular cloud: one row axis; one column per unit, and the small ones stacked
    assert lay[0][1] == [[3], [0], [5], [1], [2], [4]]
    assert sorted(lay[1][1][2]) == [1, 2, 5] and len(lay[1][1]) == 3 + 1
    assert len(layouts([500.0, 40.0], np.array([20.0, 10.0]))) == 2  # elongated: both axes


def test_plan_score_matches_products_of_single_unit_pods():
    """The fused kernel against the product formula built from the single-rectangle kernel (rect_pod)."""
    rng = np.random.default_rng(7)
    n, m = 3000, 9
    x = rng.normal(0, 5000, (n, 1)) + np.linspace(0, 4000, m)[None, :]
    y = rng.normal(0, 5000, (n, 1)) + 0.0 * np.arange(m)[None, :]
    x[:50, :3] = np.nan
    t = np.arange(m) * 1800.0
    w = rng.uniform(0.5, 1.5, n) / n
    geoms = [(-2000.0, 0.0, 1.0, 0.0, 3000.0, 2000.0), (3000.0, 1000.0, math.cos(0.4), math.sin(0.4), 2500.0, 4000.0), (0.0, -6000.0, 0.0, 1.0, 1500.0, 5000.0)]
    windows = [(0.0, 14400.0), (3600.0, 10000.0), (0.0, 7200.0)]
    covs = [0.8, 1.7, 0.5]
    cs = rng.choice([0.25, 1.0, 1.6], size=(3, n))  # each particle's class's W over the unit's W (a case's mixture)
    for model in ("exponential", "inverse-cube", "definite"):
        code = int(DetectionModel.parse(model))
        pods = []
        tw = np.zeros((3, m))
        m0 = np.zeros(3, dtype=np.int64)
        m1 = np.zeros(3, dtype=np.int64)
        for j, (g, (a, b), c) in enumerate(zip(geoms, windows, covs)):
            tw[j], m0[j], m1[j] = time_weights(t, a, b)
            pod, frac = np.empty(n), np.empty(n)
            rect_pod(x, y, tw[j], m0[j], m1[j], *g, c, cs[j], code, pod, frac)
            pods.append(pod)
        q = 1.0 - np.array(pods)
        total_ref = float(np.sum(w * (1.0 - q.prod(axis=0))))
        marg_ref = [float(np.sum(w * pods[j] * np.prod(np.delete(q, j, axis=0), axis=0))) for j in range(3)]
        marg = np.empty(3)
        total = plan_score(x, y, tw, m0, m1, np.array(geoms), np.array(covs), cs, code, path_bounds(x, y), w, marg, np.zeros((0, 0)))
        assert total == pytest.approx(total_ref, rel=1e-12)
        np.testing.assert_allclose(marg, marg_ref, rtol=1e-12)
        assert total > 0.05 and min(marg) > 0.005


def test_land_box_precheck_agrees_with_sampling():
    rng = np.random.default_rng(3)
    land = np.zeros((60, 80), dtype=bool)
    land[20:26, 30:41] = True
    land[rng.integers(0, 60, 15), rng.integers(0, 80, 15)] = True
    pl = PlaneLand(land, -1000.0, 500.0, 100.0)
    for _ in range(400):
        r = Rectangle(rng.uniform(-2000, 8000), rng.uniform(0, 7000), rng.uniform(0, math.pi), rng.uniform(50, 3000), rng.uniform(50, 3000))
        sampled = bool(pl.on_land(*_grid(r, 41)).any())
        assert pl.touches_land(r, n=41) == sampled
        xs, ys = r.corners().T
        i0, i1 = np.floor((np.array([xs.min(), xs.max()]) + 1000.0) / 100.0).astype(int)
        j0, j1 = np.floor((np.array([ys.min(), ys.max()]) - 500.0) / 100.0).astype(int)
        brute = land[max(j0, 0) : max(j1 + 1, 0), max(i0, 0) : max(i1 + 1, 0)].any()
        assert pl.land_in_box(xs.min(), ys.min(), xs.max(), ys.max()) == brute


def _grid(r, n):
    f = np.linspace(-0.5, 0.5, n)
    a, b = np.repeat(f, n) * r.leg_m, np.tile(f, n) * r.creep_m
    ux, uy = r.u
    return r.cx + a * ux - b * uy, r.cy + a * uy + b * ux


def test_unit_whose_turn_diameter_exceeds_the_spacing_flies_interleaved_legs(tmp_path):
    """W = 0.3 NM and turn radius 1 200 m: legs ≥ 1.30 NM apart would give coverage ≤ 0.23 < 0.5 per pass.

    The legs keep a spacing within the coverage bounds and are flown interleaved
    (:mod:`sarex.planning.interleave`): consecutive legs flown are ≥ 2R apart.
    """
    from planning_fixtures import static_normal_drift

    from sarex.planning.cloud import period_cloud
    from sarex.planning.patterns import flyby_fits

    cloud = period_cloud(static_normal_drift(5 * NM, 3000, seed=2, hours=4), T0, T0 + 4 * 3600)
    p1 = Sru("P1", 0.3 * NM, 180 * NM / 3600, 300 * NM / 3600, 10 * 3600.0, (-20 * NM, 0.0), T0 - 3600, turn_radius_m=1200.0)
    plan = Planner(cloud, "exponential", seed=0).plan([p1])
    (a,) = plan.assignments
    assert a.pattern.interleave >= 2 and a.spacing_m < 2 * 1200.0 <= a.pattern.turn_spacing_m * (1 + 1e-9)
    assert 0.5 * (1 - 1e-9) <= a.coverage <= 2.0 * (1 + 1e-9)
    assert flyby_fits(a.pattern.x, a.pattern.y, 1200.0)
    assert "interleaved" in a.reason and a.pos > 0.2
