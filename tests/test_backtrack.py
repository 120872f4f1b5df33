"""Backtracking from a find: likelihood weights by hand, the mean reverse track, calibration of the origin areas."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sarex.environment import Environment
from sarex.environment.constant import ConstantField
from sarex.errors import SarexInputError
from sarex.io.driftfile import validate_drift
from sarex.search.backtrack import Backtrack, Find, backtrack, reverse_mean_track, reweight_by_find
from sarex.times import epoch_s_to_datetime64

T0 = 1768435200.0  # 2026-01-15T00:00Z


def test_reweight_by_find_by_hand():
    # three particles north of the find by 0, 1 and 2 km at the find time (between two outputs)
    lat_end = 34.0 + np.array([0.0, 1000.0, 2000.0]) / 110_946.0
    lon = np.array([[129.0, 129.0], [129.0, 129.0], [129.0, 129.0]])
    lat = np.column_stack([np.full(3, 33.9), 2 * lat_end - 33.9])  # the find time is half-way
    ds = validate_drift(xr.Dataset(
        {"lon": (("trajectory", "time"), lon), "lat": (("trajectory", "time"), lat), "weight": (("trajectory",), np.array([0.5, 0.25, 0.25]))},
        coords={"trajectory": [0, 1, 2], "time": epoch_s_to_datetime64(np.array([T0, T0 + 7200.0]))},
    ))
    upd = reweight_by_find(ds, Find(129.0, 34.0, T0 + 3600.0, 1000.0))
    d = np.array([0.0, 1000.0, 2000.0])  # the local projection gives these to well under a metre
    expect = np.array([0.5, 0.25, 0.25]) * np.exp(-(d**2) / 2e6)
    np.testing.assert_allclose(upd.dataset["weight"].values, expect / expect.sum(), rtol=2e-3)
    assert upd.evidence == pytest.approx(expect.sum(), rel=2e-3)
    assert "finds" in upd.dataset.attrs and "2026-01-15T01:00:00Z" in upd.dataset.attrs["finds"]
    with pytest.raises(SarexInputError, match="no particle"):
        reweight_by_find(ds, Find(131.0, 34.0, T0 + 3600.0, 10.0))


def test_reverse_mean_track_in_a_uniform_field():
    from sarex.drift.objects import get_object

    obj = get_object("PIW-1")  # downwind 0.96 % of U10, offset 0
    env = Environment(ConstantField(0.0, 10.0), ConstantField(0.2, 0.0))  # wind to the north, current east
    find = Find(129.5, 34.2, T0 + 12 * 3600.0)
    lon0, lat0 = reverse_mean_track(env, obj, find, T0)
    east, north = _offset_m(lon0, lat0, find.lon, find.lat)
    assert east == pytest.approx(0.2 * 12 * 3600.0, rel=2e-3)
    assert north == pytest.approx(0.0096 * 10.0 * 12 * 3600.0, rel=2e-3)


def _offset_m(lon0, lat0, lon1, lat1):
    """East and north offsets (m) from (lon0, lat0) to (lon1, lat1): geodesic along the mid parallel and the meridian."""
    import pyproj

    g = pyproj.Geod(ellps="WGS84")
    mid = 0.5 * (lat0 + lat1)
    east = g.inv(lon0, mid, lon1, mid)[2] * np.sign(lon1 - lon0)
    north = g.inv(lon0, lat0, lon0, lat1)[2] * np.sign(lat1 - lat0)
    return east, north


def test_backtrack_origin_in_a_uniform_field():
    env = Environment(ConstantField(0.0, 10.0), ConstantField(0.2, 0.0))
    find = Find(129.5, 34.2, T0 + 6 * 3600.0, 500.0)
    bt = backtrack(env, "PIW-1", find, T0, particles=40000, coast=False, seed_value=3)
    c_lon, c_lat = bt.origin_centroid()
    east, north = _offset_m(c_lon, c_lat, find.lon, find.lat)
    # The mean drift reversed. East: the current, 0.2 m/s for 6 h (crosswind sides cancel).
    # North: the mean downwind leeway 0.96 % of 10 m/s plus the mean of ε truncated where
    # the slope would go negative (Breivik & Allen 2008 redraw): E[ε | ε > −0.192 m/s] for
    # S = 0.12 m/s is 0.12·φ(1.6)/Φ(1.6) = 0.0141 m/s.
    assert east == pytest.approx(0.2 * 6 * 3600.0, abs=600.0)
    assert north == pytest.approx((0.0096 * 10.0 + 0.0141) * 6 * 3600.0, abs=600.0)
    assert bt.update.effective_particles > 50


def test_find_outside_the_forcing_cli(tmp_path):
    from typer.testing import CliRunner

    from sarex.cli import app

    out = tmp_path / "bt"
    base = ["backtrack", "--find-time", "2026-01-15T18:00Z", "--origin-time", "2026-01-15T06:00Z", "--synthetic", "--particles", "100", "--out", str(out)]
    r = CliRunner().invoke(app, base + ["--find-lon", "140.0", "--find-lat", "20.0"])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "outside the forcing" in r.output
    assert not out.exists()


@pytest.mark.slow
def test_origin_areas_are_calibrated():
    """400 synthetic finds from origins drawn from the prior: the true origin is inside the 50 % / 90 % origin areas 50 % / 90 % of the time."""
    from sarex.drift.seeding import Release
    from sarex.drift.simulate import simulate
    from sarex.environment.synthetic import korea_strait_environment
    from sarex.geo import LocalProjection

    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    hours, sigma = 12, 1000.0
    prior = Release(lon=129.9, lat=34.0, time_s=T0, radius_m=8000.0, radius_type="uniform")
    fw = simulate(env, "PIW-1", prior, hours=hours, particles=100_000, seed_value=1, output_s=3600, coast=False)
    truth = simulate(env, "PIW-1", prior, hours=hours, particles=400, seed_value=2, output_s=3600, coast=False)
    rng = np.random.default_rng(3)
    ox, oy = fw["lon"].values[:, 0], fw["lat"].values[:, 0]
    levels = []
    for i in range(400):
        tx, ty = float(truth["lon"].values[i, -1]), float(truth["lat"].values[i, -1])
        fx, fy = LocalProjection(tx, ty).inverse(*(np.array([v]) for v in rng.standard_normal(2) * sigma))
        upd = reweight_by_find(fw, Find(float(fx[0]), float(fy[0]), T0 + hours * 3600.0, sigma))
        bt = Backtrack(upd, ox, oy, prior.lon, prior.lat, prior.radius_m, T0)
        levels.append(bt.origin_level(float(truth["lon"].values[i, 0]), float(truth["lat"].values[i, 0])))
    levels = np.array(levels)
    in50, in90 = float(np.mean(levels <= 0.5)), float(np.mean(levels <= 0.9))
    assert abs(in50 - 0.5) <= 0.05, in50
    assert abs(in90 - 0.9) <= 0.03, in90
