"""Monte-Carlo Leeway drift: the orchestrator around the numba kernels.

State is a structure of arrays (one array per property, one element per
particle). Each step: release due particles, sample wind and current (numba),
compute the object velocity and move along rhumb lines on WGS84 (numba), strand
particles that reach land, jibe. Output every ``output_s`` seconds.

:func:`run_drift` takes the forcing, where and when the particles start
(:class:`DriftStart`, or a :class:`~sarex.drift.seeding.Release`), the model's settings
(:class:`DriftConfig`, validated once when it is built) and where the output goes;
:func:`simulate` is the keyword form of the same call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from sarex.drift.checks import check_lkp, check_times, coast_bbox
from sarex.drift.ensemble import Ensemble
from sarex.drift.forcing_error import ForcingError
from sarex.drift.objects import LeewayObject, get_object
from sarex.drift.output import DriftSink, MemorySink, per_particle_variables
from sarex.drift.particles import Particles, draw_particles, ensemble_particles, resume_particles
from sarex.drift.seeding import Release
from sarex.drift.step import Stepper
from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.io.driftfile import DriftRecord
from sarex.seeds import check_seed
from sarex.times import datetime64_to_epoch_s, iso

__all__ = ["SCHEMES", "DriftConfig", "DriftStart", "run_drift", "simulate"]

SCHEMES = ("euler", "rk2")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DriftConfig:
    """The model's settings of a drift, checked once when built (:class:`~sarex.errors.SarexInputError`).

    Parameters
    ----------
    obj
        The search object's Leeway class (``None`` with an ensemble start: its particles carry their classes).
    hours
        Duration after the (first) release, h (> 0).
    particles
        Ensemble size (> 0); ``None`` with an ensemble start (its size).
    seed
        Random seed: the same seed gives the same output bit for bit, whatever the number of threads.
    step_s, output_s
        Model time step and output interval, s; ``output_s`` must be a multiple of ``step_s``.
    scheme
        ``"euler"`` (forward Euler, as OpenDrift) or ``"rk2"`` (explicit midpoint, second order).
    coast
        A :class:`~sarex.environment.coast.Coastline`, ``True`` for GSHHG stranding, ``False`` for none.
    jibe_probability_per_hour
        Probability per hour of switching side of downwind (Allen 2005: 0.04).
    capsize
        Let objects capsize in strong wind (OpenDrift's parameterisation).
    forcing_error
        The forcing's own error added to each particle's velocity (:mod:`sarex.drift.forcing_error`).
    fused
        Run the fused step (:func:`~sarex.drift.fused.drift_step_kernel`) where the forcing allows;
        ``False`` runs the general step everywhere (the same drift bit for bit, slower: for comparisons).
    """

    obj: LeewayObject | None = None
    hours: float = 24.0
    particles: int | None = 5000
    seed: int = 0
    step_s: float = 600.0
    output_s: float = 3600.0
    scheme: str = "rk2"
    coast: Coastline | bool = True
    jibe_probability_per_hour: float = 0.04
    capsize: bool = False
    forcing_error: ForcingError | None = None
    fused: bool = True

    def __post_init__(self) -> None:
        n = self.particles
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer))):
            raise SarexInputError(f"particles: {n!r} must be a whole number (got {type(n).__name__})")
        object.__setattr__(self, "seed", check_seed(self.seed, "seed"))
        if n is not None and int(n) <= 0:
            raise SarexInputError(f"particles: {n} must be > 0")
        if n is not None:
            object.__setattr__(self, "particles", int(n))
        if not (self.hours > 0) or not math.isfinite(self.hours):
            raise SarexInputError(f"hours: {self.hours} must be > 0")
        if self.scheme not in SCHEMES:
            raise SarexInputError(f"scheme: {self.scheme!r} must be one of {', '.join(SCHEMES)}")
        if not (self.step_s > 0):
            raise SarexInputError(f"step: {self.step_s} s must be > 0")
        ratio = self.output_s / self.step_s
        if self.output_s <= 0 or abs(ratio - round(ratio)) > 1e-9:
            raise SarexInputError(f"output interval {self.output_s:g} s must be a positive multiple of the time step {self.step_s:g} s")
        if not (0.0 <= self.jibe_probability_per_hour < 1.0):
            raise SarexInputError(f"jibe probability: {self.jibe_probability_per_hour} must be in [0, 1)")

    @property
    def steps_per_output(self) -> int:
        """Model steps between outputs."""
        return int(round(self.output_s / self.step_s))

    @property
    def n_steps(self) -> int:
        """Model steps of the run (the last one may end after ``hours``)."""
        return int(math.ceil(self.hours * 3600.0 / self.step_s - 1e-9))

    @property
    def seed_u64(self) -> int:
        """The seed as the counter-based draws take it (:mod:`sarex.drift.rng`)."""
        return int(self.seed) & 0xFFFFFFFFFFFFFFFF

    def coastline(self, release: Release) -> Coastline | None:
        """The coastline particles strand on (GSHHG around ``release`` for ``coast=True``), or ``None``."""
        if self.coast is True:
            return Coastline(bbox=coast_bbox(release))
        if self.coast is False or self.coast is None:
            return None
        return self.coast


class DriftStart(NamedTuple):
    """Where and when a drift starts.

    Attributes
    ----------
    release
        The release: particles are drawn from it; with an ensemble, the position and time the
        file records as the start (and the run's first step).
    ensemble
        Pre-seeded particles (a mixture of classes and starts, with prior weights; see
        :class:`~sarex.drift.ensemble.Ensemble`) instead of ``DriftConfig.particles`` drawn from
        the release; the config's seed still keys the per-step draws.
    """

    release: Release
    ensemble: Ensemble | None = None


def run_drift(env: Environment, start: DriftStart | Release, config: DriftConfig, sink: DriftSink | None = None,
              resume: xr.Dataset | None = None, progress: Progress | None = None) -> xr.Dataset | None:
    """Drift an ensemble of Leeway particles; return what the sink returns (the drift dataset by default).

    Parameters
    ----------
    env
        Wind and current (:class:`~sarex.environment.base.Environment`).
    start
        Where and when particles start (a bare :class:`~sarex.drift.seeding.Release` draws them).
    config
        The model's settings.
    sink
        Where the output goes (:class:`~sarex.drift.output.DriftSink`); default
        :class:`~sarex.drift.output.MemorySink`, whose dataset is returned.
    resume
        An earlier drift file to go on from (its last output; see :mod:`sarex.drift.continuation`).
    progress
        Called as ``progress(step, n_steps)``.

    Returns
    -------
    xarray.Dataset or None
        The drift file contents (see :mod:`sarex.io.driftfile`): what ``sink.finish`` returns.
    """
    start = start if isinstance(start, DriftStart) else DriftStart(start)
    obj = _start_object(start, config)
    release, ensemble = start.release, start.ensemble
    duration = config.hours * 3600.0
    if resume is None and release.end_time_s is not None and release.end_time_s > release.time_s + duration:
        # Particles released after the end would never be released, and every summary would
        # count only the released share without saying so.
        raise SarexInputError(
            f"release end time {iso(release.end_time_s)} is after the end of the drift ({iso(release.time_s + duration)}, "
            f"start + {config.hours:g} h); give --hours of at least {(release.end_time_s - release.time_s) / 3600.0:.4g} or an earlier --end-time"
        )
    step0 = _resumed_step(resume, release.time_s, config.step_s)
    t_start = release.time_s + step0 * config.step_s
    t_end = t_start + config.n_steps * config.step_s
    check_times(env, t_start, max(t_end, release.last_time_s if resume is None else t_end))
    coastline = config.coastline(release)
    if resume is None and ensemble is None:
        check_lkp(env, release, coastline)
    if ensemble is None:
        assert config.particles is not None  # checked by _start_object
        p = draw_particles(obj, release, config.particles, config.seed, coastline, config.step_s)
    else:
        p = ensemble_particles(ensemble, release.time_s, config.step_s)
    if resume is not None:
        resume_particles(p, obj, resume, keep_draws=ensemble is not None)
    sink = MemorySink() if sink is None else sink
    stepper = Stepper(env, p, config, coastline, 0 if ensemble is None else int(ensemble.step_offset))
    changed = _steps(stepper, start, config, sink, step0, resume is None, progress)
    record = _record(env, obj, release, config, coastline is not None, stepper.counters)
    return sink.finish(record.attrs(), particles_changed=changed)


def _start_object(start: DriftStart, config: DriftConfig) -> LeewayObject:
    """The object class the file names: the config's, or an ensemble's most probable class."""
    ens = start.ensemble
    if ens is None:
        if config.obj is None:
            raise SarexInputError("object: give an object class")
        if config.particles is None:
            raise SarexInputError("particles: give the number of particles to draw")
        return config.obj
    if config.obj is not None or config.particles not in (None, ens.size):
        raise SarexInputError("ensemble: its particles carry their object classes and number; give no object class or particle count")
    return ens.objects[int(np.bincount(ens.object_index, weights=ens.weight).argmax())]


def _resumed_step(resume: xr.Dataset | None, t0: float, step_s: float) -> int:
    """The global index of a resumed run's first step (0 for a new run).

    A resumed run goes on from the last output of an earlier one; steps keep their global
    index, so the per-step draws (jibing) are those a single longer run would have made.
    """
    if resume is None:
        return 0
    t_last = float(datetime64_to_epoch_s(np.atleast_1d(resume["time"].values[-1]))[0])
    k = (t_last - t0) / step_s
    if abs(k - round(k)) > 1e-6:
        raise SarexInputError(f"continue: the drift file's last time {iso(t_last)} is not a whole number of {step_s:g}-s steps after its release")
    return int(round(k))


def _output_times(t_start: float, config: DriftConfig) -> list[float]:
    """Output times, s since epoch: every ``output_s`` from ``t_start``, and the end if it falls between."""
    step_s, n_steps, k_out = config.step_s, config.n_steps, config.steps_per_output
    out = [t_start + s * step_s for s in range(0, n_steps + 1, k_out)]
    if (n_steps % k_out) != 0:
        out.append(t_start + n_steps * step_s)
    return out


def _steps(stepper: Stepper, start: DriftStart, config: DriftConfig, sink: DriftSink, step0: int, fresh: bool,
           progress: Progress | None) -> bool:
    """Run the steps from ``step0``, recording the outputs; whether class changes altered the per-particle draws.

    ``fresh``: a new run, whose particles due at the start are released first (a resumed
    run's are where the earlier run left them).
    """
    p: Particles = stepper.p
    step_s, t0, ens = config.step_s, start.release.time_s, start.ensemble
    out_times = _output_times(t0 + step0 * step_s, config)
    sink.begin(np.asarray(out_times, dtype=np.float64), p.size,
               per_particle_variables(p.rel_t, p.dw_slope, p.dw_offset, p.eps_dw, p.z_cw, p.weight), bool(config.capsize))

    def record(j: int) -> None:
        sink.record(j, p.lon, p.lat, p.status, p.side, p.capsized if config.capsize else None)

    if fresh:
        p.release_due(0)
    record(0)
    j_out, n_out, n_steps = 1, len(out_times), config.n_steps
    n_events = 0 if ens is None else ens.event_time_s.size
    next_event = 0
    changed = False  # per-particle arrays (leeway draws) changed by class changes
    for step in range(step0, step0 + n_steps):
        t = t0 + step * step_s
        if ens is not None and next_event < n_events:  # changes of object class due by this step
            first = next_event
            next_event = ens.apply_changes(next_event, t + 1e-6, p.cls, p.dw_slope, p.dw_offset, p.eps_dw)
            changed = changed or next_event > first
        p.release_due(step)
        stepper.step(step, t)
        if j_out < n_out and abs((t + step_s) - out_times[j_out]) < 1e-6:
            p.release_due(step + 1)
            record(j_out)
            j_out += 1
        if progress is not None:
            progress(step + 1 - step0, n_steps)
    return changed


def _record(env: Environment, obj: LeewayObject, release: Release, config: DriftConfig, coast: bool, counters: dict[str, int]) -> DriftRecord:
    """What the drift file records of the run (:class:`~sarex.io.driftfile.DriftRecord`)."""
    fe = config.forcing_error
    return DriftRecord(
        object_key=obj.key, object_description=obj.description, object_kind=obj.kind,
        object_coefficients={k: getattr(obj, k) for k in obj.__dataclass_fields__ if k.endswith(("_pct", "_cm_s"))},
        seed=int(config.seed),
        release={k: getattr(release, k) for k in ("lon", "lat", "time_s", "radius_m", "radius_type", "end_lon", "end_lat", "end_time_s", "end_radius_m")},
        scheme=config.scheme, time_step_s=config.step_s, output_step_s=config.output_s,
        jibe_probability_per_hour=config.jibe_probability_per_hour, capsizing=bool(config.capsize), coastline=coast,
        environment=env.describe(), outside_policy=env.outside.value, forcing_error=None if fe is None else fe.as_dict(),
        stranded_count=counters["stranded"], left_domain_count=counters["left_domain"],
    )


#: The keyword names of :func:`simulate` that differ from :class:`DriftConfig`'s.
_RENAMED = {"seed_value": "seed"}


def simulate(env: Environment, object_class: str | LeewayObject | None = None, release: Release | None = None, *,
             ensemble: Ensemble | None = None, sink: DriftSink | None = None, progress: Progress | None = None,
             _resume: xr.Dataset | None = None, **options: Any) -> xr.Dataset | None:
    """Drift an ensemble of Leeway particles and return the drift dataset: :func:`run_drift` by keywords.

    Parameters
    ----------
    env
        Wind and current (:class:`~sarex.environment.base.Environment`).
    object_class
        Leeway class key (e.g. ``"LIFE-RAFT-NB-2"``) or object; none with an ``ensemble``.
    release
        Where and when particles start; or give ``lon``, ``lat``, ``start`` and ``radius_m`` (m)
        in ``options``; with an ``ensemble``, default: its earliest particle.
    ensemble
        Pre-seeded particles (:class:`DriftStart`).
    sink, progress
        As :func:`run_drift`.
    options
        :class:`DriftConfig`'s fields (``seed_value`` for ``seed``), and ``lon``, ``lat``,
        ``start`` (ISO 8601, datetime or s since epoch), ``radius_m`` without a ``release``.

    Returns
    -------
    xarray.Dataset or None
        What ``sink.finish`` returns (the drift dataset with the default sink).
    """
    where = {k: options.pop(k) for k in ("lon", "lat", "start", "radius_m") if k in options}
    if ensemble is None and object_class is None:
        raise SarexInputError("object: give an object class")
    obj = get_object(object_class) if isinstance(object_class, str) else object_class
    if release is None and ensemble is not None:
        i0 = int(np.argmin(ensemble.time_s))
        release = Release(float(ensemble.lon[i0]), float(ensemble.lat[i0]), float(ensemble.time_s[i0]))
    if release is None:
        if where.get("lon") is None or where.get("lat") is None or where.get("start") is None:
            raise SarexInputError("release: give a Release or lon, lat and start")
        release = Release.point(where["lon"], where["lat"], where["start"], where.get("radius_m", 0.0))
    config = DriftConfig(obj=obj, particles=None if ensemble is not None else options.pop("particles", 5000),
                         **{_RENAMED.get(k, k): v for k, v in options.items() if not (ensemble is not None and k == "particles")})
    return run_drift(env, DriftStart(release, ensemble), config, sink, _resume, progress)
