"""Use case of the planning stage: a multi-unit search plan for one period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Optional

import numpy as np
from pydantic import Field
from sarex.errors import SarexInputError

from sarex.app._validate import Finite, Request, Seed, Time
from sarex.app.output import OutputTarget, run_into
from sarex.times import to_epoch_s


class PlanRequest(Request):
    """``sarex plan``: areas, patterns, routes, KML, GeoJSON, SAP messages and a map for a search period."""

    drift_file: Path
    units: Optional[Path] = None
    start: Time
    hours: Finite = Field(gt=0)
    seed: Seed = 0
    detection: str = "exponential"
    visibility_nm: Finite = Field(10.0, gt=0)
    weather_factor: Finite = Field(1.0, gt=0)
    fatigue: bool = False
    search_object: Optional[str] = None
    step_min: Finite = Field(30.0, gt=0)
    coast: bool = True
    min_marginal_pct: Finite = Field(0.0, ge=0, le=100)
    #: what the plan maximises: "pos" or "alive" (finding the person alive by the period's end; a case with survival)
    objective: str = Field("pos", pattern="^(pos|alive)$")
    min_coverage: Finite = Field(0.5, gt=0)
    max_coverage: Finite = Field(2.0, gt=0)
    exclude: list[str] = []
    task: list[str] = []
    #: consecutive periods of ``hours`` each, planned together (Brown 1980, :mod:`sarex.planning.multiperiod`)
    periods: int = Field(1, ge=1, le=12)
    #: between two sorties of a unit (refuelling, crew change), h
    sortie_gap_hours: Finite = Field(1.0, ge=0)
    objects: tuple[Path, ...] = ()  # custom object class files (--objects): the sweep-width object of a custom class


@dataclass
class PlanResult:
    plan: Any
    catalogue: Any
    cloud: Any
    files: list[str]
    #: with ``periods > 1``: the :class:`~sarex.planning.multiperiod.MultiPeriodPlan` (``plan`` is its first period)
    multi: Any = None


def plan_situation(ds: Any, cloud: Any) -> dict[str, Any]:
    """What the SAP message says about the case (object, particles, searches so far, LKP)."""
    from sarex.io.driftfile import searches_applied

    situation = {"object": ds.attrs.get("object_class") or "unknown", "particles": int(cloud.x.shape[0]), "searches": len(searches_applied(ds))}
    if "lkp_lon" in ds.attrs and "lkp_lat" in ds.attrs:
        situation.update(lkp_lon=float(ds.attrs["lkp_lon"]), lkp_lat=float(ds.attrs["lkp_lat"]), lkp_time=ds.attrs.get("lkp_time", ""))
    return situation


def plan(req: PlanRequest, target: OutputTarget, ds: Any = None) -> PlanResult:
    """Plan the period and write the plan folder's files into the target as one result.

    ``ds`` may carry the drift dataset already in memory (the demo); else ``req.drift_file`` is read.
    """
    from sarex.io.driftfile import open_drift
    from sarex.planning.cloud import period_cloud
    from sarex.report.planfiles import write_plan_files
    from sarex.planning.planner import Planner
    from sarex.planning.sru import make_sru, unit_class_widths_m, unit_sweep_width_nm
    from sarex.planning.units import example_catalogue_path, load_units

    from sarex.app.objects import use_object_files
    from sarex.search.podmodel import DetectionModel

    use_object_files(req.objects)
    detection = DetectionModel.parse(req.detection, "--detection").label
    units_path = req.units if req.units is not None else example_catalogue_path()
    catalogue = load_units(units_path)
    t0 = to_epoch_s(req.start, "--start")
    if ds is None:
        ds = open_drift(req.drift_file)  # lazily: each period's cloud reads only the outputs around it
    h = req.hours * 3600.0
    clouds = [period_cloud(ds, t0 + k * h, t0 + (k + 1) * h, req.step_min * 60.0, str(req.drift_file)) for k in range(req.periods)]
    cloud = clouds[0]
    obj = ds.attrs.get("object_class")
    widths = {u.id: unit_sweep_width_nm(u, obj, req.visibility_nm, req.weather_factor, req.fatigue, req.search_object, str(units_path))
              for u in catalogue.units}

    def class_widths(u: Any, c: Any) -> Any:  # a case's mixture: each particle's POD uses its own class's W
        return unit_class_widths_m(u, list(c.object_keys), req.visibility_nm, req.weather_factor, req.fatigue, req.search_object,
                                   str(units_path))

    srus_k = [[make_sru(u, c.frame, t0, widths[u.id], class_widths(u, c)) for u in catalogue.units] for c in clouds]
    srus = srus_k[0]
    lands: list[Any] = [None] * len(clouds)
    if req.coast:
        from sarex.planning.land import land_around_cloud

        lands = [land_around_cloud(c.frame, c.x, c.y) for c in clouds]
    land = lands[0]

    from sarex.planning.plantypes import PlannerSettings

    if req.min_coverage > req.max_coverage:
        raise SarexInputError(f"--min-coverage {req.min_coverage:g} is above --max-coverage {req.max_coverage:g}")
    known = {u.id for u in catalogue.units}
    for opt, ids in (("--exclude", req.exclude), ("--task", req.task)):
        for uid in ids:
            if uid not in known:
                raise SarexInputError(f"{opt}: unit {uid!r} is not in {units_path}")
    settings = replace(PlannerSettings(), min_marginal_pos=req.min_marginal_pct / 100.0, min_coverage=req.min_coverage, max_coverage=req.max_coverage,
                       objective=req.objective)
    if req.periods > 1:
        if req.exclude or req.task:
            raise SarexInputError("--exclude/--task: the SMC's instructions apply to one period; plan several periods without them")
        return _plan_periods(req, target, ds, clouds, srus_k, lands, settings, catalogue, detection)
    result = Planner(cloud, detection, req.seed, settings=settings, land=land).plan(srus, exclude=req.exclude, force=req.task)
    from sarex.planning.tracks_pos import planned_tracks_pos

    result.pos_planned = planned_tracks_pos(result, ds)
    from sarex.drift.case.classes import alive_at

    alive = alive_at(ds, 0.5 * (cloud.start_s + cloud.end_s))
    if alive is not None and result.pod_per_particle is not None:
        result.pos_alive = float(np.sum(cloud.weight * alive * result.pod_per_particle))
    situation = plan_situation(ds, cloud)
    files = run_into(target, lambda: target.write_folder("", lambda p: write_plan_files(p, result, cloud, catalogue, situation, coast=req.coast)))
    return PlanResult(result, catalogue, cloud, files)


def _plan_periods(req: PlanRequest, target: OutputTarget, ds: Any, clouds: list[Any], srus_k: list[Any], lands: list[Any], settings: Any,
                  catalogue: Any, detection: str) -> PlanResult:
    """Several periods planned together: ``period-k/`` plan folders and a plan.json saying what each period adds."""
    from sarex.planning.multiperiod import plan_periods
    from sarex.planning.tracks_pos import planned_tracks_pos
    from sarex.report.planfiles import write_period_plans

    mp = plan_periods(clouds, srus_k, detection, req.seed, settings, lands, sortie_gap_s=req.sortie_gap_hours * 3600.0)
    mp.plans[0].pos_planned = planned_tracks_pos(mp.plans[0], ds)  # later periods are planned on the posterior, not on ds
    situation = plan_situation(ds, clouds[0])
    files = run_into(target, lambda: target.write_folder("", lambda d: write_period_plans(d, mp, clouds, catalogue, situation, coast=req.coast)))
    return PlanResult(mp.plans[0], catalogue, clouds[0], files, mp)


class PlanCompareRequest(Request):
    """``sarex plan-compare``: two plans (folders or their plan.json) side by side, over the drift's probability."""

    plan_a: Path
    plan_b: Path
    drift_file: Optional[Path] = None
    coast: bool = True


@dataclass
class PlanCompareResult:
    rows: list[list[str]]
    totals: list[list[str]]
    files: list[str]


def compare(req: PlanCompareRequest, target: OutputTarget) -> PlanCompareResult:
    """Write compare.png and compare.html into the target as one result (:mod:`sarex.report.plancompare`)."""
    import numpy as np

    from sarex.report.plancompare import comparison_rows, read_plan_folder, totals_rows, write_comparison

    a = read_plan_folder(req.plan_a, "plan A")
    b = read_plan_folder(req.plan_b, "plan B")
    cloud = None
    if req.drift_file is not None:
        from sarex.io.driftfile import read_drift
        from sarex.planning.cloud import period_cloud

        ds = read_drift(req.drift_file)
        c = period_cloud(ds, to_epoch_s(a.summary["start"]), to_epoch_s(a.summary["end"]), 1800.0, str(req.drift_file))
        lon, lat = c.frame.inverse(c.x.ravel(), c.y.ravel())
        cloud = (lon, lat, np.repeat(c.weight, c.x.shape[1]) / c.x.shape[1])
    files = run_into(target, lambda: target.write_folder("", lambda d: write_comparison(d, a, b, cloud, req.coast)))
    return PlanCompareResult(comparison_rows(a, b), totals_rows(a, b), files)
