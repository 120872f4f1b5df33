"""A forcing field linear in lon, lat and time, sampled exactly by bilinear interpolation."""

from __future__ import annotations

import numpy as np
import xarray as xr


def linear_field_dataset(coef_u, coef_v, lon, lat, times_s, names=("eastward_wind", "northward_wind")) -> xr.Dataset:
    """A field linear in lon, lat and time: value = c0 + c1·lon + c2·lat + c3·(t − t0)/3600."""
    T, Y, X = np.meshgrid(times_s, lat, lon, indexing="ij")
    th = (T - times_s[0]) / 3600.0

    def f(c):
        return c[0] + c[1] * X + c[2] * Y + c[3] * th

    t64 = (np.asarray(times_s) * 1e9).astype("datetime64[ns]")
    return xr.Dataset(
        {
            "u": (("time", "lat", "lon"), f(coef_u), {"standard_name": names[0], "units": "m s-1"}),
            "v": (("time", "lat", "lon"), f(coef_v), {"standard_name": names[1], "units": "m s-1"}),
        },
        coords={
            "time": ("time", t64),
            "lat": ("lat", lat, {"standard_name": "latitude", "units": "degrees_north"}),
            "lon": ("lon", lon, {"standard_name": "longitude", "units": "degrees_east"}),
        },
    )
