"""Use case of the planning stage: a multi-unit search plan for one period."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
from pydantic import Field
from sarex.errors import SarexInputError

from sarex.app._validate import Finite, Request, Seed, Time
from sarex.app.output import OutputTarget, run_into


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
    min_marginal_pct: Finite = Field(1.0, ge=0, le=100)
    min_coverage: Finite = Field(0.5, gt=0)
    max_coverage: Finite = Field(2.0, gt=0)
    exclude: list[str] = []
    task: list[str] = []


@dataclass
class PlanResult:
    plan: Any
    catalogue: Any
    cloud: Any
    files: list[str]


def plan_situation(ds: Any, cloud: Any) -> dict:
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
    from sarex.times import to_epoch_s

    from sarex.search.podmodel import DetectionModel

    detection = DetectionModel.parse(req.detection, "--detection").label
    units_path = req.units if req.units is not None else example_catalogue_path()
    catalogue = load_units(units_path)
    t0 = to_epoch_s(req.start, "--start")
    if ds is None:
        ds = open_drift(req.drift_file)  # lazily: the period's cloud reads only the outputs around it
    cloud = period_cloud(ds, t0, t0 + req.hours * 3600.0, req.step_min * 60.0, str(req.drift_file))
    obj = ds.attrs.get("object_class")
    srus = []
    for u in catalogue.units:
        w = unit_sweep_width_nm(u, obj, req.visibility_nm, req.weather_factor, req.fatigue, req.search_object, str(units_path))
        cw = unit_class_widths_m(u, list(cloud.object_keys), req.visibility_nm, req.weather_factor, req.fatigue, req.search_object, str(units_path))
        srus.append(make_sru(u, cloud.frame, t0, w, cw))
    land = None
    if req.coast:
        from sarex.planning.land import land_around_cloud

        land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    from dataclasses import replace

    from sarex.planning.plantypes import PlannerSettings

    if req.min_coverage > req.max_coverage:
        raise SarexInputError(f"--min-coverage {req.min_coverage:g} is above --max-coverage {req.max_coverage:g}")
    known = {u.id for u in catalogue.units}
    for opt, ids in (("--exclude", req.exclude), ("--task", req.task)):
        for uid in ids:
            if uid not in known:
                raise SarexInputError(f"{opt}: unit {uid!r} is not in {units_path}")
    settings = replace(PlannerSettings(), min_marginal_pos=req.min_marginal_pct / 100.0, min_coverage=req.min_coverage, max_coverage=req.max_coverage)
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
