"""Estimate the memory a run needs before starting it, and refuse one that cannot fit."""

from __future__ import annotations

import os

from sarex.errors import SarexInputError


def available_bytes() -> int:
    """Memory available to a new allocation now (Linux MemAvailable; else total physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def require_memory(needed_bytes: float, what: str, hint: str = "") -> None:
    """Raise :class:`SarexInputError` when ``needed_bytes`` exceed 80 % of the memory available now."""
    have = available_bytes()
    if needed_bytes > 0.8 * have:
        raise SarexInputError(f"{what} needs about {_gb(needed_bytes)} of memory, {_gb(have)} available{'; ' + hint if hint else ''}")


#: Bytes per particle per output time in a drift dataset (lon, lat float64; status, z, wind, current ...) plus the
#: per-particle working state of the kernels (about 40 float64 arrays); measured upper bounds, rounded up.
DRIFT_BYTES_PER_PARTICLE_OUTPUT = 48
DRIFT_BYTES_PER_PARTICLE = 400


def drift_bytes(particles: int, outputs: int) -> float:
    """Memory of a drift of ``particles`` with ``outputs`` output times, bytes (estimate, upper bound)."""
    return float(particles) * (DRIFT_BYTES_PER_PARTICLE + DRIFT_BYTES_PER_PARTICLE_OUTPUT * max(1, outputs))
