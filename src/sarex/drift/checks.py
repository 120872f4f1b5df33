"""Checks of a drift request against its environment and coastline, before any step runs."""

from __future__ import annotations

import numpy as np

from sarex.drift.seeding import Release, seed
from sarex.environment.base import Environment, OutsidePolicy
from sarex.environment.coast import Coastline
from sarex.errors import OutsideDomainError, SarexInputError
from sarex.times import iso


def check_times(env: Environment, t0: float, t1: float) -> None:
    """The run from ``t0`` to ``t1`` (s since epoch) lies in both fields' time ranges (as the policy requires)."""
    for f in (env.wind, env.current):
        a, b = f.time_range()
        if not (a - 1e-6 <= t0 <= b + 1e-6):
            raise SarexInputError(
                f"start time {iso(t0)} is outside the time range of {f.name} ({iso(a)} to {iso(b)})"
            )
        if env.outside is OutsidePolicy.ERROR and t1 > b + 1e-6:
            raise SarexInputError(
                f"the run needs forcing until {iso(t1)} but {f.name} ends at {iso(b)}: shorten --hours or give a longer file"
            )


def coast_bbox(release: Release) -> tuple[float, float, float, float]:
    """Area (lon_min, lat_min, lon_max, lat_max) around the release whose land raster is prepared."""
    lons = [release.lon] + ([release.end_lon] if release.end_lon is not None else [])
    lats = [release.lat] + ([release.end_lat] if release.end_lat is not None else [])
    pad = 2.5
    lon0 = ((min(lons) + 180.0) % 360.0) - 180.0
    return lon0 - pad, max(-89.9, min(lats) - pad), lon0 + (max(lons) - min(lons)) + pad, min(89.9, max(lats) + pad)


def check_lkp(env: Environment, release: Release, coastline: Coastline | None) -> None:
    """The release point(s) are at sea and inside both fields with data there."""
    pts = [(release.lon, release.lat, release.time_s)]
    if release.end_lon is not None and release.end_lat is not None:
        pts.append((release.end_lon, release.end_lat, release.last_time_s))
    for lo, la, t in pts:
        if coastline is not None and coastline.on_land(np.array([lo]), np.array([la]))[0]:
            raise SarexInputError(f"LKP lon={lo:.5f} lat={la:.5f} is on land (GSHHG); use --no-coast to drift anyway")
        strict = Environment(env.wind, env.current, OutsidePolicy.ERROR)
        try:
            wu, wv, cu, cv, _ = strict.sample(np.array([lo]), np.array([la]), t)
        except OutsideDomainError as exc:
            raise SarexInputError(f"LKP outside the environment: {exc}") from None
        if not np.all(np.isfinite([wu[0], wv[0], cu[0], cv[0]])):
            raise SarexInputError(f"LKP lon={lo:.5f} lat={la:.5f}: the forcing is NaN there")


def reseed_off_land(release: Release, lon, lat, rng, coastline: Coastline, tries: int = 20):
    """Particles drawn on land around a coastal LKP are drawn again (up to ``tries`` times), else put at the LKP."""
    land = coastline.on_land(lon, lat)
    for _ in range(tries):
        if not land.any():
            break
        k = int(land.sum())
        sub = Release(release.lon, release.lat, release.time_s, release.radius_m, radius_type=release.radius_type)
        lo, la, _ = seed(sub, k, rng)
        lon[land], lat[land] = lo, la
        land = coastline.on_land(lon, lat)
    lon[land] = release.lon
    lat[land] = release.lat
    return lon, lat
