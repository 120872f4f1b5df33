"""Unit kinematics: fly-by turns on arcs, constant speed, transit (closed forms)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import replay_data as rd

from sarex.geo import LocalProjection
from sarex.exercise.kinematics import fly_by_path, sail_route
from sarex.exercise.planned import pattern_from_waypoints
from sarex.exercise.replay import evaluate_replay

NM = 1852.0  # m per nautical mile (exact)


def test_single_right_angle_turn():
    R = 500.0
    px, py = fly_by_path(np.array([0.0, 5000.0, 5000.0]), np.array([0.0, 0.0, 4000.0]), R, arc_step_deg=0.5)
    length = np.hypot(np.diff(px), np.diff(py)).sum()
    # two legs shortened by R each, plus a quarter circle
    assert length == pytest.approx(5000 + 4000 - 2 * R + math.pi * R / 2, rel=1e-5)
    # the corner is cut by R (sqrt(2) - 1)
    assert np.hypot(px - 5000.0, py - 0.0).min() == pytest.approx(R * (math.sqrt(2) - 1), rel=1e-4)
    # zero radius: the waypoints themselves
    qx, qy = fly_by_path(np.array([0.0, 5000.0, 5000.0]), np.array([0.0, 0.0, 4000.0]), 0.0)
    assert np.hypot(np.diff(qx), np.diff(qy)).sum() == pytest.approx(9000.0)


def test_speed_transit_and_timing():
    lon0, lat0 = 129.6, 34.8
    csp = rd.step(lon0, lat0, 90.0, 10 * NM)
    end = rd.step(*csp, 90.0, 6 * NM)
    tr, t_csp = sail_route((lon0, lat0), 1000.0, [csp, end], speed_kn=10.0, turn_radius_m=300.0, transit_speed_kn=20.0, dt_s=30.0)
    # collinear route: no turn; 10 NM at 20 kn then 6 NM at 10 kn
    assert t_csp - 1000.0 == pytest.approx(1800.0, rel=1e-3)
    assert tr.time_s[-1] - 1000.0 == pytest.approx(1800.0 + 2160.0, rel=1e-3)
    assert np.all(np.diff(tr.time_s) <= 30.0 + 1e-9)
    assert tr.lon[-1] == pytest.approx(end[0], abs=1e-7) and tr.lat[-1] == pytest.approx(end[1], abs=1e-7)


def test_simulated_pattern_replays_with_closed_form_effort():
    # a parallel sweep flown with fly-by turns of radius R: each 90-degree turn shortens the path by 2R - pi R / 2
    R = 400.0
    plan = rd.parallel_sweep("U", 129.60, 34.80)
    south = rd.step(plan.lon[0], plan.lat[0], 180.0, 5 * NM)  # transit from the south: no turn at the CSP
    tr, _ = sail_route(south, 0.0, np.column_stack([plan.lon, plan.lat]), 12.0, R, dt_s=10.0, unit_id="U")
    pat = pattern_from_waypoints("U", np.column_stack([plan.lon, plan.lat]), plan.sweep_width_nm, plan.spacing_nm)
    res = evaluate_replay({"U": pat}, {"U": tr})
    u = res.units[0]
    turns = len(plan.lon) - 2
    expected = (u.planned_length_m - turns * (2 * R - math.pi * R / 2)) / u.planned_length_m
    assert u.effort_ratio == pytest.approx(expected, abs=1e-3)
    # the largest cross-track error is mid-turn, where the active leg switches: R (1 - cos 45 deg)
    assert u.xte_max_m == pytest.approx(R * (1 - math.cos(math.pi / 4)), rel=0.02)
    assert u.offset_m < 0.1 * R


def test_short_legs_shrink_the_turns():
    # legs 1000 m apart with R = 800 m: the two turns share the 1000 m leg (effective R = 500 m)
    px, py = fly_by_path(np.array([0.0, 0.0, 1000.0, 1000.0]), np.array([0.0, 5000.0, 5000.0, 0.0]), 800.0, arc_step_deg=0.5)
    length = np.hypot(np.diff(px), np.diff(py)).sum()
    r = 500.0
    assert length == pytest.approx(5000 + 1000 + 5000 - 4 * r + math.pi * r, rel=1e-4)
    f = LocalProjection(129.0, 34.0)
    x, y = f.forward(*f.inverse(px, py))
    np.testing.assert_allclose(x, px, atol=1e-6)


def test_on_task_at_the_csp_even_when_a_later_leg_passes_through_it():
    """A later leg (a second pass, an interleaved leg) crossing the CSP exactly must not be taken for the end of the transit.

    Start 20 km south-west of the CSP, transit 20 kn, search 10 kn: on task after 28.28 km of transit
    (minus the corner the 45° fly-by turn cuts, under 100 m), and the whole pattern is searched after it.
    """
    frame = LocalProjection(129.5, 34.5)
    # The last legs pass straight through a waypoint on the CSP itself (distance 0), closer than the 45° turn there.
    xy = np.array([[-20000.0, -20000.0], [0.0, 0.0], [5000.0, 0.0], [5000.0, 5000.0], [0.0, 5000.0], [0.0, 0.0], [0.0, -5000.0]])
    lon, lat = frame.inverse(xy[:, 0], xy[:, 1])
    t0 = 1.8e9
    track, t_csp = sail_route((float(lon[0]), float(lat[0])), t0, np.c_[lon[1:], lat[1:]], 10.0, 300.0, transit_speed_kn=20.0, dt_s=60.0)
    v_t, v_s = 20 * NM / 3600, 10 * NM / 3600
    assert t_csp - t0 == pytest.approx(math.hypot(20000, 20000) / v_t, abs=100 / v_t)
    pattern_m = 5000 + 5000 + 5000 + 10000
    assert track.time_s[-1] - t_csp == pytest.approx(pattern_m / v_s, rel=0.02)  # turns shorten it a little
