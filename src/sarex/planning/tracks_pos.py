"""The planned-tracks POS of a plan: its pattern legs, in order and on time, against the drift ensemble.

One function for ``sarex plan`` (plan.json, SAP) and ``sarex exercise run``
(``pos_planned`` of each period), so that the number has one definition
(:mod:`sarex.search.pos_terms`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sarex.planning.planner import Plan
from sarex.search.detection import SearchUnit, pod_along_tracks
from sarex.io.track import Track
from sarex.search.podmodel import DetectionModel


def planned_search_units(plan: Plan, model: "str | DetectionModel | None" = None) -> list[SearchUnit]:
    """Each assignment's pattern (CSP to last waypoint, planned times) as a search unit with the plan's W (per object class)."""
    out = []
    for a in plan.assignments:
        lon, lat = plan.frame.inverse(a.pattern.x, a.pattern.y)
        w_m = a.effort_m2 / a.track_m
        out.append(SearchUnit(Track(lon, lat, np.asarray(a.waypoint_times_s, dtype=float), a.unit_id), w_m, model or plan.model, a.unit_id,
                              class_widths_m=a.class_widths_m))
    return out


def planned_tracks_pos(plan: Plan, ds: xr.Dataset, model: "str | DetectionModel | None" = None) -> float:
    """POS of the planned pattern tracks against the particles of ``ds`` (their current weights).

    Parameters
    ----------
    plan : the plan.
    ds : drift dataset the plan was made on (weights possibly updated by earlier searches).
    model : detection model; default the plan's.
    """
    units = planned_search_units(plan, model)
    if not units:
        return 0.0
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    return float(np.sum(w / w.sum() * pod_along_tracks(ds, units)))
