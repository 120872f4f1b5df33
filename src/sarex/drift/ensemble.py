"""A pre-seeded particle ensemble: a mixture of object classes, each particle with its own
start, prior weight, random-number key and (optionally) later changes of object class.

:func:`~sarex.drift.simulate.simulate` drifts an :class:`Ensemble` in one pass (one set of
arrays, one kernel call per step), however many scenarios and classes it mixes: the Leeway
coefficients are per-particle arrays already, and the crosswind table is indexed by the
particle's class. A case (:mod:`sarex.drift.case`) builds the ensemble.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from sarex.drift.objects import LeewayObject
from sarex.errors import SarexInputError


class ParticleDraws(NamedTuple):
    """Each particle's start and Leeway draws, as the engine takes them (one element per particle)."""

    #: release position, degrees, and time, s since epoch
    lon: np.ndarray
    lat: np.ndarray
    rel_t: np.ndarray
    #: row of ``cw_coef`` (one 0 for a single class)
    cls: np.ndarray
    #: downwind slope (a_dw + ε/20), offset (b_dw + ε/2, m/s) and ε_dw (m/s)
    dw_slope: np.ndarray
    dw_offset: np.ndarray
    eps_dw: np.ndarray
    #: standard-normal crosswind draw and side of downwind (0 right, 1 left)
    z_cw: np.ndarray
    side: np.ndarray
    #: (n_classes, 6) crosswind table: a, b, S right then left, SI
    cw_coef: np.ndarray
    #: keys of the counter-based draws, prior weights
    pids: np.ndarray
    weight: np.ndarray


@dataclass
class Ensemble:
    """Particles ready to drift.

    Attributes
    ----------
    lon, lat
        Start positions, degrees.
    time_s
        Release times, s since epoch.
    objects
        The object classes of the mixture; ``object_index`` points into it.
    object_index
        Each particle's class at release.
    z_dw, z_cw
        Standard-normal downwind and crosswind draws (ε = z·S of the class).
    side
        0 right / 1 left of downwind at release.
    rng_id
        Key of each particle's counter-based random stream (jibing, capsizing).
    weight
        Prior weight of each particle (sums to 1).
    event_time_s, event_particle, event_object
        Changes of object class: at the first step starting at or after
        ``event_time_s[k]``, particle ``event_particle[k]`` becomes class
        ``event_object[k]`` (sorted by time).
    step_offset
        Added to the step number of the per-step random draws (jibing, capsizing): the
        absolute step of the drift start, so runs that start at different times agree.
    """

    lon: np.ndarray
    lat: np.ndarray
    time_s: np.ndarray
    objects: tuple[LeewayObject, ...]
    object_index: np.ndarray
    z_dw: np.ndarray
    z_cw: np.ndarray
    side: np.ndarray
    rng_id: np.ndarray
    weight: np.ndarray
    event_time_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    event_particle: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    event_object: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    step_offset: int = 0

    def __post_init__(self) -> None:
        n = self.lon.size
        for name in ("lat", "time_s", "object_index", "z_dw", "z_cw", "side", "rng_id", "weight"):
            if getattr(self, name).shape != (n,):
                raise SarexInputError(f"ensemble: {name} has shape {getattr(self, name).shape}, ({n},) expected")
        if n == 0:
            raise SarexInputError("ensemble: no particles")
        order = np.argsort(self.event_time_s, kind="stable")
        self.event_time_s = np.asarray(self.event_time_s, dtype=np.float64)[order]
        self.event_particle = np.asarray(self.event_particle, dtype=np.int64)[order]
        self.event_object = np.asarray(self.event_object, dtype=np.int16)[order]

    @property
    def size(self) -> int:
        """Number of particles."""
        return int(self.lon.size)

    def arrays(self) -> ParticleDraws:
        """The engine's per-particle arrays (:class:`ParticleDraws`)."""
        table = self.coefficient_table()
        cls = self.object_index.astype(np.int16)
        dw_slope, dw_offset, eps_dw = self.downwind(cls, self.z_dw.astype(np.float64), table)
        return ParticleDraws(
            lon=self.lon.astype(np.float64), lat=self.lat.astype(np.float64), rel_t=self.time_s.astype(np.float64), cls=cls,
            dw_slope=dw_slope, dw_offset=dw_offset, eps_dw=eps_dw, z_cw=self.z_cw.astype(np.float64), side=self.side.astype(np.int8),
            cw_coef=np.ascontiguousarray(table[:, 3:9]), pids=self.rng_id.astype(np.int64), weight=self.weight.astype(np.float64),
        )

    def apply_changes(self, k0: int, until_s: float, cls, dw_slope, dw_offset, eps_dw) -> int:
        """Apply the class changes from index ``k0`` up to time ``until_s`` in place; return the next index."""
        k1 = int(np.searchsorted(self.event_time_s, until_s, side="right"))
        if k1 > k0:
            idx = self.event_particle[k0:k1]
            cls[idx] = self.event_object[k0:k1]  # repeated particles: numpy assigns in order, the last change wins
            dw_slope[idx], dw_offset[idx], eps_dw[idx] = self.downwind(cls[idx], self.z_dw[idx].astype(np.float64), self.coefficient_table())
        return k1

    def coefficient_table(self) -> np.ndarray:
        """(n_classes, 11) SI coefficients (:attr:`LeewayObject.coefficients_si`) and the two ε divisors."""
        return np.array([tuple(o.coefficients_si) + tuple(o.eps_divisors) for o in self.objects], dtype=np.float64)

    def downwind(self, cls: np.ndarray, z_dw: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Downwind slope, offset and ε_dw of particles of classes ``cls`` (Breivik & Allen 2008)."""
        eps = z_dw * table[cls, 2]
        return table[cls, 0] + eps / table[cls, 9], table[cls, 1] + eps / table[cls, 10], eps


def positive_slope_normals(rng: np.random.Generator, n: int, obj: LeewayObject) -> np.ndarray:
    """Standard normals z with a downwind slope ``a_dw + z·S_dw/divisor >= 0`` (negative ones redrawn, as simulate does)."""
    a_dw, _, s_dw = obj.coefficients_si[:3]
    div = obj.eps_divisors[0]
    z = rng.standard_normal(n)
    bad = a_dw + z * s_dw / div < 0.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = a_dw + z * s_dw / div < 0.0
    return z
