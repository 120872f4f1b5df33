"""Sample the forcing files at given points and one time (``sarex env sample``).

A user checks the wind and current a run would use (e.g. at the LKP) before
running it. Files are used in the order given, as a priority stack per variable
(:class:`~sarex.environment.stack.StackedField`); a file without a variable is
simply not a source of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sarex.environment.base import FLAG_OK
from sarex.environment.stack import StackedField
from sarex.errors import SarexInputError
from sarex.times import iso
from sarex.environment.cf import open_vector_field

_NOT_FOUND = "no {kind} variables found"


@dataclass
class ProbeResult:
    """East/north components (m/s, NaN where absent) and the serving file per point."""

    wind_u: np.ndarray
    wind_v: np.ndarray
    current_u: np.ndarray
    current_v: np.ndarray
    wind_source: list[str]
    current_source: list[str]


def open_sources(paths: list[str | Path], kind: str) -> StackedField | None:
    """A priority stack of the ``kind`` fields found in ``paths`` (``None`` if none has it)."""
    fields = []
    for p in paths:
        try:
            fields.append(open_vector_field(p, kind))
        except SarexInputError as exc:
            msg = str(exc)
            # Files simply lacking the variable are not sources of it; anything else is an error.
            if _NOT_FOUND.format(kind=kind) in msg or "read for the 10 m wind only" in msg or "no 10 m wind" in msg:
                continue
            raise
    if not fields:
        return None
    return StackedField(fields, name=f"{kind} (" + " > ".join(Path(p).name for p in paths) + ")")


def probe(paths: list[str | Path], lon: np.ndarray, lat: np.ndarray, time_s: float) -> ProbeResult:
    """Sample wind and current from ``paths`` (priority order) at points and ``time_s``."""
    if not paths:
        raise SarexInputError("env sample: give at least one forcing file")
    n = lon.size
    out = {}
    for kind in ("wind", "current"):
        u = np.full(n, np.nan)
        v = np.full(n, np.nan)
        src_names = [""] * n
        stack = open_sources(paths, kind)
        if stack is not None:
            spans = [(f.name, *f.time_range()) for f in stack.sources]
            if not any(t0 <= time_s <= t1 for _, t0, t1 in spans):
                where = "; ".join(f"{nm}: {iso(t0)} to {iso(t1)}" for nm, t0, t1 in spans)
                raise SarexInputError(f"--time {iso(time_s)} is outside the time span of every {kind} source ({where}); no value could be sampled")
            flag = np.zeros(n, dtype=np.int8)
            uu = np.zeros(n)
            vv = np.zeros(n)
            served = stack.sample_sources(lon, lat, time_s, np.ones(n, dtype=np.bool_), uu, vv, flag)
            ok = flag == FLAG_OK
            u[ok] = uu[ok]
            v[ok] = vv[ok]
            files = [s.name for s in stack.sources]
            src_names = [files[k] if k >= 0 else "" for k in served]
        out[kind] = (u, v, src_names)
    return ProbeResult(out["wind"][0], out["wind"][1], out["current"][0], out["current"][1], out["wind"][2], out["current"][2])


def format_csv(lon: np.ndarray, lat: np.ndarray, res: ProbeResult) -> str:
    """CSV text: lon, lat, wind and current east/north (m/s, blank where absent), sources."""

    def f(x: float) -> str:
        return "" if not math.isfinite(x) else f"{x:.4f}"

    lines = ["lon,lat,wind_east_m_s,wind_north_m_s,current_east_m_s,current_north_m_s,wind_source,current_source"]
    for i in range(lon.size):
        ws = res.wind_source[i].replace('"', "'")
        cs = res.current_source[i].replace('"', "'")
        lines.append(
            f"{lon[i]:.6f},{lat[i]:.6f},{f(res.wind_u[i])},{f(res.wind_v[i])},{f(res.current_u[i])},{f(res.current_v[i])},"
            f"\"{ws}\",\"{cs}\""
        )
    return "\n".join(lines) + "\n"
