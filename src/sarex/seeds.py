"""One seed derivation for every command: a user's seed and a named stream give a SeedSequence.

Each random process of a command draws from its own stream of the user's seed
(``np.random.SeedSequence([seed, stream])``), so the same ``--seed`` gives the
same draws for the same process whichever command runs it (``exercise truth``
and ``exercise run`` draw the same truth).
"""

from __future__ import annotations

import numpy as np

from sarex.errors import SarexInputError

#: Largest seed accepted: seeds are stored as signed 64-bit NetCDF attributes.
MAX_SEED = 2**63 - 1

#: Streams of an exercise (the integers keep outputs identical to earlier versions).
FORECAST = None  # the planners' forecast drift uses the seed itself
TRUTH = 1
DETECTION = 2
DRIFT_PART = 3  # the parts of a drift split across workers (sarex.drift.parts)


def check_seed(value: object, what: str = "seed") -> int:
    """Return ``value`` as a seed, or raise :class:`SarexInputError` naming ``what``.

    A seed is an integer in [0, 2^63 - 1]; booleans and floats (even 2.0) are refused.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SarexInputError(f"{what}: {value!r} must be a whole number in [0, {MAX_SEED}] (got {type(value).__name__})")
    v = int(value)
    if not 0 <= v <= MAX_SEED:
        raise SarexInputError(f"{what}: {v} must be in [0, {MAX_SEED}]")
    return v


def stream(seed: int, name: int) -> np.random.SeedSequence:
    """The SeedSequence of stream ``name`` (e.g. :data:`TRUTH`) of a user's ``seed``."""
    return np.random.SeedSequence([check_seed(seed), int(name)])


def part_seed(seed: int, k: int) -> int:
    """The drift seed of part ``k`` of a split run: part 0 keeps ``seed``, part k > 0 a seed of stream :data:`DRIFT_PART`.

    Part 0 keeping the user's seed makes a run small enough for one part identical to an unsplit run.
    """
    seed = check_seed(seed)
    if k == 0:
        return seed
    state = np.random.SeedSequence([seed, DRIFT_PART, int(k)]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))  # 63 bits: seeds are stored as signed 64-bit attributes
