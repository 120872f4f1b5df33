"""Run a simulated exercise: forecast drift, plan, search, detect or update, replan.

Per period (REFERENCES §4, §5): the planners' forecast ensemble (drifted in the
*forecast* environment from the *reported* LKP) gives the probability picture;
the planner assigns each unit a rectangle and pattern; the units sail their
routes; the truth object (drifted in the *truth* environment) is detected at each
search leg with the probability of the lateral range curve at the closest point
of approach; without a detection the ensemble is updated by Bayes' rule and the
next period is planned.

An unsuccessful search changes the planners' picture in the same way whatever
the truth is, so the sequence of plans "until detection" is computed once and
shared by every replicate; a replicate only draws its own truth and its own
detection draws. That is exact, not an approximation, and makes many replicates
cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import xarray as xr

from sarex.drift import Release, simulate
from sarex.errors import SarexInputError
from sarex.exercise.scenario import Scenario, open_spec
from sarex.planning.cloud import period_cloud
from sarex.planning.exports import RoutePoint, unit_route
from sarex.planning.planner import Plan, Planner
from sarex.planning.sru import make_sru, unit_sweep_width_nm
from sarex.planning.units import UnitCatalogue
from sarex.search.bayes import apply_search
from sarex.search.detection import SearchUnit, model_name
from sarex.search.track import Track

#: Pieces per search leg over which the closest point of approach is found exactly (both tracks linear).
LEG_SUBSTEPS = 16


@dataclass(frozen=True)
class SearchLeg:
    """One straight search leg of one unit (local plane of its period, metres, epoch seconds)."""

    unit_id: str
    nation: str
    period: int
    t0: float
    t1: float
    x0: float
    y0: float
    x1: float
    y1: float
    sweep_width_m: float


@dataclass
class PeriodPlan:
    """A period's plan on the no-detection branch, with its search applied to the forecast."""

    index: int
    start_s: float
    end_s: float
    plan: Plan
    routes: dict[str, list[RoutePoint]]
    widths_nm: dict[str, float]
    legs: list[SearchLeg]
    drift_before: xr.Dataset
    drift_after: xr.Dataset
    pos_planner: float  # the planner's own estimate (coverage model)
    pos_tracks: float  # POS of the planned tracks against the drifting ensemble (lateral range curve)
    cumulative_pos: float
    bound_pos: float
    effort_m2_by_nation: dict[str, float] = field(default_factory=dict)


@dataclass
class Detection:
    """A detection: which period, when, by whom, where (evaluation only)."""

    period: int
    time_s: float
    unit_id: str
    nation: str
    distance_m: float
    lon: float
    lat: float


def scenario_catalogue(sc: Scenario) -> UnitCatalogue:
    """The scenario's units as a planning catalogue (``units_file`` or inline planning-schema units)."""
    from sarex.planning.units import load_units, parse_catalogue

    if sc.units_file is not None:
        cat = load_units(sc.units_file)
    else:
        drop = {"mmsi", "track_name", "track_spacing_nm"}
        units = [{k: v for k, v in u.model_dump().items() if k not in drop and v is not None and v != ""} for u in sc.units]
        cat = parse_catalogue({"coordination": {"osc": sc.on_scene_coordinator}, "unit": units}, str(sc.source or "scenario"))
    known = {n.code for n in sc.nations}
    for u in cat.units:
        if u.nation not in known:
            raise SarexInputError(f"{sc.source or 'scenario'}: unit {u.id!r} field 'nation': {u.nation!r} is not one of the scenario's nations {sorted(known)}")
    return cat


def forecast_drift(sc: Scenario, particles: int, seed: int, output_s: float = 1800.0, coast: bool = True) -> xr.Dataset:
    """The planners' ensemble: reported LKP and object, forecast environment, to the end of the exercise."""
    r = sc.reported
    t1 = sc.end_time_s
    env = open_spec(sc.forecast, r.time, t1)
    hours = math.ceil((t1 - r.time) / output_s) * output_s / 3600.0
    return simulate(env, r.object_class, Release.point(r.lon, r.lat, r.time, r.radius_m), hours=hours,
                    particles=particles, seed_value=seed, output_s=output_s, coast=coast)


def truth_ensemble(sc: Scenario, n: int, seed: int, radius_m: float | None = None, output_s: float = 600.0,
                   coast: bool = True) -> xr.Dataset:
    """``n`` independent truth objects for replicates: the true object class in the truth environment,
    released at the true position and time spread by ``radius_m`` (default: the reported uncertainty)."""
    t = sc.truth
    t1 = sc.end_time_s
    env = open_spec(t.environment, t.time, t1)
    hours = math.ceil((t1 - t.time) / output_s) * output_s / 3600.0
    rad = sc.reported.radius_m if radius_m is None else radius_m
    return simulate(env, t.object_class, Release.point(t.lon, t.lat, t.time, rad), hours=hours, particles=n,
                    seed_value=seed, output_s=output_s, coast=coast)


def plan_periods(
    sc: Scenario,
    catalogue: UnitCatalogue,
    drift: xr.Dataset,
    *,
    model: str = "inverse-cube",
    seed: int = 0,
    step_s: float = 1800.0,
    visibility_nm: float = 10.0,
    progress: Optional[Callable[[str], None]] = None,
) -> list[PeriodPlan]:
    """Plan every period of the scenario on the branch where nothing has been found yet."""
    model = model_name(model)
    periods = sc.periods[: sc.stopping.max_periods] if sc.stopping.max_periods else sc.periods
    obj = drift.attrs.get("object_class")
    nation_of = {u.id: u.nation for u in catalogue.units}
    widths = {u.id: unit_sweep_width_nm(u, obj, visibility_nm) for u in catalogue.units}
    out: list[PeriodPlan] = []
    ds = drift
    cum = 0.0
    for k, p in enumerate(periods):
        end = min(p.end, sc.end_time_s)
        if end <= p.start:
            break
        if progress:
            progress(f"period {k + 1}/{len(periods)}: planning")
        cloud = period_cloud(ds, p.start, end, step_s)
        srus = [make_sru(u, cloud.frame, p.start, widths[u.id]) for u in catalogue.units]
        plan = Planner(cloud, _planner_model(model), seed + k).plan(srus)
        routes = {a.unit_id: unit_route(a, plan) for a in plan.assignments}
        legs = []
        units = []
        effort: dict[str, float] = {}
        for a in plan.assignments:
            n = a.pattern.x.size
            times = np.asarray(a.waypoint_times_s, dtype=float)
            w_m = widths[a.unit_id] * 1852.0
            for i in range(n - 1):
                legs.append(SearchLeg(a.unit_id, nation_of[a.unit_id], k, float(times[i]), float(times[i + 1]),
                                      float(a.pattern.x[i]), float(a.pattern.y[i]), float(a.pattern.x[i + 1]),
                                      float(a.pattern.y[i + 1]), w_m))
            lon, lat = plan.frame.to_lonlat(a.pattern.x, a.pattern.y)
            units.append(SearchUnit(Track(lon, lat, times, a.unit_id), w_m, model, a.unit_id))
            effort[nation_of[a.unit_id]] = effort.get(nation_of[a.unit_id], 0.0) + a.effort_m2
        if units:
            outcome = apply_search(ds, units, label=f"period {k + 1}")
            after, pos_t, cum = outcome.dataset, outcome.pos, outcome.cumulative_pos
        else:
            after, pos_t = ds, 0.0
        out.append(PeriodPlan(k, p.start, end, plan, routes, widths, legs, ds, after, float(plan.total_pos), pos_t, cum,
                              float(plan.bound_pos), effort))
        ds = after
    if not out:
        raise SarexInputError(f"{sc.source or 'scenario'}: no search period lies inside the exercise time")
    return out


def _planner_model(model: str) -> str:
    return {"random": "exponential"}.get(model, model)


# --- detection draws -------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionBundle:
    """Per truth and per search leg: probability of detection, closest approach and its time.

    Arrays have shape (R, L) for R truth tracks and L legs (all periods, in order).
    """

    pod: np.ndarray
    distance_m: np.ndarray
    tca_s: np.ndarray
    legs_period: np.ndarray  # (L,) int
    legs_unit: tuple[str, ...]
    model: str


def detection_bundle(periods: list[PeriodPlan], truth: xr.Dataset, model: str) -> DetectionBundle:
    """Probability that each search leg detects each truth track, and when.

    The probability of a leg is the exact finite-segment exposure of the detection
    model (``sarex.search.detection``: the same function that gives the planned
    POS), so the draws and the planners' POS mean the same thing; the time of a
    detection is the leg's closest point of approach.
    """
    from sarex.search.detection import pod_along_tracks

    model = model_name(model)
    legs = [leg for p in periods for leg in p.legs]
    r = truth.sizes["trajectory"]
    pod = np.zeros((r, len(legs)))
    dist = np.full((r, len(legs)), np.inf)
    tca = np.full((r, len(legs)), np.nan)
    t = truth["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    lon = np.asarray(truth["lon"].values, dtype=float)
    lat = np.asarray(truth["lat"].values, dtype=float)
    for p in periods:
        frame = p.plan.frame
        for k in [i for i, g in enumerate(legs) if g.period == p.index]:
            g = legs[k]
            i0 = max(0, int(np.searchsorted(t, g.t0, side="right")) - 1)
            i1 = min(t.size - 1, int(np.searchsorted(t, g.t1, side="left")))
            sub = truth.isel(time=slice(i0, i1 + 1))
            glon, glat = frame.to_lonlat(np.array([g.x0, g.x1]), np.array([g.y0, g.y1]))
            unit = SearchUnit(Track(glon, glat, np.array([g.t0, g.t1]), g.unit_id), g.sweep_width_m, model, g.unit_id)
            pod[:, k] = pod_along_tracks(sub, [unit])
            d, tc = _closest_approach(frame, g, t[i0 : i1 + 1], lon[:, i0 : i1 + 1], lat[:, i0 : i1 + 1])
            dist[:, k] = d
            tca[:, k] = tc
    return DetectionBundle(pod, dist, tca, np.array([g.period for g in legs], dtype=int), tuple(g.unit_id for g in legs), model)


def _closest_approach(frame, g: SearchLeg, t: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and time of the closest point of approach of truth tracks (R, T) to one leg.

    Unit and truths both move linearly over ``LEG_SUBSTEPS`` pieces of the leg (the
    truths linearly between their outputs); each piece's minimum is exact.
    """
    s = np.linspace(0.0, 1.0, LEG_SUBSTEPS + 1)
    ts = g.t0 + (g.t1 - g.t0) * s
    ux = g.x0 + (g.x1 - g.x0) * s
    uy = g.y0 + (g.y1 - g.y0) * s
    r = lon.shape[0]
    tl = np.array([np.interp(ts, t, lon[i]) for i in range(r)]) if t.size > 1 else np.repeat(lon, ts.size, axis=1)
    tb = np.array([np.interp(ts, t, lat[i]) for i in range(r)]) if t.size > 1 else np.repeat(lat, ts.size, axis=1)
    px, py = frame.to_xy(tl, tb)
    dx = px - ux
    dy = py - uy
    ddx = np.diff(dx, axis=1)
    ddy = np.diff(dy, axis=1)
    den = ddx * ddx + ddy * ddy
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = np.where(den > 0, -(dx[:, :-1] * ddx + dy[:, :-1] * ddy) / den, 0.0)
    lam = np.clip(np.nan_to_num(lam), 0.0, 1.0)
    d = np.hypot(dx[:, :-1] + lam * ddx, dy[:, :-1] + lam * ddy)
    d = np.where(np.isfinite(d), d, np.inf)
    j = np.argmin(d, axis=1)
    rows = np.arange(r)
    return d[rows, j], ts[j] + lam[rows, j] * (ts[j + 1] - ts[j])


def draw_replicate(i: int, ss: np.random.SeedSequence, bundle: DetectionBundle) -> Optional[tuple[int, float, str, float]]:
    """One replicate: truth ``i`` and its own detection draws; the earliest detection or None.

    Returns ``(period, time_s, unit_id, distance_m)``. Each leg's draw comes from
    the replicate's own stream in leg order, so the result does not depend on how
    replicates are split between workers.
    """
    u = np.random.default_rng(ss).random(bundle.pod.shape[1])
    hit = np.flatnonzero(u < bundle.pod[i])
    if hit.size == 0:
        return None
    first = hit[np.argmin(bundle.tca_s[i, hit])]
    return int(bundle.legs_period[first]), float(bundle.tca_s[i, first]), bundle.legs_unit[first], float(bundle.distance_m[i, first])


def truth_position(truth: xr.Dataset, time_s: float, index: int = 0) -> tuple[float, float]:
    """The truth's (lon, lat) at a time, linear between its outputs."""
    t = truth["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    return (float(np.interp(time_s, t, truth["lon"].values[index])), float(np.interp(time_s, t, truth["lat"].values[index])))
