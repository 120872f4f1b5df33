"""Search patterns: waypoints inside the area (within S/2), leg spacing S, track × W = effort (1 %)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString, Point

from sarex.planning.patterns import expanding_square, fit_sweep, sector_search, sweep, track_line
from sarex.planning.rectangle import Rectangle

NM = 1852.0
W = 0.8 * NM  # sweep width used to turn track lengths into effort


def _inside_within(pattern, tol):
    return max(pattern.area.exterior.distance(Point(x, y)) if not pattern.area.covers(Point(x, y)) else 0.0 for x, y in zip(pattern.x, pattern.y)) <= tol


def _parallel_leg_spacings(pattern):
    """Perpendicular distances between consecutive legs that are parallel to the first leg."""
    x, y = pattern.x, pattern.y
    ux, uy = x[1] - x[0], y[1] - y[0]
    n = math.hypot(ux, uy)
    ux, uy = ux / n, uy / n
    offs = []
    for i in range(len(x) - 1):
        dx, dy = x[i + 1] - x[i], y[i + 1] - y[i]
        if abs(abs(dx * ux + dy * uy) - math.hypot(dx, dy)) < 1e-6 * max(1.0, math.hypot(dx, dy)):
            offs.append(-x[i] * uy + y[i] * ux)
    return np.diff(offs)


@pytest.mark.parametrize("leg_nm, creep_nm, phi, effort_nm2", [(12, 8, 0.3, 60), (5, 14, 2.0, 40), (20, 3, -1.1, 35)])
def test_parallel_sweep_and_creeping_line(leg_nm, creep_nm, phi, effort_nm2):
    rect = Rectangle(1000.0, -2000.0, phi, leg_nm * NM, creep_nm * NM)
    track = effort_nm2 * NM**2 / W
    fitted, n, s = fit_sweep(rect, track)
    assert rect.contains(*fitted.corners().T, margin_m=1e-6).all()
    pat = sweep(fitted, n, start_near=(-50 * NM, 10 * NM))
    assert pat.kind == ("PS" if fitted.leg_m >= fitted.creep_m else "CS")
    assert pat.track_length_m * W == pytest.approx(effort_nm2 * NM**2, rel=0.01)
    assert pat.track_length_m == pytest.approx(track, rel=1e-12)
    assert _inside_within(pat, 0.5 * s)
    assert pat.spacing_m == pytest.approx(fitted.creep_m / n)
    sp = np.abs(_parallel_leg_spacings(pat))
    assert sp.size == n - 1 and np.allclose(sp, s, rtol=1e-9)
    # The CSP is the corner (inset S/2) nearest to where the unit comes from.
    corners = fitted.corners()
    near = corners[np.argmin(np.hypot(corners[:, 0] + 50 * NM, corners[:, 1] - 10 * NM))]
    assert math.hypot(pat.x[0] - near[0], pat.y[0] - near[1]) == pytest.approx(s / math.sqrt(2), rel=1e-9)
    # Every point of the rectangle is within S/2 of a leg (the legs cover the area).
    line = LineString(np.c_[pat.x, pat.y])
    rng = np.random.default_rng(0)
    a = rng.uniform(-0.5, 0.5, 500) * fitted.leg_m
    b = rng.uniform(-0.5, 0.5, 500) * fitted.creep_m
    pts = [fitted.point(ai, bi) for ai, bi in zip(a, b)]
    assert max(line.distance(Point(p)) for p in pts) <= 0.5 * s * math.sqrt(2) + 1e-6


@pytest.mark.parametrize("effort_nm2", [5.0, 23.0, 61.0])
def test_expanding_square(effort_nm2):
    s = 0.5 * NM
    track = effort_nm2 * NM**2 / W
    pat = expanding_square((3000.0, 4000.0), 37.0, s, track)
    assert pat.track_length_m * W == pytest.approx(effort_nm2 * NM**2, rel=0.01)
    assert _inside_within(pat, 0.5 * s)
    legs = pat.leg_lengths_m
    # Legs S, S, 2S, 2S, …: all but the last (cut) are whole multiples, and consecutive parallel legs are S apart.
    np.testing.assert_allclose(legs[:-1], s * (np.arange(legs.size - 1) // 2 + 1), rtol=1e-9)
    assert pat.first_leg_bearing_deg == pytest.approx(37.0)
    x, y = pat.x, pat.y
    th = math.radians(37.0)
    along = (x - x[0]) * math.sin(th) + (y - y[0]) * math.cos(th)
    # Legs 2 and 4 (headings 90° and 270° from the first) run at along-offsets S and −S: 2S apart, one spacing each side.
    if legs.size >= 5:
        assert along[1] == pytest.approx(s) and along[3] == pytest.approx(-s) and along[5] == pytest.approx(2 * s)


@pytest.mark.parametrize("effort_nm2", [3.0, 12.0])
def test_sector_search(effort_nm2):
    track = effort_nm2 * NM**2 / W
    r = track / 9
    pat = sector_search((0.0, 0.0), 20.0, r)
    assert len(pat.x) == 10
    assert pat.track_length_m * W == pytest.approx(effort_nm2 * NM**2, rel=0.01)
    np.testing.assert_allclose(pat.leg_lengths_m, r, rtol=1e-9)
    assert _inside_within(pat, 0.5 * pat.spacing_m)
    # Returns through the datum; six outer points 60° apart on the circle, neighbours S = R apart.
    np.testing.assert_allclose(np.hypot(pat.x[[3, 6, 9]], pat.y[[3, 6, 9]]), 0.0, atol=1e-6)
    outer = np.c_[pat.x[[1, 2, 4, 5, 7, 8]], pat.y[[1, 2, 4, 5, 7, 8]]]
    np.testing.assert_allclose(np.hypot(*outer.T), r, rtol=1e-9)
    ang = np.sort(np.degrees(np.arctan2(outer[:, 1], outer[:, 0])) % 360)
    np.testing.assert_allclose(np.diff(ang), 60.0, atol=1e-6)
    assert pat.spacing_m == pytest.approx(r)


@pytest.mark.parametrize("passes", [1, 2, 3])
def test_track_line(passes):
    s = 1.0 * NM
    effort_nm2 = 40.0
    track = effort_nm2 * NM**2 / W
    length = (track - (passes - 1) * s) / passes
    start = (0.0, 0.0)
    end = (length * math.sin(math.radians(60)), length * math.cos(math.radians(60)))
    pat = track_line(start, end, s, passes)
    assert pat.track_length_m * W == pytest.approx(effort_nm2 * NM**2, rel=0.01)
    assert _inside_within(pat, 0.5 * s)
    assert pat.first_leg_bearing_deg == pytest.approx(60.0)
    if passes > 1:
        sp = np.abs(_parallel_leg_spacings(pat))
        np.testing.assert_allclose(sp, s, rtol=1e-9)
