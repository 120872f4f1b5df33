"""The drift state: one array per particle property (structure of arrays) and its status enum."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
import xarray as xr

from sarex.drift.checks import reseed_off_land
from sarex.drift.ensemble import Ensemble, ParticleDraws
from sarex.drift.kernels import CAPSIZE_LEEWAY_FRACTION
from sarex.drift.objects import LeewayObject
from sarex.drift.seeding import Release, seed
from sarex.environment.coast import Coastline
from sarex.errors import SarexInputError
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_LEFT_DOMAIN, STATUS_STRANDED, STATUS_UNRELEASED


class Status(IntEnum):
    """A particle's status (int8 in the state and the drift file, :mod:`sarex.io.driftfile`)."""

    UNRELEASED = STATUS_UNRELEASED
    ACTIVE = STATUS_ACTIVE
    STRANDED = STATUS_STRANDED
    LEFT_DOMAIN = STATUS_LEFT_DOMAIN


@dataclass
class Particles:
    """Every per-particle array of a drift.

    ``lon``/``lat`` (degrees) are NaN until release; ``lon_p``/``lat_p``/``rel_t`` are the
    seeded start positions and times. The Leeway draws: ``dw_slope``/``dw_offset`` with ε
    folded in (``eps_dw`` itself), crosswind standard normal ``z_cw``, ``side`` (0 right,
    1 left of downwind), class ``cls`` into the crosswind table ``cw_coef`` (one 0 for a
    single class). ``pids`` key the counter-based draws; ``weight`` is the prior.
    """

    lon: np.ndarray
    lat: np.ndarray
    status: np.ndarray
    lon_p: np.ndarray
    lat_p: np.ndarray
    rel_t: np.ndarray
    cls: np.ndarray
    dw_slope: np.ndarray
    dw_offset: np.ndarray
    eps_dw: np.ndarray
    z_cw: np.ndarray
    side: np.ndarray
    cw_coef: np.ndarray
    pids: np.ndarray
    weight: np.ndarray
    leeway_factor: np.ndarray
    capsized: np.ndarray
    release_step: np.ndarray
    unreleased: int

    @property
    def size(self) -> int:
        """Number of particles."""
        return int(self.lon.size)

    def take(self, idx: np.ndarray) -> Particles:
        """The particles ``idx`` as a state of their own (copies; the crosswind table shared).

        The general step of a few particles handed to it works on these, not on every
        particle's arrays under a mask.
        """
        n = self.size
        parts = {}
        for f in fields(self):
            a = getattr(self, f.name)
            take = isinstance(a, np.ndarray) and f.name != "cw_coef" and a.ndim == 1 and a.size == n
            parts[f.name] = a[idx] if take else a  # a single class's cls (one 0) is kept as it is
        return Particles(**parts)

    def release_due(self, step: int) -> None:
        """Put particles whose release step is ``<= step`` at their start positions."""
        if self.unreleased == 0:
            return
        due = (self.status == Status.UNRELEASED) & (self.release_step <= step)
        if due.any():
            self.lon[due] = self.lon_p[due]
            self.lat[due] = self.lat_p[due]
            self.status[due] = Status.ACTIVE
            self.unreleased -= int(due.sum())


def _state(d: ParticleDraws, t0: float, step_s: float) -> Particles:
    """Unreleased particles of draws ``d`` in a run from ``t0`` in steps of ``step_s`` s."""
    n = d.lon.size
    return Particles(
        lon=np.full(n, np.nan), lat=np.full(n, np.nan), status=np.full(n, Status.UNRELEASED, dtype=np.int8),
        lon_p=d.lon, lat_p=d.lat, rel_t=d.rel_t, cls=d.cls, dw_slope=d.dw_slope, dw_offset=d.dw_offset, eps_dw=d.eps_dw,
        z_cw=d.z_cw, side=d.side, cw_coef=d.cw_coef, pids=d.pids, weight=d.weight, leeway_factor=np.ones(n),
        capsized=np.zeros(n, dtype=np.int8), release_step=np.ceil((d.rel_t - t0) / step_s - 1e-9).astype(np.int64), unreleased=n,
    )


def draw_particles(obj: LeewayObject, release: Release, n: int, seed_value: int, coastline: Coastline | None, step_s: float) -> Particles:
    """``n`` particles of one class seeded from ``release`` with the Leeway draws of Breivik & Allen (2008)."""
    rng = np.random.default_rng(np.random.SeedSequence(int(seed_value)))
    lon_p, lat_p, rel_t = seed(release, n, rng)
    if coastline is not None:
        lon_p, lat_p = reseed_off_land(release, lon_p, lat_p, rng, coastline)
    (a_dw, b_dw, s_dw, a_r, b_r, s_r, a_l, b_l, s_l) = obj.coefficients_si
    ds_div, do_div = obj.eps_divisors
    eps_dw = rng.standard_normal(n) * s_dw
    bad = a_dw + eps_dw / ds_div < 0.0
    while bad.any():  # redraw negative downwind slopes (Breivik & Allen 2008)
        eps_dw[bad] = rng.standard_normal(int(bad.sum())) * s_dw
        bad = a_dw + eps_dw / ds_div < 0.0
    z_cw = rng.standard_normal(n)
    side = (np.arange(n) % 2).astype(np.int8)  # half right (0), half left (1) of downwind
    cw_coef = np.array([[a_r, b_r, s_r, a_l, b_l, s_l]], dtype=np.float64)
    draws = ParticleDraws(lon=lon_p, lat=lat_p, rel_t=rel_t, cls=np.zeros(1, dtype=np.int16), dw_slope=a_dw + eps_dw / ds_div,
                          dw_offset=b_dw + eps_dw / do_div, eps_dw=eps_dw, z_cw=z_cw, side=side, cw_coef=cw_coef,
                          pids=np.arange(n, dtype=np.int64), weight=np.full(n, 1.0 / n))
    return _state(draws, release.time_s, step_s)


def ensemble_particles(ensemble: Ensemble, t0: float, step_s: float) -> Particles:
    """The state of a pre-seeded :class:`~sarex.drift.ensemble.Ensemble`."""
    return _state(ensemble.arrays(), t0, step_s)


def resume_particles(p: Particles, obj: LeewayObject, ds: xr.Dataset, keep_draws: bool = False) -> None:
    """Take the Leeway draws and the last state of an earlier drift file (a continuation) into ``p``.

    ``keep_draws``: ``p`` is an ensemble rebuilt as it was (a case, :mod:`sarex.drift.case.resume`):
    its Leeway draws are kept and its class changes are replayed by the step loop.
    """
    if ds.sizes["trajectory"] != p.size:
        raise SarexInputError(f"continue: {ds.sizes['trajectory']} particles in the file, {p.size} expected")
    if not keep_draws:
        a_dw, b_dw = obj.coefficients_si[:2]
        ds_div, do_div = obj.eps_divisors
        p.eps_dw = np.asarray(ds["downwind_eps"].values, dtype=np.float64)
        p.z_cw = np.asarray(ds["crosswind_z"].values, dtype=np.float64)
        p.dw_slope = a_dw + p.eps_dw / ds_div
        p.dw_offset = b_dw + p.eps_dw / do_div
    p.lon[:] = ds["lon"][:, -1].values  # the last output only (a lazily opened file reads just that)
    p.lat[:] = ds["lat"][:, -1].values
    p.status[:] = ds["status"][:, -1].values
    p.side[:] = ds["orientation"][:, -1].values
    if "capsized" in ds:
        p.capsized[:] = ds["capsized"][:, -1].values
        p.leeway_factor[p.capsized == 1] = CAPSIZE_LEEWAY_FRACTION
    p.unreleased = int(np.sum(p.status == Status.UNRELEASED))
