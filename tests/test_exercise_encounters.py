"""Closest approaches (CPA) between a unit and the object, and detection draws at them."""

from __future__ import annotations

import numpy as np
import pytest

from sarex.exercise.encounters import closest_approaches


def test_straight_pass_static_object_exact_between_fixes():
    t = np.arange(0.0, 2000.1, 333.0)  # fixes do not fall on the CPA
    x, y = -5000.0 + 5.0 * t, np.zeros_like(t)
    tc, rc = closest_approaches(t, x, y, np.array([0.0, 2000.0]), np.array([137.0, 137.0]), np.array([800.0, 800.0]))
    assert tc.size == 1
    assert tc[0] == pytest.approx((137.0 + 5000.0) / 5.0, abs=1e-9)
    assert rc[0] == pytest.approx(800.0, abs=1e-9)


def test_both_moving_matches_relative_motion_closed_form():
    tu = np.arange(0.0, 3000.1, 60.0)
    ux, uy = -5000.0 + 5.0 * tu, np.zeros_like(tu)
    to = np.arange(0.0, 3000.1, 600.0)
    ox, oy = 0.3 * to, 600.0 + 0.2 * to
    d0 = np.array([-5000.0, -600.0])
    v = np.array([5.0 - 0.3, -0.2])
    t_star = -d0 @ v / (v @ v)
    r_star = np.linalg.norm(d0 + v * t_star)
    tc, rc = closest_approaches(tu, ux, uy, to, ox, oy)
    assert tc.size == 1
    assert tc[0] == pytest.approx(t_star, abs=1e-6)
    assert rc[0] == pytest.approx(r_star, abs=1e-6)


def test_ladder_past_static_object_one_encounter_per_leg():
    # legs north at x=0, south at x=2000, north at x=4000 (10 km long), 5 m/s; object at (1000, 5000)
    pts = [(0, 0), (0, 10000), (2000, 10000), (2000, 0), (4000, 0), (4000, 10000)]
    px, py = np.array(pts, dtype=float).T
    seg = np.hypot(np.diff(px), np.diff(py))
    tw = np.concatenate([[0.0], np.cumsum(seg / 5.0)])
    t = np.arange(0.0, tw[-1], 7.0)
    x, y = np.interp(t, tw, px), np.interp(t, tw, py)
    tc, rc = closest_approaches(t, x, y, np.array([0.0, tw[-1]]), np.array([1000.0] * 2), np.array([5000.0] * 2), max_range_m=3500.0)
    np.testing.assert_allclose(rc, [1000.0, 1000.0, 3000.0], atol=1e-6)
    np.testing.assert_allclose(tc, [1000.0, (10000 + 2000 + 5000) / 5.0, (10000 + 2000 + 10000 + 2000 + 5000) / 5.0], atol=1e-6)
    # without the range limit, the top cross leg's minimum (5000 m above the object) appears too;
    # the bottom cross leg moves away all along, so it has none
    _, r_all = closest_approaches(t, x, y, np.array([0.0, tw[-1]]), np.array([1000.0] * 2), np.array([5000.0] * 2))
    np.testing.assert_allclose(r_all, [1000.0, 5000.0, 1000.0, 3000.0], atol=1e-6)
