"""Shared builders for the planning tests: a static circular normal cloud and SRUs."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sarex.planning.frame import LocalFrame
from sarex.times import epoch_s_to_datetime64, to_epoch_s

NM = 1852.0
CENTRE = (129.5, 34.6)
T0 = to_epoch_s("2026-01-15T06:00Z")


def static_normal_drift(sigma_m: float, particles: int, seed: int, hours: int = 6) -> xr.Dataset:
    """A drift dataset whose particles sit still in a circular normal cloud (σ in each axis)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, sigma_m, particles)
    y = rng.normal(0.0, sigma_m, particles)
    lon, lat = LocalFrame(*CENTRE).to_lonlat(x, y)
    times = T0 + 3600.0 * np.arange(hours + 1)
    lon2 = np.repeat(lon[:, None], times.size, axis=1)
    lat2 = np.repeat(lat[:, None], times.size, axis=1)
    return xr.Dataset(
        {
            "lon": (("trajectory", "time"), lon2),
            "lat": (("trajectory", "time"), lat2),
            "status": (("trajectory", "time"), np.zeros(lon2.shape, dtype=np.int8)),
            "weight": (("trajectory",), np.full(particles, 1.0 / particles)),
        },
        coords={"trajectory": np.arange(particles), "time": epoch_s_to_datetime64(times)},
        attrs={"object_class": "PIW-1", "lkp_lon": CENTRE[0], "lkp_lat": CENTRE[1]},
    )


def ring_sru(i: int, k: int, sweep_width_m: float, speed_ms: float, endurance_s: float = 1e6, dist_nm: float = 20.0):
    """The i-th of k equal SRUs waiting on a ring ``dist_nm`` around the cloud, ready 2 h early."""
    import math

    from sarex.planning.planner import Sru

    ang = 2 * math.pi * i / k + 0.3
    return Sru(f"u{i}", sweep_width_m, speed_ms, 20 * NM / 3600, endurance_s, (dist_nm * NM * math.cos(ang), dist_nm * NM * math.sin(ang)), T0 - 7200)
