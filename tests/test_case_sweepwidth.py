"""Sweep width per object class: each particle is detected with its own (current) class's W."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from planning_fixtures import CENTRE, NM, T0, ring_sru

from sarex.geo import LocalProjection
from sarex.io.track import Track
from sarex.planning.cloud import period_cloud
from sarex.planning.planner import Planner
from sarex.search.bayes import apply_search
from sarex.search.detection import SearchUnit
from sarex.times import epoch_s_to_datetime64

KEYS = ["FISHING-VESSEL-1", "LIFE-RAFT-NB-2", "PIW-1"]
W_NM = {"FISHING-VESSEL-1": 2.0, "LIFE-RAFT-NB-2": 1.2, "PIW-1": 0.3}


def _static_case_drift(x_m: np.ndarray, y_m: np.ndarray, state_later: np.ndarray, hours: int = 6) -> xr.Dataset:
    """Particles that sit still, all released as the vessel, in state ``state_later`` from the second output on."""
    n = x_m.size
    times = T0 + 3600.0 * np.arange(hours + 1)
    lon, lat = LocalProjection(*CENTRE).inverse(np.repeat(x_m[:, None], times.size, 1), np.repeat(y_m[:, None], times.size, 1))
    state = np.repeat(state_later[:, None], times.size, 1).astype(np.int16)
    state[:, 0] = 0
    return xr.Dataset(
        {
            "lon": (("trajectory", "time"), lon),
            "lat": (("trajectory", "time"), lat),
            "status": (("trajectory", "time"), np.zeros(lon.shape, dtype=np.int8)),
            "weight": (("trajectory",), np.full(n, 1.0 / n)),
            "object": (("trajectory",), np.zeros(n, dtype=np.int16), {"object_keys": json.dumps(KEYS)}),
            "state": (("trajectory", "time"), state, {"state_names": json.dumps(["s/vessel", "s/raft", "s/piw"]),
                                                      "state_objects": json.dumps([0, 1, 2])}),
        },
        coords={"trajectory": np.arange(n), "time": epoch_s_to_datetime64(times)},
        attrs={"object_class": "FISHING-VESSEL-1", "searches": "[]"},
    )


def _exp_single_pass(x_m: np.ndarray, w_m: float) -> np.ndarray:
    """Exponential model, one infinite straight pass at lateral range x: effort W·φ_σ(x), σ = W (detection docstring)."""
    return 1.0 - np.exp(-w_m * np.exp(-0.5 * (x_m / w_m) ** 2) / (w_m * math.sqrt(2.0 * math.pi)))


def test_search_pos_is_the_weighted_sum_over_classes():
    rng = np.random.default_rng(5)
    n = 600
    x = rng.uniform(-3.0, 3.0, n) * NM
    later = rng.choice([0, 1, 2], size=n, p=[0.2, 0.4, 0.4])  # after the sinking: vessel, raft or person in water
    ds = _static_case_drift(x, np.zeros(n), later)
    # a north-south pass along the central meridian, 60 NM each side, 2 h to 4 h after T0
    lat0 = CENTRE[1]
    track = Track(np.full(2, CENTRE[0]), np.array([lat0 - 1.0, lat0 + 1.0]), np.array([T0 + 7200.0, T0 + 14400.0]), "pass")
    widths = tuple((k, W_NM[k] * NM) for k in KEYS)
    out = apply_search(ds, [SearchUnit(track, 2.0 * NM, "exponential", class_widths_m=widths)])
    pod_hand = np.array([_exp_single_pass(np.array([xi]), W_NM[KEYS[c]] * NM)[0] for xi, c in zip(x, later)])
    assert out.pos == pytest.approx(float(np.mean(pod_hand)), abs=1e-6)
    np.testing.assert_allclose(out.pod, pod_hand, rtol=0, atol=1e-6)
    # one W for all (the vessel's) would be clearly different
    plain = apply_search(ds, [SearchUnit(track, 2.0 * NM, "exponential")])
    assert plain.pos - out.pos > 0.03
    rec = json.loads(out.dataset.attrs["searches"])[0]["units"][0]
    assert rec["sweep_width_nm_by_class"] == W_NM


def test_planned_pos_of_a_piw_raft_mixture_is_the_weighted_sum():
    rng = np.random.default_rng(2)
    n = 4000
    x, y = rng.normal(0, 8 * NM, n), rng.normal(0, 2 * NM, n)  # elongated: a sweep over a rectangle (no datum pattern)
    later = np.where(rng.uniform(size=n) < 0.55, 2, 1)  # 55 % persons in water, 45 % life rafts
    ds = _static_case_drift(x, y, later)
    cloud = period_cloud(ds, T0 + 3600.0, T0 + 5 * 3600.0, 1800.0)
    assert list(cloud.object_keys) == KEYS and set(np.unique(cloud.object_index)) == {1, 2}
    w_raft, w_piw = W_NM["LIFE-RAFT-NB-2"] * NM, W_NM["PIW-1"] * NM
    sru = replace(ring_sru(0, 1, w_raft, 8 * NM / 3600, dist_nm=5.0), class_widths_m=(("LIFE-RAFT-NB-2", w_raft), ("PIW-1", w_piw)))
    plan = Planner(cloud, "exponential", 0).plan([sru])
    assert len(plan.assignments) == 1
    a = plan.assignments[0]
    assert a.effort_m2 == pytest.approx(w_raft * a.track_m, rel=1e-12)  # effort and coverage in the heaviest class's W
    # static particles: inside the searched rectangle all the time or never; exponential POD 1 − exp(−C·W_k/W)
    px, py = cloud.x[:, 0], cloud.y[:, 0]
    inside = a.rect.contains(px, py)
    c_k = a.coverage * np.where(cloud.object_index == 2, w_piw / w_raft, 1.0)
    hand = float(np.sum(cloud.weight * np.where(inside, 1.0 - np.exp(-c_k), 0.0)))
    assert plan.total_pos == pytest.approx(hand, abs=1e-12)
    assert a.pos == pytest.approx(hand, abs=1e-12)
    # and a single W (the raft's) would report more
    plain = Planner(cloud, "exponential", 0).plan([replace(sru, class_widths_m=())])
    assert plain.total_pos > hand + 0.05
