"""Issue 13: four periods planned together (Brown 1980) never do worse than each period planned alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from planning_fixtures import NM, T0, static_normal_drift

from sarex.planning.cloud import period_cloud
from sarex.planning.multiperiod import plan_periods
from sarex.planning.planner import Sru

KN = NM / 3600


def _unit(uid, w_nm, speed_kn, start_nm, turn=300.0, ready_h=-2.0):
    return Sru(uid, w_nm * NM, speed_kn * KN, 18 * KN, 1e6, (start_nm[0] * NM, start_nm[1] * NM), T0 + ready_h * 3600, turn_radius_m=turn)


CASES = {
    "static, one ship a period": (0.0, [[_unit("KR-A", 0.6, 12, (20, 0))]] * 4),
    "drifting east 1 kn, a ship a period": (1.0, [[_unit("JP-B", 0.6, 10, (-20, 5))]] * 4),
    "drifting east 0.5 kn, two nations": (0.5, [[_unit("KR-A", 0.5, 12, (20, 0)), _unit("JP-C", 0.4, 10, (0, -20))]] * 4),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_multi_period_at_least_incremental(name):
    east_kn, srus = CASES[name]
    ds = static_normal_drift(4 * NM, 3000, seed=11, hours=8, east_ms=east_kn * KN)
    clouds = [period_cloud(ds, T0 + 2 * k * 3600, T0 + 2 * (k + 1) * 3600) for k in range(4)]
    mp = plan_periods(clouds, srus, seed=0)
    w = clouds[0].weight
    surv = np.prod([1.0 - p.pod_per_particle for p in mp.plans], axis=0)
    print(f"{name}: cumulative {mp.cumulative_pos[-1]:.4f} vs incremental {mp.incremental_cumulative_pos[-1]:.4f}; "
          f"per period {[round(a, 4) for a in mp.added_pos]}; re-plans kept {mp.passes_kept}")
    assert mp.cumulative_pos[-1] == pytest.approx(float(np.sum(w * (1.0 - surv))), rel=1e-12)
    assert mp.cumulative_pos[-1] >= mp.incremental_cumulative_pos[-1] - 1e-12
    assert all(b >= a for a, b in zip(mp.cumulative_pos, mp.cumulative_pos[1:]))
    assert sum(mp.added_pos) == pytest.approx(mp.cumulative_pos[-1])
    assert 0.0 < mp.cumulative_pos[-1] < 1.0 and not math.isnan(mp.cumulative_pos[-1])
