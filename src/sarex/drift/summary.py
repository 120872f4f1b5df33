"""Summary statistics of a drift ensemble at one output time."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from sarex.geo import GEOD, metres_per_radian
from sarex.io.driftfile import STATUS_LEFT_DOMAIN, STATUS_STRANDED, STATUS_UNRELEASED
from sarex.times import datetime64_to_epoch_s, iso



def weighted_centroid(lon: np.ndarray, lat: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean position (degrees) through 3-D unit vectors (safe across the dateline)."""
    la, lo = np.radians(lat), np.radians(lon)
    x = np.sum(w * np.cos(la) * np.cos(lo))
    y = np.sum(w * np.cos(la) * np.sin(lo))
    z = np.sum(w * np.sin(la))
    return math.degrees(math.atan2(y, x)), math.degrees(math.atan2(z, math.hypot(x, y)))


def summarize(ds: xr.Dataset, time_index: int = -1) -> dict:
    """Centroid, spread (km), stranded and left-domain fractions at an output time.

    Spread is the weighted standard deviation of east and north offsets from the
    centroid: east along each particle's parallel, north along the meridian (WGS84 radii
    of curvature, :func:`~sarex.geo.metres_per_radian`), within ~(d/R)², 1e-4, of a local
    projection's offsets d = 50 km out, in plain array arithmetic (a million particles in
    tens of milliseconds); ``spread_km`` is ``sqrt(sd_east² + sd_north²)``.
    """
    lon = ds["lon"][:, time_index].values  # one time slice (a lazily opened file reads only that)
    lat = ds["lat"][:, time_index].values
    st = ds["status"][:, time_index].values
    w = ds["weight"].values.astype(float)
    ok = np.isfinite(lon) & np.isfinite(lat) & (st != STATUS_UNRELEASED)
    wk = w[ok] / w[ok].sum()
    clon, clat = weighted_centroid(lon[ok], lat[ok], wk)
    lo, la = lon[ok], lat[ok]
    kx, _ = metres_per_radian(la)
    _, ky = metres_per_radian(0.5 * (la + clat))
    x = np.radians((lo - clon + 180.0) % 360.0 - 180.0) * kx
    y = np.radians(la - clat) * ky
    sdx = math.sqrt(float(np.sum(wk * (x - np.sum(wk * x)) ** 2)))
    sdy = math.sqrt(float(np.sum(wk * (y - np.sum(wk * y)) ** 2)))
    l0 = float(ds.attrs.get("lkp_lon", clon))
    b0 = float(ds.attrs.get("lkp_lat", clat))
    az, _, dist = GEOD.inv(l0, b0, clon, clat)
    return {
        "time": iso(float(datetime64_to_epoch_s(np.atleast_1d(ds["time"].values[time_index]))[0])),
        "particles": int(ok.sum()),
        "centroid_lon": clon,
        "centroid_lat": clat,
        "sd_east_km": sdx / 1000.0,
        "sd_north_km": sdy / 1000.0,
        "spread_km": math.hypot(sdx, sdy) / 1000.0,
        "drift_km": dist / 1000.0,
        "drift_bearing_deg": az % 360.0,
        "stranded_fraction": float(np.sum(w[st == STATUS_STRANDED]) / w.sum()),
        "left_fraction": float(np.sum(w[st == STATUS_LEFT_DOMAIN]) / w.sum()),
    }
