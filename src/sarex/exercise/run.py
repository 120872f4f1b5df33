"""Run a simulated exercise: forecast drift, plan, search, detect or update, replan.

Per period (REFERENCES §4, §5): the planners' forecast ensemble (drifted in the
*forecast* environment from the *reported* LKP) gives the probability picture;
the planner assigns each unit a rectangle and pattern; the units sail their
routes (transit, search speed, turns on arcs); the truth object (drifted in the
*truth* environment) is detected by a unit's run with the probability given by
the detection model's exposure along the sailed track, at the run's closest
point of approach; without a detection the ensemble is updated by Bayes' rule
with the sailed tracks and the next period is planned.

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

from sarex.geo import NM_M, LocalProjection
from sarex.drift import Release, simulate
from sarex.drift.forcing_error import ForcingError
from sarex.errors import SarexInputError
from sarex.exercise.scenario import EnvironmentSpec, Scenario, open_spec
from sarex.planning.cloud import period_cloud
from sarex.planning.planner import Plan, Planner
from sarex.planning.plantypes import PlannerSettings
from sarex.planning.rectangle import AreaPin, pin_rectangle
from sarex.drift.case.classes import particle_classes
from sarex.planning.sru import make_sru, unit_class_widths_m, unit_sweep_width_nm
from sarex.planning.tracks_pos import planned_tracks_pos
from sarex.planning.units import Coordination, UnitCatalogue
from sarex.search.bayes import apply_search
from sarex.search.detection import SearchUnit, pod_along_tracks
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel
from sarex.io.track import Track
from sarex.exercise.kinematics import sail_route
from sarex.exercise.encounters import closest_approaches


@dataclass(frozen=True)
class SearchRun:
    """One unit's time on task in one period: the track it sailed (after its turns) and its sweep width."""

    unit_id: str
    nation: str
    period: int
    track: Track
    sweep_width_m: float
    #: per object class (a case's mixture): (Leeway class, W m); empty: sweep_width_m for all
    class_widths_m: tuple[tuple[str, float], ...] = ()

    def search_unit(self, model: DetectionModel) -> SearchUnit:
        """The unit as the detection model sees it."""
        return SearchUnit(self.track, self.sweep_width_m, model, self.unit_id, class_widths_m=self.class_widths_m)


@dataclass
class PeriodPlan:
    """A period's plan on the no-detection branch, with its search applied to the forecast."""

    index: int
    start_s: float
    end_s: float
    plan: Plan
    widths_nm: dict[str, float]
    runs: list[SearchRun]
    drift_before: xr.Dataset
    drift_after: xr.Dataset
    pos_planner: float  # the planner's own estimate (coverage model)
    pos_planned: float  # POS of the planned pattern tracks against the drifting ensemble (lateral range curve)
    pos_sailed: float  # POS of the tracks the units actually sailed (turns included): what the update uses
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
    """The scenario's units (inline or from ``units_file``) as the planner's catalogue, the OSC coordinating.

    The scenario's units are already :class:`~sarex.planning.units.Unit` objects,
    so nothing is converted or dropped here; a unit the planner cannot use is an
    error naming file, unit and field.
    """
    com = sc.communications
    units = [u.model_copy(update={"callsign": com.callsigns[u.id]}) if u.id in com.callsigns else u for u in sc.plannable_units()]
    return UnitCatalogue(coordination=Coordination(osc=sc.on_scene_coordinator, aco=com.aircraft_coordinator, channels=dict(com.channels)),
                         unit=units)


def forecast_drift(sc: Scenario, particles: int, seed: int, output_s: float = 1800.0, coast: bool = True,
                   forcing_error: ForcingError | None = None, environment: "EnvironmentSpec | None" = None) -> xr.Dataset:
    """The planners' ensemble: reported LKP and object, forecast environment, to the end of the exercise.

    ``forcing_error``: the forecast's own error (:mod:`sarex.drift.forcing_error`); the app layer
    passes the SAR default. ``environment``: the forcing (default: the scenario's forecast);
    :func:`perfect_forecast_drift` passes the truth's.
    """
    r = sc.reported
    spec = sc.forecast if environment is None else environment
    t1 = sc.end_time_s
    if sc.case is not None:  # the distress as a case: its weighted scenarios are the planners' ensemble
        from sarex.drift.case import CaseDriftConfig, drift_case
        from sarex.drift.case.run import earliest_time_s

        step_s = 600.0
        t0 = math.floor(earliest_time_s(sc.case) / step_s + 1e-9) * step_s
        env = open_spec(spec, t0, t1)
        hours = math.ceil((t1 - t0) / output_s) * output_s / 3600.0
        return drift_case(env, sc.case, CaseDriftConfig(hours=hours, particles=particles, seed=seed, step_s=step_s, output_s=output_s,
                                                        coast=coast, source=str(sc.source or "scenario"), forcing_error=forcing_error))
    env = open_spec(spec, r.time, t1)
    hours = math.ceil((t1 - r.time) / output_s) * output_s / 3600.0
    return simulate(env, r.object_class, Release.point(r.lon, r.lat, r.time, r.radius_m), hours=hours,
                    particles=particles, seed_value=seed, output_s=output_s, coast=coast, forcing_error=forcing_error)


def perfect_forecast_drift(sc: Scenario, particles: int, seed: int, output_s: float = 1800.0, coast: bool = True) -> xr.Dataset:
    """The counterfactual of a perfect forecast (issue 28 item 4): the planners' ensemble — the same release
    (reported LKP, time, object), particles and seed — drifted in the truth's own ocean (``[truth].environment``)
    with no forcing error. What is left of the spread is the players' uncertainty about the distress (position,
    time, object's leeway), not the forecast's; a scenario whose forecast is its truth's environment gives the
    forecast ensemble without forcing error, bit for bit."""
    return forecast_drift(sc, particles, seed, output_s, coast, forcing_error=None, environment=sc.truth.environment)


def plan_periods(
    sc: Scenario,
    catalogue: UnitCatalogue,
    drift: xr.Dataset,
    *,
    model: "str | DetectionModel" = DEFAULT_MODEL,
    seed: int = 0,
    step_s: float = 1800.0,
    kinematics: bool = True,
    coast: bool = True,
    progress: Optional[Callable[[str], None]] = None,
) -> list[PeriodPlan]:
    """Plan every period of the scenario on the branch where nothing has been found yet.

    Sweep widths come from the IAMSAR tables for the scenario's conditions
    (visibility, weather correction fw, fatigue). Each unit sails its planned route (transit, then the pattern at search speed,
    turning on arcs of its turn radius when ``kinematics``); the Bayesian update
    uses the tracks sailed, and both the planned and the sailed POS are kept.
    With ``coast`` the planner gets the land raster around each period's cloud, so
    surface units' areas stay off land exactly as in ``sarex plan``.
    """
    model = DetectionModel.parse(model)
    periods = sc.periods[: sc.stopping.max_periods] if sc.stopping.max_periods else sc.periods
    widths = sweep_widths_nm(sc, catalogue, drift.attrs.get("object_class"))
    out: list[PeriodPlan] = []
    ds = drift
    cum = 0.0
    for k, p in enumerate(periods):
        end = min(p.end, sc.end_time_s)
        if end <= p.start:
            break
        if progress:
            progress(f"period {k + 1}/{len(periods)}: planning")
        plan, runs, effort = plan_period(sc, catalogue, ds, k, p.start, end, widths, model, seed=seed, step_s=step_s,
                                         kinematics=kinematics, coast=coast)
        if runs:
            pos_planned = planned_tracks_pos(plan, ds, model)
            plan.pos_planned = pos_planned
            outcome = apply_search(ds, [r.search_unit(model) for r in runs], label=f"period {k + 1}")
            after, pos_t, cum = outcome.dataset, outcome.pos, outcome.cumulative_pos
        else:
            after, pos_planned, pos_t = ds, 0.0, 0.0
        out.append(PeriodPlan(k, p.start, end, plan, widths, runs, ds, after, float(plan.total_pos), pos_planned, pos_t,
                              cum, float(plan.bound_pos), effort))
        ds = after
    if not out:
        raise SarexInputError(f"{sc.source or 'scenario'}: no search period lies inside the exercise time")
    return out


def sweep_widths_nm(sc: Scenario, catalogue: UnitCatalogue, object_class: Optional[str]) -> dict[str, float]:
    """Each unit's sweep width (NM) for the scenario's conditions (IAMSAR tables: visibility, fw, fatigue)."""
    cond = sc.conditions
    fw = cond.weather_factor_for(sc.reported.object_class)
    return {u.id: unit_sweep_width_nm(u, object_class, cond.visibility_nm, fw, cond.fatigue) for u in catalogue.units}


def plan_period(
    sc: Scenario,
    catalogue: UnitCatalogue,
    ds: xr.Dataset,
    k: int,
    start_s: float,
    end_s: float,
    widths_nm: dict[str, float],
    model: DetectionModel,
    *,
    seed: int = 0,
    step_s: float = 1800.0,
    kinematics: bool = True,
    coast: bool = True,
    units: Optional[set[str]] = None,
    pins: Optional[dict[str, AreaPin]] = None,
) -> tuple[Plan, list[SearchRun], dict[str, float]]:
    """Plan period ``k`` (0-based) on the ensemble ``ds``; return the plan, each unit's sailed run and effort (m²) per nation.

    ``units`` limits the planner to those unit ids (default: all of the catalogue); ``pins`` fixes the
    areas an SMC set on the map (unit id -> :class:`~sarex.planning.rectangle.AreaPin`): the planner fits
    those units' patterns there and plans the others around them.
    """
    units_by_id = {u.id: u for u in catalogue.units}
    cond = sc.conditions
    fw = cond.weather_factor_for(sc.reported.object_class)
    keys = particle_classes(ds)[0]  # a case's classes: each particle searched for with its own class's W
    cw = {u.id: unit_class_widths_m(u, keys, cond.visibility_nm, fw, cond.fatigue) for u in catalogue.units}
    cloud = period_cloud(ds, start_s, end_s, step_s)
    srus = [make_sru(u, cloud.frame, start_s, widths_nm[u.id], cw[u.id]) for u in catalogue.units if units is None or u.id in units]
    land = None
    if coast:
        from sarex.planning.land import land_around_cloud

        land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    rects = {uid: pin_rectangle(cloud.frame, pin) for uid, pin in (pins or {}).items()}
    plan = Planner(cloud, model, seed + k, settings=PlannerSettings(exercise=True), land=land).plan(srus, pins=rects)
    runs: list[SearchRun] = []
    effort: dict[str, float] = {}
    for a in plan.assignments:
        u = units_by_id[a.unit_id]
        sailed = _sail(a, plan, u, kinematics, end_s)
        if sailed.time_s.size < 2 or sailed.time_s[-1] <= sailed.time_s[0]:
            continue  # on task only as the period ends (a longer transit around land): no search time
        runs.append(SearchRun(a.unit_id, u.nation, k, sailed, widths_nm[a.unit_id] * NM_M, cw[a.unit_id]))
        effort[u.nation] = effort.get(u.nation, 0.0) + a.effort_m2
    return plan, runs, effort


def _sail(a, plan: Plan, unit, kinematics: bool, end_s: float) -> Track:
    """The on-task part of the track a unit sails for its assignment (60 s samples), up to the period's end.

    The planner times its route on its own turn geometry; the sailed fly-by path can be a few
    seconds longer, and a unit stops searching when its period ends, so the track is cut there.
    """
    lon, lat = plan.frame.inverse(a.pattern.x, a.pattern.y)
    slon, slat = plan.frame.inverse(np.array([a.start_xy[0]]), np.array([a.start_xy[1]]))
    sailed, t_csp = sail_route(
        (float(slon[0]), float(slat[0])), a.depart_s, np.c_[lon, lat], a.search_speed_ms * 3600.0 / NM_M,
        unit.turn_radius_m if kinematics else 0.0, transit_speed_kn=a.transit_speed_ms * 3600.0 / NM_M,
        dt_s=60.0, unit_id=a.unit_id,
    )
    on = sailed.time_s >= t_csp - 1e-6
    t = np.concatenate([[t_csp], sailed.time_s[on & (sailed.time_s > t_csp + 1e-6)]])
    if t[-1] > end_s and t[0] < end_s:
        t = np.append(t[t < end_s], end_s)
    x = np.interp(t, sailed.time_s, sailed.lon)
    y = np.interp(t, sailed.time_s, sailed.lat)
    return Track(x, y, t, a.unit_id)


# --- detection draws -------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionBundle:
    """Per truth and per unit-period search run: probability of detection, closest approach and its time.

    Arrays have shape (R, U) for R truth tracks and U runs (all periods, in order).
    """

    pod: np.ndarray
    distance_m: np.ndarray
    tca_s: np.ndarray
    runs_period: np.ndarray  # (U,) int
    runs_unit: tuple[str, ...]
    model: str


def detection_bundle(periods: list[PeriodPlan], truth: xr.Dataset, model: str) -> DetectionBundle:
    """Probability that each unit's search run detects each truth track, and when.

    The probability is the exact finite-segment exposure of the detection model
    along the sailed track (``sarex.search.detection``: the same function that
    gives the planners' POS), so the draws and the POS mean the same thing; the
    time of a detection is the run's closest point of approach to the object.
    """
    model = DetectionModel.parse(model)
    runs = [r for p in periods for r in p.runs]
    n = truth.sizes["trajectory"]
    pod = np.zeros((n, len(runs)))
    dist = np.full((n, len(runs)), np.inf)
    tca = np.full((n, len(runs)), np.nan)
    t = truth["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    lon = np.asarray(truth["lon"].values, dtype=float)
    lat = np.asarray(truth["lat"].values, dtype=float)
    for k, r in enumerate(runs):
        t0, t1 = r.track.start_s, r.track.end_s
        i0 = max(0, int(np.searchsorted(t, t0, side="right")) - 1)
        i1 = min(t.size - 1, int(np.searchsorted(t, t1, side="left")))
        sub = truth.isel(time=slice(i0, i1 + 1))
        pod[:, k] = pod_along_tracks(sub, [r.search_unit(model)])  # the truth's own class's W
        dist[:, k], tca[:, k] = closest_approach(r.track, t[i0 : i1 + 1], lon[:, i0 : i1 + 1], lat[:, i0 : i1 + 1])
    return DetectionBundle(pod, dist, tca, np.array([r.period for r in runs], dtype=int), tuple(r.unit_id for r in runs), model.label)


def closest_approach(track: Track, t: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and time of the closest point of approach of truth tracks (R, T) to a unit's track.

    Uses :func:`sarex.exercise.encounters.closest_approaches` (exact on piecewise-linear
    relative motion) and keeps the closest of each truth's encounters.
    """
    frame = LocalProjection(float(np.mean(track.lon)), float(np.mean(track.lat)))
    ux, uy = frame.forward(track.lon, track.lat)
    px, py = frame.forward(lon, lat)
    n = lon.shape[0]
    dist = np.full(n, np.inf)
    when = np.full(n, np.nan)
    for i in range(n):
        ok = np.isfinite(px[i]) & np.isfinite(py[i])
        if ok.sum() < 2:
            continue
        ts, rs = closest_approaches(track.time_s, ux, uy, t[ok], px[i][ok], py[i][ok])
        if rs.size:
            k = int(np.argmin(rs))
            dist[i], when[i] = rs[k], ts[k]
    return dist, when


def draw_replicate(i: int, ss: np.random.SeedSequence, bundle: DetectionBundle) -> Optional[tuple[int, float, str, float]]:
    """One replicate: truth ``i`` and its own detection draws; the earliest detection or None.

    Returns ``(period, time_s, unit_id, distance_m)``. Each run's draw comes from
    the replicate's own stream in run order, so the result does not depend on how
    replicates are split between workers.
    """
    u = np.random.default_rng(ss).random(bundle.pod.shape[1])
    hit = np.flatnonzero(u < bundle.pod[i])
    if hit.size == 0:
        return None
    first = hit[np.argmin(bundle.tca_s[i, hit])]
    return int(bundle.runs_period[first]), float(bundle.tca_s[i, first]), bundle.runs_unit[first], float(bundle.distance_m[i, first])


def truth_position(truth: xr.Dataset, time_s: float, index: int = 0) -> tuple[float, float]:
    """The truth's (lon, lat) at a time, linear between its outputs."""
    t = truth["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    return (float(np.interp(time_s, t, truth["lon"].values[index])), float(np.interp(time_s, t, truth["lat"].values[index])))
