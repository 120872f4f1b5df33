"""Synthetic drift datasets in the drift-file format, for exact closed-form tests of sarex.search."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sarex.io.driftfile import STATUS_ACTIVE
from sarex.geo import LocalProjection
from sarex.times import epoch_s_to_datetime64, iso, to_epoch_s

LON0, LAT0 = 129.5, 34.5
T0 = to_epoch_s("2026-01-15T00:00Z")
PROJ = LocalProjection(LON0, LAT0)


def drift_dataset(x_m: np.ndarray, y_m: np.ndarray, times_s, weight=None, status=None, lkp_radius_m: float = 0.0) -> xr.Dataset:
    """Drift dataset from projected particle positions ``x_m``, ``y_m`` of shape (particles, outputs)."""
    x_m = np.atleast_2d(np.asarray(x_m, dtype=float))
    y_m = np.atleast_2d(np.asarray(y_m, dtype=float))
    n, m = x_m.shape
    lon, lat = PROJ.inverse(x_m.ravel(), y_m.ravel())
    lon = lon.reshape(n, m)
    lat = lat.reshape(n, m)
    st = np.full((n, m), STATUS_ACTIVE, np.int8) if status is None else np.asarray(status, np.int8)
    lon = np.where(st == -1, np.nan, lon)
    lat = np.where(st == -1, np.nan, lat)
    w = np.full(n, 1.0 / n) if weight is None else np.asarray(weight, dtype=float)
    times_s = np.asarray(times_s, dtype=float)
    return xr.Dataset(
        {
            "lon": (("trajectory", "time"), lon, {"standard_name": "longitude", "units": "degrees_east"}),
            "lat": (("trajectory", "time"), lat, {"standard_name": "latitude", "units": "degrees_north"}),
            "status": (("trajectory", "time"), st),
            "weight": (("trajectory",), w),
            "release_time": (("trajectory",), epoch_s_to_datetime64(np.full(n, times_s[0]))),
        },
        coords={"trajectory": np.arange(n, dtype=np.int32), "time": epoch_s_to_datetime64(times_s)},
        attrs={
            "Conventions": "CF-1.8",
            "featureType": "trajectory",
            "object_class": "LIFE-RAFT-DB-11",
            "lkp_lon": LON0,
            "lkp_lat": LAT0,
            "lkp_radius_m": float(lkp_radius_m),
            "lkp_time": iso(times_s[0]),
            "searches": "[]",
        },
    )


def stationary_dataset(x_m, y_m, hours: float = 24.0, weight=None) -> xr.Dataset:
    """Particles that do not move, two outputs ``hours`` apart."""
    x_m = np.asarray(x_m, float)
    y_m = np.asarray(y_m, float)
    return drift_dataset(np.column_stack([x_m, x_m]), np.column_stack([y_m, y_m]), [T0, T0 + hours * 3600.0], weight)
