"""Monte-Carlo Leeway drift: the orchestrator around the numba kernels.

State is a structure of arrays (one array per property, one element per
particle). Each step: release due particles, sample wind and current (numba),
compute the object velocity and move along rhumb lines on WGS84 (numba), strand
particles that reach land, jibe. Output every ``output_s`` seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime

import numpy as np
import xarray as xr

from sarex import __version__
from sarex.drift.checks import check_lkp, check_times, coast_bbox
from sarex.drift.ensemble import Ensemble
from sarex.drift.forcing_error import ForcingError
from sarex.drift.kernels import jibe_probability_per_step
from sarex.drift.objects import LeewayObject, get_object
from sarex.drift.output import DriftSink, MemorySink, per_particle_variables
from sarex.drift.particles import draw_particles, ensemble_particles, resume_particles
from sarex.drift.seeding import Release
from sarex.drift.step import Stepper
from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.io.driftfile import FORMAT
from sarex.times import datetime64_to_epoch_s, iso

SCHEMES = ("euler", "rk2")



def simulate(
    env: Environment,
    object_class: str | LeewayObject | None = None,
    release: Release | None = None,
    *,
    lon: float | None = None,
    lat: float | None = None,
    start: str | datetime | float | None = None,
    radius_m: float = 0.0,
    hours: float = 24.0,
    particles: int = 5000,
    seed_value: int = 0,
    step_s: float = 600.0,
    output_s: float = 3600.0,
    scheme: str = "rk2",
    coast: Coastline | bool = True,
    jibe_probability_per_hour: float = 0.04,
    capsize: bool = False,
    progress: Callable[[int, int], None] | None = None,
    ensemble: Ensemble | None = None,
    forcing_error: ForcingError | None = None,
    sink: DriftSink | None = None,
    _resume: xr.Dataset | None = None,
) -> xr.Dataset | None:
    """Drift an ensemble of Leeway particles and return the drift dataset.

    Parameters
    ----------
    env
        Wind and current (:class:`~sarex.environment.Environment`).
    object_class
        Leeway class key (e.g. ``"LIFE-RAFT-NB-2"``) or object.
    release
        Where and when particles start; or give ``lon``, ``lat``, ``start``, ``radius_m``.
    hours
        Duration after the (first) release, h (> 0).
    particles
        Ensemble size (> 0).
    seed_value
        Random seed: the same seed gives the same output bit for bit, whatever
        the number of threads.
    step_s, output_s
        Model time step and output interval, s; ``output_s`` must be a multiple of ``step_s``.
    scheme
        ``"euler"`` (forward Euler, as OpenDrift) or ``"rk2"`` (explicit midpoint, second order).
    coast
        A :class:`Coastline`, ``True`` for GSHHG stranding, ``False`` to switch stranding off.
    jibe_probability_per_hour
        Probability per hour of switching side of downwind (Allen 2005: 0.04).
    capsize
        Let objects capsize in strong wind (OpenDrift's parameterisation).
    progress
        Called as ``progress(step, n_steps)``.
    ensemble
        Pre-seeded particles (a mixture of classes and starts, with prior weights; see
        :class:`~sarex.drift.ensemble.Ensemble`) instead of ``object_class``/``release``/
        ``particles``/``seed_value``-drawn ones; ``seed_value`` still keys the per-step draws.
    forcing_error
        The forcing's own error added to each particle's velocity (:mod:`sarex.drift.forcing_error`).
    sink
        Where the output goes (:class:`~sarex.drift.output.DriftSink`); default
        :class:`~sarex.drift.output.MemorySink`, whose dataset is returned.

    Returns
    -------
    xarray.Dataset or None
        The drift file contents (see :mod:`sarex.io.driftfile`): what ``sink.finish`` returns.
    """
    if ensemble is not None:
        object_class = ensemble.objects[int(np.bincount(ensemble.object_index, weights=ensemble.weight).argmax())]
        particles = ensemble.size
        if release is None:
            i0 = int(np.argmin(ensemble.time_s))
            release = Release(float(ensemble.lon[i0]), float(ensemble.lat[i0]), float(ensemble.time_s[i0]))
    if object_class is None:
        raise SarexInputError("object: give an object class")
    obj = get_object(object_class) if isinstance(object_class, str) else object_class
    if release is None:
        if lon is None or lat is None or start is None:
            raise SarexInputError("release: give a Release or lon, lat and start")
        release = Release.point(lon, lat, start, radius_m)
    from sarex.seeds import check_seed

    if isinstance(particles, bool) or not isinstance(particles, (int, np.integer)):
        raise SarexInputError(f"particles: {particles!r} must be a whole number (got {type(particles).__name__})")
    seed_value = check_seed(seed_value, "seed")
    n = int(particles)
    if n <= 0:
        raise SarexInputError(f"particles: {particles} must be > 0")
    if not (hours > 0) or not math.isfinite(hours):
        raise SarexInputError(f"hours: {hours} must be > 0")
    if scheme not in SCHEMES:
        raise SarexInputError(f"scheme: {scheme!r} must be one of {', '.join(SCHEMES)}")
    if not (step_s > 0):
        raise SarexInputError(f"step: {step_s} s must be > 0")
    ratio = output_s / step_s
    if output_s <= 0 or abs(ratio - round(ratio)) > 1e-9:
        raise SarexInputError(f"output interval {output_s:g} s must be a positive multiple of the time step {step_s:g} s")
    if not (0.0 <= jibe_probability_per_hour < 1.0):
        raise SarexInputError(f"jibe probability: {jibe_probability_per_hour} must be in [0, 1)")
    k_out = int(round(ratio))
    duration = hours * 3600.0
    if _resume is None and release.end_time_s is not None and release.end_time_s > release.time_s + duration:
        # Particles released after the end would never be released, and every summary would
        # count only the released share without saying so.
        raise SarexInputError(
            f"release end time {iso(release.end_time_s)} is after the end of the drift ({iso(release.time_s + duration)}, "
            f"start + {hours:g} h); give --hours of at least {(release.end_time_s - release.time_s) / 3600.0:.4g} or an earlier --end-time"
        )
    n_steps = int(math.ceil(duration / step_s - 1e-9))
    t0 = release.time_s
    # A resumed run goes on from the last output of an earlier one; steps keep their global
    # index, so the per-step draws (jibing) are those a single longer run would have made.
    step0 = 0
    if _resume is not None:
        t_last = float(datetime64_to_epoch_s(np.atleast_1d(_resume["time"].values[-1]))[0])
        k = (t_last - t0) / step_s
        if abs(k - round(k)) > 1e-6:
            raise SarexInputError(f"continue: the drift file's last time {iso(t_last)} is not a whole number of {step_s:g}-s steps after its release")
        step0 = int(round(k))
    t_start = t0 + step0 * step_s
    t_end = t_start + n_steps * step_s
    check_times(env, t_start, max(t_end, release.last_time_s if _resume is None else t_end))

    if coast is True:
        coastline: Coastline | None = Coastline(bbox=coast_bbox(release))
    elif coast is False or coast is None:
        coastline = None
    else:
        coastline = coast
    if _resume is None and ensemble is None:
        check_lkp(env, release, coastline)

    if ensemble is None:
        p = draw_particles(obj, release, n, seed_value, coastline, step_s)
    else:
        p = ensemble_particles(ensemble, t0, step_s)
    if _resume is not None:
        resume_particles(p, obj, _resume, keep_draws=ensemble is not None)
    step_key = 0 if ensemble is None else int(ensemble.step_offset)
    n_events = 0 if ensemble is None else ensemble.event_time_s.size
    next_event = 0
    seed_u64 = int(seed_value) & 0xFFFFFFFFFFFFFFFF

    out_times = [t_start + s * step_s for s in range(0, n_steps + 1, k_out)]
    if (n_steps % k_out) != 0:
        out_times.append(t_end)
    n_out = len(out_times)
    if sink is None:
        sink = MemorySink()
    sink.begin(np.asarray(out_times, dtype=np.float64), n,
               per_particle_variables(p.rel_t, p.dw_slope, p.dw_offset, p.eps_dw, p.z_cw, p.weight), bool(capsize))
    stepper = Stepper(env, p, step_s, scheme == "rk2", capsize, coastline, forcing_error,
                      jibe_probability_per_step(jibe_probability_per_hour, step_s), seed_u64, step_key)

    def record(j: int) -> None:
        sink.record(j, p.lon, p.lat, p.status, p.side, p.capsized if capsize else None)

    if _resume is None:
        p.release_due(0)
    record(0)
    j_out = 1
    changed = False  # per-particle arrays (leeway draws) changed by class changes
    for step in range(step0, step0 + n_steps):
        t = t0 + step * step_s
        if next_event < n_events:  # changes of object class due by this step
            first = next_event
            next_event = ensemble.apply_changes(next_event, t + 1e-6, p.cls, p.dw_slope, p.dw_offset, p.eps_dw)
            changed = changed or next_event > first
        p.release_due(step)
        stepper.step(step, t)
        if j_out < n_out and abs((t + step_s) - out_times[j_out]) < 1e-6:
            p.release_due(step + 1)
            record(j_out)
            j_out += 1
        if progress is not None:
            progress(step + 1 - step0, n_steps)
    counters = stepper.counters

    attrs = {
        "Conventions": "CF-1.8",
        "featureType": "trajectory",
        "title": f"sarex Leeway drift of {obj.key}",
        "source": f"sarex {__version__}",
        "history": f"created by sarex {__version__}",  # no wall time: same seed, same file bit for bit
        "sarex_format": FORMAT,
        "sarex_model_version": __version__,
        "object_class": obj.key,
        "object_description": obj.description,
        "object_kind": obj.kind,
        "object_coefficients": json.dumps(
            {k: getattr(obj, k) for k in obj.__dataclass_fields__ if k.endswith(("_pct", "_cm_s"))}
        ),
        "seed": int(seed_value),
        "lkp_lon": float(release.lon),
        "lkp_lat": float(release.lat),
        "lkp_radius_m": float(release.radius_m),
        "lkp_time": iso(release.time_s),
        "release": json.dumps(
            {
                "lon": release.lon,
                "lat": release.lat,
                "time": iso(release.time_s),
                "radius_m": release.radius_m,
                "radius_type": release.radius_type,
                "end_lon": release.end_lon,
                "end_lat": release.end_lat,
                "end_time": None if release.end_time_s is None else iso(release.end_time_s),
                "end_radius_m": release.end_radius_m,
            }
        ),
        "scheme": scheme,
        "time_step_s": float(step_s),
        "output_step_s": float(output_s),
        "jibe_probability_per_hour": float(jibe_probability_per_hour),
        "capsizing": int(bool(capsize)),
        "coastline": "GSHHG full resolution (roaring-landmask)" if coastline is not None else "off",
        "environment": env.describe(),
        "outside_policy": env.outside.value,
        "forcing_error": "none" if forcing_error is None else json.dumps(forcing_error.as_dict()),
        "stranded_count": counters["stranded"],
        "left_domain_count": counters["left_domain"],
        "searches": "[]",
    }
    return sink.finish(attrs, particles_changed=changed)
