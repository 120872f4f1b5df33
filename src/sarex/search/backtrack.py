"""Where did a found object come from? Backtracking by forward ensembles and likelihood weighting.

In the spirit of BAKTRAK (Breivik, Bekkvik, Wettre & Ommundsen 2012, Ocean Dynamics 62;
REFERENCES §11): seed a forward ensemble widely over the possible origins at the
origin time, drift it to the time of the find, and weight every particle by the
likelihood of the find given where that particle got to. In Bayesian form
``p(x0 | y) ∝ p(y | x0) p(x0)``: each particle is one draw of (origin, position at the
find time) from the prior and the stochastic drift model, and the find ``y`` is the
true position seen with a circular normal error of standard deviation ``σ`` per axis,
so ``w_k ∝ w_k⁰ · exp(−d_k² / 2σ²)`` is an importance sample of the joint posterior and
the weighted origins are the origin distribution. No reverse-time run is needed: a
stochastic drift run backwards is not the inverse of the forward one (diffusion and
jibing are irreversible), so sarex only uses the deterministic reverse-time mean
track to place the default prior around the likely origin.

The same weighting updates a case's drift file with a found debris item, as SAROPS
does (each particle weighted by the likelihood that its own history put the debris
where it was seen): :func:`reweight_by_find`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.drift.objects import LeewayObject, get_object
from sarex.environment.base import Environment
from sarex.errors import SarexInputError
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_STRANDED
from sarex.search.positions import positions_at
from sarex.search.grid import ProbabilityGrid
from sarex.search.skill import CONTAINMENT_BANDWIDTH_SCALE, kde_grid, level_at
from sarex.times import iso
from sarex.geo import LocalProjection, metres_per_radian as _metric
from sarex.drift.seeding import Release
from sarex.drift.simulate import simulate
from sarex.drift.summary import weighted_centroid


#: Kernel bandwidth of the origin map as a fraction of Silverman's: under-smoothing keeps the
#: areas calibrated (at Silverman's the 50 % area held the true origin in 54 % of trials).
ORIGIN_BANDWIDTH_SCALE = CONTAINMENT_BANDWIDTH_SCALE


@dataclass(frozen=True)
class Find:
    """A found object: position (degrees), time (s since epoch), position error σ per axis (m)."""

    lon: float
    lat: float
    time_s: float
    error_m: float = 500.0

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon <= 360.0 and -90.0 <= self.lat <= 90.0):
            raise SarexInputError(f"find: lon={self.lon} lat={self.lat} is not a position")
        if not (self.error_m > 0 and math.isfinite(self.error_m)):
            raise SarexInputError(f"find error: {self.error_m} m must be > 0")

    def as_dict(self) -> dict:
        return {"lon": self.lon, "lat": self.lat, "time": iso(self.time_s), "error_m": self.error_m}


def check_find_in_forcing(env: Environment, find: Find, what: str = "find") -> None:
    """One-line :class:`SarexInputError` when the find's time or position is outside the forcing."""
    try:
        env.check_time(find.time_s)
        env.sample(np.array([find.lon]), np.array([find.lat]), find.time_s)
    except SarexInputError as exc:
        raise SarexInputError(f"{what} at lon={find.lon} lat={find.lat} {iso(find.time_s)} is outside the forcing ({exc})") from None


def find_likelihood(ds: xr.Dataset, find: Find, source: str = "drift file") -> np.ndarray:
    """``exp(−d²/2σ²)`` of each particle's position at the find time (0 for particles not afloat or ashore)."""
    pos = positions_at(ds, find.time_s, interpolate=True, source=source)
    ok = np.isin(pos.status, (STATUS_ACTIVE, STATUS_STRANDED)) & np.isfinite(pos.lon) & np.isfinite(pos.lat)
    like = np.zeros(pos.lon.size)
    if not ok.any():
        return like
    x, y = LocalProjection(float(find.lon), float(find.lat)).forward(pos.lon[ok], pos.lat[ok])
    like[ok] = np.exp(-(x * x + y * y) / (2.0 * find.error_m**2))
    return like


@dataclass(frozen=True)
class FindUpdate:
    """A drift dataset re-weighted by a find, with the effective sample size of the new weights."""

    dataset: xr.Dataset
    effective_particles: float
    evidence: float  # Σ w⁰·L: how well the prior ensemble predicted the find (0–1)


def reweight_by_find(ds: xr.Dataset, find: Find, source: str = "drift file") -> FindUpdate:
    """Multiply the particle weights by the find's likelihood and renormalise (SAROPS-style debris update).

    The find is recorded in the ``finds`` attribute (JSON list). A find no particle
    could have produced (all likelihoods underflow) is a :class:`SarexInputError`.
    """
    w0 = np.asarray(ds["weight"].values, dtype=np.float64)
    w0 = w0 / w0.sum()
    like = find_likelihood(ds, find, source)
    w = w0 * like
    total = float(w.sum())
    if not (total > 0):
        raise SarexInputError(
            f"find at lon={find.lon} lat={find.lat} {iso(find.time_s)}: no particle of {source} comes within reach "
            f"(σ = {find.error_m:g} m); widen the origin area or the find error"
        )
    w /= total
    out = ds.copy()
    out["weight"] = (("trajectory",), w, dict(ds["weight"].attrs))
    finds = json.loads(ds.attrs.get("finds", "[]")) + [find.as_dict()]
    out.attrs["finds"] = json.dumps(finds)
    return FindUpdate(out, float(1.0 / np.sum(w * w)), total)


def reverse_mean_track(env: Environment, obj: LeewayObject, find: Find, origin_time_s: float, step_s: float = 600.0) -> tuple[float, float]:
    """Deterministic reverse-time drift of the find's position with the mean velocity (current + mean downwind leeway).

    Only a first guess of the origin, for centring the prior: the mean crosswind
    leeway (half the objects each side) cancels, and the stochastic spread is not
    reversed (REFERENCES §11; OpenDrift runs backwards with a negative step under
    the same caveats).
    """
    a, b = obj.dw_slope_pct / 100.0, obj.dw_offset_cm_s / 100.0
    x, y, t = np.array([find.lon]), np.array([find.lat]), find.time_s
    while t > origin_time_s + 1e-6:
        h = min(step_s, t - origin_time_s)

        def vel(xx, yy, tt):
            wu, wv, cu, cv, _ = env.sample(xx, yy, tt)
            u = np.hypot(wu, wv)
            lw = np.where(u > 0, (a * u + b) / np.where(u > 0, u, 1.0), 0.0)
            return cu + lw * wu, cv + lw * wv

        ve, vn = vel(x, y, t)
        rx, ry = _metric(y)
        xm, ym = x - np.degrees(0.5 * h * ve / rx), y - np.degrees(0.5 * h * vn / ry)
        ve, vn = vel(xm, ym, t - 0.5 * h)
        rx, ry = _metric(ym)
        x, y, t = x - np.degrees(h * ve / rx), y - np.degrees(h * vn / ry), t - h
    return float(x[0]), float(y[0])


def default_origin_radius_m(obj: LeewayObject, find: Find, origin_time_s: float, wind_m_s: float = 10.0) -> float:
    """Prior radius: 2.5× the leeway spread accumulated over the interval (downwind S, crosswind mean and S at ``wind_m_s``) + 3σ of the find."""
    dt = find.time_s - origin_time_s
    cw = abs(obj.cwr_slope_pct / 100.0 * wind_m_s + obj.cwr_offset_cm_s / 100.0)
    spread = (obj.dw_std_cm_s + obj.cwr_std_cm_s) / 100.0 + cw
    return max(2000.0, 2.5 * spread * dt + 3.0 * find.error_m)


@dataclass
class Backtrack:
    """Result of :func:`backtrack`: the re-weighted forward ensemble and its origins."""

    update: FindUpdate
    origin_lon: np.ndarray
    origin_lat: np.ndarray
    prior_lon: float
    prior_lat: float
    prior_radius_m: float
    origin_time_s: float

    @property
    def weight(self) -> np.ndarray:
        return np.asarray(self.update.dataset["weight"].values)

    def origin_grid(self) -> ProbabilityGrid:
        """Origin probability map: kernel density of the weighted origins (:data:`ORIGIN_BANDWIDTH_SCALE`)."""
        g = kde_grid(self.origin_lon, self.origin_lat, self.weight, self.origin_time_s, bandwidth_scale=ORIGIN_BANDWIDTH_SCALE)
        return g

    def origin_level(self, lon: float, lat: float) -> float:
        """Containment level of a point in the origin map (inside the 50 % origin area iff ≤ 0.5)."""
        return level_at(self.origin_grid(), lon, lat)

    def origin_centroid(self) -> tuple[float, float]:

        return weighted_centroid(self.origin_lon, self.origin_lat, self.weight)


def backtrack(
    env: Environment,
    object_class: str | LeewayObject,
    find: Find,
    origin_time_s: float,
    *,
    origin_lon: float | None = None,
    origin_lat: float | None = None,
    origin_radius_m: float | None = None,
    particles: int = 50000,
    seed_value: int = 0,
    step_s: float = 600.0,
    coast: bool = True,
) -> Backtrack:
    """Origin distribution at ``origin_time_s`` of an object found at ``find``.

    The prior is uniform over a disc (default: centred on the reverse-time mean track,
    radius :func:`default_origin_radius_m`); ``particles`` forward particles are drifted
    to the find time and weighted by the find's likelihood. The effective number of
    particles (``update.effective_particles``) is small when few forward particles pass
    near the find (a precise find, a long interval, a wide leeway spread): a second
    pass on a smaller disc does not help much then, since the origins that can reach
    the find are themselves spread by the leeway; more particles do.
    """
    obj = get_object(object_class) if isinstance(object_class, str) else object_class
    if not (origin_time_s < find.time_s):
        raise SarexInputError(f"origin time {iso(origin_time_s)} must be before the find ({iso(find.time_s)})")
    check_find_in_forcing(env, find)
    env.check_time(origin_time_s)
    if origin_lon is None or origin_lat is None:
        origin_lon, origin_lat = reverse_mean_track(env, obj, find, origin_time_s, step_s)
    radius = default_origin_radius_m(obj, find, origin_time_s) if origin_radius_m is None else float(origin_radius_m)
    n_steps = math.ceil((find.time_s - origin_time_s) / step_s - 1e-9)

    def run(lon0: float, lat0: float, r: float, seed: int) -> xr.Dataset:
        rel = Release(lon=lon0, lat=lat0, time_s=origin_time_s, radius_m=r, radius_type="uniform")
        # output at every step: the positions at the find time are interpolated within one step
        return simulate(env, obj, rel, hours=n_steps * step_s / 3600.0, particles=particles, seed_value=seed,
                        step_s=step_s, output_s=step_s, coast=coast)

    ds = run(origin_lon, origin_lat, radius, seed_value)
    upd = reweight_by_find(ds, find, "the forward ensemble")
    passes = [{"lon": origin_lon, "lat": origin_lat, "radius_m": radius, "effective_particles": upd.effective_particles}]
    origin_x = np.asarray(ds["lon"].values[:, 0], dtype=np.float64)
    origin_y = np.asarray(ds["lat"].values[:, 0], dtype=np.float64)
    upd.dataset.attrs["backtrack"] = json.dumps(
        {"origin_time": iso(origin_time_s), "prior": {"lon": origin_lon, "lat": origin_lat, "radius_m": radius, "shape": "uniform disc"},
         "passes": passes, "effective_particles": upd.effective_particles}
    )
    return Backtrack(upd, origin_x, origin_y, float(origin_lon), float(origin_lat), radius, float(origin_time_s))
