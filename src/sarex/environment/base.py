"""The environment interface: a vector field sampled at particle positions and one time.

Flags returned by :meth:`VectorField.sample` (int8 per point):

* ``FLAG_OK`` (0): value valid;
* ``FLAG_OUTSIDE`` (1): point outside the field's spatial domain;
* ``FLAG_NAN`` (2): inside the domain but the field has no data there (NaN, land cells).

Time outside a field's time range is not a per-point flag: it raises
:class:`~sarex.errors.OutsideDomainError` unless the policy says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, runtime_checkable

import numpy as np

from sarex.errors import OutsideDomainError, SarexInputError
from sarex.times import iso

FLAG_OK = 0
FLAG_OUTSIDE = 1
FLAG_NAN = 2


def axis_time_range(times: np.ndarray) -> tuple[float, float]:
    """Valid time range of a gridded field's time axis (s since epoch); one step means all times."""
    if times.size == 1:
        return -math.inf, math.inf
    return float(times[0]), float(times[-1])


def describe_time_range(t0: float, t1: float) -> str:
    """``"all times"`` or ``"<iso> to <iso>"`` for messages."""
    return "all times" if not math.isfinite(t0) else f"{iso(t0)} to {iso(t1)}"


class OutsidePolicy(str, Enum):  # noqa: UP042 - StrEnum would change str(policy)
    """What to do with a particle whose forcing lies outside a field's domain."""

    ERROR = "error"  #: stop with a clear error naming the field, the point and the domain
    FALLBACK = "fallback"  #: use the field's fallback value (e.g. 0 m/s current)
    DEACTIVATE = "deactivate"  #: stop the particle with status "left domain"


@runtime_checkable
class VectorField(Protocol):
    """A horizontal vector quantity (east, north) in m/s, sampled at points and a time."""

    name: str
    """What it is (``"wind"``, ``"current"``) and where from, for messages."""

    def time_range(self) -> tuple[float, float]:
        """First and last valid time, seconds since epoch (``-inf, inf`` when unbounded)."""
        ...

    def domain_description(self) -> str:
        """Human-readable spatial and time domain, for error messages."""
        ...

    def sample(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        time_s: float,
        active: np.ndarray,
        out_u: np.ndarray,
        out_v: np.ndarray,
        out_flag: np.ndarray,
    ) -> None:
        """Fill ``out_u``/``out_v`` (east/north, m/s) and ``out_flag`` for the ``active`` points.

        Inactive points are left untouched. ``time_s`` must lie inside :meth:`time_range`.
        """
        ...


@dataclass
class Environment:
    """Wind (10 m) and surface current for the drift model, with the outside-domain policy.

    Parameters
    ----------
    wind, current
        Vector fields in m/s (east, north).
    outside
        Policy for points outside a field's domain or on its missing data.
    wind_fallback, current_fallback
        (east, north) m/s used by ``OutsidePolicy.FALLBACK``.
    """

    wind: VectorField
    current: VectorField
    outside: OutsidePolicy = OutsidePolicy.ERROR
    wind_fallback: tuple[float, float] = (0.0, 0.0)
    current_fallback: tuple[float, float] = (0.0, 0.0)
    _scratch: dict = field(default_factory=dict, repr=False)

    def time_range(self) -> tuple[float, float]:
        """Common time range of wind and current (seconds since epoch)."""
        w0, w1 = self.wind.time_range()
        c0, c1 = self.current.time_range()
        return max(w0, c0), min(w1, c1)

    def check_time(self, time_s: float) -> None:
        """Raise :class:`OutsideDomainError` if ``time_s`` is outside either field's time range."""
        for f in (self.wind, self.current):
            t0, t1 = f.time_range()
            if not (t0 - 1e-6 <= time_s <= t1 + 1e-6):
                raise OutsideDomainError(
                    f"{f.name}: time {iso(time_s)} is outside the field's time range "
                    f"{iso(t0) if np.isfinite(t0) else '-inf'} to {iso(t1) if np.isfinite(t1) else 'inf'}"
                )

    def sample(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        time_s: float,
        active: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sample wind and current at points.

        Returns
        -------
        wind_u, wind_v, cur_u, cur_v : ndarray
            East/north components, m/s.
        left : ndarray of bool
            Points that the policy deactivates (``OutsidePolicy.DEACTIVATE`` only).

        Raises
        ------
        OutsideDomainError
            Under ``OutsidePolicy.ERROR``, for the first point outside a field's domain.
        """
        lon = np.ascontiguousarray(lon, dtype=np.float64)
        lat = np.ascontiguousarray(lat, dtype=np.float64)
        n = lon.size
        if active is None:
            active = np.ones(n, dtype=np.bool_)
        if self.outside is not OutsidePolicy.ERROR:
            # Time is never per point; under non-error policies out-of-time means every particle is out.
            try:
                self.check_time(time_s)
            except OutsideDomainError:
                if self.outside is OutsidePolicy.DEACTIVATE:
                    z = np.zeros(n)
                    return z, z.copy(), z.copy(), z.copy(), active.copy()
                raise
        else:
            self.check_time(time_s)
        buf = self._buffers(n)
        left = np.zeros(n, dtype=np.bool_)
        out = []
        for fld, fb, (u, v, flag) in (
            (self.wind, self.wind_fallback, buf[0]),
            (self.current, self.current_fallback, buf[1]),
        ):
            flag[:] = FLAG_OK
            fld.sample(lon, lat, time_s, active, u, v, flag)
            bad = active & (flag != FLAG_OK)
            if bad.any():
                if self.outside is OutsidePolicy.ERROR:
                    i = int(np.flatnonzero(bad)[0])
                    why = "outside the field's domain" if flag[i] == FLAG_OUTSIDE else "where the field has no data (NaN)"
                    raise OutsideDomainError(
                        f"{fld.name}: point lon={lon[i]:.5f} lat={lat[i]:.5f} at {iso(time_s)} is {why} "
                        f"({fld.domain_description()}); {int(bad.sum())} point(s) affected "
                        "(use --outside deactivate or --outside fallback to continue)"
                    )
                if self.outside is OutsidePolicy.FALLBACK:
                    u[bad] = fb[0]
                    v[bad] = fb[1]
                else:
                    left |= bad
            out.append((u.copy(), v.copy()))
        (wu, wv), (cu, cv) = out
        return wu, wv, cu, cv, left

    def _buffers(self, n: int):
        key = n
        if self._scratch.get("n") != key:
            self._scratch.clear()
            self._scratch["n"] = key
            self._scratch["b"] = [
                (np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8)) for _ in range(2)
            ]
        return self._scratch["b"]

    def describe(self) -> str:
        """One-line description of the sources."""
        return f"wind: {self.wind.domain_description()}; current: {self.current.domain_description()}"


def time_axis_epoch_s(coord, name: str) -> np.ndarray:
    """A forcing field's time coordinate as seconds since epoch, or a one-line error naming the real cause.

    xarray decodes a CF time axis with ``units = "hours since …"`` to datetime64;
    numbers left undecoded mean the axis has no (or no CF) time units, and taking
    them as seconds since 1970 would put the field in 1970.
    """
    values = np.asarray(coord.values)
    if not np.issubdtype(values.dtype, np.datetime64):
        units = coord.attrs.get("units") or coord.encoding.get("units")
        why = f"units {units!r} are not CF time units" if units else "has no units attribute"
        raise SarexInputError(f"{name}: time axis {coord.name!r} {why}; give it CF units such as 'hours since 2026-01-15 00:00:00'")
    return values.astype("datetime64[ns]").astype(np.int64) / 1e9
