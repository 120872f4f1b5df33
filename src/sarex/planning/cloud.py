"""The drifting particles during one search period, in the planning plane."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.drift.case.classes import particle_classes
from sarex.errors import SarexInputError
from sarex.geo import LocalProjection
from sarex.times import datetime64_to_epoch_s, iso


@dataclass(frozen=True)
class PeriodCloud:
    """Particle positions sampled through a search period.

    Attributes
    ----------
    frame : the local equal-area plane.
    times_s : (M,) sample times, epoch s (first = period start, last = period end).
    x, y : (N, M) positions in the plane, m (NaN where a particle is absent).
    weight : (N,) prior probability weights (sum 1 over the ensemble).
    object_keys, object_index : the Leeway classes and each particle's class in the middle of the
        period (after state changes; :func:`sarex.drift.case.classes.particle_classes`).
    """

    frame: LocalProjection
    times_s: np.ndarray
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    object_keys: tuple[str, ...] = ()
    object_index: np.ndarray | None = None
    #: (N, M) probability the person is alive at each sample (a case with a survival model, REFERENCES §10), else None
    alive: np.ndarray | None = None

    def width_scale(self, class_widths_m: tuple[tuple[str, float], ...], sweep_width_m: float) -> np.ndarray:
        """Per particle: its class's sweep width over ``sweep_width_m`` (1 for classes not listed)."""
        if not class_widths_m or self.object_index is None:
            return np.ones(self.x.shape[0])
        d = dict(class_widths_m)
        ratio = np.array([d.get(k, sweep_width_m) / sweep_width_m for k in self.object_keys])
        return ratio[self.object_index]

    @property
    def start_s(self) -> float:
        return float(self.times_s[0])

    @property
    def end_s(self) -> float:
        return float(self.times_s[-1])

    def subset(self, idx: np.ndarray) -> "PeriodCloud":
        """The same cloud restricted to particles ``idx`` (weights kept, not renormalised)."""
        return PeriodCloud(self.frame, self.times_s, np.ascontiguousarray(self.x[idx]), np.ascontiguousarray(self.y[idx]), self.weight[idx],
                           self.object_keys, None if self.object_index is None else self.object_index[idx],
                           None if self.alive is None else np.ascontiguousarray(self.alive[idx]))


def period_cloud(ds: xr.Dataset, start_s: float, end_s: float, step_s: float = 1800.0, source: str = "drift file") -> PeriodCloud:
    """Interpolate a drift ensemble to a regular time grid over ``[start_s, end_s]``.

    Positions are linear in time between the drift's output times; a particle
    missing (NaN) at either bracketing output is missing in between. The plane
    is centred on the weighted mean position at the middle of the period.
    """
    t = datetime64_to_epoch_s(ds["time"].values)
    if end_s <= start_s:
        raise SarexInputError(f"search period: end {iso(end_s)} must be after start {iso(start_s)}")
    if start_s < t[0] - 1e-6 or end_s > t[-1] + 1e-6:
        raise SarexInputError(
            f"{source}: search period {iso(start_s)} – {iso(end_s)} is outside the drift's time span {iso(t[0])} – {iso(t[-1])}"
        )
    m = max(2, int(np.ceil((end_s - start_s) / step_s - 1e-9)) + 1)
    ts = np.linspace(start_s, end_s, m)
    j = np.clip(np.searchsorted(t, ts, side="right") - 1, 0, max(t.size - 2, 0))
    # only the outputs bracketing the period (a drift file opened lazily reads just those)
    lo_j, hi_j = int(j.min()), min(int(j.max()) + 2, t.size)
    lon = ds["lon"][:, lo_j:hi_j].values
    lat = ds["lat"][:, lo_j:hi_j].values
    k = j - lo_j
    if t.size > 1:
        al = np.clip((ts - t[j]) / (t[j + 1] - t[j]), 0.0, 1.0)
        lo = lon[:, k] * (1.0 - al) + lon[:, k + 1] * al
        la = lat[:, k] * (1.0 - al) + lat[:, k + 1] * al
    else:
        lo, la = np.repeat(lon, m, axis=1), np.repeat(lat, m, axis=1)
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    w = w / w.sum()
    mid = lo[:, m // 2], la[:, m // 2]
    ok = np.isfinite(mid[0]) & np.isfinite(mid[1]) & (w > 0)
    if not ok.any():
        raise SarexInputError(f"{source}: no particle is present during the search period")
    # Mean in a plane around a first guess, so longitudes near ±180 and high latitudes stay sane.
    guess = LocalProjection(float(np.median(mid[0][ok])), float(np.median(mid[1][ok])))
    gx, gy = guess.forward(mid[0][ok], mid[1][ok])
    wl = w[ok] / w[ok].sum()
    clon, clat = guess.inverse(np.array([np.sum(wl * gx)]), np.array([np.sum(wl * gy)]))
    frame = LocalProjection(round(float(clon[0]), 6), round(float(clat[0]), 6))
    x, y = frame.forward(lo, la)
    keys, cls = particle_classes(ds, 0.5 * (start_s + end_s))
    alive = None
    if "alive" in ds:  # linear in time between the outputs, as the positions
        a = np.asarray(ds["alive"][:, lo_j:hi_j].values, dtype=np.float64)
        alive = np.ascontiguousarray(a[:, k] * (1.0 - al) + a[:, k + 1] * al if t.size > 1 else np.repeat(a, m, axis=1))
    return PeriodCloud(frame, ts, np.ascontiguousarray(x), np.ascontiguousarray(y), w, tuple(keys), cls, alive)
