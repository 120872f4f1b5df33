"""Continue a drift beyond the end of a drift file, e.g. with a newer forecast.

The particles go on from their last output (positions, status, side of downwind,
capsizing) with their own Leeway draws; weights, prior weights, survival and the
record of searches applied are kept, so drift → search → drift → search chains
through any number of updates. Steps keep their global index, so with the same
forcing a continued run is identical, bit for bit, to one run of the whole length.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import xarray as xr

from sarex.drift.case.build import case_variables
from sarex.drift.forcing_error import forcing_error_from_attrs
from sarex.drift.output import DriftSink
from sarex.drift.seeding import Release
from sarex.drift.objects import get_object
from sarex.drift.simulate import DriftConfig, run_drift
from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.times import datetime64_to_epoch_s, iso, to_epoch_s

#: Variables with a time dimension, carried from the old file and extended.
_TIMED = ("lon", "lat", "status", "orientation", "capsized")


def continue_drift(
    env: Environment,
    ds: xr.Dataset,
    hours: float,
    *,
    coast: Coastline | bool = True,
    progress: Callable[[int, int], None] | None = None,
    sink: DriftSink | None = None,
) -> xr.Dataset | None:
    """Drift the ensemble of ``ds`` for ``hours`` more in ``env``; return the extended drift dataset.

    Parameters
    ----------
    env
        Forcing covering the continuation (it need not cover the earlier part).
    ds
        A sarex drift dataset (possibly updated by searches).
    hours
        Additional hours (> 0).
    sink
        Where the whole extended history goes (e.g. a :class:`~sarex.io.driftstream.StreamSink`):
        ``ds``'s outputs are copied one time at a time, then the new ones follow, so memory
        holds one output time (``ds`` may be opened lazily). Default: return the dataset.

    Returns
    -------
    xarray.Dataset or None
        The extended drift dataset, or what ``sink.finish`` returns.
    """
    if "scenario" in ds.variables:  # a case: its ensemble is rebuilt from the file's case record
        from sarex.drift.case.resume import continue_case

        if sink is not None:  # state and survival are rebuilt over the whole history: in memory (see app.drift)
            raise SarexInputError("continue: a case drift file is continued in memory, not into a stream sink")
        new, ce, case = continue_case(env, ds, hours, coast=coast, progress=progress)
        return _extend(ds, new, hours, env, lambda out: case_variables(out, ce, case))
    try:
        rel = json.loads(ds.attrs["release"])
        obj = ds.attrs["object_class"]
        seed = int(ds.attrs["seed"])
        step_s = float(ds.attrs["time_step_s"])
        output_s = float(ds.attrs["output_step_s"])
        scheme = str(ds.attrs["scheme"])
        jibe = float(ds.attrs["jibe_probability_per_hour"])
        capsize = bool(int(ds.attrs.get("capsizing", 0)))
        for v in ("downwind_eps", "crosswind_z", "orientation"):
            ds[v]
    except (KeyError, TypeError, ValueError) as exc:
        raise SarexInputError(f"continue: not a sarex drift file with its model record (missing {exc})") from None
    release = Release(
        lon=rel["lon"], lat=rel["lat"], time_s=to_epoch_s(rel["time"]), radius_m=rel["radius_m"], end_lon=rel.get("end_lon"),
        end_lat=rel.get("end_lat"), end_time_s=None if rel.get("end_time") is None else to_epoch_s(rel["end_time"]),
        end_radius_m=rel.get("end_radius_m"), radius_type=rel.get("radius_type", "gaussian"),
    )
    config = DriftConfig(obj=get_object(obj), hours=hours, particles=ds.sizes["trajectory"], seed=seed, step_s=step_s, output_s=output_s,
                         scheme=scheme, coast=coast, jibe_probability_per_hour=jibe, capsize=capsize,
                         forcing_error=forcing_error_from_attrs(ds.attrs))
    if sink is not None:
        return run_drift(env, release, config, _AfterHistory(ds, sink, env.describe(), hours), resume=ds, progress=progress)
    out = run_drift(env, release, config, resume=ds, progress=progress)
    assert out is not None  # the default sink returns the dataset
    return _extend(ds, out, hours, env)


def _extend(ds: xr.Dataset, new: xr.Dataset, hours: float, env: Environment, timed_extra=None) -> xr.Dataset:
    """``ds`` with the outputs of its continuation ``new`` appended (weights, searches and attributes kept)."""
    tail = new.isel(time=slice(1, None))  # its first output is the state it started from
    timed = [v for v in _TIMED if v in ds and v in tail]
    ext = xr.concat([ds[timed], tail[timed]], dim="time", data_vars="all", coords="minimal", compat="override")
    derived = [v for v in ("state", "alive") if v in ds] if timed_extra is not None else []  # recomputed below
    out = ds.drop_vars(timed + derived + ["time"]).merge(ext)
    for v in timed:
        out[v].attrs = dict(ds[v].attrs)
    if timed_extra is not None:  # per-output variables derived from the particles' paths (a case's state and survival)
        out = timed_extra(out)
        for v in ("downwind_slope", "downwind_offset", "downwind_eps"):  # of each particle's class at the new end
            out[v] = (("trajectory",), new[v].values, dict(ds[v].attrs))
        for v in derived:
            if v in out:
                out[v].attrs = dict(ds[v].attrs)
    out.attrs = _continued_attrs(ds, new.attrs, float(new.time.values[0].astype("datetime64[ns]").astype("int64")) / 1e9,
                                 hours, env.describe())
    return out


def _continued_attrs(ds: xr.Dataset, new_attrs: dict, t_from: float, hours: float, environment: str) -> dict:
    """The earlier file's attributes, with this continuation recorded and the counters added up."""
    attrs = dict(ds.attrs)
    history = json.loads(ds.attrs.get("continuations", "[]"))
    history.append({"from": iso(t_from), "hours": float(hours), "environment": environment})
    attrs["continuations"] = json.dumps(history)
    attrs["stranded_count"] = int(ds.attrs.get("stranded_count", 0)) + int(new_attrs["stranded_count"])
    attrs["left_domain_count"] = int(ds.attrs.get("left_domain_count", 0)) + int(new_attrs["left_domain_count"])
    return attrs


class _AfterHistory:
    """A sink that passes ``ds``'s outputs, then the continuation's (less its first, ``ds``'s last), to ``inner``.

    The per-particle variables are ``ds``'s (weights, prior weights and survival after searches).
    """

    def __init__(self, ds: xr.Dataset, inner: DriftSink, environment: str, hours: float) -> None:
        self.ds, self.inner, self.environment, self.hours = ds, inner, environment, hours

    def begin(self, out_times_s, n_particles, per_particle, capsizing) -> None:
        ds = self.ds
        old_t = datetime64_to_epoch_s(ds["time"].values)
        self.m = old_t.size
        self.t_from = float(out_times_s[0])
        keep = {str(k): (ds[k].values, dict(ds[k].attrs)) for k in ds.data_vars if ds[k].dims == ("trajectory",)}
        self.inner.begin(np.concatenate([old_t, np.asarray(out_times_s)[1:]]), n_particles, keep, capsizing)
        caps = "capsized" in ds
        for j in range(self.m):
            col = {v: ds[v][:, j].values for v in ("lon", "lat", "status", "orientation")}
            self.inner.record(j, col["lon"], col["lat"], col["status"], col["orientation"], ds["capsized"][:, j].values if caps and capsizing else None)

    def record(self, j, lon, lat, status, side, capsized) -> None:
        if j > 0:
            self.inner.record(self.m - 1 + j, lon, lat, status, side, capsized)

    def finish(self, attrs: dict, particles_changed: bool = True):
        return self.inner.finish(_continued_attrs(self.ds, attrs, self.t_from, self.hours, self.environment), particles_changed)
