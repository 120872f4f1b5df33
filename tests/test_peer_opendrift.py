"""Agreement of sarex's Leeway drift with OpenDrift's Leeway model (issue 3 bar).

Same forcing file (the synthetic Korea Strait environment written as CF-NetCDF,
read by both models through its CF standard names), same object class, same
release (LKP 129.2 E 34.6 N, Gaussian radius 1000 m = standard deviation per axis
in both models), start 06:00 on the file's first day, 24 h in 10-min forward Euler
steps, no coastline, 20 000 particles each, jibing at the default 4 %/h in both.

Compared at the end of the run: the distance between the two clouds' centroids
(< 1 km) and the relative difference of their lon and lat standard deviations
(< 10 %). Sampling noise with 20 000 particles is about 0.1 km for the centroid
and 0.5 % for the spreads, so the tolerances catch any real difference in the
model (a leeway coefficient in the wrong unit, a wrong wind direction convention,
a missing ε term...), while the test also checks both clouds really moved.

Conventions that differ but cancel for these classes (OpenDrift's
``opendrift/models/leeway.py``):

* OpenDrift's crosswind leeway with positive coefficient moves the object to the
  *left* of downwind (velocity ``east = dw·sin θ − cw·cos θ``), sarex's to the
  right (Allen 2005); for classes whose left coefficients are the negatives of
  the right ones this only swaps the side labels.
* On a jibe OpenDrift negates the crosswind slope but keeps the offset and ε;
  sarex switches to the other side's coefficients. For PIW-1 and FISHING-VESSEL-1
  the offsets are 0 and both are identical; for LIFE-RAFT-NB-2 (offset ±1.04 cm/s)
  the jibed particles differ by ±2.08 cm/s crosswind with opposite signs on the two
  sides, which cancels in the centroid and is far below the spread tolerance.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pyproj
import pytest

pytestmark = [pytest.mark.peer, pytest.mark.slow]
pytest.importorskip("opendrift")

N_PARTICLES = 20_000
LKP_LON, LKP_LAT = 129.2, 34.6
RADIUS_M = 1000.0
HOURS = 24
STEP_S = 600
FILE_START = datetime(2026, 1, 15, 0, 0, tzinfo=timezone.utc)
RUN_START = FILE_START.replace(hour=6)
CLASSES = ["LIFE-RAFT-NB-2", "PIW-1", "FISHING-VESSEL-1"]

_GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def env_file(tmp_path_factory):
    from sarex.environment.synthetic import korea_strait_dataset

    path = tmp_path_factory.mktemp("peer") / "env.nc"
    ds = korea_strait_dataset(FILE_START, days=2)
    ds.to_netcdf(path)
    ds.close()
    return path


def run_opendrift(env_path, key: str, n: int, seed: int = 20260115):
    """Final lon, lat of an OpenDrift Leeway run of the comparison case."""
    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_constant, reader_netCDF_CF_generic

    o = Leeway(loglevel=50)
    reader = reader_netCDF_CF_generic.Reader(str(env_path))
    # OpenDrift must find the forcing through the CF standard names sarex writes.
    for name in ("eastward_wind", "northward_wind", "eastward_sea_water_velocity", "northward_sea_water_velocity"):
        assert name in reader.variables, f"OpenDrift does not see {name} in {reader.variables}"
    # Coast off: no GSHHG land mask, land_binary_mask = 0 everywhere.
    o.set_config("general:use_auto_landmask", False)
    o.add_reader([reader, reader_constant.Reader({"land_binary_mask": 0})])
    object_type = next(k for k, p in o.leewayprop.items() if p["OBJKEY"] == key)
    np.random.seed(seed)  # OpenDrift draws from numpy's global generator
    o.seed_elements(
        lon=LKP_LON,
        lat=LKP_LAT,
        radius=RADIUS_M,
        radius_type="gaussian",
        number=n,
        time=RUN_START.replace(tzinfo=None),
        object_type=object_type,
    )
    o.run(duration=timedelta(hours=HOURS), time_step=STEP_S, time_step_output=3600)
    res = o.result
    t_last = res.time.values[-1]
    assert t_last == np.datetime64(RUN_START.replace(tzinfo=None) + timedelta(hours=HOURS)), t_last
    status = res.status.isel(time=-1).values
    assert np.all(status == 0), "OpenDrift deactivated particles: the comparison would be biased"
    return (
        np.asarray(res.lon.isel(time=-1).values, dtype=np.float64),
        np.asarray(res.lat.isel(time=-1).values, dtype=np.float64),
    )


def run_sarex(env_path, key: str, n: int, seed: int = 1):
    """Final lon, lat of the sarex run of the comparison case."""
    from sarex.drift import simulate
    from sarex.environment.cf import open_environment

    env = open_environment(env_path)
    ds = simulate(  # forcing_error=None: OpenDrift has no forcing error, the comparison is of the models
        env,
        key,
        forcing_error=None,
        lon=LKP_LON,
        lat=LKP_LAT,
        start=RUN_START,
        radius_m=RADIUS_M,
        hours=HOURS,
        particles=n,
        seed_value=seed,
        step_s=STEP_S,
        output_s=3600,
        scheme="euler",
        coast=False,
    )
    assert ds.time.values[-1] == np.datetime64(RUN_START.replace(tzinfo=None) + timedelta(hours=HOURS))
    assert np.all(ds.status.isel(time=-1).values == 0)
    return ds.lon.isel(time=-1).values, ds.lat.isel(time=-1).values


@pytest.mark.parametrize("key", CLASSES)
def test_sarex_agrees_with_opendrift(env_file, key):
    s_lon, s_lat = run_sarex(env_file, key, N_PARTICLES)
    o_lon, o_lat = run_opendrift(env_file, key, N_PARTICLES)
    assert s_lon.size == o_lon.size == N_PARTICLES

    s_c = (s_lon.mean(), s_lat.mean())
    o_c = (o_lon.mean(), o_lat.mean())
    _, _, d_centroid_m = _GEOD.inv(s_c[0], s_c[1], o_c[0], o_c[1])
    _, _, s_moved_m = _GEOD.inv(LKP_LON, LKP_LAT, s_c[0], s_c[1])
    _, _, o_moved_m = _GEOD.inv(LKP_LON, LKP_LAT, o_c[0], o_c[1])
    rel_sd_lon = s_lon.std() / o_lon.std() - 1.0
    rel_sd_lat = s_lat.std() / o_lat.std() - 1.0
    print(
        f"\n{key}: centroid sarex ({s_c[0]:.5f}, {s_c[1]:.5f}) OpenDrift ({o_c[0]:.5f}, {o_c[1]:.5f}) "
        f"-> {d_centroid_m:.0f} m apart; moved {s_moved_m / 1000:.1f} / {o_moved_m / 1000:.1f} km; "
        f"sd lon {s_lon.std():.5f} vs {o_lon.std():.5f} deg ({100 * rel_sd_lon:+.2f} %), "
        f"sd lat {s_lat.std():.5f} vs {o_lat.std():.5f} deg ({100 * rel_sd_lat:+.2f} %)"
    )
    # The comparison means something only if both clouds drifted well beyond the tolerance.
    assert s_moved_m > 10_000.0 and o_moved_m > 10_000.0
    assert d_centroid_m < 1000.0
    assert abs(rel_sd_lon) < 0.10
    assert abs(rel_sd_lat) < 0.10
