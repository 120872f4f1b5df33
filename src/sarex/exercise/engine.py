"""The exercise as a whole: run it, keep participants' outputs apart from the truth, score it.

Layout of an exercise run's output folder::

    participants/            everything the players may see (never the truth)
        brief/               scenario without its truth (JSON, HTML)
        forecast_drift.nc    the planners' drift ensemble
        period-1/ ...        each period's plan: GPX, RTZ, KML, GeoJSON, SAP messages, map
    evaluation/              evaluators only
        truth.nc             the truth track
        scores.json          scores, detection, per-period and per-nation tables
        report.html, report.pdf
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import xarray as xr

from sarex.geo import GEOD, NM_M
from sarex.exercise.run import (
    Detection,
    PeriodPlan,
    detection_bundle,
    draw_replicate,
    forecast_drift,
    plan_periods,
    scenario_catalogue,
    truth_position,
)
from sarex.exercise.scenario import Scenario, check_environments
from sarex.drift.forcing_error import ForcingError
from sarex.exercise.scoring import detection_by_hour
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel
from sarex.exercise.truth import scenario_truth, truth_ensemble_dataset
from sarex import seeds
from sarex.seeds import check_seed
from sarex.times import iso
from sarex.search.grid import ProbabilityGrid
from sarex.exercise.replicates import run_replicates



@dataclass
class ReplicateStats:
    """Replicates: detection time distribution and probability of detection by hour."""

    n: int
    detected: int
    period_of_detection: list[Optional[int]]
    hours_to_detection: list[Optional[float]]
    pod_by_hour: list[tuple[float, float]]  # (hours since the alert, fraction detected by then)
    first_period_fraction: float
    first_period_pos_sailed: float  # the sailed-tracks POS of period 1 (what the detections are drawn from)


@dataclass
class ExerciseResult:
    """Everything an evaluator needs."""

    scenario: Scenario
    seed: int
    periods: list[PeriodPlan]
    executed: int  # periods actually searched (up to and including the detection)
    detection: Optional[Detection]
    truth: xr.Dataset
    peak_error_m: float
    peak_time_s: float
    replicates: Optional[ReplicateStats] = None
    files: dict[str, list[Path]] = field(default_factory=dict)

    def scores(self) -> dict:
        """Scores as plain JSON-able data."""
        sc = self.scenario
        ps = self.periods[: self.executed]
        d = self.detection
        out = {
            "scenario": sc.name,
            "seed": self.seed,
            "detected": d is not None,
            "detection": None
            if d is None
            else {
                "period": d.period + 1,
                "time": iso(d.time_s),
                "unit": d.unit_id,
                "nation": d.nation,
                "hours_since_alert": (d.time_s - sc.reported.time) / 3600.0,
                "hours_since_distress": (d.time_s - sc.truth.time) / 3600.0,
                "closest_approach_nm": d.distance_m / NM_M,
                "lon": d.lon,
                "lat": d.lat,
            },
            "periods": [
                {
                    "period": p.index + 1,
                    "start": iso(p.start_s),
                    "end": iso(p.end_s),
                    "units_assigned": len(p.plan.assignments),
                    "units_unassigned": sorted(p.plan.unassigned),
                    "pos_planner": p.pos_planner,
                    "pos_planned": p.pos_planned,
                    "pos_sailed": p.pos_sailed,
                    "stone_reference_pos": p.bound_pos,
                    "cumulative_pos": p.cumulative_pos,
                    "effort_nm2_by_nation": {k: v / NM_M**2 for k, v in p.effort_m2_by_nation.items()},
                    "searched": p.index < self.executed,
                }
                for p in self.periods
            ],
            "effort_nm2_by_nation": _sum_dicts([p.effort_m2_by_nation for p in ps], 1 / NM_M**2),
            "final_probability_peak_error_nm": self.peak_error_m / NM_M,
            "final_probability_peak_time": iso(self.peak_time_s),
        }
        if sc.case is not None and self.periods:  # per case scenario: prior, posterior after the searches, POS
            from sarex.drift.case import scenario_table

            out["case"] = {"truth_scenario": sc.truth.case_scenario, "truth_object": sc.truth.object_class,
                           "scenarios": scenario_table(self.periods[self.executed - 1 if self.executed else 0].drift_after)}
        if self.replicates is not None:
            r = self.replicates
            out["replicates"] = {
                "n": r.n,
                "detected_fraction": r.detected / r.n,
                "first_period_detected_fraction": r.first_period_fraction,
                "first_period_pos_sailed": r.first_period_pos_sailed,
                "median_hours_to_detection": _median([h for h in r.hours_to_detection if h is not None]),
                "pod_by_hour": r.pod_by_hour,
            }
        return out


def _sum_dicts(ds: list[dict[str, float]], scale: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for d in ds:
        for k, v in d.items():
            out[k] = out.get(k, 0.0) + v * scale
    return out


def _median(xs: list[float]) -> Optional[float]:
    return float(np.median(xs)) if xs else None


def run_exercise(
    sc: Scenario,
    seed: int = 0,
    *,
    particles: int = 5000,
    model: "str | DetectionModel" = DEFAULT_MODEL,
    replicates: int = 0,
    scheduler: Optional[str] = None,
    workers: int = 2,
    coast: bool = True,
    progress: Optional[Callable[[str], None]] = None,
    replicate_progress: bool | Callable[[int, int], None] = False,
    forcing_error: ForcingError | None = None,
) -> ExerciseResult:
    """Simulate the exercise (and optionally ``replicates`` more truths) without writing anything."""
    seed = check_seed(seed, "seed")
    say = progress or (lambda msg: None)
    check_environments(sc, coast=coast)
    catalogue = scenario_catalogue(sc)
    say("forecast drift")
    drift = forecast_drift(sc, particles, seed, coast=coast, forcing_error=forcing_error)
    periods = plan_periods(sc, catalogue, drift, model=model, seed=seed, coast=coast, progress=say)
    say("truth drift")
    truth_track, truth = scenario_truth(sc, seed, coast=coast)
    bundle = detection_bundle(periods, truth, model)
    hit = draw_replicate(0, seeds.stream(seed, seeds.DETECTION), bundle)
    detection = None
    executed = len(periods)
    if hit is not None:
        k, t, uid, dist = hit
        lon, lat = truth_position(truth, t)
        nation = next(u.nation for u in catalogue.units if u.id == uid)
        detection = Detection(k, t, uid, nation, dist, lon, lat)
        executed = k + 1 if sc.stopping.on_detection else len(periods)
    # Where the planners' picture put the object, against where it was, at the end.
    last = periods[executed - 1]
    t_peak = detection.time_s if detection is not None else last.end_s
    ds_final = last.drift_before if detection is not None else last.drift_after
    peak_err = _peak_error(ds_final, truth, t_peak)
    stats = None
    if replicates > 0:
        say(f"{replicates} replicates")
        stats = run_replicate_set(sc, periods, replicates, seed, model=model, scheduler=scheduler, workers=workers,
                                  coast=coast, progress=replicate_progress)
    return ExerciseResult(sc, seed, periods, executed, detection, truth, peak_err, t_peak, stats)


def _peak_error(ds: xr.Dataset, truth: xr.Dataset, time_s: float) -> float:

    grid = ProbabilityGrid.from_drift(ds, time_s, cell_nm=1.0)
    j, i = np.unravel_index(int(np.argmax(grid.probability)), grid.probability.shape)
    lon, lat = grid.cell_centres_lonlat()
    plon, plat = float(np.asarray(lon)[j, i]), float(np.asarray(lat)[j, i])
    tlon, tlat = truth_position(truth, time_s)
    return float(GEOD.inv(plon, plat, tlon, tlat)[2])


def run_replicate_set(
    sc: Scenario,
    periods: list[PeriodPlan],
    n: int,
    seed: int,
    *,
    model: "str | DetectionModel" = DEFAULT_MODEL,
    scheduler: Optional[str] = None,
    workers: int = 2,
    processes: bool = False,
    coast: bool = True,
    truth_radius_m: float | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> ReplicateStats:
    """``n`` replicates: independent truths and detection draws against the shared plans, on Dask."""
    radius = sc.reported.radius_m if truth_radius_m is None else truth_radius_m
    truths = truth_ensemble_dataset(sc, n, seed, radius_m=radius, coast=coast)
    bundle = detection_bundle(periods, truths, model)
    res = run_replicates(draw_replicate, n, seed, bundle, scheduler=scheduler, workers=workers, processes=processes, progress=progress)
    alert = sc.reported.time
    hours = [None if r is None else (r[1] - alert) / 3600.0 for r in res]
    per = [None if r is None else r[0] for r in res]
    end_h = (periods[-1].end_s - alert) / 3600.0
    times = np.array([np.nan if r is None else r[1] for r in res], dtype=np.float64)
    grid, by_hour, _ = detection_by_hour(times, alert, math.ceil(end_h))
    pod_by_hour = [(float(g), float(p)) for g, p in zip(grid, by_hour)]
    done = times[np.isfinite(times)]
    first = float(sum(1 for k in per if k == 0) / n)
    return ReplicateStats(n, int(done.size), per, hours, pod_by_hour, first, periods[0].pos_sailed)
