"""Write the drift file of ``sarex drift`` as the run goes, in parts, in turn or on Dask workers.

A drift of at most ``part_particles`` particles is one :func:`~sarex.drift.simulate`
call streaming into the file (:class:`~sarex.io.driftstream.StreamSink`). A larger
one is split into parts (:mod:`sarex.drift.parts`): each part is drifted by itself
into its own file in a staging folder beside the output, then the parts are
concatenated into the one drift file (:func:`~sarex.io.driftstream.combine_drift_parts`).
With ``workers`` or ``scheduler`` the parts run on Dask (a LocalCluster of
``workers`` processes, or the scheduler at ``scheduler``; see docs/cluster.md):
each worker opens the forcing itself and writes its part, so the staging folder
must be on a file system every worker sees. The parts do not depend on who runs
them, so the file is the same, bit for bit, in turn, on 1 or on 40 workers.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from sarex.drift.parts import Part, plan_parts
from sarex.drift.seeding import Release
from sarex.drift.simulate import DriftConfig, run_drift
from sarex.io.atomic import make_temporary_folder
from sarex.drift.forcing_error import parse_forcing_error
from sarex.drift.objects import get_object
from sarex.times import to_epoch_s

Progress = Optional[Callable[[int, int], None]]


def drift_config(req: Any) -> DriftConfig:
    """The model's settings of a validated :class:`~sarex.app.drift.DriftRequest` (the unsplit drift's particles and seed)."""
    return DriftConfig(
        obj=get_object(req.object_class), hours=req.hours, particles=req.particles, seed=req.seed, step_s=req.step_min * 60.0,
        output_s=req.output_min * 60.0, scheme=req.scheme, coast=req.coast, jibe_probability_per_hour=req.jibe_probability,
        capsize=req.capsize, forcing_error=parse_forcing_error(req.forcing_error),
    )


def drift_release(req: Any) -> Release:
    """Where and when the particles of a validated :class:`~sarex.app.drift.DriftRequest` start."""
    return Release(
        lon=req.lon, lat=req.lat, time_s=to_epoch_s(req.start, "--start"), radius_m=req.radius_m,
        end_lon=req.end_lon, end_lat=req.end_lat,
        end_time_s=None if req.end_time is None else to_epoch_s(req.end_time, "--end-time"),
        end_radius_m=req.end_radius_m, radius_type=req.radius_type,
    )


def _simulate_into(req: Any, environment: Any, part: Part, path: Path, progress: Progress) -> None:
    from sarex.app.objects import use_object_files
    from sarex.io.driftstream import StreamSink

    use_object_files(req.objects)  # again here: a Dask worker is another process
    config = replace(drift_config(req), particles=part.particles, seed=part.seed)
    release = drift_release(req)
    with StreamSink(path) as sink:
        run_drift(environment, release, config, sink, progress=progress)


def member_choice(req: Any, member: int) -> Any:
    """The environment choice of forcing member ``member`` (the request's own without members)."""
    if not req.wind_members:
        return req.environment
    return req.environment.model_copy(update={"wind": (req.wind_members[member],)})


def drift_part(req: Any, part: Part, path: str) -> int:
    """Drift one part into ``path`` (a Dask task: opens its own forcing); returns the part's index."""
    _simulate_into(req, member_choice(req, part.member).open(req.start, req.hours), part, Path(path), None)
    return part.index


def write_drift_file(req: Any, path: Path, environment: Any, progress: Progress = None) -> None:
    """Drift ``req`` (a :class:`~sarex.app.drift.DriftRequest`) into the drift file ``path``.

    ``req.part_particles`` sets the parts, ``req.workers``/``req.scheduler`` where they
    run. ``environment`` is used for parts run in this process; Dask workers open their own.
    """
    from sarex.io.driftstream import combine_drift_parts

    members = len(req.wind_members)
    parts = plan_parts(req.particles, req.seed, req.part_particles, max(1, members))
    workers, scheduler = req.workers, req.scheduler
    distributed = workers is not None or scheduler is not None
    if len(parts) == 1 and not distributed and not members:
        _simulate_into(req, environment, parts[0], path, progress)
        return
    staging = make_temporary_folder(path)
    try:
        files: list[str | os.PathLike[str]] = [str(staging / f"part-{p.index:05d}.nc") for p in parts]
        if distributed:
            _run_on_dask(req, parts, files, workers, scheduler, progress)
        else:
            envs = {0: environment} if not members else {}
            for p, f in zip(parts, files):
                def each(i: int, n: int, k: int = p.index) -> None:
                    if progress is not None:
                        progress(k * n + i, len(parts) * n)
                if p.member not in envs:  # one member's forcing open at a time
                    envs = {p.member: member_choice(req, p.member).open(req.start, req.hours)}
                _simulate_into(req, envs[p.member], p, Path(f), each)
        extra = {"seed": int(req.seed), "part_particles": int(req.part_particles),
                 "parts": json.dumps([{"offset": p.offset, "particles": p.particles, "seed": p.seed, "member": p.member} for p in parts])}
        values = {}
        if members:
            extra["wind_members"] = json.dumps([str(m) for m in req.wind_members])
            values["wind_member"] = ([np.int16(p.member) for p in parts], {"long_name": "forcing member (index into the wind_members attribute)"})
        combine_drift_parts(files, path, extra, values)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run_on_dask(req: Any, parts: list[Part], files: list[str | os.PathLike[str]], workers: Optional[int], scheduler: Optional[str], progress: Progress) -> None:
    from distributed import as_completed

    from sarex.exercise.replicates import dask_client

    with dask_client(scheduler, workers if workers is not None else 2) as client:
        futures = [client.submit(drift_part, req, p, f, pure=False) for p, f in zip(parts, files)]
        done = 0
        for fut in as_completed(futures):  # type: ignore[no-untyped-call]
            fut.result()  # a worker's error is raised here
            done += 1
            if progress is not None:
                progress(done, len(parts))
