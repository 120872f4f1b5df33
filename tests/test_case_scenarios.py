"""Start distributions of case scenarios against closed forms and independent computations."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pyproj
import pytest
from scipy import stats
from shapely import contains_xy
from shapely.geometry import Polygon

from case_data import one
from sarex.drift.case import parse_case
from sarex.drift.case.build import sample_scenario
from sarex.drift.case.model import At
from sarex.drift.case.fixes import bearing_fix
from sarex.drift.case.model import Station

GEOD = pyproj.Geod(ellps="WGS84")
N = 100_000
T0 = "2026-01-15T03:00:00Z"
T0_S = 1768446000.0


def _scenario(text: str):
    return parse_case(tomllib.loads(one(text)), "t").scenario[0]


def _sample(text: str, n: int = N, seed: int = 1):
    return sample_scenario(np.random.default_rng(seed), n, _scenario(text), At("t", 0, "S"))


def _east_north(lon0, lat0, lon, lat):
    az, _, d = GEOD.inv(np.full(lon.size, lon0), np.full(lon.size, lat0), lon, lat)
    a = np.radians(az)
    return d * np.sin(a), d * np.cos(a)


def test_cep_contains_half_and_95_percent():
    lon, lat, t = _sample(f'type = "point"\nlon = 129.7\nlat = 34.8\ntime = "{T0}"\ncep_m = 1000')
    _, _, d = GEOD.inv(np.full(N, 129.7), np.full(N, 34.8), lon, lat)
    sigma = 1000.0 / math.sqrt(2 * math.log(2))
    assert abs(np.mean(d <= 1000.0) - 0.50) < 0.01
    assert abs(np.mean(d <= sigma * math.sqrt(-2 * math.log(0.05))) - 0.95) < 0.01
    assert np.all(t == T0_S)


@pytest.mark.parametrize("containment", [0.95, 0.5, 0.99])
def test_ellipse_contains_stated_probabilities(containment):
    a, b, th = 6000.0, 1500.0, 35.0
    lon, lat, _ = _sample(f'type = "point"\nlon = 129.7\nlat = 34.8\ntime = "{T0}"\n'
                          f'ellipse = {{semi_major_m = {a}, semi_minor_m = {b}, orientation_deg = {th}, containment = {containment}}}')
    e, n = _east_north(129.7, 34.8, lon, lat)
    r = math.radians(th)
    u = e * math.sin(r) + n * math.cos(r)  # along the major axis
    v = e * math.cos(r) - n * math.sin(r)
    m = (u / a) ** 2 + (v / b) ** 2  # 1 on the stated ellipse
    k = math.sqrt(-2 * math.log(1 - containment))
    for p in (0.5, 0.95):
        kp = math.sqrt(-2 * math.log(1 - p))
        assert abs(np.mean(m <= (kp / k) ** 2) - p) < 0.01


def test_radius_is_one_sigma_and_window_uniform():
    lon, lat, t = _sample(f'type = "point"\nlon = 129.7\nlat = 34.8\ntime = "{T0}"\nend_time = "2026-01-15T05:00:00Z"\nradius_m = 500')
    e, n = _east_north(129.7, 34.8, lon, lat)
    assert np.std(e) == pytest.approx(500.0, rel=0.01) and np.std(n) == pytest.approx(500.0, rel=0.01)
    assert stats.kstest((t - T0_S) / 7200.0, "uniform").pvalue > 0.01


def test_area_uniform_in_true_area():
    poly = [[129.0, 33.0], [131.0, 33.0], [131.0, 37.0], [129.0, 37.0]]
    lon, lat, _ = _sample(f'type = "area"\npolygon = {poly}\ntime = "{T0}"')
    assert contains_xy(Polygon(poly), lon, lat).all()
    south = abs(GEOD.polygon_area_perimeter([129, 131, 131, 129], [33, 33, 35, 35])[0])
    total = abs(GEOD.polygon_area_perimeter([129, 131, 131, 129], [33, 33, 37, 37])[0])
    p = south / total  # > 0.5: the southern half is wider
    se = math.sqrt(p * (1 - p) / N)
    assert abs(np.mean(lat < 35.0) - p) < 3 * se


def _voyage(extra: str = "", legs: str = "great-circle") -> str:
    return (f'type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "{T0}"\nwaypoints = [[129.6, 34.9], [130.2, 34.6]]\n'
            f'speed_min_kn = 10\nspeed_cruise_kn = 10\nspeed_max_kn = 10\nlegs = "{legs}"\n{extra}')


def test_voyage_distress_uniform_over_voyage_with_dwell():
    lon, lat, t = _sample(_voyage("dwell_h = [2.0]"))
    d1 = GEOD.inv(129.0, 34.5, 129.6, 34.9)[2]
    d2 = GEOD.inv(129.6, 34.9, 130.2, 34.6)[2]
    duration = (d1 + d2) / (10 * 1852 / 3600) + 7200.0
    assert stats.kstest((t - T0_S) / duration, "uniform").pvalue > 0.01
    # the share at the intermediate waypoint is the dwell's share of the voyage
    at_wp = np.hypot(lon - 129.6, lat - 34.9) < 1e-9
    p = 7200.0 / duration
    assert abs(at_wp.mean() - p) < 3 * math.sqrt(p * (1 - p) / N)
    # position is consistent with time: before the waypoint on leg 1
    early = t - T0_S < 0.5 * d1 / (10 * 1852 / 3600)
    assert np.all(lon[early] < 129.31)


def test_voyage_hazard_concentrates_distress():
    k = 4.0
    hz = "hazard = [{polygon = [[129.3, 34.4], [129.5, 34.4], [129.5, 34.6], [129.3, 34.6]], factor = 4.0}]"
    text = (f'type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "{T0}"\nwaypoints = [[130.0, 34.5]]\n'
            f'speed_min_kn = 8\nspeed_cruise_kn = 10\nspeed_max_kn = 14\nlegs = "rhumb"\n{hz}')
    lon, lat, t = _sample(text)
    assert np.allclose(lat, 34.5)  # a rhumb line along a parallel
    t_in, t_out = 0.2, 0.8  # shares of the (constant-speed) sailing time: distance along a parallel ∝ Δlon
    p = k * t_in / (k * t_in + t_out)
    inside = (lon > 129.3) & (lon < 129.5)
    assert abs(inside.mean() - p) < 3 * math.sqrt(p * (1 - p) / N)


def test_voyage_speed_from_arrival_time():
    text = (f'type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "{T0}"\nwaypoints = [[130.0, 34.5]]\n'
            f'arrival_time = "2026-01-15T09:00:00Z"\nlegs = "rhumb"')
    lon, lat, t = _sample(text, n=20_000)
    assert t.min() >= T0_S and t.max() <= T0_S + 6 * 3600
    # constant speed: the position is linear in time along the parallel
    assert np.allclose(lon, 129.0 + (t - T0_S) / (6 * 3600), atol=2e-4)


def test_dead_reckoning_distance_and_course():
    text = f'type = "dead-reckoning"\nlon = 129.0\nlat = 34.5\ntime = "{T0}"\nuntil = "2026-01-15T07:00:00Z"\ncourse_deg = 60\ncourse_sd_deg = 5\nspeed_min_kn = 6\nspeed_max_kn = 12'
    lon, lat, t = _sample(text)
    az, _, d = GEOD.inv(np.full(N, 129.0), np.full(N, 34.5), lon, lat)
    speed_kn = d / np.maximum(t - T0_S, 1e-9) / (1852 / 3600)
    ok = t - T0_S > 60
    assert speed_kn[ok].min() > 6 - 1e-6 and speed_kn[ok].max() < 12 + 1e-6
    assert np.mean(az[ok]) == pytest.approx(60.0, abs=0.1) and np.std(az[ok]) == pytest.approx(5.0, rel=0.02)
    assert stats.kstest((t - T0_S) / (4 * 3600), "uniform").pvalue > 0.01


def test_beacon_ab_split():
    fixes = ('fixes = [{lon = 129.5, lat = 34.6, probability = 0.7, radius_m = 2000}, '
             '{lon = 131.0, lat = 33.0, probability = 0.3, cep_m = 5000}]')
    lon, lat, _ = _sample(f'type = "beacon"\n{fixes}\ntime = "{T0}"')
    a = lon < 130.2
    assert abs(a.mean() - 0.7) < 3 * math.sqrt(0.21 / N)
    _, _, d = GEOD.inv(np.full(int((~a).sum()), 131.0), np.full(int((~a).sum()), 33.0), lon[~a], lat[~a])
    assert abs(np.mean(d <= 5000) - 0.5) < 0.01


def _lines(rng, truth, n_lines, sd_deg, wild: float = 0.0):
    """Stations 30–80 NM from the truth, lines at least 20° apart at the truth; bearings with noise."""
    while True:
        az_from_truth = rng.uniform(0, 360, n_lines)
        diffs = np.abs(((az_from_truth[:, None] - az_from_truth[None, :]) + 90) % 180 - 90)
        if n_lines == 1 or diffs[np.triu_indices(n_lines, 1)].min() > 20:
            break
    dist = rng.uniform(30, 80, n_lines) * 1852
    slon, slat, _ = GEOD.fwd(np.full(n_lines, truth[0]), np.full(n_lines, truth[1]), az_from_truth, dist)
    az, _, _ = GEOD.inv(slon, slat, np.full(n_lines, truth[0]), np.full(n_lines, truth[1]))
    meas = az + rng.standard_normal(n_lines) * sd_deg
    if wild:
        meas[0] += wild
    return [Station(lon=float(a), lat=float(b), bearing_deg=float(m), sd_deg=sd_deg, max_range_nm=120) for a, b, m in zip(slon, slat, meas)]


@pytest.mark.slow
def test_bearing_fix_95_percent_ellipse_covers_95_percent_of_truths():
    rng = np.random.default_rng(5)
    inside = 0
    trials = 1000
    for _ in range(trials):
        truth = (rng.uniform(128.5, 130.5), rng.uniform(33.5, 35.5))
        st = _lines(rng, truth, int(rng.integers(2, 6)), float(rng.uniform(1.0, 3.0)))
        fix = bearing_fix(st)
        if fix is not None and fix.mahalanobis2(*truth) <= -2 * math.log(0.05):
            inside += 1
    assert abs(inside / trials - 0.95) <= 0.015


@pytest.mark.slow
def test_wild_bearing_rejected():
    rng = np.random.default_rng(6)
    trials = 1000
    rejected = 0
    for _ in range(trials):
        truth = (rng.uniform(128.5, 130.5), rng.uniform(33.5, 35.5))
        st = _lines(rng, truth, int(rng.integers(4, 7)), 2.0, wild=30.0)  # 3-5 good lines and one 30° off
        fix = bearing_fix(st)
        rejected += fix is not None and 0 in fix.rejected and 0 not in fix.used
    assert rejected / trials >= 0.99


def test_single_bearing_wedge():
    st = "stations = [{lon = 129.0, lat = 34.5, bearing_deg = 90, sd_deg = 3, min_range_nm = 10, max_range_nm = 40}]"
    lon, lat, _ = _sample(f'type = "bearings"\n{st}\ntime = "{T0}"', n=20_000)
    az, _, d = GEOD.inv(np.full(lon.size, 129.0), np.full(lon.size, 34.5), lon, lat)
    assert np.all(np.abs(az - 90) <= 1.96 * 3 + 0.1) and d.min() > 10 * 1852 * 0.999 and d.max() < 40 * 1852 * 1.001
    # uniform in area: the share beyond the mid radius of an annulus sector
    r_mid = 25.0
    p = (40**2 - r_mid**2) / (40**2 - 10**2)
    assert abs(np.mean(d > r_mid * 1852) - p) < 3 * math.sqrt(p * (1 - p) / lon.size) + 0.005


def test_voyage_distress_window_places_the_vessel_on_its_schedule():
    text = (f'type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "{T0}"\nwaypoints = [[129.5, 34.5], [130.0, 34.5]]\n'
            'speed_min_kn = 10\nspeed_cruise_kn = 10\nspeed_max_kn = 10\nlegs = "rhumb"\ndwell_h = [1.0]\n'
            'distress_time = "2026-01-15T04:00:00Z"\ndistress_end_time = "2026-01-15T12:00:00Z"')
    lon, lat, t = _sample(text, n=20_000)
    v = 10 * 1852 / 3600
    leg = GEOD.inv(129.0, 34.5, 129.5, 34.5)[2]  # along a parallel the rhumb line is the parallel
    dt = t - T0_S
    # independent schedule: sail leg 1, dwell 1 h at the waypoint, sail leg 2, then stay at the end
    s = np.where(dt < leg / v, dt * v, np.where(dt < leg / v + 3600, leg, np.minimum(leg + (dt - leg / v - 3600) * v, 2 * leg)))
    want_lon = 129.0 + 0.5 * s / leg
    assert np.abs(lon - want_lon).max() < 1e-3
    assert t.min() >= T0_S + 3600 and t.max() <= T0_S + 9 * 3600


def test_bearings_scenario_is_normal_about_the_fix():
    st = ("stations = [{lon = 129.40, lat = 35.20, bearing_deg = 120, sd_deg = 2, max_range_nm = 60}, "
          "{lon = 130.30, lat = 35.30, bearing_deg = 220, sd_deg = 2, max_range_nm = 60}, "
          "{lon = 129.60, lat = 34.50, bearing_deg = 40, sd_deg = 3, max_range_nm = 60}]")
    sc = _scenario(f'type = "bearings"\n{st}\ntime = "{T0}"')
    fix = bearing_fix(sc.stations)
    assert fix is not None and fix.used == [0, 1, 2]
    lon, lat, _ = sample_scenario(np.random.default_rng(3), N, sc, At("t", 0, "S"))
    e, n = _east_north(fix.lon, fix.lat, lon, lat)
    cov = np.cov(np.stack([e, n]))
    np.testing.assert_allclose(cov, fix.cov, rtol=0.03, atol=0.03 * np.sqrt(fix.cov[0, 0] * fix.cov[1, 1]))
    m2 = np.einsum("ij,ji->i", np.stack([e, n], 1) @ np.linalg.inv(fix.cov), np.stack([e, n]))
    assert abs(np.mean(m2 <= -2 * math.log(0.05)) - 0.95) < 0.01


def test_voyage_hazard_applies_inside_a_distress_window():
    # Departure 03:00 at 129.0E, arrival 13:00 at 130.0E along the parallel 34.5N (rhumb line =
    # parallel, distance ∝ Δlon, speed constant from the arrival time): the vessel is at
    # 129.0 + 0.1·h E, h hours after departure. Window 05:00–12:00 (h = 2..9); the hazard covers
    # 129.4–129.6E (h = 4..6): 2 h inside, 5 h outside the hazard within the window.
    k = 4.0
    hz = f"hazard = [{{polygon = [[129.4, 34.4], [129.6, 34.4], [129.6, 34.6], [129.4, 34.6]], factor = {k}}}]"
    text = (f'type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "{T0}"\nwaypoints = [[130.0, 34.5]]\n'
            'arrival_time = "2026-01-15T13:00:00Z"\nlegs = "rhumb"\n'
            f'distress_time = "2026-01-15T05:00:00Z"\ndistress_end_time = "2026-01-15T12:00:00Z"\n{hz}')
    lon, lat, t = _sample(text)
    p = k * 2.0 / (k * 2.0 + 5.0)  # 8/13
    inside = (lon > 129.4) & (lon < 129.6)
    assert abs(inside.mean() - p) < 3 * math.sqrt(p * (1 - p) / N)
    # the times are those of the positions (the schedule), and uniform within each part
    h = (t - T0_S) / 3600.0
    assert np.abs(lon - (129.0 + 0.1 * h)).max() < 1e-6 and h.min() >= 2.0 and h.max() <= 9.0
    before = (h > 2.0) & (h < 4.0)
    assert abs(before.mean() - 2.0 / 13.0) < 3 * math.sqrt((2 / 13) * (11 / 13) / N)
