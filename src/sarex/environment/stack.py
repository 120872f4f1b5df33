"""Several sources for one variable, in priority order.

A typical operational set-up: a high-resolution coastal model first, a regional
or global model behind it. For each sample, each point takes its value from the
first source that covers it (inside the source's area and time range, and with
data there, i.e. not a land/NaN cell); the next source serves the rest. The
stack counts how many point samples each source served, for the run summary.
"""

from __future__ import annotations


import numpy as np

from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE, VectorField
from sarex.environment.fusable import register_grid_kind


@register_grid_kind("stack of sources", stacked=True)
class StackedField:
    """A :class:`VectorField` made of several sources, the first covering source wins.

    Parameters
    ----------
    sources
        Vector fields in priority order (highest first).
    name
        For messages; default: the sources' names joined.
    """

    def __init__(self, sources: list[VectorField], name: str | None = None) -> None:
        if not sources:
            raise ValueError("a stack needs at least one source")
        self.sources = list(sources)
        self.name = name or " > ".join(s.name for s in self.sources)
        self._counts = np.zeros(len(self.sources), dtype=np.int64)
        self._unserved = 0

    def time_range(self) -> tuple[float, float]:
        """Union of the sources' time ranges (seconds since epoch)."""
        r = [s.time_range() for s in self.sources]
        return min(a for a, _ in r), max(b for _, b in r)

    def domain_description(self) -> str:
        """See :meth:`sarex.environment.base.VectorField.domain_description`."""
        return " then ".join(f"[{s.domain_description()}]" for s in self.sources)

    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        """Fill east/north (m/s) from the first source covering each active point."""
        self.sample_sources(lon, lat, time_s, active, out_u, out_v, out_flag)

    def sample_sources(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> np.ndarray:
        """As :meth:`sample`, and return the index of the source that served each point (-1: none)."""
        remaining = np.array(active, dtype=np.bool_, copy=True)
        served_by = np.full(remaining.size, -1, dtype=np.int64)
        any_nan = np.zeros(remaining.size, dtype=np.bool_)
        flag = np.empty(remaining.size, dtype=np.int8)
        for k, src in enumerate(self.sources):
            if not remaining.any():
                break
            t0, t1 = src.time_range()
            if not (t0 - 1e-6 <= time_s <= t1 + 1e-6):
                continue
            flag[:] = FLAG_OUTSIDE
            src.sample(lon, lat, time_s, remaining, out_u, out_v, flag)
            ok = remaining & (flag == FLAG_OK)
            any_nan |= remaining & (flag == FLAG_NAN)
            out_flag[ok] = FLAG_OK
            served_by[ok] = k
            self._counts[k] += int(ok.sum())
            remaining &= ~ok
        if remaining.any():
            out_flag[remaining] = np.where(any_nan[remaining], FLAG_NAN, FLAG_OUTSIDE)
            self._unserved += int(remaining.sum())
        return served_by

    def sample_counts(self) -> dict[str, int]:
        """Point samples served by each source so far (source name → count), plus ``"none"``."""
        out = {s.name: int(c) for s, c in zip(self.sources, self._counts)}
        out["none"] = int(self._unserved)
        return out

    def add_counts(self, served: np.ndarray) -> None:
        """Add point samples served per source (in priority order) by a sampler other than :meth:`sample`."""
        self._counts += np.asarray(served, dtype=np.int64)

    def reset_counts(self) -> None:
        """Start counting from zero."""
        self._counts[:] = 0
        self._unserved = 0


def sample_counts(field: VectorField) -> dict[str, int] | None:
    """The per-source counts of a :class:`StackedField`, ``None`` for any other field."""
    fn = getattr(field, "sample_counts", None)
    return fn() if callable(fn) else None


def describe_counts(field: VectorField) -> str | None:
    """One line for a run summary, e.g. ``"coastal.nc 81.3 % (1234), gfs.grib2 18.7 % (284)"``.

    ``None`` for a field that is not a stack.
    """
    counts = sample_counts(field)
    if counts is None:
        return None
    total = sum(counts.values())
    parts = [f"{name} {100.0 * c / total if total else 0.0:.1f} % ({c})" for name, c in counts.items() if name != "none" or c]
    return ", ".join(parts)


__all__ = ["StackedField", "sample_counts"]
