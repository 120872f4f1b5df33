"""Continue the drift of a case: rebuild its ensemble from the record in the drift file.

A case's particles (classes, Leeway draws, random keys, state-change paths) are a function
of the case, the seed, the particle count, the time step and the coastline
(:mod:`sarex.drift.case.build`); the drift file records them all (attributes ``case``,
``seed``, ``time_step_s``, ``coastline``). The ensemble is rebuilt with the state changes
drawn up to the new end (the chain's draws do not depend on the horizon,
:func:`~sarex.drift.case.states.sample_paths`), the particles go on from the file's last
output, and the changes due from then on are applied as in one uninterrupted run; with the
same forcing the continued file equals, bit for bit, one run of the whole length.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import xarray as xr
from pydantic import ValidationError

from sarex.drift.case.build import CaseEnsemble, build_ensemble
from sarex.drift.case.model import Case
from sarex.drift.case.run import case_coastline
from sarex.drift.seeding import Release
from sarex.drift.simulate import DriftConfig, DriftStart, run_drift
from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.times import datetime64_to_epoch_s, to_epoch_s


def continue_case(
    env: Environment,
    ds: xr.Dataset,
    hours: float,
    *,
    coast: Coastline | bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[xr.Dataset, CaseEnsemble, Case]:
    """Drift the particles of a case drift file ``ds`` for ``hours`` more.

    Returns the continuation's own drift dataset (its first output is the file's last), the
    rebuilt ensemble (state changes up to the new end) and the case.
    """
    try:
        case = Case.model_validate_json(ds.attrs["case"])
        seed = int(ds.attrs["seed"])
        step_s = float(ds.attrs["time_step_s"])
        t0 = to_epoch_s(json.loads(ds.attrs["release"])["time"])
        kw = dict(output_s=float(ds.attrs["output_step_s"]), scheme=str(ds.attrs["scheme"]),
                  jibe_probability_per_hour=float(ds.attrs["jibe_probability_per_hour"]), capsize=bool(int(ds.attrs.get("capsizing", 0))))
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise SarexInputError(f"continue: the drift file's case record is incomplete ({str(exc).splitlines()[0]})") from None
    t_last = float(datetime64_to_epoch_s(np.atleast_1d(ds["time"].values[-1]))[0])
    was_coast = ds.attrs.get("coastline", "off") != "off"
    land = case_coastline(case) if was_coast or coast is True else None
    # the starts are redrawn off land as the first run drew them: with its coastline
    ce = build_ensemble(case, ds.sizes["trajectory"], seed, t_last + hours * 3600.0, step_s,
                        land.on_land if was_coast else None, "case record")
    rel = datetime64_to_epoch_s(ds["release_time"].values)
    if rel.shape != ce.ensemble.time_s.shape or np.max(np.abs(rel - ce.ensemble.time_s)) > 1e-3:
        raise SarexInputError("continue: the particles of the drift file are not those of its case record (release times differ)")
    ce.ensemble.step_offset = int(round(t0 / step_s))
    stranding = (land if coast is True else None) if isinstance(coast, bool) or coast is None else coast
    i0 = int(np.argmin(ce.ensemble.time_s))
    release = Release(float(ce.ensemble.lon[i0]), float(ce.ensemble.lat[i0]), float(t0))
    config = DriftConfig(particles=None, hours=hours, seed=seed, step_s=step_s, coast=stranding if stranding is not None else False, **kw)
    new = run_drift(env, DriftStart(release, ce.ensemble), config, resume=ds, progress=progress)
    return new, ce, case
