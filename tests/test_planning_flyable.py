"""Issue 13: plans a crew can fly — spacing vs turn radius, bounded coverage, turns in the route time,
Stone's closed form as the reference, effort only where it counts (reserve, SMC force/exclude/pin)."""

from __future__ import annotations

import dataclasses
import math
from itertools import combinations

import numpy as np
import pytest
from planning_fixtures import NM, T0, ring_sru, static_normal_drift

from sarex.exercise.kinematics import fly_by_path
from sarex.planning.cloud import period_cloud
from sarex.planning.exports import unit_route
from sarex.planning.optimal import circular_normal_pos
from sarex.planning.patterns import fit_flyable_sweep, flyby_fits, sweep
from sarex.planning.plantypes import PlannerSettings
from sarex.planning.planner import Planner, Sru
from sarex.planning.rectangle import Rectangle

HOURS = 6
KN = NM / 3600


def _path_length(x, y):
    return float(np.sum(np.hypot(np.diff(x), np.diff(y))))


@pytest.mark.parametrize("radius_m, track_nm", [(1200.0, 150.0), (150.0, 60.0), (600.0, 40.0)])
def test_flyable_sweep_spacing_coverage_and_turn_length(radius_m, track_nm):
    w = 1.7 * NM
    rect = Rectangle(0.0, 0.0, 0.4, 12 * NM, 6 * NM)
    fitted, n, s, flown = fit_flyable_sweep(rect, track_nm * NM, radius_m, w / 2.0, w / 0.5)
    assert s >= 2 * radius_m and s >= w / 2.0 - 1e-9 and s <= w / 0.5 + 1e-9
    assert flown <= track_nm * NM * (1 + 1e-12)
    cov = w * flown / fitted.area_m2
    assert 0.5 <= cov <= 2.0
    pat = sweep(fitted, n, (-30 * NM, 0.0), radius_m)
    assert flyby_fits(pat.x, pat.y, radius_m)
    # Flown length from the kinematics module's independent fly-by path (2° arc steps), within 0.1 %.
    px, py = fly_by_path(pat.x, pat.y, radius_m)
    assert pat.track_length_m == pytest.approx(_path_length(px, py), rel=1e-3)
    assert pat.track_length_m == pytest.approx(flown, rel=1e-9)
    # Closed form: n legs of (leg − S), n−1 cross legs S, each U-turn (two 90° arcs) saves (4 − π)R.
    assert flown == pytest.approx(n * fitted.leg_m - s - (n - 1) * (4 - math.pi) * radius_m, rel=1e-12)


def test_coverage_above_the_bound_cuts_the_track_instead():
    # 200 NM of track for a 4 × 4 NM box with W = 1 NM would be coverage 12: the legs stay W/2 apart and the track is cut.
    rect = Rectangle(0.0, 0.0, 0.0, 4 * NM, 4 * NM)
    fitted, n, s, flown = fit_flyable_sweep(rect, 200 * NM, 100.0, NM / 2.0, NM / 0.5)
    assert s == pytest.approx(NM / 2.0)
    assert NM * flown / fitted.area_m2 <= 2.0
    assert flown < 40 * NM
    # Spacing below a turn diameter is never planned: R = 1.5 NM forces S ≥ 3 NM whatever the coverage asks.
    got = fit_flyable_sweep(Rectangle(0.0, 0.0, 0.0, 30 * NM, 12 * NM), 100 * NM, 1.5 * NM, NM / 2.0, 1e9)
    assert got is not None and got[2] >= 3 * NM


def _check_flyable(plan, srus, bounds=(0.5, 2.0)):
    by_id = {s.id: s for s in srus}
    for a, b in combinations(plan.assignments, 2):
        assert a.pattern.area.intersection(b.pattern.area).area <= 1e-6 * min(a.pattern.area.area, b.pattern.area.area)
    for a in plan.assignments:
        s = by_id[a.unit_id]
        assert bounds[0] * (1 - 1e-9) <= a.coverage <= bounds[1] * (1 + 1e-9)
        assert a.spacing_m >= 2 * s.turn_radius_m
        assert flyby_fits(a.pattern.x, a.pattern.y, s.turn_radius_m)


def _route_time_s(a, plan):
    """Time to fly the route from its exported waypoints alone, with the kinematics module's fly-by path
    (2° arcs): transit waypoints at transit speed, the search waypoints (CSP … last) at search speed; the unit
    reaches the CSP and the last search waypoint (point turns there)."""
    pts = unit_route(a, plan)
    lon = np.array([p.lon for p in pts])
    lat = np.array([p.lat for p in pts])
    x, y = plan.frame.forward(lon, lat)
    kinds = [p.kind for p in pts]
    i_csp, i_last = kinds.index("search"), len(kinds) - 1 - kinds[::-1].index("search")

    def flown(lo, hi):
        if hi - lo < 1:
            return 0.0
        px, py = fly_by_path(x[lo : hi + 1], y[lo : hi + 1], a.turn_radius_m)
        return _path_length(px, py)

    search = flown(i_csp, i_last) / a.search_speed_ms
    return flown(0, i_csp) / a.transit_speed_ms + search + flown(i_last, len(pts) - 1) / a.transit_speed_ms, search


@pytest.fixture(scope="module")
def normal5():
    return period_cloud(static_normal_drift(5 * NM, 20000, seed=1, hours=HOURS), T0, T0 + HOURS * 3600)


def _units(k, h, sigma, w=0.25 * NM, radius=100.0):
    z = math.pi * sigma**2 * h**2
    speed = z / w / (HOURS * 3600) / k
    return [dataclasses.replace(ring_sru(i, k, w, speed), turn_radius_m=radius) for i in range(k)]


@pytest.mark.parametrize("k, h", [(3, 0.5), (3, 1.0), (3, 2.0), pytest.param(6, 0.5, marks=pytest.mark.slow),
                                  pytest.param(6, 1.0, marks=pytest.mark.slow), pytest.param(6, 2.0, marks=pytest.mark.slow)])
def test_stone_bar_95_percent_of_closed_form(normal5, k, h):
    """Static circular normal cloud, σ = 5 NM: POS ≥ 95 % of Stone's P* = 1 − (1 + H)e^{−H} (REFERENCES §5)."""
    srus = _units(k, h, 5 * NM)
    plan = Planner(normal5, "exponential", seed=0).plan(srus)
    p_star = circular_normal_pos(math.pi * (5 * NM) ** 2 * h**2, 5 * NM)
    assert len(plan.assignments) == k and not plan.reserve
    print(f"k={k} H={h}: POS {plan.total_pos:.4f} P* {p_star:.4f} ratio {plan.total_pos / p_star:.3f}")
    assert plan.total_pos >= 0.95 * p_star
    _check_flyable(plan, srus)
    for a in plan.assignments:
        total, search = _route_time_s(a, plan)
        assert total == pytest.approx(a.return_s - a.depart_s, rel=0.01)
        assert search == pytest.approx(a.search_end_s - a.arrive_s, rel=0.01)


@pytest.mark.slow
def test_wide_cloud_six_units_of_two_nations():
    """σ = 15 NM: no single unit suffices; three KR ships and three JP aircraft reach ≥ 90 % of P*, areas apart."""
    sigma = 15 * NM
    cloud = period_cloud(static_normal_drift(sigma, 20000, seed=3, hours=HOURS), T0, T0 + HOURS * 3600)
    ships = [Sru(f"KR-ship{i}", 0.6 * NM, 12 * KN, 18 * KN, 1e6, (40 * NM * math.cos(a), 40 * NM * math.sin(a)), T0 - 4 * 3600, turn_radius_m=500.0)
             for i, a in enumerate((0.3, 1.2, 2.1))]
    planes = [Sru(f"JP-air{i}", 1.5 * NM, 150 * KN, 250 * KN, 3 * 3600.0, (-80 * NM, 20 * NM * (i - 1)), T0 - 1800, turn_radius_m=1200.0)
              for i in range(3)]
    srus = ships + planes
    plan = Planner(cloud, "exponential", seed=0).plan(srus)
    p_star = circular_normal_pos(plan.total_effort_m2, sigma)
    print(f"wide: POS {plan.total_pos:.4f} P* {p_star:.4f} ratio {plan.total_pos / p_star:.3f}, H {math.sqrt(plan.total_effort_m2 / math.pi) / sigma:.2f}")
    assert len(plan.assignments) == 6 and max(a.pos for a in plan.assignments) < 0.5 * plan.total_pos
    assert plan.total_pos >= 0.90 * p_star
    _check_flyable(plan, srus)
    polys = [a.pattern.area for a in plan.assignments]
    for p, q in combinations(polys, 2):
        assert not p.overlaps(q) and p.intersection(q).area == 0.0


def test_unit_that_adds_little_is_held_in_reserve_unless_forced(normal5):
    big = Sru("big", 1.0 * NM, 150 * KN, 250 * KN, 1e6, (-30 * NM, 0.0), T0 - 3600, turn_radius_m=800.0)
    # A slow boat with a small sweep width, 35 NM away: a few minutes on task at most.
    tiny = Sru("tiny", 0.1 * NM, 8 * KN, 10 * KN, 1e6, (35 * NM, 0.0), T0 + 1.5 * 3600, turn_radius_m=100.0)
    # The reserve rule is the SMC's choice since issue 32 (--min-marginal-pct, default 0): set to 1 % here.
    smc = PlannerSettings(min_marginal_pos=0.01)
    plan = Planner(normal5, "exponential", seed=0, settings=smc).plan([big, tiny])
    assert [a.unit_id for a in plan.assignments] == ["big"]
    assert "tiny" in plan.reserve and "held in reserve" in plan.reserve["tiny"] and "% POS" in plan.reserve["tiny"]
    assert plan.assignments[0].marginal_pos >= 0.01
    forced = Planner(normal5, "exponential", seed=0, settings=smc).plan([big, tiny], force=["tiny"])
    f = {a.unit_id: a for a in forced.assignments}
    assert set(f) == {"big", "tiny"} and f["tiny"].smc == "forced" and f["tiny"].marginal_pos < 0.01
    assert "forced by the SMC" in f["tiny"].reason
    ex = Planner(normal5, "exponential", seed=0).plan([big, tiny], exclude=["big"], force=["tiny"])
    assert ex.reserve == {"big": "excluded by the SMC"} and [a.unit_id for a in ex.assignments] == ["tiny"]
    # A pinned area is searched where the SMC put it.
    pin = Rectangle(6 * NM, 0.0, 0.0, 8 * NM, 4 * NM)
    pp = Planner(normal5, "exponential", seed=0).plan([big], pins={"big": pin})
    a = pp.assignments[0]
    assert a.smc == "pinned" and pin.contains(a.pattern.x, a.pattern.y, margin_m=1.0).all()
