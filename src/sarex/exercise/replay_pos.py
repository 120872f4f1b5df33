"""POS achieved by the tracks units really sailed, against the planners' drift ensemble.

The same Bayesian machinery as a search update (REFERENCES §4): each unit's
on-task track, with its sweep width, gives a POD per particle along the drifting
ensemble (``sarex.search.detection.pod_along_tracks``); POS = Σ w·POD. Per unit
and for all units together (looks combine as independent, 1 − Π(1 − POD)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.errors import SarexInputError
from sarex.exercise.replay import ReplayResult
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel
from sarex.search.detection import SearchUnit, pod_along_tracks
from sarex.search.positions import output_times_s
from sarex.io.track import Track


@dataclass(frozen=True)
class AchievedPos:
    """POS achieved per unit and in total, and the time span searched."""

    by_unit: dict[str, float]
    total: float
    start_s: float
    end_s: float


def achieved_pos(ds: xr.Dataset, result: ReplayResult, sailed: dict[str, Track], model: "str | DetectionModel" = DEFAULT_MODEL,
                 source: str = "--drift") -> AchievedPos:
    """POS of the sailed on-task tracks against the drift ensemble ``ds`` (weights as in the file)."""
    t_out = output_times_s(ds)
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    w = w / w.sum()
    units: dict[str, SearchUnit] = {}
    for u in result.units:
        tr = sailed.get(u.unit_id)
        if tr is None or not u.has_track or not np.isfinite(u.on_task_start_s):
            continue
        t0 = max(u.on_task_start_s, t_out[0])
        t1 = min(u.on_task_end_s, t_out[-1])
        if not t1 > t0:
            raise SarexInputError(f"{source}: unit {u.unit_id!r} searched outside the drift file's time span")
        inside = (tr.time_s > t0) & (tr.time_s < t1)
        t = np.concatenate([[t0], tr.time_s[inside], [t1]])
        lon = np.interp(t, tr.time_s, tr.lon)
        lat = np.interp(t, tr.time_s, tr.lat)
        units[u.unit_id] = SearchUnit(Track(lon, lat, t, u.unit_id), u.sweep_width_m, model, u.unit_id)
    if not units:
        raise SarexInputError(f"{source}: no unit has a track on task inside the drift file's time span")
    by_unit = {uid: float(np.sum(w * pod_along_tracks(ds, [su], source))) for uid, su in units.items()}
    total = float(np.sum(w * pod_along_tracks(ds, list(units.values()), source)))
    return AchievedPos(by_unit, total, min(s.track.start_s for s in units.values()), max(s.track.end_s for s in units.values()))
