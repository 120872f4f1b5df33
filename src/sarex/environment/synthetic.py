"""A built-in, deterministic synthetic Korea Strait environment.

Not a forecast: a plausible, analytic stand-in for real forcing so that every
capability runs without downloads. It has the main features a planner meets in
the strait in winter:

* the Tsushima Warm Current, a north-eastward jet of a few tenths of m/s along
  the strait axis (Isobe 2008, *J. Oceanogr.* 64; typical core speeds 0.2-0.5 m/s);
* an M2 semi-diurnal tidal current (period 12.4206 h) oscillating along the axis;
* the winter north-westerly monsoon, 8-12 m/s, with synoptic (3-6 day) variation
  in speed and direction.

The field is a pure function of position and absolute time, so any start time
gives the same values at the same instant. ``variant`` perturbs it reproducibly
(current strength and axis, wind speed and direction, synoptic phase): an
exercise uses one variant as the truth and another as the forecast.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import xarray as xr

from sarex import __version__
from sarex.environment.base import Environment, OutsidePolicy
from sarex.environment.regular import RegularGridField
from sarex.errors import SarexInputError
from sarex.times import epoch_s_to_datetime64, iso, parse_utc

LON_RANGE = (127.5, 131.5)
LAT_RANGE = (32.5, 36.5)
M2_PERIOD_S = 12.4206012 * 3600.0
_CENTRE = (129.3, 34.4)
_EPOCH = 946684800.0  # 2000-01-01T00:00Z: phase origin of the analytic signals


def _perturbation(variant: int | None) -> dict[str, float]:
    if variant is None:
        return dict(cur=1.0, axis_km=0.0, wspd=0.0, wdir=0.0, phase=0.0, tide_phase=0.0)
    rng = np.random.default_rng(np.random.SeedSequence([20260115, int(variant)]))
    return dict(
        cur=float(np.clip(rng.normal(1.0, 0.12), 0.7, 1.3)),
        axis_km=float(rng.normal(0.0, 12.0)),
        wspd=float(rng.normal(0.0, 0.8)),
        wdir=float(rng.normal(0.0, 8.0)),
        phase=float(rng.uniform(0.0, 2.0 * math.pi)),
        tide_phase=float(rng.normal(0.0, 0.3)),
    )


def variant_perturbations(variants) -> dict[str, np.ndarray]:
    """The perturbations of several variants as arrays (one element per variant), for
    :func:`korea_strait_fields`'s ``perturbation``: e.g. one variant ocean per particle."""
    rows = [_perturbation(int(v)) for v in variants]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def korea_strait_fields(lon: np.ndarray, lat: np.ndarray, time_s: np.ndarray, variant: int | None = None,
                        perturbation: dict | None = None):
    """Analytic wind and current at broadcastable ``lon``, ``lat`` (deg) and ``time_s`` (s since epoch).

    ``perturbation`` (from :func:`variant_perturbations`, arrays broadcastable with the points)
    replaces ``variant``'s.

    Returns
    -------
    wind_u, wind_v, cur_u, cur_v : ndarray
        East/north components in m/s.
    """
    p = _perturbation(variant) if perturbation is None else perturbation
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    t = np.asarray(time_s, dtype=np.float64) - _EPOCH
    x_km = (lon - _CENTRE[0]) * 111.32 * math.cos(math.radians(_CENTRE[1]))
    y_km = (lat - _CENTRE[1]) * 110.57
    # Strait axis towards the north-east, meandering gently with along-axis distance.
    th0 = math.radians(45.0)
    s_km = x_km * math.sin(th0) + y_km * math.cos(th0)
    n_km = x_km * math.cos(th0) - y_km * math.sin(th0) - p["axis_km"]
    th = th0 + math.radians(10.0) * np.sin(2.0 * math.pi * s_km / 400.0)
    twc = p["cur"] * (0.08 + 0.30 * np.exp(-((n_km / 70.0) ** 2)))
    omega = 2.0 * math.pi / M2_PERIOD_S
    tide = 0.20 * (1.0 + 0.3 * np.tanh(n_km / 100.0)) * np.cos(
        omega * t - 2.0 * math.pi * s_km / 2000.0 + p["tide_phase"]
    )
    along = twc + tide
    cur_u = along * np.sin(th)
    cur_v = along * np.cos(th)
    day = 86400.0
    speed = (
        10.0
        + 1.4 * np.sin(2.0 * math.pi * t / (3.7 * day) + 0.3 + p["phase"])
        + 0.5 * np.sin(2.0 * math.pi * x_km / 300.0)
        + p["wspd"]
    )
    speed = np.clip(speed, 8.0, 12.0)
    towards = np.radians(
        135.0 + 15.0 * np.sin(2.0 * math.pi * t / (5.3 * day) + p["phase"]) + 5.0 * (y_km / 200.0) + p["wdir"]
    )
    wind_u = speed * np.sin(towards)
    wind_v = speed * np.cos(towards)
    return wind_u, wind_v, cur_u, cur_v


def korea_strait_dataset(
    start: str | datetime,
    days: float = 3.0,
    resolution_deg: float = 0.05,
    variant: int | None = None,
) -> xr.Dataset:
    """The synthetic Korea Strait field as a CF-1.8 Dataset, hourly from the hour at or before ``start``.

    Parameters
    ----------
    start
        First time (ISO 8601, UTC); floored to the hour.
    days
        Length in days (> 0, at most 60).
    resolution_deg
        Grid spacing in degrees of longitude and latitude.
    variant
        ``None`` for the reference field, an integer for a reproducible perturbed variant.
    """
    if not (0 < days <= 60):
        raise SarexInputError(f"days: {days} must be > 0 and at most 60")
    if not (0.005 <= resolution_deg <= 0.5):
        raise SarexInputError(f"resolution_deg: {resolution_deg} must be between 0.005 and 0.5")
    t0 = parse_utc(start, "start").replace(minute=0, second=0, microsecond=0)
    nt = int(math.ceil(days * 24)) + 1
    times = np.array([(t0 + timedelta(hours=h)).timestamp() for h in range(nt)])
    lon = np.round(np.arange(LON_RANGE[0], LON_RANGE[1] + resolution_deg / 2, resolution_deg), 6)
    lat = np.round(np.arange(LAT_RANGE[0], LAT_RANGE[1] + resolution_deg / 2, resolution_deg), 6)
    T, Y, X = np.meshgrid(times, lat, lon, indexing="ij")
    wu, wv, cu, cv = korea_strait_fields(X, Y, T, variant)

    def var(data, sn, long):
        return (("time", "lat", "lon"), data.astype(np.float32), {"standard_name": sn, "long_name": long, "units": "m s-1"})

    ds = xr.Dataset(
        {
            "x_wind": var(wu, "eastward_wind", "10 m wind, eastward"),
            "y_wind": var(wv, "northward_wind", "10 m wind, northward"),
            "x_sea_water_velocity": var(cu, "eastward_sea_water_velocity", "surface current, eastward"),
            "y_sea_water_velocity": var(cv, "northward_sea_water_velocity", "surface current, northward"),
        },
        coords={
            "time": ("time", epoch_s_to_datetime64(times), {"standard_name": "time", "axis": "T"}),
            "lat": ("lat", lat, {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}),
            "lon": ("lon", lon, {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}),
        },
        attrs={
            "Conventions": "CF-1.8",
            "title": "sarex synthetic Korea Strait environment",
            "source": f"sarex {__version__} analytic field (Tsushima Warm Current, M2 tide, NW winter monsoon)",
            "sarex_variant": "reference" if variant is None else str(int(variant)),
            "history": f"created by sarex env synth, start {iso(times[0])}, {days:g} days",
        },
    )
    ds["time"].encoding.update({"units": "hours since 1970-01-01 00:00:00", "calendar": "standard", "dtype": "float64"})
    return ds


def korea_strait_environment(
    start: str | datetime,
    days: float = 3.0,
    resolution_deg: float = 0.05,
    variant: int | None = None,
    outside: OutsidePolicy | str = OutsidePolicy.ERROR,
) -> Environment:
    """The synthetic Korea Strait field as an in-memory :class:`Environment`."""
    ds = korea_strait_dataset(start, days, resolution_deg, variant)
    tag = "synthetic Korea Strait" + ("" if variant is None else f" variant {variant}")
    wind = RegularGridField(ds["x_wind"].astype(np.float64), ds["y_wind"].astype(np.float64), name=f"wind ({tag})")
    cur = RegularGridField(
        ds["x_sea_water_velocity"].astype(np.float64), ds["y_sea_water_velocity"].astype(np.float64), name=f"current ({tag})"
    )
    return Environment(wind=wind, current=cur, outside=OutsidePolicy(outside))
