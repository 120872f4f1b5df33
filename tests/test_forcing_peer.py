"""Peer comparison with OpenDrift's readers and Leeway model on generated projected and ROMS files."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyproj
import pytest

from forcing_data import LAMBERT, POLAR, ROTATED, lambert_axes, polar_axes, projected_dataset, roms_dataset, rotated_axes
from sarex.environment.base import FLAG_OK
from sarex.environment.cf import open_environment, open_vector_field
from sarex.times import to_epoch_s

pytestmark = pytest.mark.peer

T = datetime(2026, 5, 1, 3)


def _wavy(x, y, scale):
    """A grid-relative field with structure on ~scale m, so wrong rotation or location shows."""
    return 8 + 3 * np.sin(x / scale) + 2 * np.cos(y / (0.7 * scale)), 2 - 4 * np.cos(x / (1.3 * scale)) * np.sin(y / scale)


def _inside_points(field, n, seed):
    rng = np.random.default_rng(seed)
    m = 3 * (field.xs[1] - field.xs[0])
    x = rng.uniform(field.xs[0] + m, field.xs[-1] - m, n)
    y = rng.uniform(field.ys[0] + m, field.ys[-1] - m, n)
    return pyproj.Transformer.from_crs(field.crs, "EPSG:4326", always_xy=True).transform(x, y)


def _rel_rms(u, v, uo, vo):
    return float(np.sqrt(np.mean((u - uo) ** 2 + (v - vo) ** 2)) / np.sqrt(np.mean(uo**2 + vo**2)))


def _sarex(field, lon, lat, t):
    n = lon.size
    u, v, fl = np.zeros(n), np.zeros(n), np.zeros(n, np.int8)
    field.sample(lon, lat, t, np.ones(n, bool), u, v, fl)
    assert (fl == FLAG_OK).all()
    return u, v


@pytest.mark.parametrize(
    "gm,axes,scale",
    [(LAMBERT, lambert_axes(), 150e3), (POLAR, polar_axes(), 400e3), (ROTATED, rotated_axes(), 3.6)],
    ids=["lambert", "polar", "rotated_pole"],
)
def test_projected_wind_agrees_with_opendrift_reader(tmp_path, gm, axes, scale):
    pytest.importorskip("opendrift")
    from opendrift.readers import reader_netCDF_CF_generic

    x, y = axes
    X, Y = np.meshgrid(x, y)
    gu, gv = _wavy(X, Y, scale)
    p = tmp_path / "proj.nc"
    projected_dataset(gm, x, y, gu, gv, dtype="f8").to_netcdf(p)
    f = open_vector_field(p, "wind")
    lon, lat = _inside_points(f, 200, 21)
    u, v = _sarex(f, lon, lat, to_epoch_s(T.isoformat() + "Z"))
    r = reader_netCDF_CF_generic.Reader(str(p))
    env, _ = r.get_variables_interpolated(variables=["x_wind", "y_wind"], lon=lon, lat=lat, time=T, z=np.zeros(lon.size),
                                          rotate_to_proj=pyproj.Proj("+proj=latlong"))
    uo, vo = np.asarray(env["x_wind"], float), np.asarray(env["y_wind"], float)
    err = _rel_rms(u, v, uo, vo)
    print(f"\n{gm['grid_mapping_name']}: relative RMS difference sarex vs OpenDrift reader = {err:.2e}")
    assert err < 0.02, err
    # Without rotation sarex would be far off: the check has teeth.
    assert _rel_rms(*(_grid_components(f, lon, lat, u, v)), uo, vo) > 0.02


def _grid_components(f, lon, lat, u, v):
    x, y = f.to_grid(lon, lat)
    ang = np.array([f.axis_angle(np.array([xi]), np.array([yi]))[0, 0] for xi, yi in zip(x, y)])
    # Back to grid-relative: rotate east/north by -angle.
    return u * np.cos(ang) + v * np.sin(ang), -u * np.sin(ang) + v * np.cos(ang)


@pytest.mark.slow
def test_roms_current_agrees_with_opendrift_roms_reader(tmp_path):
    pytest.importorskip("opendrift")
    from opendrift.readers import reader_ROMS_native

    ds = roms_dataset(ny=60, nx=70, theta_deg=35.0)
    p = tmp_path / "roms.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "current")
    rng = np.random.default_rng(5)
    from scipy.ndimage import map_coordinates

    # Random sea points away from the land corner and the outer cells.
    fi = rng.uniform(16, 68, 200)
    fj = rng.uniform(18, 58, 200)
    lon = map_coordinates(ds.lon_rho.values, [fj, fi], order=1)
    lat = map_coordinates(ds.lat_rho.values, [fj, fi], order=1)
    u, v = _sarex(f, lon, lat, to_epoch_s(T.isoformat() + "Z"))
    r = reader_ROMS_native.Reader(str(p))
    env, _ = r.get_variables_interpolated(variables=["x_sea_water_velocity", "y_sea_water_velocity"], lon=lon, lat=lat, time=T,
                                          z=np.zeros(lon.size), rotate_to_proj=pyproj.Proj("+proj=latlong"))
    uo, vo = np.asarray(env["x_sea_water_velocity"], float), np.asarray(env["y_sea_water_velocity"], float)
    err = _rel_rms(u, v, uo, vo)
    print(f"\nROMS: relative RMS difference sarex vs OpenDrift ROMS reader = {err:.2e}")
    assert err < 0.02, err


@pytest.mark.slow
def test_leeway_drift_lambert_wind_roms_current_agrees_with_opendrift(tmp_path):
    """10k PIW-1 particles, 24 h: grid-relative Lambert wind + ROMS current, sarex vs OpenDrift Leeway."""
    pytest.importorskip("opendrift")
    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_netCDF_CF_generic, reader_ROMS_native

    from sarex.drift import simulate

    x, y = lambert_axes(600, 20)
    X, Y = np.meshgrid(x, y)
    wu, wv = _wavy(X, Y, 250e3)
    wp = tmp_path / "lambert_wind.nc"
    projected_dataset(LAMBERT, x, y, wu, wv, nt=10, dtype="f8").to_netcdf(wp)
    ds = roms_dataset(ny=80, nx=90, nt=10, theta_deg=35.0, land=False)
    cp = tmp_path / "roms.nc"
    ds.to_netcdf(cp)

    lon0, lat0, n = float(ds.lon_rho[30, 35]), float(ds.lat_rho[30, 35]), 10000
    start = datetime(2026, 5, 1, 0)
    env = open_environment(wind=wp, current=cp)
    sx = simulate(env, "PIW-1", lon=lon0, lat=lat0, start=start.isoformat() + "Z", radius_m=1000.0, hours=24,
                  particles=n, seed_value=3, step_s=600, output_s=3600, scheme="euler", coast=False)
    slon, slat = sx["lon"].values[:, -1], sx["lat"].values[:, -1]
    assert (sx["status"].values[:, -1] == 0).all()

    o = Leeway(loglevel=50)
    o.add_reader([reader_netCDF_CF_generic.Reader(str(wp)), reader_ROMS_native.Reader(str(cp))])
    o.set_config("general:use_auto_landmask", False)
    o.set_config("environment:fallback:land_binary_mask", 0)
    o.seed_elements(lon=lon0, lat=lat0, radius=1000.0, number=n, time=start, object_type=1)
    o.run(duration=timedelta(hours=24), time_step=600, time_step_output=3600)
    olon, olat = o.result.lon.values[:, -1], o.result.lat.values[:, -1]
    assert np.isfinite(olon).all()

    geod = pyproj.Geod(ellps="WGS84")
    _, _, d = geod.inv(slon.mean(), slat.mean(), olon.mean(), olat.mean())
    _, _, drift = geod.inv(lon0, lat0, olon.mean(), olat.mean())
    print(f"\nLeeway 24 h (Lambert wind, ROMS current): centroid distance {d:.0f} m (drift {drift / 1e3:.1f} km); "
          f"std lon ratio {slon.std() / olon.std():.3f}, std lat ratio {slat.std() / olat.std():.3f}")
    assert drift > 20e3  # the cloud really moved (tens of km), so 1 km is a real bar
    assert d <= 1000.0, d
    for a, b in ((slon, olon), (slat, olat)):
        assert abs(a.std() / b.std() - 1) <= 0.10, (a.std(), b.std())
