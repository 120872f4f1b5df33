"""Particle positions of a drift dataset at any time inside its output span.

Between two output times a particle moves linearly in longitude and latitude
(the drift file stores hourly positions; finer motion is not known). Status is
that of the earlier output, except that a particle not yet released at the
later output is not released, and one that strands or leaves the domain keeps
its last stored position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.errors import SarexInputError
from sarex.io.driftfile import STATUS_UNRELEASED
from sarex.times import datetime64_to_epoch_s, iso, to_epoch_s


@dataclass(frozen=True)
class Positions:
    """Particle state at one time (structure of arrays, one element per particle)."""

    time_s: float
    lon: np.ndarray
    lat: np.ndarray
    status: np.ndarray
    weight: np.ndarray


def output_times_s(ds: xr.Dataset) -> np.ndarray:
    """Output times of a drift dataset, s since epoch."""
    return np.asarray(datetime64_to_epoch_s(ds["time"].values), dtype=np.float64)


def time_index_weights(ds: xr.Dataset, time: str | float, interpolate: bool = True, source: str = "drift file") -> tuple[int, int, float, float]:
    """Bracketing output indices ``(j0, j1)``, fraction ``f`` of the way from j0 to j1, and the time (s).

    With ``interpolate=False`` the nearest output time is used (``j0 == j1``).
    Raises :class:`SarexInputError` for a time outside the drift output.
    """
    t = to_epoch_s(time)
    ts = output_times_s(ds)
    if not (ts[0] - 1e-6 <= t <= ts[-1] + 1e-6):
        raise SarexInputError(f"{source}: time {iso(t)} is outside the drift output ({iso(ts[0])} to {iso(ts[-1])})")
    j1 = int(np.searchsorted(ts, t - 1e-6, side="left"))
    j1 = min(max(j1, 0), ts.size - 1)
    if abs(ts[j1] - t) <= 1e-6 or j1 == 0:
        return j1, j1, 0.0, t
    j0 = j1 - 1
    f = (t - ts[j0]) / (ts[j1] - ts[j0])
    if not interpolate:
        j = j0 if f < 0.5 else j1
        return j, j, 0.0, float(ts[j])
    return j0, j1, float(f), t


def positions_at(ds: xr.Dataset, time: str | float, interpolate: bool = True, source: str = "drift file") -> Positions:
    """Particle lon/lat (degrees), status and weight at ``time`` (ISO or s since epoch).

    Linear interpolation between the bracketing outputs (or the nearest output with
    ``interpolate=False``); a time outside the output span is a :class:`SarexInputError`.
    """
    j0, j1, f, t = time_index_weights(ds, time, interpolate, source)
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    lon0 = np.asarray(ds["lon"][:, j0].values, dtype=np.float64)
    lat0 = np.asarray(ds["lat"][:, j0].values, dtype=np.float64)
    st0 = np.asarray(ds["status"][:, j0].values, dtype=np.int8)
    if j0 == j1:
        return Positions(t, lon0.copy(), lat0.copy(), st0.copy(), w)
    lon1 = np.asarray(ds["lon"][:, j1].values, dtype=np.float64)
    lat1 = np.asarray(ds["lat"][:, j1].values, dtype=np.float64)
    st1 = np.asarray(ds["status"][:, j1].values, dtype=np.int8)
    dlon = ((lon1 - lon0 + 180.0) % 360.0) - 180.0
    lon = lon0 + f * dlon
    lat = lat0 + f * (lat1 - lat0)
    status = st0.copy()
    # released between the two outputs: not there yet at the earlier one, so no position to interpolate from
    fresh = (st0 == STATUS_UNRELEASED) | ~np.isfinite(lon0)
    lon[fresh] = np.nan
    lat[fresh] = np.nan
    status[fresh] = STATUS_UNRELEASED
    gone = ~np.isfinite(lon1) & ~fresh
    lon[gone] = lon0[gone]
    lat[gone] = lat0[gone]
    del st1
    return Positions(t, lon, lat, status, w)
