"""Forecast skill against observed trajectories: separation distance and the Liu–Weisberg score.

For each observed trajectory and a forecast ensemble (a drift file, or any CF trajectory
file) on the times they share (REFERENCES §9):

* separation distance ``d(t)`` (WGS84 geodesic) between the observed position and the
  ensemble's weighted centroid, and its weighted distribution over the members;
* the Liu & Weisberg (2011, JGR 116 C09013) skill ``s = Σᵢ dᵢ / Σᵢ l_oᵢ`` over the comparison
  times ``i = 1..N`` after the start, with ``l_oᵢ`` the observed track length from the start to
  time ``i`` (cumulative), and ``ss = max(0, 1 − s/n)`` with tolerance ``n`` (1 by default),
  as in trajan's implementation; over the whole overlap and up to each lead time;
* the containment level at which the observation lies in the forecast's probability map
  (smallest q whose q-containment area holds it: inside the 50 % area iff level ≤ 0.5).

The observed track is interpolated linearly in time (and lon/lat) to the forecast's output
times; the comparison starts at the first forecast time inside the observed span.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyproj
import xarray as xr

from sarex.errors import SarexInputError
from sarex.geo import NM_M
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_STRANDED, validate_drift
from sarex.io.track import Track
from sarex.search.containment import cumulative_containment
from sarex.search.grid import ProbabilityGrid
from sarex.search.positions import Positions, output_times_s
from sarex.times import epoch_s_to_datetime64, iso

_GEOD = pyproj.Geod(ellps="WGS84")
DEFAULT_LEAD_HOURS = (6.0, 12.0, 24.0)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Kernel bandwidth for containment levels, as a fraction of Silverman's: under-smoothing
#: keeps "inside the q area" calibrated (Silverman's own over-covers by a few points; see
#: docs/observations.md, backtracking calibration).
CONTAINMENT_BANDWIDTH_SCALE = 0.5


def separation_m(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    """WGS84 geodesic distance between positions (degrees; broadcast), m."""
    a = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (lon_a, lat_a, lon_b, lat_b)))
    out = np.full(a[0].shape, np.nan)
    ok = np.all([np.isfinite(v) for v in a], axis=0)
    if ok.any():
        _, _, d = _GEOD.inv(a[0][ok], a[1][ok], a[2][ok], a[3][ok])
        out[ok] = d
    return out


def liu_weisberg(lon_obs, lat_obs, lon_model, lat_model, n: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Liu–Weisberg normalised cumulative separation ``s`` and skill ``ss`` (Liu & Weisberg 2011).

    Parameters
    ----------
    lon_obs, lat_obs
        Observed positions at the comparison times, shape ``(T,)``; index 0 is the start.
    lon_model, lat_model
        Modelled positions at the same times, shape ``(T,)`` or ``(M, T)`` for M members.
    n
        Tolerance threshold (> 0): ``ss = max(0, 1 − s/n)``.

    Returns
    -------
    s, ss : ndarray
        Shape ``()`` or ``(M,)``; NaN where the observed object did not move (Σ l_o = 0)
        or fewer than two times are given.
    """
    if not (n > 0):
        raise SarexInputError(f"skill tolerance n: {n} must be > 0")
    xo, yo = np.asarray(lon_obs, dtype=np.float64), np.asarray(lat_obs, dtype=np.float64)
    xm, ym = np.asarray(lon_model, dtype=np.float64), np.asarray(lat_model, dtype=np.float64)
    if xo.size < 2:
        shape = xm.shape[:-1]
        return np.full(shape, np.nan), np.full(shape, np.nan)
    d = separation_m(xo, yo, xm, ym)[..., 1:]
    step = separation_m(xo[:-1], yo[:-1], xo[1:], yo[1:])
    lo = np.cumsum(step)
    denom = lo.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        s = d.sum(axis=-1) / denom if denom > 0 else np.full(d.shape[:-1], np.nan)
    ss = np.where(np.isfinite(s), np.maximum(0.0, 1.0 - s / n), np.nan)
    return s, ss


@dataclass
class TrajectorySkill:
    """Skill of one forecast against one observed trajectory (distances in km, times in h)."""

    observed_id: str
    start_s: float
    time_s: np.ndarray  # comparison times
    lead_h: np.ndarray  # hours since start_s
    separation_km: np.ndarray  # centroid-to-observation, per comparison time
    member_separation_km: dict[float, dict[str, float]]  # lead → weighted quantiles over members
    liu_weisberg: dict  # {"s", "ss", "members": {...}} over the whole overlap
    at_lead: dict[float, dict] = field(default_factory=dict)
    centroid_lon: np.ndarray | None = None
    centroid_lat: np.ndarray | None = None
    obs_lon: np.ndarray | None = None
    obs_lat: np.ndarray | None = None

    def as_dict(self) -> dict:
        """JSON-ready summary (``skill.json``)."""
        return {
            "observed_id": self.observed_id,
            "start": iso(self.start_s),
            "end": iso(float(self.time_s[-1])),
            "overlap_hours": float(self.lead_h[-1]),
            "liu_weisberg": self.liu_weisberg,
            "separation_km": {f"{k:g}": v["separation_km"] for k, v in self.at_lead.items()},
            "at_lead": {f"{k:g}": v for k, v in self.at_lead.items()},
            "separation_km_series": {"lead_hours": self.lead_h.tolist(), "centroid": self.separation_km.tolist()},
        }


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs=QUANTILES) -> dict[str, float]:
    """Weighted quantiles (inverse of the weighted empirical CDF, mid-point rule) and mean."""
    v, w = np.asarray(values, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(v) & (w > 0)
    if not ok.any():
        return {"mean": math.nan, **{f"p{round(q * 100)}": math.nan for q in qs}}
    v, w = v[ok], w[ok]
    o = np.argsort(v, kind="stable")
    v, w = v[o], w[o]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    out = {"mean": float(np.sum(v * w) / w.sum())}
    for q in qs:
        out[f"p{round(q * 100)}"] = float(np.interp(q, c, v))
    return out


def _interp_track(tr: Track, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.unwrap(np.radians(tr.lon))
    x = np.degrees(np.interp(t, tr.time_s, lon))
    return ((x + 180.0) % 360.0) - 180.0 if np.all(tr.lon <= 180.0) else x, np.interp(t, tr.time_s, tr.lat)


def _members_at(ds: xr.Dataset, ts: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Member lon/lat (M, T) linearly interpolated to times t, and a validity mask."""
    lon = np.asarray(ds["lon"].values, dtype=np.float64)
    lat = np.asarray(ds["lat"].values, dtype=np.float64)
    st = np.asarray(ds["status"].values)
    usable = np.isin(st, (STATUS_ACTIVE, STATUS_STRANDED)) & np.isfinite(lon) & np.isfinite(lat)
    lon = np.where(usable, lon, np.nan)
    lat = np.where(usable, lat, np.nan)
    j1 = np.clip(np.searchsorted(ts, t - 1e-6, side="left"), 0, ts.size - 1)
    j0 = np.maximum(j1 - 1, 0)
    dt = ts[j1] - ts[j0]
    f = np.where(dt > 0, (t - ts[j0]) / np.where(dt > 0, dt, 1.0), 0.0)
    f = np.where(np.abs(ts[j1] - t) <= 1e-6, 1.0, f)
    dlon = ((lon[:, j1] - lon[:, j0] + 180.0) % 360.0) - 180.0
    xl = lon[:, j0] + f * dlon
    yl = lat[:, j0] + f * (lat[:, j1] - lat[:, j0])
    return xl, yl, np.isfinite(xl) & np.isfinite(yl)


def _centroid(xl: np.ndarray, yl: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    la, lo = np.radians(yl), np.radians(xl)
    ww = np.where(np.isfinite(la), w[:, None], 0.0)
    x = np.nansum(ww * np.cos(la) * np.cos(lo), axis=0)
    y = np.nansum(ww * np.cos(la) * np.sin(lo), axis=0)
    z = np.nansum(ww * np.sin(la), axis=0)
    return np.degrees(np.arctan2(y, x)), np.degrees(np.arctan2(z, np.hypot(x, y)))


def kde_grid(lon: np.ndarray, lat: np.ndarray, w: np.ndarray, time_s: float, bandwidth_m: float | None = None, bandwidth_scale: float = 1.0) -> ProbabilityGrid:
    """Kernel density of a weighted ensemble on an equal-area grid (cells of half the bandwidth).

    The bandwidth is Silverman's ``h = σ_min · N_eff^(−1/6)`` (2-D; σ_min the smaller axis
    standard deviation, not below a tenth of the larger; N_eff = 1/Σw²) times
    ``bandwidth_scale``, unless ``bandwidth_m`` is given. Smoothing widens a normal
    cloud's variance by h², so areas are slightly conservative; ``bandwidth_scale`` < 1
    under-smooths (less bias, more noise), which suits containment of a point.
    """
    ok = np.isfinite(lon) & np.isfinite(lat) & (w > 0)
    if ok.sum() < 2:
        raise SarexInputError("kernel density: fewer than two weighted positions")
    st = np.where(ok, STATUS_ACTIVE, 2).astype(np.int8)
    wo = w[ok] / w[ok].sum()
    if bandwidth_m is None:
        proj = ProbabilityGrid.from_positions(Positions(time_s, lon, lat, st, w), cell_nm=50.0).projection
        x, y = proj.forward(lon[ok], lat[ok])
        cov = np.cov(np.vstack([x, y]), aweights=wo)
        ev = np.linalg.eigvalsh(cov)
        sig = math.sqrt(max(float(ev[0]), float(ev[1]) / 100.0, 1.0))
        bandwidth_m = bandwidth_scale * sig * (1.0 / float(np.sum(wo**2))) ** (-1.0 / 6.0)
    grid = ProbabilityGrid.from_positions(Positions(time_s, lon, lat, st, w), cell_nm=0.5 * bandwidth_m / NM_M)
    return grid.smoothed(bandwidth_m / NM_M)


def level_at(grid: ProbabilityGrid, lon: float, lat: float) -> float:
    """Smallest containment level q whose q-area of ``grid`` holds the point (1 outside every cell)."""
    cum = cumulative_containment(grid.probability)
    x, y = grid.projection.forward(np.array([lon]), np.array([lat]))
    i = int(math.floor((x[0] - grid.x0_m) / grid.cell_m))
    j = int(math.floor((y[0] - grid.y0_m) / grid.cell_m))
    if not (0 <= i < grid.shape[1] and 0 <= j < grid.shape[0]) or not np.isfinite(cum[j, i]):
        return 1.0
    return float(cum[j, i])


def containment_level(lon: np.ndarray, lat: np.ndarray, w: np.ndarray, obs_lon: float, obs_lat: float, time_s: float, bandwidth_m: float | None = None, bandwidth_scale: float = CONTAINMENT_BANDWIDTH_SCALE) -> float:
    """Smallest containment level q whose q-area (kernel density, :func:`kde_grid`) holds the observation; 1 outside."""
    ok = np.isfinite(lon) & np.isfinite(lat) & (w > 0)
    if ok.sum() < 2:
        return math.nan
    return level_at(kde_grid(lon, lat, w, time_s, bandwidth_m, bandwidth_scale), obs_lon, obs_lat)


def trajectory_skill(
    forecast: xr.Dataset,
    observed: Track,
    lead_hours=DEFAULT_LEAD_HOURS,
    n: float = 1.0,
    containment: bool = True,
    source: str = "forecast",
) -> TrajectorySkill:
    """Skill of a forecast ensemble (drift dataset) against one observed trajectory.

    Parameters
    ----------
    forecast
        Drift dataset (``lon/lat(trajectory, time)``, ``status``, ``weight``).
    observed
        The observed trajectory (times strictly increasing).
    lead_hours
        Lead times (h after the comparison start) for the separation and skill tables.
    n
        Liu–Weisberg tolerance threshold.
    containment
        Also compute the observation's containment level at each lead time.
    """
    ts = output_times_s(forecast)
    t0 = max(ts[0], observed.time_s[0])
    t1 = min(ts[-1], observed.time_s[-1])
    grid_t = ts[(ts >= t0 - 1e-6) & (ts <= t1 + 1e-6)]
    if grid_t.size < 2 or t1 - t0 <= 0:
        from sarex.times import iso

        raise SarexInputError(
            f"{source}: forecast ({iso(ts[0])} to {iso(ts[-1])}) and observed trajectory {observed.name!r} "
            f"({iso(observed.time_s[0])} to {iso(observed.time_s[-1])}) share fewer than two output times"
        )
    start = float(grid_t[0])
    leads = sorted({float(h) for h in lead_hours})
    for h in leads:
        if not (h > 0):
            raise SarexInputError(f"--lead-hours: {h:g} must be > 0")
    extra = [start + h * 3600.0 for h in leads if start + h * 3600.0 <= grid_t[-1] + 1e-6]
    t = np.unique(np.round(np.concatenate([grid_t, extra]), 6))
    w = np.asarray(forecast["weight"].values, dtype=np.float64)
    xl, yl, valid = _members_at(forecast, ts, t)
    cx, cy = _centroid(xl, yl, w)
    ox, oy = _interp_track(observed, t)
    sep = separation_m(ox, oy, cx, cy) / 1000.0
    member_ok = valid.all(axis=1) & (w > 0)
    if not member_ok.any():
        raise SarexInputError(f"{source}: no member of the forecast is afloat over the whole comparison window")
    wm = w[member_ok]

    def lw(mask: np.ndarray) -> dict:
        s, ss = liu_weisberg(ox[mask], oy[mask], cx[mask], cy[mask], n)
        ms, mss = liu_weisberg(ox[mask], oy[mask], xl[member_ok][:, mask], yl[member_ok][:, mask], n)
        return {"s": float(s), "ss": float(ss), "n": float(n), "members_ss": weighted_quantiles(mss, wm), "members_s": weighted_quantiles(ms, wm)}

    lead_h = (t - start) / 3600.0
    # Sums run over the forecast's output times (plus the lead time itself when it falls
    # between outputs), so the whole-overlap score does not depend on the leads asked for.
    on_grid = np.isin(np.round(t, 6), np.round(grid_t, 6))
    at_lead: dict[float, dict] = {}
    member_sep: dict[float, dict] = {}
    for h in leads:
        k = np.flatnonzero(np.abs(lead_h - h) < 1e-6)
        if k.size == 0:
            continue
        k = int(k[0])
        msep = separation_m(ox[k], oy[k], xl[member_ok, k], yl[member_ok, k]) / 1000.0
        member_sep[h] = weighted_quantiles(msep, wm)
        entry = {"separation_km": float(sep[k]), "members_separation_km": member_sep[h], "liu_weisberg": lw(((lead_h <= h + 1e-9) & on_grid) | (np.arange(t.size) == k))}
        if containment:
            level = containment_level(xl[:, k], yl[:, k], np.where(valid[:, k], w, 0.0), float(ox[k]), float(oy[k]), float(t[k]))
            entry["containment_level"] = level
            entry["inside_50"] = bool(level <= 0.5)
            entry["inside_90"] = bool(level <= 0.9)
        at_lead[h] = entry
    return TrajectorySkill(
        observed_id=observed.name,
        start_s=start,
        time_s=t,
        lead_h=lead_h,
        separation_km=sep,
        member_separation_km=member_sep,
        liu_weisberg=lw(on_grid),
        at_lead=at_lead,
        centroid_lon=cx,
        centroid_lat=cy,
        obs_lon=ox,
        obs_lat=oy,
    )


def forecast_skill(forecast: xr.Dataset, observed: list[Track], lead_hours=DEFAULT_LEAD_HOURS, n: float = 1.0, source: str = "forecast") -> list[TrajectorySkill]:
    """:func:`trajectory_skill` for every observed trajectory that overlaps the forecast in time."""
    return [trajectory_skill(forecast, tr, lead_hours, n, source=source) for tr in observed]


def tracks_to_forecast(tracks: list[Track]) -> xr.Dataset:
    """A drift-format dataset (equal weights) from member trajectories on a common time axis."""
    t = np.unique(np.concatenate([tr.time_s for tr in tracks]))
    lon = np.full((len(tracks), t.size), np.nan)
    lat = np.full_like(lon, np.nan)
    for i, tr in enumerate(tracks):
        inside = (t >= tr.time_s[0]) & (t <= tr.time_s[-1])
        lon[i, inside], lat[i, inside] = _interp_track(tr, t[inside])
    ds = xr.Dataset(
        {"lon": (("trajectory", "time"), lon), "lat": (("trajectory", "time"), lat)},
        coords={"trajectory": np.arange(len(tracks)), "time": epoch_s_to_datetime64(t)},
    )
    return validate_drift(ds, "forecast")
