"""Counter-based random numbers for particle kernels.

A draw is a pure function of (seed, particle id, step, stream), so results do not
depend on how particles are split between threads or Dask workers. The mixer is
SplitMix64 (Steele, Lea & Flood 2014, *Fast splittable pseudorandom number
generators*, OOPSLA).
"""

from __future__ import annotations

import numba as nb
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@nb.njit(inline="always", cache=True)
def splitmix64(x):  # pragma: no cover - numba
    """SplitMix64 finaliser of ``x`` (Steele et al. 2014): a well-mixed 64-bit integer."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@nb.njit(inline="always", cache=True)
def stream_key(seed, pid, stream):  # pragma: no cover - numba
    """The part of a draw's counter that does not change from step to step (see :func:`uniform01`)."""
    return splitmix64(np.uint64(seed) ^ splitmix64(np.uint64(pid) * np.uint64(0x100000001B3) + np.uint64(stream)))


@nb.njit(inline="always", cache=True)
def uniform_keyed(key, step):  # pragma: no cover - numba
    """:func:`uniform01` from its :func:`stream_key`: one mixing round per step instead of three."""
    h = splitmix64(key ^ (np.uint64(step) * np.uint64(0xD6E8FEB86659FD93)))
    return (h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(inline="always", cache=True)
def uniform01(seed, pid, step, stream):  # pragma: no cover - numba
    """Uniform draw in [0, 1) from the counter (seed, particle, step, stream)."""
    return uniform_keyed(stream_key(seed, pid, stream), step)


@nb.njit(parallel=True, cache=True)
def stream_keys(seed, pids, stream):  # pragma: no cover - numba
    """:func:`stream_key` of every particle: kernels drawing each step take these."""
    out = np.empty(pids.size, dtype=np.uint64)
    for i in nb.prange(pids.size):
        out[i] = stream_key(seed, pids[i], stream)
    return out


@nb.njit(parallel=True, cache=True)
def uniform_array(seed, pids, step, stream):  # pragma: no cover - numba
    """Vector of counter-based uniforms for particles ``pids`` at ``step``."""
    out = np.empty(pids.size)
    for i in nb.prange(pids.size):
        out[i] = uniform01(seed, pids[i], step, stream)
    return out
