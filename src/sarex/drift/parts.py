"""Split one large drift into parts that can run anywhere (in turn, or on Dask workers).

A drift of ``N`` particles with part size ``P`` is ``ceil(N / P)`` independent
drifts of ``P`` particles (the last one smaller). Part ``k`` draws its particles
with the seed :func:`sarex.seeds.part_seed` ``(seed, k)``, which depends only on the
user's seed and ``k``: the parts, and so the combined drift file and every map made
from it, are the same whichever machine or worker runs which part, in any order.
Part 0 keeps the user's seed, so a drift of at most ``P`` particles is the unsplit
drift itself. Every particle keeps weight ``1 / N``.

With forcing *members* (an ensemble wind forecast, one file per member) every member
drifts the ``N`` particles, in the same parts with the same seeds: the same object
draws meet each member's forcing (common random numbers), so the members differ by
their forcing only; the ``M·N`` particles each weigh ``1 / (M·N)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sarex.errors import SarexInputError
from sarex.seeds import check_seed, part_seed

#: Default part size: small enough that a part's working arrays stay well under a gigabyte.
PART_PARTICLES = 1_000_000


@dataclass(frozen=True)
class Part:
    """One part of a split drift."""

    index: int
    #: first particle of the part in the combined file
    offset: int
    particles: int
    seed: int
    #: forcing member drifted by this part (0 without members)
    member: int = 0


def plan_parts(particles: int, seed: int, part_particles: int = PART_PARTICLES, members: int = 1) -> list[Part]:
    """The parts of a drift of ``particles`` in each of ``members`` forcings (see the module docstring)."""
    if particles < 1:
        raise SarexInputError(f"particles: {particles} must be > 0")
    if part_particles < 1:
        raise SarexInputError(f"--part-particles: {part_particles} must be > 0")
    seed = check_seed(seed)
    if members < 1:
        raise SarexInputError(f"members: {members} must be > 0")
    n_parts = math.ceil(particles / part_particles)
    return [Part(m * n_parts + k, m * particles + k * part_particles, min(part_particles, particles - k * part_particles), part_seed(seed, k), m)
            for m in range(members) for k in range(n_parts)]
