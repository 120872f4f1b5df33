"""Continuing the drift of a case: the same particles, state changes and survival as one uninterrupted run."""

from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest

from test_case_drift import CHAIN
from sarex.drift.case import CaseDriftConfig, drift_case, parse_case
from sarex.drift.continuation import continue_drift
from sarex.drift import simulate
from sarex.drift.case.build import build_ensemble
from sarex.drift.case.run import earliest_time_s
from sarex.drift.seeding import Release
from sarex.environment.synthetic import korea_strait_environment
from sarex.io.driftfile import read_drift
from sarex.io.driftstream import StreamSink

# two scenarios (one with the vessel -> raft/PIW chain and survival, the raft swamping and
# righting again, so that a particle changes many times), two object mixtures
TWO = CHAIN.replace('class = "LIFE-RAFT-DB-10"\n', 'class = "LIFE-RAFT-DB-10"\nsojourn_min_h = 0.5\nsojourn_max_h = 1.5\nnext = [{state = "raft", weight = 1.0}]\n').replace(
    "sojourn_mean_h = 4.0", "sojourn_mean_h = 1.0").replace("weight = 1.0\ntype = \"point\"", "weight = 0.6\ntype = \"point\"").replace(
    'objects = [{class = "FISHING-VESSEL-1", weight = 1.0}]',
    'objects = [{class = "FISHING-VESSEL-1", weight = 1.0}]\nsurvival = {median_h = 3.0, weibull_shape = 1.5}') + """
[[scenario]]
name = "Raft seen"
weight = 0.4
type = "area"
polygon = [[129.90, 34.90], [130.10, 34.90], [130.10, 35.10], [129.90, 35.10]]
time = "2026-01-15T04:00:00Z"
end_time = "2026-01-15T06:30:00Z"
objects = [{class = "PIW-1", weight = 0.5}, {class = "LIFE-RAFT-NB-2", weight = 0.5}]
"""


@pytest.fixture(scope="module")
def env():
    return korea_strait_environment("2026-01-15T00:00Z", days=2)


def test_continued_case_equals_one_run(env):
    case = parse_case(tomllib.loads(TWO), "t")
    kw = dict(particles=3000, seed=9, coast=False, jibe_probability_per_hour=0.3)
    whole = drift_case(env, case, CaseDriftConfig(hours=9, **kw))
    first = drift_case(env, case, CaseDriftConfig(hours=4, **kw))
    # state changes happen in both parts (sinking 1-3 h after 03:00, the raft swamps after Exp(4 h))
    names = [n.split("/")[1] for n in json.loads(whole["state"].attrs["state_names"])]
    st = whole["state"].values
    changed_late = np.any(st[:, 4:] != st[:, 4:5], axis=1)
    assert changed_late.sum() > 100 and (st[:, -1] == names.index("swamped")).sum() > 100
    assert (np.diff(st, axis=1) != 0).sum(axis=1).max() >= 4
    cont = continue_drift(env, first, 5.0, coast=False)
    assert cont.sizes["time"] == whole.sizes["time"]
    for v in ("lon", "lat", "status", "orientation", "state", "alive", "weight", "scenario", "object", "release_time"):
        np.testing.assert_array_equal(cont[v].values, whole[v].values, err_msg=v)
    np.testing.assert_array_equal(cont["time"].values, whole["time"].values)
    # the Leeway coefficients at the end are those of each particle's final class
    for v in ("downwind_eps", "downwind_slope", "downwind_offset"):
        np.testing.assert_array_equal(cont[v].values, whole[v].values, err_msg=v)
    assert np.any(first["downwind_slope"].values != whole["downwind_slope"].values)
    assert cont.attrs["case"] == whole.attrs["case"] and "continuations" in cont.attrs


def test_class_changes_reach_a_streamed_file(env, tmp_path):
    """The per-particle Leeway coefficients are written when the file is created; class changes
    during the run change them, so the sink writes them again at the end (and only then)."""
    case = parse_case(tomllib.loads(TWO), "t")
    t0 = math.floor(earliest_time_s(case) / 600.0 + 1e-9) * 600.0
    runs = {}
    for name in ("memory", "stream"):
        ce = build_ensemble(case, 2000, 9, t0 + 9 * 3600.0, 600.0, None, "case")
        ce.ensemble.step_offset = int(round(t0 / 600.0))
        rel = Release(float(ce.ensemble.lon[0]), float(ce.ensemble.lat[0]), t0)
        kw = dict(hours=9, seed_value=9, coast=False, ensemble=ce.ensemble)
        if name == "memory":
            runs[name] = simulate(env, None, rel, **kw)
            continue
        with StreamSink(tmp_path / "s.nc") as sink:
            simulate(env, None, rel, sink=sink, **kw)
        runs[name] = read_drift(tmp_path / "s.nc")
    before = build_ensemble(case, 2000, 9, t0 + 9 * 3600.0, 600.0, None, "case").ensemble
    assert np.any(runs["memory"]["downwind_slope"].values != before.arrays().dw_slope)  # classes changed during the run
    for v in ("downwind_eps", "downwind_slope", "downwind_offset", "lon", "lat", "status"):
        np.testing.assert_array_equal(runs["stream"][v].values, runs["memory"][v].values, err_msg=v)


def test_continued_twice_and_after_a_search(env):
    from sarex.search.bayes import bayes_update

    case = parse_case(tomllib.loads(TWO), "t")
    kw = dict(particles=800, seed=2, coast=False)
    whole = drift_case(env, case, CaseDriftConfig(hours=8, **kw))
    part = drift_case(env, case, CaseDriftConfig(hours=3, **kw))
    pod = np.where(part["scenario"].values == 1, 0.4, 0.1)
    up = bayes_update(part["weight"].values, pod)
    part["weight"] = (("trajectory",), up.weight)
    part = continue_drift(env, continue_drift(env, part, 2.0, coast=False), 3.0, coast=False)
    for v in ("lon", "lat", "status", "state", "alive"):
        np.testing.assert_array_equal(part[v].values, whole[v].values, err_msg=v)
    np.testing.assert_array_equal(part["weight"].values, up.weight)  # the search's weights are kept


def test_drift_continue_cli_on_a_case_file(tmp_path):
    from typer.testing import CliRunner

    from sarex.cli import app
    from sarex.io.driftfile import read_drift
    from test_case_drift import CHAIN as ONE

    case = tmp_path / "case.toml"
    case.write_text(ONE)
    run = CliRunner()
    # Without the forcing error: its OU state is not stored in the file, so a continuation restarts it
    # (sarex.drift.continuation) and only the error-free chain can be bit-identical to one run.
    args = ["--synthetic", "--no-coast", "--particles", "400", "--seed", "3", "--forcing-error", "none"]
    whole, first, cont = tmp_path / "whole.nc", tmp_path / "first.nc", tmp_path / "cont.nc"
    for out, h in ((whole, "6"), (first, "3")):
        r = run.invoke(app, ["drift", "--case", str(case), "--hours", h, *args, "--out", str(out)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    r = run.invoke(app, ["drift-continue", str(first), "--hours", "3", "--synthetic", "--no-coast", "--out", str(cont)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    a, b = read_drift(cont), read_drift(whole)
    for v in ("lon", "lat", "status", "state"):
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
