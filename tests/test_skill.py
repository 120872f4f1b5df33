"""Forecast skill: hand-computed straight tracks on the equator, trajan as a peer, containment level."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from sarex.io.driftfile import validate_drift
from sarex.io.track import Track
from sarex.search.skill import liu_weisberg, trajectory_skill
from sarex.times import epoch_s_to_datetime64

A_WGS84 = 6378137.0  # along the equator the WGS84 geodesic is the equatorial arc a·Δλ
T0 = 1768435200.0
DEG = math.pi / 180.0

# observed: east along the equator, DELTA degrees per hour; forecast centroid ahead by
# C + R·k·DELTA degrees after k hours, members ±Q around it (C > Q: both stay ahead)
DELTA, C, R, Q = 0.01, 0.003, 0.25, 0.001
HOURS = 24


def _forecast(ts_h, weights=(0.5, 0.5)):
    k = np.asarray(ts_h, dtype=np.float64)
    lo = DELTA * k
    lon = np.vstack([lo + C + R * k * DELTA + Q, lo + C + R * k * DELTA - Q])
    ds = xr.Dataset(
        {"lon": (("trajectory", "time"), lon), "lat": (("trajectory", "time"), np.zeros_like(lon)), "weight": (("trajectory",), np.array(weights))},
        coords={"trajectory": [0, 1], "time": epoch_s_to_datetime64(T0 + 3600.0 * k)},
    )
    return validate_drift(ds)


def _observed():
    k = np.arange(HOURS + 1, dtype=np.float64)
    return Track(DELTA * k, np.zeros_like(k), T0 + 3600.0 * k, "buoy")


def _s_hand(c_deg: float, n_steps: int) -> float:
    # Σ_{k=1..N} (c + R k δ) / Σ_{k=1..N} k δ  (a·π/180 cancels)
    tri = n_steps * (n_steps + 1) / 2.0
    return (n_steps * c_deg + R * DELTA * tri) / (DELTA * tri)


def test_straight_tracks_hand_computed():
    res = trajectory_skill(_forecast(np.arange(HOURS + 1)), _observed(), lead_hours=(6, 6.5, 12, 24), containment=False)
    for h in (6.0, 12.0, 24.0):
        e = res.at_lead[h]
        assert e["separation_km"] == pytest.approx(A_WGS84 * (C + R * h * DELTA) * DEG / 1000.0, rel=1e-12)
        s = _s_hand(C, int(h))
        assert e["liu_weisberg"]["s"] == pytest.approx(s, rel=1e-12)
        assert e["liu_weisberg"]["ss"] == pytest.approx(max(0.0, 1.0 - s), rel=1e-12)
        # members: their own offsets C ± Q; the weighted mean of member s is the centroid's (linear in C)
        ms = e["liu_weisberg"]["members_s"]
        assert ms["mean"] == pytest.approx(s, rel=1e-12)
        assert ms["p5"] == pytest.approx(_s_hand(C - Q, int(h)), rel=1e-12)  # below the lowest midpoint: the lowest
        assert ms["p95"] == pytest.approx(_s_hand(C + Q, int(h)), rel=1e-12)
        ds = e["members_separation_km"]
        assert ds["mean"] == pytest.approx(A_WGS84 * (C + R * h * DELTA) * DEG / 1000.0, rel=1e-12)
    # a lead between outputs: positions interpolated (exact for uniform motion along the equator)
    assert res.at_lead[6.5]["separation_km"] == pytest.approx(A_WGS84 * (C + R * 6.5 * DELTA) * DEG / 1000.0, rel=1e-12)
    # the whole overlap sums over the output times only: the 24 h value, whatever leads were asked
    assert res.liu_weisberg["s"] == pytest.approx(_s_hand(C, HOURS), rel=1e-12)
    # at 6.5 h the sums run over the outputs 1..6 h and the interpolated 6.5 h point
    k = np.r_[np.arange(1, 7), 6.5]
    s_65 = np.sum(C + R * k * DELTA) / np.sum(k * DELTA)
    assert res.at_lead[6.5]["liu_weisberg"]["s"] == pytest.approx(s_65, rel=1e-12)


def test_skill_tolerance_and_floor():
    lon_o = DELTA * np.arange(5.0)
    zero = np.zeros(5)
    s, ss = liu_weisberg(lon_o, zero, lon_o + 0.1, zero, n=1.0)  # far off: s > 1, skill floored at 0
    assert s == pytest.approx((4 * 0.1) / (DELTA * 10), rel=1e-12) and ss == 0.0
    s2, ss2 = liu_weisberg(lon_o, zero, lon_o + 0.001, zero, n=2.0)
    assert ss2 == pytest.approx(1.0 - s2 / 2.0, rel=1e-12) and s2 == pytest.approx(0.004 / 0.1, rel=1e-12)
    s3, ss3 = liu_weisberg(zero, zero, zero + 0.1, zero)  # observed object did not move: undefined
    assert math.isnan(s3) and math.isnan(ss3)


def test_observed_span_limits_the_overlap():
    obs = _observed()
    late = Track(obs.lon[3:13], obs.lat[3:13], obs.time_s[3:13], "late")
    res = trajectory_skill(_forecast(np.arange(HOURS + 1)), late, lead_hours=(6, 12), containment=False)
    assert res.start_s == T0 + 3 * 3600.0 and res.lead_h[-1] == 9.0
    assert 6.0 in res.at_lead and 12.0 not in res.at_lead  # beyond the overlap: absent, not extrapolated


def test_containment_level_of_a_circular_normal():
    from sarex.search.skill import containment_level

    rng = np.random.default_rng(1)
    n, sigma_m = 40000, 2000.0
    x, y = rng.standard_normal(n) * sigma_m, rng.standard_normal(n) * sigma_m
    lat = 34.0 + y / 111_000.0
    lon = 129.0 + x / (111_000.0 * math.cos(math.radians(34.0)))
    w = np.full(n, 1.0 / n)
    r = lambda q: sigma_m * math.sqrt(-2.0 * math.log(1.0 - q))  # noqa: E731  radius holding q of the mass
    at = lambda rad: containment_level(lon, lat, w, 129.0 + rad / (111_000.0 * math.cos(math.radians(34.0))), 34.0, T0)  # noqa: E731
    assert at(r(0.5)) == pytest.approx(0.5, abs=0.05)
    assert at(r(0.9)) == pytest.approx(0.9, abs=0.03)
    assert at(0.0) < 0.05
    assert at(6 * sigma_m) == 1.0


@pytest.mark.peer
def test_peer_trajan_liu_weisberg():
    skill = pytest.importorskip("trajan.skill")
    rng = np.random.default_rng(7)
    # a curved observed track at mid-latitude and three members starting on it
    lon_o = 129.0 + np.cumsum(np.r_[0, 0.01 + 0.004 * rng.standard_normal(24)])
    lat_o = 34.0 + np.cumsum(np.r_[0, 0.006 + 0.004 * rng.standard_normal(24)])
    for _ in range(3):
        lon_m = lon_o + np.r_[0, np.cumsum(0.003 * rng.standard_normal(24))]
        lat_m = lat_o + np.r_[0, np.cumsum(0.003 * rng.standard_normal(24))]
        for n in (1.0, 0.5):
            s, ss = liu_weisberg(lon_o, lat_o, lon_m, lat_m, n=n)
            ref = skill.liu_weissberg(lon_o, lat_o, lon_m, lat_m, tolerance_threshold=n)
            assert ss == pytest.approx(float(ref), rel=1e-12, abs=1e-15)
            cum = skill.liu_weissberg(lon_o, lat_o, lon_m, lat_m, tolerance_threshold=n, cumulative=True)
            for j in (6, 12, 24):
                _, ssj = liu_weisberg(lon_o[: j + 1], lat_o[: j + 1], lon_m[: j + 1], lat_m[: j + 1], n=n)
                assert ssj == pytest.approx(float(cum[j]), rel=1e-12, abs=1e-15)


def test_containment_level_is_calibrated_for_draws_from_the_ensemble_distribution():
    from sarex.search.skill import containment_level

    rng = np.random.default_rng(5)
    n = 20000
    # an elongated, rotated normal cloud (as a drift ensemble): 3 km x 1 km at 30°
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))

    def draw(k):
        a, b = rng.standard_normal(k) * 3000.0, rng.standard_normal(k) * 1000.0
        x, y = c * a - s * b, s * a + c * b
        return 129.0 + x / (111_320.0 * math.cos(math.radians(34.0))), 34.0 + y / 110_950.0

    lon, lat = draw(n)
    w = np.full(n, 1.0 / n)
    tl, tt = draw(400)
    levels = np.array([containment_level(lon, lat, w, tl[i], tt[i], T0) for i in range(400)])
    assert abs(np.mean(levels <= 0.5) - 0.5) <= 0.05
    assert abs(np.mean(levels <= 0.9) - 0.9) <= 0.03


def test_forecast_in_trajan_obs_layout_scores_like_the_drift_file(tmp_path):
    from sarex.app.observations import skill
    from sarex.io.driftfile import write_drift

    ds = _forecast(np.arange(HOURS + 1), weights=(0.5, 0.5))
    write_drift(ds, tmp_path / "f.nc")
    t = T0 + 3600.0 * np.arange(HOURS + 1)
    obs_layout = xr.Dataset(
        {
            "time": (("trajectory", "obs"), epoch_s_to_datetime64(np.vstack([t, t]))),
            "lon": (("trajectory", "obs"), ds["lon"].values),
            "lat": (("trajectory", "obs"), ds["lat"].values),
        }
    )
    obs_layout.to_netcdf(tmp_path / "f_obs.nc")
    o = _observed()
    rows = "\n".join(f"{np.datetime_as_string(epoch_s_to_datetime64(ti), unit='s')}Z,{x!r},{y!r}" for ti, x, y in zip(o.time_s, o.lon.tolist(), o.lat.tolist()))
    (tmp_path / "o.csv").write_text("time,lon,lat\n" + rows + "\n")
    a = skill(tmp_path / "f.nc", tmp_path / "o.csv").results[0]
    b = skill(tmp_path / "f_obs.nc", tmp_path / "o.csv").results[0]
    assert b.liu_weisberg["s"] == pytest.approx(a.liu_weisberg["s"], rel=1e-12)
    assert b.at_lead[24.0]["separation_km"] == pytest.approx(a.at_lead[24.0]["separation_km"], rel=1e-12)
    assert a.liu_weisberg["s"] == pytest.approx(_s_hand(C, HOURS), rel=1e-12)
