"""Use cases of the environment stage: write the synthetic forcing, inspect a file, sample it at points."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np
from pydantic import Field, StrictInt

from sarex.app._validate import Finite, Request, Time
from sarex.app.output import OutputTarget, run_into


class EnvSynthRequest(Request):
    """``sarex env synth``: the built-in synthetic Korea Strait wind and current."""

    start: Time
    days: Finite = Field(3.0, gt=0, le=366)
    resolution_deg: Finite = Field(0.05, gt=0, le=5)
    variant: Optional[StrictInt] = Field(None, ge=0, le=2**31 - 1)


@dataclass
class EnvSynthResult:
    steps: int
    nlat: int
    nlon: int
    files: list[str]


def env_synth(req: EnvSynthRequest, target: OutputTarget) -> EnvSynthResult:
    """Write the synthetic environment as CF-NetCDF to the target's ``env.nc``."""
    from sarex.environment.synthetic import korea_strait_dataset

    ds = korea_strait_dataset(req.start, req.days, req.resolution_deg, req.variant)
    files = run_into(target, lambda: target.write_file("env.nc", lambda p: ds.to_netcdf(p, engine="netcdf4")))
    return EnvSynthResult(ds.sizes["time"], ds.sizes["lat"], ds.sizes["lon"], files)


class EnvInspectRequest(Request):
    """``sarex env inspect``."""

    file: Path


def env_inspect(req: EnvInspectRequest) -> Any:
    """What sarex finds in a forcing file (:class:`sarex.environment.inspect.InspectReport`); writes nothing."""
    from sarex.environment.inspect import inspect_file

    return inspect_file(req.file)


class EnvSampleRequest(Request):
    """``sarex env sample``: the wind and current each point of a CSV would get."""

    files: list[Path] = Field(min_length=1)
    points: Path
    time: Time


@dataclass
class EnvSampleResult:
    points: int
    wind_points: int
    current_points: int
    files: list[str]


def env_sample(req: EnvSampleRequest, target: OutputTarget) -> EnvSampleResult:
    """Write ``samples.csv``: east/north wind and current (m/s) per point, blank where absent."""
    from sarex.environment.probe import format_csv, probe
    from sarex.io.pointscsv import read_points_csv
    from sarex.times import to_epoch_s

    t = to_epoch_s(req.time, "--time")
    pts = read_points_csv(req.points)
    res = probe(list(req.files), pts.lon, pts.lat, t)
    files = run_into(target, lambda: target.write_text("samples.csv", format_csv(pts.lon, pts.lat, res)))
    return EnvSampleResult(int(pts.lon.size), int(np.isfinite(res.wind_u).sum()), int(np.isfinite(res.current_u).sum()), files)
