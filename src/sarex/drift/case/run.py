"""Drift a case: seed its scenarios (:mod:`sarex.drift.case.build`) and drift them in one ensemble."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import xarray as xr

from sarex.drift.case.build import build_ensemble, case_variables
from sarex.drift.case.model import Case
from sarex.drift.seeding import Release
from sarex.drift.simulate import DriftConfig, DriftStart, run_drift
from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.seeds import check_seed
from sarex.times import to_epoch_s

COAST_PAD_DEG = 2.5


def earliest_time_s(case: Case) -> float:
    """The earliest time any scenario can release a particle, s since epoch."""
    out = []
    for sc in case.scenario:
        if sc.type == "voyage":
            out.append(to_epoch_s(sc.distress_time if sc.distress_time is not None else sc.departure_time))
        else:
            out.append(to_epoch_s(sc.time))
    return min(out)


def case_points(case: Case) -> list[tuple[float, float]]:
    """Every position named in the case (centres, vertices, waypoints, fixes, stations)."""
    pts: list[tuple[float, float]] = []
    for sc in case.scenario:
        lon, lat = getattr(sc, "lon", None), getattr(sc, "lat", None)
        if lon is not None and lat is not None:
            pts.append((lon, lat))
        pts += [(p[0], p[1]) for p in getattr(sc, "polygon", [])]
        if sc.type == "voyage":
            pts += [(p[0], p[1]) for p in (sc.departure, *sc.waypoints)]
        pts += [(f.lon, f.lat) for f in getattr(sc, "fixes", [])]
        pts += [(s.lon, s.lat) for s in getattr(sc, "stations", [])]
    return pts


def case_coastline(case: Case) -> Coastline:
    """The GSHHG coastline around every position of the case (padded by COAST_PAD_DEG)."""
    pts = np.array(case_points(case))
    lo = ((pts[:, 0].min() + 180.0) % 360.0) - 180.0
    return Coastline(bbox=(lo - COAST_PAD_DEG, max(-89.9, pts[:, 1].min() - COAST_PAD_DEG),
                           lo + np.ptp(pts[:, 0]) + COAST_PAD_DEG, min(89.9, pts[:, 1].max() + COAST_PAD_DEG)))


@dataclass(frozen=True)
class CaseDriftConfig(DriftConfig):
    """How a case is drifted: the model's settings (:class:`~sarex.drift.simulate.DriftConfig`, checked
    when built), and when the case starts and what its drift file names as its source.

    ``particles`` is the total, shared out by scenario and object weights; ``obj`` is unused (each
    particle carries its scenario's object class); ``coast=True`` is the GSHHG coastline around the
    case (:func:`case_coastline`).

    Parameters
    ----------
    start
        Drift start (ISO time or s since epoch); default the earliest time of any scenario
        floored to a whole ``step_s`` since the epoch. It must be a whole number of steps
        since the epoch and not after any release.
    source
        What the drift file names as the case's source.
    """

    start: str | float | None = None
    source: str = "case"


def drift_case(env: Environment, case: Case, config: CaseDriftConfig = CaseDriftConfig(),
               progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Drift all scenarios of ``case`` together; returns the drift dataset with the case variables.

    Parameters
    ----------
    env
        Wind and current.
    case
        The case's weighted scenarios.
    config
        Duration, particles, seed, steps, coast and start (:class:`CaseDriftConfig`).
    progress
        Called with (steps done, steps in all).
    """
    c = config
    hours, particles, step_s, start, coast = c.hours, c.particles, c.step_s, c.start, c.coast
    seed_value = check_seed(c.seed)
    if particles is None:
        raise SarexInputError("particles: a case is drifted with a number of particles, not None")
    if not (step_s > 0) or not math.isfinite(step_s):
        raise SarexInputError(f"step: {step_s} s must be > 0")
    if not (hours > 0) or not math.isfinite(hours):
        raise SarexInputError(f"hours: {hours} must be > 0")
    t0 = math.floor(earliest_time_s(case) / step_s + 1e-9) * step_s if start is None else to_epoch_s(start)
    k = t0 / step_s
    if abs(k - round(k)) > 1e-6:
        raise SarexInputError(f"start: {start} is not a whole number of {step_s:g}-s steps since 1970-01-01")
    coastline: Coastline | None
    if coast is True:
        coastline = case_coastline(case)
    else:
        coastline = None if coast is False or coast is None else coast
    ce = build_ensemble(case, particles, seed_value, t0 + hours * 3600.0, step_s,
                        None if coastline is None else coastline.on_land, c.source)
    if t0 > float(ce.ensemble.time_s.min()) + 1e-6:
        raise SarexInputError(f"start: {start} is after the earliest release of the case")
    ce.ensemble.step_offset = int(round(k))
    i0 = int(np.argmin(ce.ensemble.time_s))
    release = Release(float(ce.ensemble.lon[i0]), float(ce.ensemble.lat[i0]), float(t0))
    model = {f.name: getattr(c, f.name) for f in fields(DriftConfig)}
    drift = DriftConfig(**{**model, "obj": None, "particles": None, "seed": seed_value,
                           "coast": coastline if coastline is not None else False})
    ds = run_drift(env, DriftStart(release, ce.ensemble), drift, progress=progress)
    assert ds is not None  # the default sink returns the dataset
    return case_variables(ds, ce, case)
