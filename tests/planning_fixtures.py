"""Shared builders for the planning tests: a static circular normal cloud and SRUs."""

from __future__ import annotations

import numpy as np
import xarray as xr

from sarex.geo import LocalProjection
from sarex.times import epoch_s_to_datetime64, to_epoch_s

NM = 1852.0
CENTRE = (129.5, 34.6)
T0 = to_epoch_s("2026-01-15T06:00Z")


def static_normal_drift(sigma_m: float, particles: int, seed: int, hours: int = 6, east_ms: float = 0.0) -> xr.Dataset:
    """A circular normal cloud (σ in each axis) that sits still, or translates east at ``east_ms``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, sigma_m, particles)
    y = rng.normal(0.0, sigma_m, particles)
    times = T0 + 3600.0 * np.arange(hours + 1)
    xx = x[:, None] + east_ms * (times - T0)[None, :]
    yy = np.repeat(y[:, None], times.size, axis=1)
    lon2, lat2 = LocalProjection(*CENTRE).inverse(xx, yy)
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


UNITS_TOML = """
[coordination]
osc = "KR-DDG"
smc = "RCC Busan"
frequencies = ["VHF ch 16", "HF 8.364 MHz"]

[[unit]]
id = "KR-DDG"
name = "ROKS Test"
nation = "KR"
service = "ROK Navy"
type = "surface-large"
search_speed_kn = 12
transit_speed_kn = 20
endurance_h = 100
start = [129.35, 34.75]
start_time = "2026-01-15T03:00Z"
sweep_width_nm = 1.5

[[unit]]
id = "JP-HELO"
name = "SH-60K"
nation = "JP"
service = "JMSDF"
type = "helicopter"
search_speed_kn = 90
transit_speed_kn = 120
endurance_h = 3
altitude_m = 150
start = [129.6, 34.4]
sweep_width_nm = 2.0

[[unit]]
id = "JP-PL"
name = "JCG PL"
nation = "JP"
service = "Japan Coast Guard"
type = "surface-medium"
search_speed_kn = 10
transit_speed_kn = 16
endurance_h = 80
start = [129.7, 34.7]
sweep_width_nm = 1.2
"""


def small_plan(tmp_path, particles: int = 5000, seed: int = 0):
    """A 3-unit plan over a static σ = 4 nm cloud: (plan, cloud, catalogue)."""
    from sarex.planning.planner import Planner
    from sarex.planning.sru import make_sru
    from sarex.planning.units import load_units

    p = tmp_path / "units.toml"
    p.write_text(UNITS_TOML)
    cat = load_units(p)
    cloud = period_cloud_for(static_normal_drift(4 * NM, particles, seed=5, hours=6))
    srus = [make_sru(u, cloud.frame, T0, u.sweep_width_nm) for u in cat.units]
    return Planner(cloud, "exponential", seed=seed).plan(srus), cloud, cat


def period_cloud_for(ds):
    from sarex.planning.cloud import period_cloud

    return period_cloud(ds, T0, T0 + 4 * 3600)
