"""Use cases of case files: check a case, map its scenarios' starts, drift a case."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
from pydantic import Field

from sarex.app._validate import DEFAULT_FORCING_ERROR, Count, Finite, ForcingErrorSpec, Request, Seed, Time
from sarex.app.drift import DriftResult, EnvironmentChoice, Progress, _write_drift_outputs, check_drift_memory
from sarex.app.objects import use_object_files
from sarex.app.output import OutputTarget, run_into
from sarex.times import iso, to_epoch_s


@dataclass
class CaseSummary:
    """What ``case check`` reports: per scenario its type, weight and objects, and the drift start."""

    title: str
    rows: list[dict[str, Any]]
    start: str


def check(path: Path, objects: tuple[Path, ...] = ()) -> CaseSummary:
    """Validate a case file completely (fields, geometry, fixes, voyages) and summarise it (``objects``: custom class files)."""
    from sarex.drift.case import check_case, load_case
    from sarex.drift.case.run import earliest_time_s

    use_object_files(objects)
    case = load_case(path)
    check_case(case, str(path))
    rows = [{"name": s.name, "type": s.type, "weight": w,
             "objects": ", ".join(f"{o.class_} {o.weight:g}" for o in s.objects),
             "states": " / ".join(st.name for st in s.state)}
            for s, w in zip(case.scenario, case.weights())]
    return CaseSummary(case.title, rows, iso(earliest_time_s(case)))


def case_map(path: Path, target: OutputTarget, particles: int = 2000, seed: int = 0, objects: tuple[Path, ...] = ()) -> list[str]:
    """Write ``case.png``: each scenario's start distribution (``particles`` draws per scenario)."""
    from sarex.drift.case import build_ensemble, load_case
    from sarex.report.casemap import plot_case

    use_object_files(objects)
    case = load_case(path)
    n = particles * len(case.scenario)
    ce = build_ensemble(case, max(n, 1), seed, float("inf"), source=str(path))
    return run_into(target, lambda: target.write_file("case.png", lambda p: plot_case(ce, p, case.title or Path(path).name)))


class CaseDriftRequest(Request):
    """``sarex drift --case``: the case file and the drift options."""

    case: Path
    start: Optional[Time] = None
    hours: Finite = Field(24.0, gt=0)
    environment: EnvironmentChoice
    particles: Count = 5000
    seed: Seed = 0
    step_min: Finite = Field(10.0, gt=0)
    output_min: Finite = Field(60.0, gt=0)
    scheme: str = "rk2"
    coast: bool = True
    jibe_probability: Finite = Field(0.04, ge=0, lt=1)
    capsize: bool = False
    plot: bool = False
    forcing_error: ForcingErrorSpec = DEFAULT_FORCING_ERROR
    objects: tuple[Path, ...] = ()


def drift(req: CaseDriftRequest, target: OutputTarget, progress: Progress = None) -> DriftResult:
    """Drift every scenario of the case in one ensemble and write ``drift.nc`` (and ``drift.png``)."""
    from sarex.drift.case import CaseDriftConfig, drift_case, load_case
    from sarex.drift.case.run import earliest_time_s
    from sarex.drift.forcing_error import parse_forcing_error

    use_object_files(req.objects)
    case = load_case(req.case)
    check_drift_memory(req.particles, req.hours, req.output_min)
    step_s = req.step_min * 60.0
    t0 = to_epoch_s(req.start, "--start") if req.start is not None else np.floor(earliest_time_s(case) / step_s) * step_s
    environment = req.environment.open(iso(float(t0)), req.hours)
    config = CaseDriftConfig(hours=req.hours, particles=req.particles, seed=req.seed, step_s=step_s, output_s=req.output_min * 60.0,
                             scheme=req.scheme, coast=req.coast, jibe_probability_per_hour=req.jibe_probability, capsize=req.capsize,
                             start=req.start, source=str(req.case), forcing_error=parse_forcing_error(req.forcing_error))
    ds = drift_case(environment, case, config, progress=progress)
    ds.attrs["case_file"] = str(req.case)
    files = _write_drift_outputs(ds, target, req.plot, req.coast)
    return DriftResult(ds, environment, files)
