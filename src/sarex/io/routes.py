"""How sarex marks the search legs of a planned route, so that its own routes read back.

A planned route runs departure → commence search point (CSP) → the pattern's
waypoints → return to base. Only the pattern is search effort; the transits are
sailed at transit speed and must not count as search (issue 15 item 4).

* GPX (``<rte>``): every route point carries ``<type>search</type>`` (a point of
  the search pattern, CSP to the last waypoint) or ``<type>transit</type>``
  (departure, return). A leg searches when both its end points are ``search``.
  The route is named by the unit id; its ``<desc>`` starts with
  ``sweep_width_nm=…; track_spacing_nm=…`` (the planned pattern's W and S).
* RTZ: the ``leg`` element of a waypoint describes the leg that ends there; its
  ``legInfo`` attribute (a free text in RTZ 1.0) is ``search`` or ``transit``.

Files without these marks (a GPS log, another tool's route) are search effort
throughout, as before.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

import numpy as np

SEARCH = "search"
TRANSIT = "transit"

_KV = re.compile(r"([a-z_]+)\s*=\s*([0-9.eE+-]+)")


def route_description(sweep_width_nm: float, track_spacing_nm: float, text: str = "") -> str:
    """The ``<desc>`` of a planned GPX route: W and S first (read back by :func:`parse_description`)."""
    head = f"sweep_width_nm={sweep_width_nm:.6g}; track_spacing_nm={track_spacing_nm:.6g}"
    return f"{head}; {text}" if text else head


def parse_description(text: str | None) -> dict[str, float]:
    """``key=number`` pairs of a route description (``sweep_width_nm``, ``track_spacing_nm``)."""
    out = {}
    for k, v in _KV.findall(text or ""):
        try:
            out[k] = float(v)
        except ValueError:
            continue
    return out


def search_runs(types: Sequence[Optional[str]]) -> Optional[list[tuple[int, int]]]:
    """Index ranges ``[i0, i1]`` (inclusive) of consecutive ``search`` points, or None when unmarked.

    A route is *marked* when any point's type is ``search`` or ``transit``; then
    only runs of at least two search points (one search leg or more) are returned.
    """
    t = [(x or "").strip().lower() for x in types]
    if not any(x in (SEARCH, TRANSIT) for x in t):
        return None
    runs, start = [], None
    for i, x in enumerate(t + [""]):
        if x == SEARCH and start is None:
            start = i
        elif x != SEARCH and start is not None:
            if i - 1 > start:
                runs.append((start, i - 1))
            start = None
    return runs


def search_mask(types: Sequence[Optional[str]]) -> np.ndarray:
    """Boolean per point: part of a search run (all True for an unmarked route)."""
    runs = search_runs(types)
    m = np.zeros(len(types), dtype=bool)
    if runs is None:
        m[:] = True
        return m
    for a, b in runs:
        m[a : b + 1] = True
    return m
