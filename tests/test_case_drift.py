"""Drifting a case: mixture weights, exact decomposition into scenarios, state changes, survival."""

from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest

from case_data import POINT_AREA
from sarex.drift.case import CaseDriftConfig, drift_case, parse_case, scenario_table
from sarex.drift.ensemble import Ensemble
from sarex.drift.objects import get_object
from sarex.drift.simulate import simulate
from sarex.environment.synthetic import korea_strait_environment
from sarex.search.bayes import bayes_update
from sarex.search.grid import ProbabilityGrid

T0_S = 1768446000.0  # 2026-01-15T03:00Z


@pytest.fixture(scope="module")
def env():
    return korea_strait_environment("2026-01-15T00:00Z", days=2)


def _case(text: str):
    return parse_case(tomllib.loads(text), "t")


def _two(t_area: str = "2026-01-15T04:00:00Z") -> str:
    return POINT_AREA.replace('time = "2026-01-15T03:00:00Z"\nobjects = [{class = "PIW-1", weight = 1.0}]',
                              f'time = "{t_area}"\nobjects = [{{class = "PIW-1", weight = 1.0}}]')


def _alone(text: str, index: int) -> str:
    blocks = text.split("[[scenario]]")
    body = blocks[index + 1]
    body = "\n".join("weight = 1.0" if ln.startswith("weight =") else ln for ln in body.splitlines())
    return blocks[0] + "[[scenario]]" + body


def test_mixture_weights_in_the_drift_file(env):
    ds = drift_case(env, _case(POINT_AREA), CaseDriftConfig(hours=2, particles=1001, seed=3, coast=False))
    sc, ob, w = ds["scenario"].values, ds["object"].values, ds["weight"].values
    names = json.loads(ds["scenario"].attrs["scenario_names"])
    keys = json.loads(ds["object"].attrs["object_keys"])
    assert names == ["LKP from the skipper", "On the fishing ground"]
    want = {(0, "PIW-1"): 0.7 * 0.6, (0, "LIFE-RAFT-NB-2"): 0.7 * 0.4, (1, "PIW-1"): 0.3}
    for (i, k), v in want.items():
        assert abs(w[(sc == i) & (ob == keys.index(k))].sum() - v) < 1e-12
    assert abs(w[sc == 0].sum() - 0.7) < 1e-12 and abs(w[sc == 1].sum() - 0.3) < 1e-12
    # the drift really uses each class: the raft's downwind slope is the raft's
    raft = get_object("LIFE-RAFT-NB-2").coefficients_si
    sel = ob == keys.index("LIFE-RAFT-NB-2")
    eps = ds["downwind_eps"].values[sel]
    assert np.allclose(ds["downwind_slope"].values[sel], raft[0] + eps / 20.0, rtol=0, atol=1e-15)
    assert ds.sizes["trajectory"] == 1001 and np.bincount(sc).tolist() == [701, 300]


def test_case_map_is_weighted_sum_of_scenarios_alone(env):
    text = _two()
    kw = dict(hours=5, seed=11, coast=False)
    both = drift_case(env, _case(text), CaseDriftConfig(particles=2000, **kw))
    a = drift_case(env, _case(_alone(text, 0)), CaseDriftConfig(particles=1400, **kw))
    b = drift_case(env, _case(_alone(text, 1)), CaseDriftConfig(particles=600, **kw))  # starts an hour later by itself
    assert str(b.time.values[0])[:13] == "2026-01-15T04"
    t = "2026-01-15T07:30:00Z"
    g = dict(cell_nm=0.5, extent_nm=40.0, centre=(129.85, 34.95))
    pb, pa, pbb = (ProbabilityGrid.from_drift(d, t, **g).probability for d in (both, a, b))
    assert np.max(np.abs(pb - (0.7 * pa + 0.3 * pbb))) < 1e-12
    assert pb.sum() > 0.99
    # and particle by particle: the scenario's particles are the ones of its run alone
    sel = both["scenario"].values == 1
    t_end = both.time[-1]
    np.testing.assert_array_equal(both["lon"].sel(time=t_end).values[sel], b["lon"].sel(time=t_end).values)


def test_object_change_is_the_new_class_from_the_change_on(env):
    """An ensemble switched from a raft to a PIW at the start drifts bit for bit as a PIW ensemble."""
    rng = np.random.default_rng(2)
    n = 500
    common = dict(lon=129.6 + 0.01 * rng.standard_normal(n), lat=34.9 + 0.01 * rng.standard_normal(n), time_s=np.full(n, T0_S),
                  z_dw=np.abs(rng.standard_normal(n)), z_cw=rng.standard_normal(n), side=(np.arange(n) % 2).astype(np.int8),
                  rng_id=np.arange(n, dtype=np.int64), weight=np.full(n, 1.0 / n))
    objs = (get_object("LIFE-RAFT-NB-2"), get_object("PIW-1"))
    piw = Ensemble(objects=objs, object_index=np.ones(n, dtype=np.int16), **common)
    switched = Ensemble(objects=objs, object_index=np.zeros(n, dtype=np.int16), event_time_s=np.full(n, T0_S),
                        event_particle=np.arange(n), event_object=np.ones(n, dtype=np.int16), **common)
    raft = Ensemble(objects=objs, object_index=np.zeros(n, dtype=np.int16), **common)
    run = lambda e: simulate(env, None, hours=3, coast=False, ensemble=e)  # noqa: E731
    d_piw, d_sw, d_raft = run(piw), run(switched), run(raft)
    np.testing.assert_array_equal(d_sw["lon"].values, d_piw["lon"].values)
    assert np.abs(d_raft["lon"].values[:, -1] - d_piw["lon"].values[:, -1]).max() > 1e-3


CHAIN = """
[[scenario]]
name = "Sinking"
weight = 1.0
type = "point"
lon = 129.72
lat = 34.86
time = "2026-01-15T03:00:00Z"
radius_m = 500
objects = [{class = "FISHING-VESSEL-1", weight = 1.0}]
[[scenario.state]]
name = "vessel"
class = "FISHING-VESSEL-1"
sojourn_min_h = 1.0
sojourn_max_h = 3.0
next = [{state = "raft", weight = 0.7}, {state = "piw", weight = 0.3}]
[[scenario.state]]
name = "raft"
class = "LIFE-RAFT-NB-2"
sojourn_mean_h = 4.0
next = [{state = "swamped", weight = 1.0}]
[[scenario.state]]
name = "swamped"
class = "LIFE-RAFT-DB-10"
[[scenario.state]]
name = "piw"
class = "PIW-1"
"""


def _chain_closed_form(t_h: float) -> dict[str, float]:
    """State probabilities t_h hours after distress: T1 ~ U(1, 3) h, then raft (0.7) → Exp(4 h) → swamped."""
    F = min(max((t_h - 1.0) / 2.0, 0.0), 1.0)
    if t_h <= 1.0:
        G = 0.0  # P(T1 + E <= t)
    elif t_h <= 3.0:
        G = 0.5 * ((t_h - 1.0) - 4.0 * (1.0 - math.exp(-(t_h - 1.0) / 4.0)))
    else:
        G = 1.0 - 2.0 * (math.exp(-(t_h - 3.0) / 4.0) - math.exp(-(t_h - 1.0) / 4.0))
    return {"vessel": 1 - F, "raft": 0.7 * (F - G), "swamped": 0.7 * G, "piw": 0.3 * F}


def test_state_fractions_match_the_chain(env):
    ds = drift_case(env, _case(CHAIN), CaseDriftConfig(hours=10, particles=20000, seed=4, coast=False))
    names = [n.split("/")[1] for n in json.loads(ds["state"].attrs["state_names"])]
    hours = (ds.time.values - ds.time.values[0]) / np.timedelta64(1, "h")
    st = ds["state"].values
    n = st.shape[0]
    for j, h in enumerate(hours):
        want = _chain_closed_form(float(h))
        for i, name in enumerate(names):
            got = float(np.mean(st[:, j] == i))
            se = math.sqrt(max(want[name] * (1 - want[name]), 1e-12) / n)
            assert abs(got - want[name]) <= 3 * se + 1e-12, (h, name, got, want[name])


def test_alive_weight_follows_the_survival_curve(env):
    text = POINT_AREA.replace("radius_m = 1852", "radius_m = 1852\nsurvival = {water_temp_c = 10.0, weibull_shape = 2.0}")
    ds = drift_case(env, _case(text), CaseDriftConfig(hours=8, particles=1000, seed=1, coast=False))
    alive = (ds["alive"] * ds["weight"]).sum("trajectory").values
    hours = (ds.time.values - ds.time.values[0]) / np.timedelta64(1, "h")
    t50 = (15.0 + 7.2 / (0.0785 - 0.0034 * 10.0)) / 60.0  # Hayward et al. (1975), hours
    s = np.exp(-math.log(2.0) * (hours / t50) ** 2)
    # scenario 0: PIW share 0.6 of 0.7 decays, the raft does not; scenario 1 has no survival model
    np.testing.assert_allclose(alive, 0.7 * (0.4 + 0.6 * s) + 0.3, rtol=0, atol=1e-9)


def test_alive_after_sinking_at_a_fixed_time(env):
    text = CHAIN.replace("sojourn_min_h = 1.0\nsojourn_max_h = 3.0", "sojourn_min_h = 2.0\nsojourn_max_h = 2.0")
    text = text.replace('sojourn_mean_h = 4.0\nnext = [{state = "swamped", weight = 1.0}]', "")
    text = text.replace('[[scenario.state]]\nname = "swamped"\nclass = "LIFE-RAFT-DB-10"\n', "")
    text = text.replace('objects = [{class = "FISHING-VESSEL-1", weight = 1.0}]', 'objects = [{class = "FISHING-VESSEL-1", weight = 1.0}]\nsurvival = {median_h = 3.0, weibull_shape = 1.5}')
    ds = drift_case(env, _case(text), CaseDriftConfig(hours=8, particles=4000, seed=2, coast=False))
    names = [n.split("/")[1] for n in json.loads(ds["state"].attrs["state_names"])]
    hours = (ds.time.values - ds.time.values[0]) / np.timedelta64(1, "h")
    w = ds["weight"].values
    alive = (ds["alive"] * ds["weight"]).sum("trajectory").values
    piw = float(w[ds["state"].values[:, -1] == names.index("piw")].sum())
    assert abs(piw - 0.3) < 3 * math.sqrt(0.21 / 4000)
    s = np.exp(-math.log(2.0) * (np.maximum(hours - 2.0, 0.0) / 3.0) ** 1.5)
    np.testing.assert_allclose(alive, 1.0 - piw * (1.0 - s), rtol=0, atol=1e-9)


def test_pos_per_scenario(env):
    ds = drift_case(env, _case(POINT_AREA), CaseDriftConfig(hours=2, particles=1000, seed=3, coast=False))
    pod = np.where(ds["scenario"].values == 0, 0.5, 0.0)  # a search that only covers scenario 0, POD 0.5
    up = bayes_update(ds["weight"].values, pod)
    ds["prior_weight"] = (("trajectory",), ds["weight"].values.copy())
    ds["weight"] = (("trajectory",), up.weight)
    ds["survival"] = (("trajectory",), up.survival)
    rows = {r["scenario"]: r for r in scenario_table(ds)}
    assert rows["LKP from the skipper"]["pos"] == pytest.approx(0.35, abs=1e-12)
    assert rows["On the fishing ground"]["pos"] == 0.0
    assert rows["LKP from the skipper"]["posterior"] == pytest.approx(0.35 / 0.65, abs=1e-12)


def test_one_class_ensemble_drifts_as_plain_simulate(env):
    """The mixture path with one class and the same draws is the single-class path (to rounding of ε = z·S)."""
    from sarex.drift.seeding import Release

    n = 400
    plain = simulate(env, "LIFE-RAFT-NB-2", Release.point(129.6, 34.9, "2026-01-15T03:00Z", 1000.0), hours=4, particles=n, seed_value=5, coast=False)
    obj = get_object("LIFE-RAFT-NB-2")
    s_dw = obj.coefficients_si[2]
    e = Ensemble(lon=plain["lon"].values[:, 0], lat=plain["lat"].values[:, 0], time_s=np.full(n, T0_S), objects=(obj,),
                 object_index=np.zeros(n, dtype=np.int16), z_dw=plain["downwind_eps"].values / s_dw, z_cw=plain["crosswind_z"].values,
                 side=(np.arange(n) % 2).astype(np.int8), rng_id=np.arange(n, dtype=np.int64), weight=np.full(n, 1.0 / n))
    mixed = simulate(env, None, Release.point(129.6, 34.9, "2026-01-15T03:00Z"), hours=4, seed_value=5, coast=False, ensemble=e)
    assert np.abs(mixed["lon"].values - plain["lon"].values).max() < 1e-9
    assert np.abs(mixed["lat"].values - plain["lat"].values).max() < 1e-9
    np.testing.assert_array_equal(mixed["orientation"].values, plain["orientation"].values)
