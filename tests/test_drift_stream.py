"""The drift file written as the run goes: same contents as the in-memory dataset, readable meanwhile, atomic."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sarex.cli import app
from sarex.drift import simulate
from sarex.environment.synthetic import korea_strait_environment
from sarex.io.driftfile import open_drift, read_drift
from sarex.io.driftstream import StreamSink, combine_drift_parts

START = "2026-01-15T06:00Z"
RUN = dict(lon=129.6, lat=34.9, start=START, radius_m=2000.0, hours=3.0, particles=300, seed_value=4)


@pytest.fixture(scope="module")
def env():
    return korea_strait_environment(START, days=1)


def test_streamed_file_equals_the_in_memory_dataset(env, tmp_path):
    # coast on (some particles strand), jibing on: every variable and attribute must come back as built in memory
    mem = simulate(env, "LIFE-RAFT-NB-2", **RUN)
    path = tmp_path / "d.nc"
    with StreamSink(path) as sink:
        assert simulate(env, "LIFE-RAFT-NB-2", **RUN, sink=sink) is None
    back = read_drift(path)
    xr.testing.assert_identical(back, mem)
    assert back["lon"].dtype == np.float64 and back["status"].dtype == np.int8
    # the lazily opened file reads the same values
    lazy = open_drift(path)
    np.testing.assert_array_equal(lazy["lat"][:, -1].values, mem["lat"].values[:, -1])


def test_capsizing_variable_streamed_too(env, tmp_path):
    kw = {**RUN, "particles": 50, "capsize": True}
    mem = simulate(env, "LIFE-RAFT-NB-2", **kw)
    with StreamSink(tmp_path / "c.nc") as sink:
        simulate(env, "LIFE-RAFT-NB-2", **kw, sink=sink)
    xr.testing.assert_identical(read_drift(tmp_path / "c.nc"), mem)


def test_file_is_readable_while_the_run_goes(env, tmp_path):
    path = tmp_path / "live.nc"
    seen = []
    code = "import sys, netCDF4; d = netCDF4.Dataset(sys.argv[1]); print(d.dimensions['time'].size, d['lon'].shape[0])"

    def peek(step, n_steps):
        if step in (6, 12):  # after the first and the second hourly output (10-min steps)
            r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
            seen.append(r.stdout.split() if r.returncode == 0 else r.stderr[-200:])

    with StreamSink(path) as sink:
        simulate(env, "LIFE-RAFT-NB-2", **RUN, sink=sink, progress=peek)
    # another process sees 2 then 3 output times (the start and each hour so far), for all particles
    assert seen == [["2", "300"], ["3", "300"]]


def test_atomic_sink_leaves_no_file_and_keeps_an_earlier_one(env, tmp_path):
    target = tmp_path / "d.nc"
    target.write_bytes(b"earlier result")

    def boom(step, n_steps):
        if step == 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with StreamSink(target, atomic=True) as sink:
            simulate(env, "LIFE-RAFT-NB-2", **RUN, sink=sink, progress=boom)
    assert target.read_bytes() == b"earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.nc"]  # no temporary left behind
    with StreamSink(target, atomic=True) as sink:
        simulate(env, "LIFE-RAFT-NB-2", **RUN, sink=sink)
    assert read_drift(target).sizes == {"trajectory": 300, "time": 4}


def test_interrupted_cli_drift_leaves_earlier_file(synth_nc, tmp_path, monkeypatch):
    out = tmp_path / "drift.nc"
    args = ["drift", "--lon", "129.6", "--lat", "34.9", "--start", START, "--hours", "3", "--particles", "100", "--env", synth_nc, "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    before = out.read_bytes()
    import sarex.io.driftstream as stream

    def fail(self, *a, **k):
        raise MemoryError("simulated failure half-way")

    monkeypatch.setattr(stream.StreamSink, "finish", fail)
    r = CliRunner().invoke(app, args + ["--seed", "5"])
    assert r.exit_code != 0
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sarex-manifest.json", "drift.nc"]


def test_combined_parts_are_the_parts_side_by_side(env, tmp_path):
    a = simulate(env, "LIFE-RAFT-NB-2", **{**RUN, "particles": 30, "seed_value": 1})
    b = simulate(env, "LIFE-RAFT-NB-2", **{**RUN, "particles": 10, "seed_value": 2})
    paths = []
    for name, ds in (("a.nc", a), ("b.nc", b)):
        with StreamSink(tmp_path / name) as sink:
            simulate(env, "LIFE-RAFT-NB-2", **{**RUN, "particles": ds.sizes["trajectory"], "seed_value": int(ds.attrs["seed"])}, sink=sink)
        paths.append(tmp_path / name)
    out = combine_drift_parts(paths, tmp_path / "ab.nc", {"note": "x"})
    ab = read_drift(out)
    assert ab.sizes == {"trajectory": 40, "time": 4}
    np.testing.assert_array_equal(ab["lon"].values, np.concatenate([a["lon"].values, b["lon"].values]))
    np.testing.assert_array_equal(ab["status"].values, np.concatenate([a["status"].values, b["status"].values]))
    np.testing.assert_array_equal(ab["release_time"].values, np.concatenate([a["release_time"].values, b["release_time"].values]))
    # each particle weighs 1/40 (part weights 1/30 and 1/10 scaled by the parts' shares 30/40 and 10/40)
    np.testing.assert_allclose(ab["weight"].values, 1.0 / 40, rtol=1e-15)
    assert ab.attrs["stranded_count"] == a.attrs["stranded_count"] + b.attrs["stranded_count"]
    assert ab.attrs["note"] == "x" and ab.attrs["seed"] == 1


def test_streamed_continuation_equals_the_in_memory_one(env, tmp_path):
    from sarex.drift.continuation import continue_drift
    from sarex.io.driftfile import write_drift

    first = simulate(env, "LIFE-RAFT-NB-2", **{**RUN, "hours": 2.0})
    first["weight"] = first["weight"] * np.linspace(0.5, 1.5, first.sizes["trajectory"])  # as after a search: weights kept
    write_drift(first, tmp_path / "first.nc")
    mem = continue_drift(env, read_drift(tmp_path / "first.nc"), 1.5)
    with StreamSink(tmp_path / "cont.nc") as sink:
        continue_drift(env, open_drift(tmp_path / "first.nc"), 1.5, sink=sink)
    back = read_drift(tmp_path / "cont.nc")
    xr.testing.assert_identical(back, mem)
    assert back.sizes["time"] == 3 + 2  # 0, 1, 2 h then 3, 3.5 h
    np.testing.assert_array_equal(back["weight"].values, first["weight"].values)
