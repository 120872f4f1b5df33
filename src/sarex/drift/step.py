"""One model time step as a composition of small pure kernels.

A step moves every active particle (:class:`~sarex.drift.particles.Particles`):

1. **advection**: sample wind and current, leeway velocity (with the capsizing draw
   from the wind at the start of the step), move along the rhumb line; Euler or the
   explicit midpoint scheme (``rk2``). On gridded forcing one fused kernel does it
   (:func:`~sarex.drift.fused.drift_step_kernel`: regular lon/lat, Lambert and
   curvilinear grids in any combination); particles it cannot handle (a
   sample outside the loaded window, on missing data, outside the domain) and
   forcing it does not know take the general path (sample into arrays,
   :func:`~sarex.drift.kernels.leeway_velocity_kernel`,
   :func:`~sarex.drift.kernels.capsize_kernel`, :func:`~sarex.drift.geodesy.stage_point_kernel`
   for the RK2 midpoint, :func:`~sarex.drift.geodesy.move_kernel`),
   which applies the outside-domain policy. Both call the same inlined point functions
   in the same order, so a particle's result does not depend on its path, bit for bit.
   The forcing error (optional, :mod:`sarex.drift.forcing_error`), the particle's own
   velocity error, is part of its velocity at both stages;
2. **forcing error**: each particle's error advances one Ornstein–Uhlenbeck step;
3. **coast**: particles whose step ends on land strand at the last sea point;
4. **jibing**: counter-based draws per (seed, particle, step).

Every random draw is a function of (seed, particle, step, stream), so results do not
depend on the thread count or on which path a particle took.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sarex.drift.forcing_error import ForcingError, draw_keys
from sarex.drift.forcing_windows import FusedField
from sarex.drift.fused import CHUNK, Capsizing, StepForcing, StepOptions, StepOutput, drift_step_kernel
from sarex.drift.geodesy import move_kernel, stage_point_kernel
from sarex.drift.kernels import (
    CAPSIZE_LEEWAY_FRACTION,
    JIBE_STREAM,
    LeewayState,
    capsize_kernel,
    jibe_kernel,
    jibe_probability_per_step,
    leeway_velocity_kernel,
)
from sarex.drift.particles import Particles, Status
from sarex.drift.rng import stream_keys
from sarex.environment.base import FLAG_OUTSIDE, Environment
from sarex.environment.coast import Coastline

class StepSettings(Protocol):
    """What a step reads of the drift's settings (:class:`~sarex.drift.simulate.DriftConfig`)."""

    @property
    def step_s(self) -> float:
        """Time step, s."""
        ...

    @property
    def scheme(self) -> str:
        """``"euler"`` or ``"rk2"``."""
        ...

    @property
    def capsize(self) -> bool:
        """Draw capsizing each step."""
        ...

    @property
    def forcing_error(self) -> ForcingError | None:
        """The forcing's own error, or ``None``."""
        ...

    @property
    def jibe_probability_per_hour(self) -> float:
        """Jibing probability per hour."""
        ...

    @property
    def fused(self) -> bool:
        """Run the fused step where the forcing allows."""
        ...

    @property
    def seed_u64(self) -> int:
        """The seed as the counter-based draws take it."""
        ...


#: The general step gathers the particles the fused kernel hands it when they are at most this
#: fraction of all: its kernels then cost what those particles cost, not a pass over every
#: particle's arrays under a mask (at 100 000 particles, ~10 ms a step for a few leaving the grid).
FEW = 1 / 16


class Stepper:
    """Advances :class:`Particles` by one step of ``config.step_s`` seconds; counts what happened.

    Parameters
    ----------
    env
        Wind and current.
    p
        The state, changed in place.
    config
        The model's settings (:class:`~sarex.drift.simulate.DriftConfig`: time step, scheme,
        capsizing, forcing error, jibing, seed, whether to run the fused step).
    coastline
        Strand particles on land, or ``None``.
    step_key
        Added to the step number in the key of the counter-based draws.
    """

    def __init__(self, env: Environment, p: Particles, config: StepSettings, coastline: Coastline | None, step_key: int) -> None:
        self.env, self.p, self.step_s, self.rk2, self.capsize = env, p, float(config.step_s), config.scheme == "rk2", bool(config.capsize)
        self.coastline, self.forcing_error = coastline, config.forcing_error
        self.p_jibe = jibe_probability_per_step(config.jibe_probability_per_hour, config.step_s)
        self.seed_u64, self.step_key = config.seed_u64, step_key
        n = p.size
        self.counters = {"stranded": 0, "left_domain": 0, "jibes": 0, "fused": 0, "general": 0}
        self._new = (np.empty(n), np.empty(n))
        self._gen = (np.empty(n), np.empty(n))
        self._mid = (np.empty(n), np.empty(n))
        self._need = np.zeros(n, dtype=np.int8)
        self._flips = np.zeros(n if self.capsize else 1, dtype=np.int8)
        self._v = (np.zeros(n), np.zeros(n))
        self._du_dv = (np.zeros(n), np.zeros(n))  # the forcing error's velocity (zeros without one)
        self._fields = (FusedField(env.wind), FusedField(env.current))
        self.fusable = bool(config.fused) and all(f.fusable for f in self._fields)
        self._tally = self.fusable and any(f.stacked for f in self._fields)
        fe = self.forcing_error
        if fe is not None:
            # a continuation restarts the error from its stationary distribution (not stored in the file)
            # the wind part acts through each particle's leeway slope (capsizing included)
            self._du_dv = fe.initial(self.seed_u64, p.pids, p.dw_slope * p.leeway_factor)
            self._fe_keys = draw_keys(self.seed_u64, p.pids)
        # the jibing draws' per-particle part, computed once (sarex.drift.rng.stream_keys)
        self._jibe_keys = stream_keys(np.uint64(self.seed_u64), p.pids, JIBE_STREAM) if self.p_jibe > 0.0 else None

    def step(self, step: int, t: float) -> None:
        """Step number ``step`` (global, keys the draws) starting at ``t`` (s since epoch)."""
        p = self.p
        active = p.status == Status.ACTIVE
        if not active.any():
            return
        need = self._fused(t, active, step) if self.fusable else active
        if need is not None:
            active = self._general(t, need, active, step, full=need is active)
        new_lon, new_lat = self._new
        if self.forcing_error is not None:
            self.forcing_error.advance_compiled(*self._du_dv, self.step_s, self._fe_keys, step + self.step_key,
                                                p.dw_slope, p.leeway_factor)
        if self.coastline is not None:
            hit = self.coastline.on_land(new_lon, new_lat, active)
            if hit.any():
                strand(self.coastline, p.lon, p.lat, new_lon, new_lat, hit)
                new_lon[hit] = p.lon[hit]
                new_lat[hit] = p.lat[hit]
                p.status[hit] = Status.STRANDED
                self.counters["stranded"] += int(hit.sum())
                active = active & ~hit
        # new_lon/new_lat hold every particle's position after the step (the kernels copy
        # the inactive ones): swap buffers instead of copying.
        self._new = (p.lon, p.lat)
        p.lon, p.lat = new_lon, new_lat
        if self.p_jibe > 0.0:
            self.counters["jibes"] += int(jibe_kernel(p.side, self._jibe_keys, step + self.step_key, self.p_jibe, active))

    # --- advection ----------------------------------------------------------------
    def _forcing(self, t: float, active: np.ndarray, force: bool = False) -> StepForcing:
        """Wind and current at the start and the middle of the step as the fused kernel takes them
        (:meth:`~sarex.drift.forcing_windows.FusedField.windows`), and the cell hints (after
        the windows: loading one locates the particles). ``force``: reload the windows around all particles.
        """
        p = self.p
        wind, current = self._fields
        w0, c0 = wind.windows(t, p.lon, p.lat, active, force), current.windows(t, p.lon, p.lat, active, force)
        w1, c1 = w0, c0
        if self.rk2:
            t1 = t + 0.5 * self.step_s
            w1, c1 = wind.windows(t1, p.lon, p.lat, active), current.windows(t1, p.lon, p.lat, active)
        return StepForcing(wind0=w0, current0=c0, wind1=w1, current1=c1, wind_hints=wind.hints(p.size), current_hints=current.hints(p.size),
                           wind_hint_kind=wind.hint_kind, current_hint_kind=current.hint_kind,
                           wind_outline=wind.outline, current_outline=current.outline)

    def _fused(self, t: float, active: np.ndarray, step: int) -> np.ndarray | None:
        """Advect with the fused kernel; the particles the general path must redo (``None``: none)."""
        times = (t, t + 0.5 * self.step_s) if self.rk2 else (t,)
        for f in (self.env.wind, self.env.current):
            a, b = f.time_range()
            if not all(a - 1e-6 <= tt <= b + 1e-6 for tt in times):
                return active  # time outside a field: the general path applies the policy
        todo = active
        for attempt in range(2):
            forcing = self._forcing(t, active, force=attempt > 0)
            n_bad = self._run_fused(forcing, todo, step, partial=attempt > 0)
            if n_bad == 0:
                break
            need = self._need != 0
            # Outside the loaded windows but inside a whole grid (or a curvilinear cell not
            # near its last one): load windows around all particles, locating them, once and
            # try again for those particles, rather than leaving them to the general path.
            out = np.flatnonzero(need & (self._need == FLAG_OUTSIDE))
            if attempt > 0 or not any(f.contains_any(self.p.lon, self.p.lat, out) for f in self._fields):
                break
            todo = need
        self._fields[0].keep_hints(forcing.wind_hints)
        self._fields[1].keep_hints(forcing.current_hints)
        if self.capsize:  # the draws of the particles the kernel moved
            flip = np.flatnonzero(self._flips)
            self.p.capsized[flip] = 1
            self.p.leeway_factor[flip] = CAPSIZE_LEEWAY_FRACTION
        return None if n_bad == 0 else need

    def _leeway(self, p: Particles, du_dv: tuple[np.ndarray, np.ndarray]) -> LeewayState:
        """The particles' leeway draws and state, and their forcing-error velocity ``du_dv``, as the kernels read them."""
        return LeewayState(dw_slope=p.dw_slope, dw_offset=p.dw_offset, side=p.side, z_cw=p.z_cw, cw_coef=p.cw_coef, cls=p.cls,
                           leeway_factor=p.leeway_factor, du=du_dv[0], dv=du_dv[1])

    def _run_fused(self, forcing: StepForcing, active: np.ndarray, step: int, partial: bool = False) -> int:
        p = self.p
        n_sources = max(forcing.wind0.kinds.size, forcing.current0.kinds.size)
        served = np.zeros(((p.size + CHUNK - 1) // CHUNK if self._tally else 1, 2, n_sources), dtype=np.int64)
        n_bad = drift_step_kernel(
            p.lon, p.lat, active, StepOptions(self.step_s, self.rk2, partial, self._tally), forcing, self._leeway(p, self._du_dv),
            Capsizing(self.capsize, np.uint64(self.seed_u64), p.pids, step + self.step_key, p.capsized),
            StepOutput(self._new[0], self._new[1], self._need, self._flips, served),
        )
        if self._tally:
            totals = served.sum(axis=0)
            for field, counts in zip(self._fields, totals):
                field.add_counts(counts)
        self.counters["fused"] += 1
        return int(n_bad)

    def _general(self, t: float, need: np.ndarray, active: np.ndarray, step: int, full: bool) -> np.ndarray:
        """The general step for the ``need`` particles; the new active mask (some may leave the domain).

        ``full``: no fused kernel ran, the general step gives every particle's position.
        """
        if not full:
            idx = np.flatnonzero(need)
            if idx.size <= FEW * self.p.size:
                return self._general_few(t, idx, active, step)
        p = self.p
        ve, vn = self._v
        sub = self._velocity(p, self._v, self._du_dv, p.lon, p.lat, t, need, step, first=True)
        if self.rk2:
            mid_lon, mid_lat = self._mid
            stage_point_kernel(p.lon, p.lat, ve, vn, 0.5 * self.step_s, sub, mid_lon, mid_lat)
            sub = self._velocity(p, self._v, self._du_dv, mid_lon, mid_lat, t + 0.5 * self.step_s, sub, step, first=False)
        g_lon, g_lat = self._gen
        move_kernel(p.lon, p.lat, ve, vn, self.step_s, sub, g_lon, g_lat)
        if full:
            self._new, self._gen = self._gen, self._new
        else:
            new_lon, new_lat = self._new
            new_lon[need] = g_lon[need]
            new_lat[need] = g_lat[need]
        self.counters["general"] += 1
        return active & ~(need & ~sub)

    def _general_few(self, t: float, idx: np.ndarray, active: np.ndarray, step: int) -> np.ndarray:
        """:meth:`_general` of the particles ``idx`` alone, on their gathered state (:meth:`Particles.take`)."""
        p, q, k = self.p, self.p.take(idx), idx.size
        v = (np.zeros(k), np.zeros(k))
        du_dv = (self._du_dv[0][idx], self._du_dv[1][idx])
        with self._fields[0].hints_of(idx, p.size), self._fields[1].hints_of(idx, p.size):
            sub = self._velocity(q, v, du_dv, q.lon, q.lat, t, np.ones(k, dtype=np.bool_), step, first=True)
            if self.rk2:
                mid_lon, mid_lat = np.empty(k), np.empty(k)
                stage_point_kernel(q.lon, q.lat, *v, 0.5 * self.step_s, sub, mid_lon, mid_lat)
                sub = self._velocity(q, v, du_dv, mid_lon, mid_lat, t + 0.5 * self.step_s, sub, step, first=False)
        g_lon, g_lat = np.empty(k), np.empty(k)
        move_kernel(q.lon, q.lat, *v, self.step_s, sub, g_lon, g_lat)
        new_lon, new_lat = self._new
        new_lon[idx], new_lat[idx] = g_lon, g_lat
        p.status[idx], p.capsized[idx], p.leeway_factor[idx] = q.status, q.capsized, q.leeway_factor
        left = np.zeros(p.size, dtype=np.bool_)
        left[idx] = ~sub
        self.counters["general"] += 1
        return active & ~left

    def _velocity(self, p: Particles, v: tuple, du_dv: tuple, x, y, t, active, step, first: bool) -> np.ndarray:
        """Velocities ``v`` of the particles ``p`` (error ``du_dv``) at ``x``/``y`` where ``active``; those still active."""
        wu, wv, cu, cv, left = self.env.sample(x, y, t, active)
        if left.any():
            p.status[left] = Status.LEFT_DOMAIN
            self.counters["left_domain"] += int(left.sum())
            active = active & ~left
        leeway_velocity_kernel(wu, wv, cu, cv, self._leeway(p, du_dv), active, v[0], v[1])
        if self.capsize and first:
            capsize_kernel(wu, wv, self.step_s, np.uint64(self.seed_u64), p.pids, step + self.step_key, active, p.capsized, p.leeway_factor)
        return active


def strand(coastline: Coastline, lon, lat, new_lon, new_lat, hit, iterations: int = 10) -> None:
    """Put stranding particles at the last sea point of their step (bisection to 1/1024 of the step)."""
    idx = np.flatnonzero(hit)
    a_lon, a_lat = lon[idx].copy(), lat[idx].copy()  # in the sea
    b_lon, b_lat = new_lon[idx].copy(), new_lat[idx].copy()  # on land
    for _ in range(iterations):
        m_lon = 0.5 * (a_lon + b_lon)
        m_lat = 0.5 * (a_lat + b_lat)
        land = coastline.on_land(m_lon, m_lat)
        b_lon = np.where(land, m_lon, b_lon)
        b_lat = np.where(land, m_lat, b_lat)
        a_lon = np.where(land, a_lon, m_lon)
        a_lat = np.where(land, a_lat, m_lat)
    lon[idx] = a_lon
    lat[idx] = a_lat
