"""Bayesian update of a drift ensemble after an unsuccessful search.

Stone (1975/1989) *Theory of Optimal Search*; Stone et al. (2014) *Bayesian
Search for Missing Aircraft, Ships, and People*; Kratzke, Stone & Frost (2010)
SAROPS (REFERENCES §4). With POD_k the probability that the search would have
detected the object had it been particle k:

* this search's POS = Σ_k w_k·POD_k (weights before the search);
* new weights ``w_k ← w_k·(1 − POD_k) / (1 − Σ_j w_j·POD_j)``;
* cumulative POS over all searches so far, computed on the prior weights (those
  before the first search): ``1 − Σ_k w⁰_k·Π_i(1 − POD_ik)``. It equals
  ``1 − Π_i(1 − POS_i)`` only when the searches' PODs are independent of the
  particle (e.g. spatially uniform); overlapping searches give less, disjoint
  ones more.

The updated ensemble is a drift dataset of the same format: new ``weight``,
plus ``prior_weight`` (w⁰) and ``survival`` (Π(1 − POD)) per particle, and a
record appended to the JSON attribute ``searches``; so drift → search → drift →
search chains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.geo import NM_M
from sarex.errors import SarexInputError
from sarex.io.driftfile import searches_applied
from sarex.search.detection import SearchUnit, pod_along_tracks

from sarex.times import iso



@dataclass(frozen=True)
class BayesUpdate:
    """Result of one unsuccessful search applied to weights."""

    weight: np.ndarray
    survival: np.ndarray
    pos: float
    cumulative_pos: float


def bayes_update(weight: np.ndarray, pod: np.ndarray, prior_weight: np.ndarray | None = None, survival: np.ndarray | None = None) -> BayesUpdate:
    """Posterior weights after an unsuccessful search with per-particle ``pod``.

    ``weight`` are the current weights, ``prior_weight`` those before any search
    (default ``weight``) and ``survival`` the product of (1 − POD) of earlier
    searches (default 1). Returns new normalised weights, new survival, this
    search's POS on the current weights and the cumulative POS on the prior.
    """
    w = np.asarray(weight, dtype=np.float64)
    p = np.asarray(pod, dtype=np.float64)
    if w.shape != p.shape:
        raise SarexInputError(f"search update: {p.size} POD values for {w.size} particles")
    if np.any(~np.isfinite(p)) or np.any(p < 0.0) or np.any(p > 1.0):
        raise SarexInputError("search update: POD values must be in [0, 1]")
    w = w / w.sum()
    prior = w if prior_weight is None else np.asarray(prior_weight, dtype=np.float64) / np.sum(prior_weight)
    surv = np.ones_like(w) if survival is None else np.asarray(survival, dtype=np.float64)
    pos = float(np.sum(w * p))
    remaining = 1.0 - pos
    if not (remaining > 0.0):
        raise SarexInputError("search update: POS = 1, the object would certainly have been found; an unsuccessful search is impossible under this model")
    new_w = w * (1.0 - p) / remaining
    new_surv = surv * (1.0 - p)
    cum = 1.0 - float(np.sum(prior * new_surv))
    return BayesUpdate(new_w, new_surv, pos, cum)


@dataclass(frozen=True)
class SearchOutcome:
    """A search applied to a drift dataset."""

    dataset: xr.Dataset
    pod: np.ndarray
    pos: float
    cumulative_pos: float
    record: dict


#: Most points of a unit's track kept in a drift file's ``searches`` record (the map needs the shape, not every fix).
TRACK_POINTS = 500


def _track_points(lon: np.ndarray, lat: np.ndarray) -> list[list[float]]:
    """[[lon, lat], ...] of a track, evenly thinned to at most :data:`TRACK_POINTS` (ends kept), rounded to 1e-5°."""
    n = int(np.asarray(lon).size)
    k = np.unique(np.linspace(0, n - 1, min(n, TRACK_POINTS)).round().astype(int)) if n else np.zeros(0, int)
    return [[round(float(lon[i]), 5), round(float(lat[i]), 5)] for i in k]


def apply_search(ds: xr.Dataset, units: list[SearchUnit], label: str = "", source: str = "drift file") -> SearchOutcome:
    """Apply an unsuccessful search by ``units`` to a drift dataset; return the updated dataset.

    The dataset is not modified; the returned one has new ``weight``, ``prior_weight``,
    ``survival`` and a ``searches`` record with time span, units (track, W in nm,
    model), POS and cumulative POS.
    """
    if not units:
        raise SarexInputError("search update: give at least one search unit track")
    pod = pod_along_tracks(ds, units, source)
    w = np.asarray(ds["weight"].values, dtype=np.float64)
    prior = ds["prior_weight"].values if "prior_weight" in ds else None
    surv = ds["survival"].values if "survival" in ds else None
    up = bayes_update(w, pod, prior, surv)
    history = searches_applied(ds)
    record = {
        "search": len(history) + 1,
        "label": label or f"search {len(history) + 1}",
        "start": iso(min(u.track.start_s for u in units)),
        "end": iso(max(u.track.end_s for u in units)),
        "units": [
            {
                "name": u.name,
                "sweep_width_nm": round(u.sweep_width_m / NM_M, 6),
                **({"sweep_width_nm_by_class": {k: round(w / NM_M, 6) for k, w in u.class_widths_m}} if u.class_widths_m else {}),
                "model": u.model.label,
                "waypoints": int(u.track.lon.size),
                "start": iso(u.track.start_s),
                "end": iso(u.track.end_s),
                "track_length_nm": round(u.track.length_m() / NM_M, 3),
                # the track as searched, for maps of the continued drift (at most TRACK_POINTS points, 1e-5° ≈ 1 m)
                "track": _track_points(u.track.lon, u.track.lat),
            }
            for u in units
        ],
        "pos": up.pos,
        "cumulative_pos": up.cumulative_pos,
    }
    out = ds.copy()
    out["weight"] = (("trajectory",), up.weight, {"long_name": "probability weight (after searches)", "units": "1"})
    out["prior_weight"] = (
        ("trajectory",),
        (w / w.sum()) if prior is None else np.asarray(prior, dtype=np.float64),
        {"long_name": "probability weight before the first search", "units": "1"},
    )
    out["survival"] = (("trajectory",), up.survival, {"long_name": "product over searches of (1 - POD)", "units": "1"})
    out.attrs = dict(ds.attrs)
    out.attrs["searches"] = json.dumps(history + [record])
    out.attrs["cumulative_pos"] = up.cumulative_pos
    return SearchOutcome(out, pod, up.pos, up.cumulative_pos, record)
