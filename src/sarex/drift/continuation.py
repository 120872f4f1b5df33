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

import xarray as xr

from sarex.drift.case.build import case_variables
from sarex.drift.seeding import Release
from sarex.drift.simulate import simulate
from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.times import iso, to_epoch_s

#: Variables with a time dimension, carried from the old file and extended.
_TIMED = ("lon", "lat", "status", "orientation", "capsized")


def continue_drift(
    env: Environment,
    ds: xr.Dataset,
    hours: float,
    *,
    coast: Coastline | bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Drift the ensemble of ``ds`` for ``hours`` more in ``env``; return the extended drift dataset.

    Parameters
    ----------
    env
        Forcing covering the continuation (it need not cover the earlier part).
    ds
        A sarex drift dataset (possibly updated by searches).
    hours
        Additional hours (> 0).
    """
    if "scenario" in ds.variables:  # a case: its ensemble is rebuilt from the file's case record
        from sarex.drift.case.resume import continue_case

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
    new = simulate(env, obj, release, hours=hours, particles=ds.sizes["trajectory"], seed_value=seed, step_s=step_s,
                   output_s=output_s, scheme=scheme, coast=coast, jibe_probability_per_hour=jibe, capsize=capsize,
                   progress=progress, _resume=ds)
    return _extend(ds, new, hours, env)


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
    out.attrs = dict(ds.attrs)
    history = json.loads(ds.attrs.get("continuations", "[]"))
    history.append({"from": iso(float(new.time.values[0].astype("datetime64[ns]").astype("int64")) / 1e9),
                    "hours": float(hours), "environment": env.describe()})
    out.attrs["continuations"] = json.dumps(history)
    out.attrs["stranded_count"] = int(ds.attrs.get("stranded_count", 0)) + int(new.attrs["stranded_count"])
    out.attrs["left_domain_count"] = int(ds.attrs.get("left_domain_count", 0)) + int(new.attrs["left_domain_count"])
    return out
