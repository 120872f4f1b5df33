"""The drift summary (centroid and spread) against an independent projection, with weights,
unreleased and lost particles, across the antimeridian, and the same whatever the thread count."""

from __future__ import annotations

import numba
import numpy as np
import pyproj
import pytest
import xarray as xr

from sarex.drift.summary import summarize, weighted_centroid
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_STRANDED, STATUS_UNRELEASED


def _cloud(lon0, lat0, sd_east_m, sd_north_m, n, seed):
    """Particles with Gaussian east/north offsets (m) in a local azimuthal equidistant plane."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0.0, sd_east_m, n), rng.normal(0.0, sd_north_m, n)
    aeqd = pyproj.Proj(proj="aeqd", lon_0=lon0, lat_0=lat0, ellps="WGS84")
    lon, lat = aeqd(x, y, inverse=True)
    return np.asarray(lon), np.asarray(lat)


def _ds(lon, lat, status, weight):
    n = lon.size
    return xr.Dataset(
        {"lon": (("trajectory", "time"), lon[:, None]), "lat": (("trajectory", "time"), lat[:, None]),
         "status": (("trajectory", "time"), status[:, None].astype(np.int8)), "weight": ("trajectory", weight)},
        coords={"time": [np.datetime64("2026-05-01T06:00")], "trajectory": np.arange(n)},
        attrs={"lkp_lon": 129.0, "lkp_lat": 34.0},
    )


def _reference(lon, lat, w):
    """Centroid by numpy unit vectors; weighted sd of the offsets in a Lambert equal-area plane there."""
    clon, clat = weighted_centroid(lon, lat, w / w.sum())
    x, y = pyproj.Proj(proj="laea", lon_0=clon, lat_0=clat, ellps="WGS84")(lon, lat)
    wk = w / w.sum()
    sd = lambda v: np.sqrt(np.sum(wk * (v - np.sum(wk * v)) ** 2))  # noqa: E731
    return clon, clat, sd(np.asarray(x)), sd(np.asarray(y))


@pytest.mark.parametrize("lon0", [129.3, 179.9])  # the second cloud straddles the antimeridian
def test_summary_matches_an_independent_projection_and_ignores_unreleased_and_nan(lon0):
    lon, lat = _cloud(lon0, 34.5, 15_000.0, 8_000.0, 60_000, seed=3)
    rng = np.random.default_rng(4)
    w = rng.uniform(0.5, 2.0, lon.size)
    status = np.full(lon.size, STATUS_ACTIVE)
    status[:500] = STATUS_STRANDED  # a position, counted
    status[500:1500] = STATUS_UNRELEASED  # not yet at sea: left out
    lon_f, lat_f = lon.copy(), lat.copy()
    lon_f[1500:1600] = np.nan  # no position: left out
    keep = np.r_[np.ones(500, bool), np.zeros(1100, bool), np.ones(lon.size - 1600, bool)]
    s = summarize(_ds(lon_f, lat_f, status, w))
    clon, clat, sdx, sdy = _reference(lon[keep], lat[keep], w[keep])
    assert s["particles"] == keep.sum()
    assert abs(((s["centroid_lon"] - clon + 180) % 360) - 180) < 1e-9 and abs(s["centroid_lat"] - clat) < 1e-9
    # east along parallels and north along the meridian vs the equal-area plane: (d/R)² ~ 1e-5 at 3 sd
    assert s["sd_east_km"] * 1000 == pytest.approx(sdx, rel=2e-4)
    assert s["sd_north_km"] * 1000 == pytest.approx(sdy, rel=2e-4)
    assert 14.5 < s["sd_east_km"] < 15.5 and 7.8 < s["sd_north_km"] < 8.2  # the drawn spreads
    assert s["stranded_fraction"] == pytest.approx(w[:500].sum() / w.sum(), rel=1e-12)


def test_summary_is_the_same_whatever_the_thread_count():
    lon, lat = _cloud(129.3, 34.5, 15_000.0, 8_000.0, 100_000, seed=5)
    ds = _ds(lon, lat, np.full(lon.size, STATUS_ACTIVE), np.full(lon.size, 1e-5))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = summarize(ds)
    finally:
        numba.set_num_threads(threads)
    assert summarize(ds) == one


def test_summary_of_a_time_before_any_release_has_no_position():
    lon, lat = _cloud(129.3, 34.5, 1000.0, 1000.0, 10, seed=1)
    s = summarize(_ds(lon, lat, np.full(10, STATUS_UNRELEASED), np.full(10, 0.1)))
    assert s["particles"] == 0 and np.isnan(s["centroid_lon"]) and np.isnan(s["spread_km"])
