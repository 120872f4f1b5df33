"""On-scene current correction from datum marker buoys (DMBs).

SRUs drop DMBs to measure the total water current on scene (IAMSAR Vol. II;
REFERENCES §11). Between consecutive fixes a DMB's velocity minus what the forecast
says it should do there (current + its small windage ``α·wind``) is a sample
``eᵢ`` of the forecast's current error at the interval's mid-point ``(xᵢ, tᵢ)``.

The corrected current is the forecast current plus a blended offset that decays
with distance and time from the DMB data (an optimal-interpolation-like kernel
average with shrinkage towards "no correction")::

    kᵢ(x, t) = exp(−|x − xᵢ|² / 2L²) · exp(−|t − tᵢ| / τ)
    Δc(x, t) = Σ kᵢ eᵢ / (k₀ + Σ kᵢ)

Near many recent DMB fixes ``Δc`` is their mean error; far away in space or time it
fades to zero; ``k₀`` (default 1: one pseudo-observation of zero error) keeps a
single noisy fix from taking over. Defaults ``L = 50 km`` and ``τ = 24 h`` follow the
scale of forecast drift errors (a predictability floor of a few km per day; Callies
et al. 2017) and can be changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sarex.drift.fit import track_segments
from sarex.environment.base import Environment, VectorField
from sarex.errors import SarexInputError
from sarex.geo import metres_per_radian
from sarex.io.track import Track

DEFAULT_LENGTH_M = 50_000.0
DEFAULT_TIME_S = 24 * 3600.0


@dataclass
class CurrentErrors:
    """Forecast current errors observed by DMBs: mid-point positions/times and (east, north) errors, m/s."""

    lon: np.ndarray
    lat: np.ndarray
    time_s: np.ndarray
    du: np.ndarray
    dv: np.ndarray


def dmb_current_errors(tracks: list[Track], env: Environment, windage_pct: float = 0.0) -> CurrentErrors:
    """Observed DMB velocity minus forecast (current + windage·wind) at each interval's mid-point."""
    if not tracks:
        raise SarexInputError("--dmb: no DMB track given")
    if windage_pct < 0:
        raise SarexInputError(f"DMB windage: {windage_pct} % must be >= 0")
    seg = track_segments(tracks, env)
    a = windage_pct / 100.0
    lon, lat, t = [], [], []
    for tr in tracks:
        dlon = ((np.diff(tr.lon) + 180.0) % 360.0) - 180.0
        lon.append(tr.lon[:-1] + 0.5 * dlon)
        lat.append(0.5 * (tr.lat[1:] + tr.lat[:-1]))
        t.append(0.5 * (tr.time_s[1:] + tr.time_s[:-1]))
    return CurrentErrors(
        np.concatenate(lon), np.concatenate(lat), np.concatenate(t),
        seg.ve - (seg.cu + a * seg.wu), seg.vn - (seg.cv + a * seg.wv),
    )


class CorrectedCurrent:
    """A current field plus the DMB-blended offset (see the module docstring); a :class:`VectorField`."""

    def __init__(self, base: VectorField, errors: CurrentErrors, length_m: float = DEFAULT_LENGTH_M, time_s: float = DEFAULT_TIME_S, k0: float = 1.0):
        if not (length_m > 0 and time_s > 0 and k0 >= 0):
            raise SarexInputError(f"DMB correction: length {length_m} m and time {time_s} s must be > 0, k0 {k0} >= 0")
        self.base = base
        self.err = errors
        self.length_m = float(length_m)
        self.tau_s = float(time_s)
        self.k0 = float(k0)
        self.name = f"{getattr(base, 'name', 'current')} + DMB correction"
        rx, ry = metres_per_radian(float(np.mean(errors.lat)))
        self._kx, self._ky = math.radians(float(rx)), math.radians(float(ry))  # m per degree east, north near the data

    def time_range(self) -> tuple[float, float]:
        """See :meth:`sarex.environment.base.VectorField.time_range`."""
        return self.base.time_range()

    def domain_description(self) -> str:
        """See :meth:`sarex.environment.base.VectorField.domain_description`."""
        return (f"{self.base.domain_description()} + DMB correction from {self.err.du.size} interval(s) "
                f"(L = {self.length_m / 1000:g} km, τ = {self.tau_s / 3600:g} h)")

    def offset(self, lon: np.ndarray, lat: np.ndarray, time_s: float) -> tuple[np.ndarray, np.ndarray]:
        """The blended correction (east, north), m/s, at points and a time."""
        e = self.err
        dx = (np.asarray(lon)[:, None] - e.lon[None, :]) * self._kx
        dy = (np.asarray(lat)[:, None] - e.lat[None, :]) * self._ky
        k = np.exp(-(dx * dx + dy * dy) / (2.0 * self.length_m**2)) * np.exp(-np.abs(time_s - e.time_s) / self.tau_s)[None, :]
        s = k.sum(axis=1) + self.k0
        return (k @ e.du) / s, (k @ e.dv) / s

    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        """See :meth:`sarex.environment.base.VectorField.sample`."""
        self.base.sample(lon, lat, time_s, active, out_u, out_v, out_flag)
        idx = np.flatnonzero(active)
        if idx.size:
            du, dv = self.offset(lon[idx], lat[idx], time_s)
            out_u[idx] += du
            out_v[idx] += dv


def dmb_corrected(env: Environment, tracks: list[Track], windage_pct: float = 0.0, length_m: float = DEFAULT_LENGTH_M,
                  time_s: float = DEFAULT_TIME_S, k0: float = 1.0) -> Environment:
    """The environment with its current corrected by DMB tracks (wind unchanged)."""
    errors = dmb_current_errors(tracks, env, windage_pct)
    return Environment(env.wind, CorrectedCurrent(env.current, errors, length_m, time_s, k0), env.outside,
                       env.wind_fallback, env.current_fallback)
