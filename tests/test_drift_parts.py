"""A drift split into parts: the same file in one process and on Dask workers, whatever their number."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sarex.app._validate import build
from sarex.app.drift import DriftRequest, EnvironmentChoice
from sarex.app.driftparts import write_drift_file
from sarex.drift import simulate
from sarex.drift.parts import plan_parts
from sarex.errors import SarexInputError
from sarex.io.driftfile import read_drift
from sarex.io.driftstream import StreamSink
from sarex.search.grid import ProbabilityGrid

START = "2026-01-15T06:00Z"


def _req(particles: int, **kw) -> DriftRequest:
    return build(DriftRequest, lon=129.6, lat=34.9, start=START, hours=3.0, object_class="LIFE-RAFT-NB-2", radius_m=3000.0,
                 environment=EnvironmentChoice(synthetic=True), particles=particles, seed=11, **kw)


def test_parts_cover_every_particle_once_with_their_own_seeds():
    parts = plan_parts(2_500_001, 7, 1_000_000)
    assert [p.particles for p in parts] == [1_000_000, 1_000_000, 500_001]
    assert [p.offset for p in parts] == [0, 1_000_000, 2_000_000]
    assert parts[0].seed == 7  # part 0 is the unsplit drift of the user's seed
    assert len({p.seed for p in parts}) == 3 and all(0 <= p.seed < 2**63 for p in parts)
    assert plan_parts(2_500_001, 7, 1_000_000) == parts  # a function of (seed, k) only
    assert plan_parts(10, 8, 4)[1].seed != parts[1].seed
    with pytest.raises(SarexInputError, match="--part-particles: 0 must be > 0"):
        plan_parts(10, 7, 0)


def test_a_drift_of_one_part_is_the_unsplit_drift(tmp_path):
    req = _req(200)
    env = req.environment.open(START, 3.0)
    write_drift_file(req, tmp_path / "one.nc", env)
    mem = simulate(env, "LIFE-RAFT-NB-2", lon=129.6, lat=34.9, start=START, radius_m=3000.0, hours=3.0, particles=200, seed_value=11)
    xr.testing.assert_identical(read_drift(tmp_path / "one.nc"), mem)


def test_parts_in_turn_are_the_parts_drifted_alone(tmp_path):
    req = _req(250, part_particles=100)
    env = req.environment.open(START, 3.0)
    write_drift_file(req, tmp_path / "all.nc", env)
    ds = read_drift(tmp_path / "all.nc")
    assert ds.sizes["trajectory"] == 250
    np.testing.assert_allclose(ds["weight"].values.sum(), 1.0, rtol=1e-14)
    for p in plan_parts(250, 11, 100):  # part k is the drift of its own seed, at its offset
        with StreamSink(tmp_path / f"p{p.index}.nc") as sink:
            simulate(env, "LIFE-RAFT-NB-2", lon=129.6, lat=34.9, start=START, radius_m=3000.0, hours=3.0, particles=p.particles,
                     seed_value=p.seed, sink=sink)
        alone = read_drift(tmp_path / f"p{p.index}.nc")
        np.testing.assert_array_equal(ds["lon"].values[p.offset:p.offset + p.particles], alone["lon"].values)
        np.testing.assert_array_equal(ds["orientation"].values[p.offset:p.offset + p.particles], alone["orientation"].values)
    # different seeds per part: the parts are not copies of each other
    assert not np.array_equal(ds["lon"].values[:100, -1], ds["lon"].values[100:200, -1])


@pytest.mark.slow
def test_four_dask_workers_give_the_single_process_map(tmp_path):
    req = _req(1200, part_particles=300)
    env = req.environment.open(START, 3.0)
    write_drift_file(req, tmp_path / "serial.nc", env)
    dask_req = _req(1200, part_particles=300, workers=4)
    write_drift_file(dask_req, tmp_path / "dask.nc", env)
    a, b = read_drift(tmp_path / "serial.nc"), read_drift(tmp_path / "dask.nc")
    xr.testing.assert_identical(a, b)
    ga = ProbabilityGrid.from_drift(a, "2026-01-15T08:30Z", cell_nm=0.5)
    gb = ProbabilityGrid.from_drift(b, "2026-01-15T08:30Z", cell_nm=0.5)
    assert ga.probability.shape == gb.probability.shape and ga.probability.sum() > 0.5
    assert np.max(np.abs(ga.probability - gb.probability)) <= 1e-12


def test_wind_members_each_drift_the_same_particles(tmp_path):
    from sarex.environment import open_environment
    from sarex.environment.synthetic import korea_strait_dataset

    base = korea_strait_dataset("2026-01-15T00:00Z", days=1)
    full = tmp_path / "full.nc"
    base.to_netcdf(full)
    stronger = base[["x_wind", "y_wind"]] * 1.5  # the second member: 50 % more wind
    stronger.to_netcdf(tmp_path / "wind1.nc")
    members = (full, tmp_path / "wind1.nc")
    req = build(DriftRequest, lon=129.6, lat=34.9, start=START, hours=3.0, object_class="LIFE-RAFT-NB-2", radius_m=3000.0,
                environment=EnvironmentChoice(env=full, wind=(full,)), particles=60, seed=11, part_particles=40, wind_members=members)
    write_drift_file(req, tmp_path / "ens.nc", req.environment.open(START, 3.0))
    ds = read_drift(tmp_path / "ens.nc")
    assert ds.sizes["trajectory"] == 120
    np.testing.assert_array_equal(ds["wind_member"].values, [0] * 60 + [1] * 60)
    np.testing.assert_allclose(ds["weight"].values, 1.0 / 120, rtol=1e-15)
    # each member's particles are the unsplit-seed parts drifted in that member's wind: the first 40 the plain run of seed 11
    for m, wind in enumerate(members):
        env = open_environment(full, [wind], None)
        one = simulate(env, "LIFE-RAFT-NB-2", lon=129.6, lat=34.9, start=START, radius_m=3000.0, hours=3.0, particles=40, seed_value=11)
        np.testing.assert_array_equal(ds["lon"].values[60 * m:60 * m + 40], one["lon"].values)
        np.testing.assert_array_equal(ds["downwind_eps"].values[60 * m:60 * m + 40], one["downwind_eps"].values)
    # same draws, different wind: the members' clouds differ
    assert np.all(ds["lon"].values[:60, -1] != ds["lon"].values[60:, -1])
