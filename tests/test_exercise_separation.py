"""Separation alerts (issue 30): closed forms for the CPA of straight tracks and hand-placed units.

Units are placed with pyproj's geodesic (``Geod.fwd``), independent of the kernel's projection.
"""

from __future__ import annotations

import math

import pyproj
import pytest

from sarex.exercise.separation import SeparationSettings, Tasking, UnitReport, check_report, cpa

NM = 1852.0
FT = 0.3048
KN = NM / 3600.0
G = pyproj.Geod(ellps="WGS84")
LON0, LAT0, T = 129.5, 34.6, 1_768_456_800.0


def at(az_deg: float, dist_nm: float) -> tuple[float, float]:
    lon, lat, _ = G.fwd(LON0, LAT0, az_deg, dist_nm * NM)
    return lon, lat


def rep(unit, nation, aircraft, lonlat=(LON0, LAT0), alt_ft=0.0, t=T, ve_kn=0.0, vn_kn=0.0):
    return UnitReport(unit, nation, aircraft, lonlat[0], lonlat[1], alt_ft * FT, t, ve_kn * KN, vn_kn * KN)


def kinds(alerts):
    return [a.kind for a in alerts]


# --- CPA of two straight tracks -------------------------------------------------------------------------------
def test_cpa_head_on_with_offset():
    # B 2 NM north and 0.3 NM east of A, both at 10 kn, A north, B south: closing at 20 kn, CPA 0.3 NM after 6 min.
    c = cpa(0.3 * NM, 2 * NM, 0.0, -20 * KN)
    assert c.distance_m == pytest.approx(0.3 * NM, rel=1e-12) and c.tcpa_s == pytest.approx(360.0, rel=1e-12)


def test_cpa_crossing_at_right_angles_meets():
    # A 1 NM west moving east at 12 kn, B 1 NM south moving north at 12 kn: both reach the origin after 5 min.
    # B relative to A: position (+1, −1) NM, velocity (−12, +12) kn.
    c = cpa(NM, -NM, -12 * KN, 12 * KN)
    assert c.distance_m == pytest.approx(0.0, abs=1e-6) and c.tcpa_s == pytest.approx(300.0, rel=1e-12)


def test_cpa_of_parallel_tracks_is_the_distance_now():
    c = cpa(3 * NM, 4 * NM, 0.0, 0.0)
    assert c == (pytest.approx(5 * NM), 0.0)


def test_cpa_of_opening_tracks_is_in_the_past():
    c = cpa(0.0, 2 * NM, 0.0, 10 * KN)  # B north of A and moving away
    assert c.tcpa_s < 0 and c.distance_m == pytest.approx(0.0, abs=1e-6)


# --- aircraft separation ---------------------------------------------------------------------------------------
def test_two_aircraft_half_a_mile_apart_at_the_same_altitude():
    a = rep("KR-HELO", "KOR", True, alt_ft=500)
    b = rep("JP-HELO", "JPN", True, at(90, 0.5), alt_ft=500, t=T - 10)
    got = check_report(a, [b])
    assert kinds(got) == ["aircraft_separation"]
    al = got[0]
    assert al.units == ("JP-HELO", "KR-HELO") and al.distance_nm == pytest.approx(0.5, abs=1e-3) and al.vertical_ft == 0
    seen = {s.unit: s for s in al.seen}  # each unit sees the other's position and altitude
    assert seen["JP-HELO"].lon == pytest.approx(b.lon, abs=1e-6) and seen["JP-HELO"].alt_m == pytest.approx(500 * FT)


def test_a_thousand_feet_apart_vertically_no_alert_and_400_ft_alert():
    b = rep("JP-HELO", "JPN", True, at(90, 0.5), alt_ft=500)
    assert check_report(rep("KR-P3", "KOR", True, alt_ft=1500), [b]) == []
    got = check_report(rep("KR-P3", "KOR", True, alt_ft=900), [b])
    assert kinds(got) == ["aircraft_separation"] and got[0].vertical_ft == 400


def test_converging_aircraft_warned_by_the_look_ahead():
    # 2 NM apart head-on at 150 kn each: 300 kn closing, 2 NM in 24 s: within the 60 s look-ahead they meet.
    a = rep("A", "KOR", True, alt_ft=1000, ve_kn=150)
    b = rep("B", "JPN", True, at(90, 2.0), alt_ft=1000, ve_kn=-150)
    got = check_report(a, [b])
    assert kinds(got) == ["aircraft_separation"] and got[0].distance_nm == pytest.approx(0.0, abs=0.01)
    # Diverging instead: no alert.
    assert check_report(a._replace(ve_ms=-150 * KN), [b._replace(ve_ms=150 * KN)]) == []


def test_stale_report_is_ignored_and_recent_one_extrapolated():
    b = rep("B", "JPN", True, at(90, 0.5), alt_ft=500, t=T - 61)
    assert check_report(rep("A", "KOR", True, alt_ft=500), [b]) == []
    # 50 s ago 2 NM east flying west at 100 kn: now 2 − 100·50/3600 = 0.611 NM east.
    b = rep("B", "JPN", True, at(90, 2.0), alt_ft=500, t=T - 50, ve_kn=-100)
    got = check_report(rep("A", "KOR", True, alt_ft=500), [b], SeparationSettings(lookahead_s=0.0))
    assert got[0].distance_nm == pytest.approx(2.0 - 100 * 50 / 3600, abs=2e-3)


# --- low pass ------------------------------------------------------------------------------------------------
def test_aircraft_300_ft_above_another_nations_ship_within_a_mile():
    ship = rep("KR-DDG", "KOR", False, t=T - 5)
    got = check_report(rep("JP-P1", "JPN", True, at(45, 0.8), alt_ft=300), [ship])
    assert kinds(got) == ["low_pass"] and got[0].vertical_ft == 300 and got[0].distance_nm == pytest.approx(0.8, abs=1e-3)
    # the ship's report arriving after the aircraft's raises it too
    assert kinds(check_report(ship._replace(time_s=T + 5), [rep("JP-P1", "JPN", True, at(45, 0.8), alt_ft=300)])) == ["low_pass"]


@pytest.mark.parametrize("nation, alt_ft, dist_nm", [("KOR", 300, 0.8), ("JPN", 1200, 0.8), ("JPN", 300, 1.2)])
def test_no_low_pass_over_own_ship_high_or_far(nation, alt_ft, dist_nm):
    ship = rep("KR-DDG", "KOR", False)
    assert check_report(rep("P", nation, True, at(45, dist_nm), alt_ft=alt_ft), [ship]) == []


# --- ship CPA --------------------------------------------------------------------------------------------------
def test_ships_on_collision_course_and_ships_passing_wide():
    a = rep("KR-DDG", "KOR", False, vn_kn=10)
    b = rep("JP-DD", "JPN", False, (G.fwd(*at(0, 2.0), 90, 0.3 * NM)[:2]), vn_kn=-10)
    got = check_report(a, [b])
    # CPA 0.3 NM (east offset) in 6 min (< 0.5 NM, < 12 min); the east offset is along the geodesic, within 1e-3 NM.
    assert kinds(got) == ["ship_cpa"] and got[0].distance_nm == pytest.approx(0.3, abs=2e-3)
    wide = rep("JP-DD", "JPN", False, (G.fwd(*at(0, 2.0), 90, 0.8 * NM)[:2]), vn_kn=-10)
    assert check_report(a, [wide]) == []
    # Closing to 0.3 NM only after 15 min (2 NM at 4 + 4 = 8 kn closing) is beyond the 12-min TCPA: no alert yet.
    slow = b._replace(vn_ms=-4 * KN)
    assert check_report(a._replace(vn_ms=4 * KN), [slow]) == []


# --- outside area / block --------------------------------------------------------------------------------------
def _box(half_nm):
    pts = [at(az, half_nm * math.sqrt(2)) for az in (45, 135, 225, 315)]
    return [list(p) for p in pts + pts[:1]]


def test_outside_area_and_block_while_on_task():
    task = {"A": Tasking(_box(2.0), (1200.0, 1700.0), T - 600, T + 600)}
    inside = rep("A", "KOR", True, at(90, 1.0), alt_ft=1500)
    assert check_report(inside, [], taskings=task) == []
    out = rep("A", "KOR", True, at(90, 4.0), alt_ft=1900)
    got = check_report(out, [], taskings=task)
    assert kinds(got) == ["outside_area", "outside_block"]
    assert got[0].distance_nm == pytest.approx(2.0, abs=0.02) and got[1].vertical_ft == 200
    # within the 1 NM margin and the 100 ft tolerance: nothing; and nothing after the time on task
    assert check_report(rep("A", "KOR", True, at(90, 2.8), alt_ft=1780), [], taskings=task) == []
    assert check_report(out._replace(time_s=T + 601), [], taskings=task) == []


@pytest.mark.parametrize("az", [0, 45, 90, 200, 300])
def test_local_plane_distances_against_the_geodesic(az):
    from sarex.exercise.separation import LocalPlane

    for dist_nm in (0.5, 2.0, 10.0):
        lon, lat = at(az, dist_nm)
        plane = LocalPlane.at(LON0, LAT0)
        x, y = plane.forward(lon, lat)
        assert math.hypot(x, y) / NM == pytest.approx(dist_nm, rel=2e-5), dist_nm
        back = plane.inverse(x, y)
        assert float(back[0]) == pytest.approx(lon, abs=1e-9) and float(back[1]) == pytest.approx(lat, abs=1e-9)
