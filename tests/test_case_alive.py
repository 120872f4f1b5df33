"""Maps and POS for persons alive: weight × survival probability, against a hand-checked survival curve."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
from typer.testing import CliRunner

from case_data import POINT_AREA
from sarex.cli import app
from sarex.drift.case import CaseDriftConfig, drift_case, parse_case
from sarex.environment.synthetic import korea_strait_environment
from sarex.io.driftfile import write_drift
from sarex.search.grid import ProbabilityGrid
from sarex.times import to_epoch_s

# scenario 0: PIW 0.6 (decays) and raft 0.4 (does not) of weight 0.7; scenario 1: PIW, no survival model
TEXT = POINT_AREA.replace("radius_m = 1852", "radius_m = 1852\nsurvival = {median_h = 3.0, weibull_shape = 2.0}")


def _s(hours: float) -> float:
    """Weibull survival, median 3 h, shape 2, by hand: S = exp(−ln 2 · (t/3)²)."""
    return math.exp(-math.log(2.0) * (hours / 3.0) ** 2)


@pytest.fixture(scope="module")
def drift():
    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    return drift_case(env, parse_case(tomllib.loads(TEXT), "t"), CaseDriftConfig(hours=6, particles=3000, seed=5, coast=False))


@pytest.mark.parametrize("hours", [0.0, 2.0, 3.0, 5.0])
def test_alive_map_is_weight_times_survival(drift, hours):
    t = to_epoch_s("2026-01-15T03:00Z") + hours * 3600.0
    g = dict(cell_nm=0.5, extent_nm=30.0, centre=(129.85, 34.95))
    alive = ProbabilityGrid.from_drift(drift, t, alive=True, **g)
    want_total = 0.7 * (0.4 + 0.6 * _s(hours)) + 0.3
    total = alive.probability.sum() + alive.outside_weight + alive.stranded_weight.sum() + alive.left_weight + alive.unreleased_weight
    assert total == pytest.approx(want_total, abs=1e-9)
    # cell by cell: S(t) × (map of the decaying persons) + (map of everyone else)
    piw0 = (drift["scenario"].values == 0) & (drift["object"].values == __import__("json").loads(drift["object"].attrs["object_keys"]).index("PIW-1"))
    dec, rest = drift.copy(), drift.copy()
    w = drift["weight"].values
    dec["weight"] = (("trajectory",), np.where(piw0, w, 0.0))
    rest["weight"] = (("trajectory",), np.where(piw0, 0.0, w))
    p_dec = ProbabilityGrid.from_drift(dec, t, **g).probability * 0.42  # its share of the total weight
    p_rest = ProbabilityGrid.from_drift(rest, t, **g).probability * 0.58
    np.testing.assert_allclose(alive.probability, _s(hours) * p_dec + p_rest, rtol=0, atol=1e-12)
    plain = ProbabilityGrid.from_drift(drift, t, **g)
    assert plain.probability.sum() == pytest.approx(1.0 - plain.outside_weight, abs=1e-12)


def test_probability_cli_alive_and_without_survival(tmp_path, drift):
    f = tmp_path / "drift.nc"
    write_drift(drift, f)
    out = tmp_path / "alive.nc"
    r = CliRunner().invoke(app, ["probability", str(f), "--time", "2026-01-15T06:00Z", "--out", str(out), "--alive"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    import xarray as xr

    with xr.open_dataset(out) as g:
        p = float(g[list(g.data_vars)[0]].sum()) if "probability" not in g else float(g["probability"].sum())
    assert p == pytest.approx(0.7 * (0.4 + 0.6 * _s(3.0)) + 0.3, abs=1e-6)
    plain = drift.drop_vars("alive")
    f2 = tmp_path / "plain.nc"
    write_drift(plain, f2)
    out2 = tmp_path / "x.nc"
    r = CliRunner().invoke(app, ["probability", str(f2), "--time", "2026-01-15T06:00Z", "--out", str(out2), "--alive"])
    assert r.exit_code == 2 and "no survival model" in r.output and len(r.output.strip().splitlines()) == 1
    assert not out2.exists()


def test_plan_pos_of_survivors(tmp_path, drift):
    import json

    from planning_fixtures import UNITS_TOML
    from sarex.drift.case.classes import alive_at

    f = tmp_path / "drift.nc"
    write_drift(drift, f)
    units = tmp_path / "units.toml"
    units.write_text(UNITS_TOML)
    out = tmp_path / "plan"
    r = CliRunner().invoke(app, ["plan", str(f), "--units", str(units), "--start", "2026-01-15T05:00Z", "--hours", "2", "--out", str(out),
                                 "--no-coast"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    plan = json.loads((out / "plan.json").read_text())
    from sarex.app import FolderTarget, build
    from sarex.app.plan import PlanRequest, plan as run_plan

    req = build(PlanRequest, drift_file=f, units=units, start="2026-01-15T05:00Z", hours=2, coast=False)
    res = run_plan(req, FolderTarget(tmp_path / "plan2"))
    # mid-period 06:00Z is 3 h after distress: the decaying persons are alive with S(3 h) = 1/2 exactly
    a = alive_at(drift, to_epoch_s("2026-01-15T06:00Z"))
    piw0 = (drift["scenario"].values == 0) & (drift["object"].values == 0)
    np.testing.assert_allclose(a, np.where(piw0, 0.5, 1.0), rtol=0, atol=1e-12)
    hand = float(np.sum(res.cloud.weight * np.where(piw0, 0.5, 1.0) * res.plan.pod_per_particle))
    assert res.plan.pos_alive == pytest.approx(hand, abs=1e-12) and plan["pos_alive"] == pytest.approx(hand, abs=1e-12)
    assert 0.0 < plan["pos_alive"] < plan["pos_planner"]
    assert "pos_alive" in plan["definitions"]
