"""Use cases of the environment stage: write the synthetic forcing, inspect a file, sample it at points,
fetch forcing from the providers and plan which ones to use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional

import numpy as np
from pydantic import Field, StrictInt

from sarex.app._validate import Finite, ForcingSource, Request, Time
from sarex.app.output import OutputTarget, run_into
from sarex.errors import SarexInputError
from sarex.times import to_epoch_s


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

    file: ForcingSource


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

    t = to_epoch_s(req.time, "--time")
    pts = read_points_csv(req.points)
    res = probe(list(req.files), pts.lon, pts.lat, t)
    files = run_into(target, lambda: target.write_text("samples.csv", format_csv(pts.lon, pts.lat, res)))
    return EnvSampleResult(int(pts.lon.size), int(np.isfinite(res.wind_u).sum()), int(np.isfinite(res.current_u).sum()), files)


class EnvFetchRequest(Request):
    """``sarex env fetch``: wind or current from a provider into a cache folder."""

    source: Optional[str] = None  #: None: the catalogue's sources in priority order, falling back
    kind: Literal["wind", "current", "both"] = "both"
    area: Optional[tuple[Finite, Finite, Finite, Finite]] = None
    lon: Optional[Finite] = None
    lat: Optional[Finite] = Field(None, ge=-90, le=90)
    start: Time
    hours: Finite = Field(gt=0, le=24 * 16)
    run: Optional[Time] = None
    cache: Path
    base_url: Optional[str] = None
    product: Optional[str] = None


def _fetch_area(req: "EnvFetchRequest"):
    from sarex.environment.providers import Area, area_around

    if req.area is not None:
        a = Area(*req.area)
        if not (a.lon0 < a.lon1 and a.lat0 < a.lat1 and -90 <= a.lat0 and a.lat1 <= 90):
            raise SarexInputError(f"--area: {a.text()} must be lon0,lat0,lon1,lat1 with lon0 < lon1 and -90 <= lat0 < lat1 <= 90")
        return a
    if req.lon is None or req.lat is None:
        raise SarexInputError("--area: give --area lon0,lat0,lon1,lat1 or --lon and --lat (the box then follows from --hours)")
    return area_around(req.lon, req.lat, req.hours)


def env_fetch(req: EnvFetchRequest, warn: Any = None) -> list[Any]:
    """Fetch the requested variables (:class:`sarex.environment.providers.FetchResult` each) into ``req.cache``.

    With a ``source`` the one provider is asked; without, the catalogue's sources for
    the area's centre in priority order, each failing one handing over to the next (``warn``).
    """
    from sarex.environment.providers import FetchRequest
    from sarex.environment.providers.catalogue import fetch_with_fallback, plan
    from sarex.environment.providers.fetch import fetch

    area = _fetch_area(req)
    t0 = to_epoch_s(req.start, "--start")
    run = to_epoch_s(req.run, "--run") if req.run else None
    kinds = ["wind", "current"] if req.kind == "both" else [req.kind]
    if req.source is not None:
        return [fetch(req.source, FetchRequest(area, t0, req.hours, k, run), req.cache, req.base_url, req.product) for k in kinds]
    choices = plan((area.lon0 + area.lon1) / 2, (area.lat0 + area.lat1) / 2, t0, req.hours)
    out = []
    for k in kinds:
        fr = FetchRequest(area, t0, req.hours, k, run)
        out.append(fetch_with_fallback(k, choices, lambda s, fr=fr: fetch(s.source, fr, req.cache, None, s.product), warn or (lambda m: None)))
    return out


class EnvPlanRequest(Request):
    """``sarex env plan``."""

    lon: Finite
    lat: Finite = Field(ge=-90, le=90)
    start: Time
    hours: Finite = Field(gt=0)
    catalogue: Optional[Path] = None


def env_plan(req: EnvPlanRequest, now_s: Optional[float] = None) -> list[Any]:
    """The catalogue's sources for the position and span, usable or not and why (:class:`~sarex.environment.providers.catalogue.Choice`)."""
    from sarex.environment.providers.catalogue import load_catalogue, plan

    regions = load_catalogue(req.catalogue)
    return plan(req.lon, req.lat, to_epoch_s(req.start, "--start"), req.hours, now_s=now_s, regions=regions)
