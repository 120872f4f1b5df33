"""Use cases of the drift stage: a Leeway drift from a last known position, and its continuation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal, Optional

import xarray as xr
from pydantic import Field, StrictInt, model_validator

from sarex.app._validate import DEFAULT_FORCING_ERROR, Count, ForcingSource, Finite, ForcingErrorSpec, Request, Seed, Time
from sarex.app.objects import use_object_files
from sarex.app.output import OutputTarget, run_into
from sarex.app.resources import DRIFT_BYTES_PER_PARTICLE_OUTPUT, drift_bytes, require_memory
from sarex.errors import SarexInputError
from sarex.times import datetime64_to_epoch_s, iso

Outside = Literal["error", "deactivate", "fallback"]
Progress = Optional[Callable[[int, int], None]]


class EnvironmentChoice(Request):
    """Where the wind and current come from: a file, separate wind/current files, or the synthetic case."""

    env: Optional[ForcingSource] = None
    wind: tuple[ForcingSource, ...] = ()
    current: tuple[ForcingSource, ...] = ()
    wind_vars: Optional[tuple[str, str]] = None
    current_vars: Optional[tuple[str, str]] = None
    synthetic: bool = False
    outside: Outside = "error"

    @model_validator(mode="after")
    def _one_source(self) -> "EnvironmentChoice":
        files = self.env is not None or bool(self.wind) or bool(self.current)
        if self.synthetic and files:
            raise ValueError("give either --synthetic or environment files (--env/--wind/--current), not both")
        if not self.synthetic and self.env is None and (not self.wind or not self.current):
            raise ValueError("give --env FILE (or both --wind FILE and --current FILE), or --synthetic")
        return self

    def inputs(self) -> list[Path]:
        """The local files read (URLs are not files an output could overwrite)."""
        from sarex.environment.remote import is_remote, local_path

        return [local_path(p) for p in (self.env, *self.wind, *self.current) if p is not None and not is_remote(p)]

    def open(self, start: str, hours: float) -> Any:
        """The :class:`~sarex.environment.Environment` for a run from ``start`` lasting ``hours``."""
        from sarex.environment import open_environment
        from sarex.environment.synthetic import korea_strait_environment

        if self.synthetic:
            return korea_strait_environment(start, days=max(1.0, math.ceil((hours + 2) / 24.0)), outside=self.outside)
        return open_environment(self.env, list(self.wind) or None, list(self.current) or None, self.wind_vars, self.current_vars, self.outside)


class DriftRequest(Request):
    """``sarex drift``: Monte-Carlo Leeway drift of a search object from its last known position."""

    lon: Finite
    lat: Finite = Field(ge=-90, le=90)
    start: Time
    hours: Finite = Field(24.0, gt=0, le=8784.0)  # a year: longer is no SAR drift (and overflows the forcing window)
    object_class: str = "PIW-1"
    environment: EnvironmentChoice
    radius_m: Finite = Field(0.0, ge=0)
    radius_type: Literal["gaussian", "uniform"] = "gaussian"
    end_lon: Optional[Finite] = None
    end_lat: Optional[Finite] = None
    end_time: Optional[Time] = None
    end_radius_m: Optional[Finite] = None
    particles: Count = 5000
    seed: Seed = 0
    step_min: Finite = Field(10.0, gt=0)
    output_min: Finite = Field(60.0, gt=0)
    scheme: Literal["euler", "rk2"] = "rk2"
    coast: bool = True
    jibe_probability: Finite = Field(0.04, ge=0, lt=1)
    capsize: bool = False
    plot: bool = False
    forcing_error: ForcingErrorSpec = DEFAULT_FORCING_ERROR  # the forcing's own error (sarex.drift.forcing_error); 'none' for model comparisons
    objects: tuple[Path, ...] = ()  # custom object class files (--objects)
    #: particles per part of a split drift (sarex.drift.parts): the result depends on it, not on the workers
    part_particles: Count = 1_000_000
    #: Dask: workers of a LocalCluster, or a scheduler's address (tcp://host:8786); neither: parts run in turn here
    workers: Optional[StrictInt] = Field(None, gt=0)
    scheduler: Optional[str] = None
    #: an ensemble wind forecast, one file per member: every member drifts the particles (sarex.drift.parts)
    wind_members: tuple[Path, ...] = ()


@dataclass
class DriftResult:
    dataset: xr.Dataset
    environment: Any
    files: list[str]


def check_drift_memory(particles: int, hours: float, output_min: float) -> None:
    """Refuse a drift whose ensemble cannot fit in memory, before any work."""
    outputs = int(math.ceil(hours * 60.0 / output_min)) + 1
    require_memory(drift_bytes(particles, outputs), f"--particles {particles} over {outputs} output times",
                   "use fewer particles or a longer --output-min")


def _write_drift_outputs(ds: xr.Dataset, target: OutputTarget, plot: bool, coast: bool) -> list[str]:
    from sarex.io.driftfile import write_drift

    def body() -> None:
        target.write_file("drift.nc", lambda p: write_drift(ds, p))
        if plot:
            from sarex.report.driftmap import plot_drift

            target.write_file("drift.png", lambda p: plot_drift(ds, p, coast=coast))

    return run_into(target, body)


def _stream_outputs(target: OutputTarget, plot: bool, coast: bool, write: Callable[[Path], None]) -> tuple[xr.Dataset, list[str]]:
    """Commit ``drift.nc`` (written by ``write(path)`` as the run goes) and ``drift.png``; the file opened lazily."""
    from sarex.io.driftfile import open_drift

    opened: dict[str, xr.Dataset] = {}

    def staged(p: Path) -> None:
        write(p)
        opened["ds"] = open_drift(p)

    def body() -> None:
        target.write_file("drift.nc", staged)
        if plot:
            from sarex.report.driftmap import plot_drift

            target.write_file("drift.png", lambda p: plot_drift(opened["ds"], p, coast=coast))

    files = run_into(target, body)
    return opened["ds"], files


def drift(req: DriftRequest, target: OutputTarget, progress: Progress = None) -> DriftResult:
    """Drift and write ``drift.nc`` (and ``drift.png`` when ``req.plot``) as one result.

    The drift file is written as the run goes (:mod:`sarex.app.driftparts`), so memory
    does not grow with the number of outputs; the result's dataset is the file opened
    lazily (:func:`~sarex.io.driftfile.open_drift`).
    """
    from sarex.app.driftparts import write_drift_file

    use_object_files(req.objects)
    part = min(req.particles, req.part_particles)
    # one part's working arrays, and one output time of the whole ensemble while the parts are combined
    total = req.particles * max(1, len(req.wind_members))
    require_memory(drift_bytes(part, 1) + DRIFT_BYTES_PER_PARTICLE_OUTPUT * total, f"--particles {req.particles}",
                   "use fewer particles or a smaller --part-particles")
    environment = req.environment.open(req.start, req.hours)  # checks the forcing (and the first member) before any work
    ds, files = _stream_outputs(target, req.plot, req.coast, lambda p: write_drift_file(req, p, environment, progress))
    return DriftResult(ds, environment, files)


class DriftContinueRequest(Request):
    """``sarex drift-continue``: continue a drift past the end of its file, keeping weights and searches."""

    drift_file: Path
    hours: Finite = Field(gt=0, le=8784.0)
    environment: EnvironmentChoice
    coast: bool = True
    plot: bool = False
    dmb: tuple[Path, ...] = ()  # DMB tracks correcting the current (sarex.drift.dmb)
    dmb_windage_pct: float = Field(default=0.0, ge=0)
    objects: tuple[Path, ...] = ()


def drift_continue(req: DriftContinueRequest, target: OutputTarget, progress: Progress = None) -> DriftResult:
    """Continue the drift and write ``drift.nc`` (the whole history) and optionally ``drift.png``."""
    from sarex.drift.continuation import continue_drift
    from sarex.io.driftfile import open_drift
    from sarex.io.driftstream import StreamSink

    use_object_files(req.objects)
    ds = open_drift(req.drift_file)  # lazily: the history is copied one output time at a time
    require_memory(drift_bytes(int(ds.sizes["trajectory"]), 1), f"continuing {req.drift_file}")
    t_last = float(datetime64_to_epoch_s(ds["time"].values[-1:])[0])
    if req.dmb:
        from sarex.drift.dmb import dmb_corrected
        from sarex.io.trajectories import read_trajectories

        tracks = [tr for p in req.dmb for tr in read_trajectories(p)]
        t_first = min(t_last, min(float(tr.time_s[0]) for tr in tracks))
        environment = req.environment.open(iso(t_first), req.hours + (t_last - t_first) / 3600.0)
        environment = dmb_corrected(environment, tracks, req.dmb_windage_pct)
    else:
        environment = req.environment.open(iso(t_last), req.hours)
    def write(p: Path) -> None:
        if "scenario" in ds.variables:  # a case: its state and survival are rebuilt over the whole history, in memory
            from sarex.io.driftfile import write_drift

            out = continue_drift(environment, ds.load(), req.hours, coast=req.coast, progress=progress)
            assert out is not None  # no sink: the dataset
            write_drift(out, p)
            return
        with StreamSink(p) as sink:
            continue_drift(environment, ds, req.hours, coast=req.coast, progress=progress, sink=sink)

    res, files = _stream_outputs(target, req.plot, req.coast, write)
    return DriftResult(res, environment, files)


def pair(text: Optional[str], what: str) -> Optional[tuple[str, str]]:
    """'U,V' to a pair of variable names."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise SarexInputError(f"{what}: {text!r} must be two variable names separated by a comma, e.g. u10,v10")
    return parts[0], parts[1]
