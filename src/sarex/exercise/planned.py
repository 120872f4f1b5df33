"""Planned search patterns for replay evaluation: waypoints, sweep width W and track spacing S per unit.

Read from GPX routes (one per unit, named by the unit id, with
``sweep_width_nm=…; track_spacing_nm=…`` in ``<desc>``) or given as waypoints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sarex.geo import NM_M
from sarex.errors import SarexInputError

from sarex.io.gpx import Route, read_gpx_routes

@dataclass(frozen=True)
class PlannedPattern:
    """A unit's planned search pattern: waypoints (degrees) and its sweep width and track spacing (m)."""

    unit_id: str
    lon: np.ndarray
    lat: np.ndarray
    sweep_width_m: float
    track_spacing_m: float


_KV = re.compile(r"([a-z_]+)\s*=\s*([0-9.eE+-]+)")


def pattern_from_waypoints(
    unit_id: str, lonlat: list[tuple[float, float]] | np.ndarray, sweep_width_nm: float, track_spacing_nm: float | None = None
) -> PlannedPattern:
    """A planned pattern from a list of (lon, lat) waypoints; spacing defaults to the sweep width."""
    a = np.asarray(lonlat, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 2:
        raise SarexInputError(f"planned pattern {unit_id}: waypoints must be at least 2 (lon, lat) pairs")
    if not (sweep_width_nm > 0):
        raise SarexInputError(f"planned pattern {unit_id}: sweep_width_nm {sweep_width_nm} must be > 0")
    s = sweep_width_nm if track_spacing_nm is None else track_spacing_nm
    if not (s > 0):
        raise SarexInputError(f"planned pattern {unit_id}: track_spacing_nm {s} must be > 0")
    return PlannedPattern(unit_id, a[:, 0].copy(), a[:, 1].copy(), sweep_width_nm * NM_M, s * NM_M)


def route_description(sweep_width_nm: float, track_spacing_nm: float) -> str:
    """The ``<desc>`` text of a planned GPX route that :func:`pattern_from_route` reads back."""
    return f"sweep_width_nm={sweep_width_nm:g}; track_spacing_nm={track_spacing_nm:g}"


def pattern_from_route(route: Route, defaults: dict[str, dict[str, float | None]] | None = None, source: str = "") -> PlannedPattern:
    """A planned pattern from a GPX route named by the unit id.

    Sweep width and track spacing come from the route's ``<desc>``
    (``sweep_width_nm=1.5; track_spacing_nm=2``), else from ``defaults[unit]``
    (the scenario's units), else it is an error.
    """
    kv = {k: float(v) for k, v in _KV.findall(route.description or "")}
    d = (defaults or {}).get(route.name, {})
    w = kv.get("sweep_width_nm", d.get("sweep_width_nm"))
    s = kv.get("track_spacing_nm", d.get("track_spacing_nm"))
    if w is None:
        raise SarexInputError(
            f"{source or 'planned route'}: route {route.name!r}: no sweep width; put 'sweep_width_nm=...' in the route's <desc> "
            f"or sweep_width_nm in the scenario's unit"
        )
    return pattern_from_waypoints(route.name, np.column_stack([route.lon, route.lat]), w, s)


def read_planned_dir(folder: str | Path, defaults: dict[str, dict[str, float | None]] | None = None) -> dict[str, PlannedPattern]:
    """Read every GPX route in ``folder`` (or one GPX file) as planned patterns, keyed by unit id."""
    d = Path(folder)
    files = [d] if d.is_file() else sorted(d.glob("*.gpx")) if d.is_dir() else []
    if not files:
        raise SarexInputError(f"--planned: {str(d)!r} is not a GPX file or a folder with GPX routes")
    out: dict[str, PlannedPattern] = {}
    for f in files:
        for r in read_gpx_routes(f):
            if r.name in out:
                raise SarexInputError(f"{f}: route {r.name!r}: a second planned route for the same unit")
            out[r.name] = pattern_from_route(r, defaults, str(f))
    return out
