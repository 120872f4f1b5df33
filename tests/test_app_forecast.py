"""The forecast use case of the shared service (issue 11): after a period, the Bayesian update uses the
tracks the units reported; the next period is planned on the updated probability."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarex.app.forecast import ForecastRequest, forecast_periods
from sarex.exercise.run import scenario_catalogue
from sarex.exercise.scenario import ParticipantScenario, load_scenario
from sarex.geo import NM_M
from sarex.io.track import Track
from sarex.planning.sru import unit_sweep_width_nm
from sarex.times import to_epoch_s
from search_synthetic import PROJ, drift_dataset


def _case() -> ParticipantScenario:
    """The built-in scenario as a real case: the same file without its [truth]."""
    return load_scenario("korea-japan").participant_view()


def _width_nm(sc, unit: str) -> float:
    """The unit's sweep width from the IAMSAR tables for the scenario's conditions (tested in test_sweepwidth)."""
    u = next(x for x in scenario_catalogue(sc).units if x.id == unit)
    c = sc.conditions
    return unit_sweep_width_nm(u, "PIW-1", c.visibility_nm, c.weather_factor_for(sc.reported.object_class), c.fatigue)


def test_reported_track_lowers_the_mass_under_it_by_one_minus_pod():
    """Hand-checked: particles that do not move, half under the middle of a 40 NM straight track a unit
    reported, half 60 NM away. For random search (Koopman/Stone, exponential model with the effort spread
    normally with sigma = W) a long straight pass right over a particle gives exposure W·φ_W(0) = 1/√(2π)
    per pass, so POD = 1 − exp(−1/√(2π)) = 0.3290 whatever W is; the far half is not exposed. The mass
    under the track drops by (1 − POD) relative to the far half, and by (1 − POD)/(1 − POS) absolutely."""
    sc = _case()
    n = 200
    t = np.array([sc.reported.time, sc.end_time_s])
    x = np.where(np.arange(n) < n // 2, 0.0, 60 * NM_M)
    y = np.zeros(n)
    ds = drift_dataset(np.c_[x, x], np.c_[y, y], t)
    ds.attrs["object_class"] = "PIW-1"
    # the unit steams north along x = 0 from y = -20 NM to +20 NM at 12 kn during period 1
    t0 = to_epoch_s("2026-02-11T01:00:00Z")
    ys = np.linspace(-20 * NM_M, 20 * NM_M, 41)
    lon, lat = PROJ.inverse(np.zeros_like(ys), ys)
    track = Track(lon, lat, t0 + (ys - ys[0]) / (12 * NM_M / 3600.0), "ROK-DDH-1")
    res = forecast_periods(ForecastRequest(scenario=sc, drift=ds, done_through=len(sc.periods), reported={1: (track,)}, coast=False))

    p1 = res.periods[0]
    assert p1.source == "reported" and p1.plan is None and p1.searched_units == ["ROK-DDH-1"]
    pod = 1.0 - math.exp(-1.0 / math.sqrt(2.0 * math.pi))  # 0.32903
    w = _width_nm(sc, "ROK-DDH-1")
    assert 0.2 < w < 2.0  # the track's ends are > 10 W away: the finite track is an infinite pass to 1e-6
    before, after = ds["weight"].values, p1.drift_after["weight"].values
    near, far = slice(0, n // 2), slice(n // 2, n)
    assert after[near].sum() / after[far].sum() == pytest.approx((1 - pod) * before[near].sum() / before[far].sum(), rel=1e-4)
    pos = 0.5 * pod
    assert p1.pos == pytest.approx(pos, rel=1e-4)
    assert after[near].sum() == pytest.approx(0.5 * (1 - pod) / (1 - pos), rel=1e-4)
    # periods with no reports leave the picture as it is
    assert [p.pos for p in res.periods[1:]] == [0.0] * (len(res.periods) - 1)
    assert np.array_equal(res.periods[-1].drift_after["weight"].values, after)


def test_reports_of_unknown_units_or_single_fixes_are_left_out_with_a_warning():
    sc = _case()
    t = np.array([sc.reported.time, sc.end_time_s])
    ds = drift_dataset(np.zeros((10, 2)), np.zeros((10, 2)), t)
    ds.attrs["object_class"] = "PIW-1"
    t0 = to_epoch_s("2026-02-11T01:00:00Z")
    one = Track(np.array([129.5]), np.array([34.5]), np.array([t0]), "ROK-PKG-1")
    ghost = Track(np.array([129.5, 129.6]), np.array([34.5, 34.5]), np.array([t0, t0 + 600]), "NOT-A-UNIT")
    res = forecast_periods(ForecastRequest(scenario=sc, drift=ds, done_through=1, reported={1: (one, ghost)}, coast=False,
                                           unavailable=tuple(u.id for u in scenario_catalogue(sc).units)))
    assert res.periods[0].pos == 0.0 and res.periods[0].searched_units == []
    assert any("NOT-A-UNIT" in w for w in res.warnings) and any("ROK-PKG-1" in w for w in res.warnings)
    # every unit out of action: the later periods are planned with nobody
    assert all(p.plan is not None and not p.plan.assignments for p in res.periods[1:])
    assert all(set(p.plan.unassigned) == {u.id for u in scenario_catalogue(sc).units} for p in res.periods[1:])
