"""Projected and curvilinear forcing grids: analytic rotation bar, ROMS staggering/masks/levels, windows."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from forcing_data import (
    LAMBERT,
    MERCATOR,
    POLAR,
    ROTATED,
    TMERC,
    east_in_grid,
    lambert_axes,
    polar_axes,
    projected_dataset,
    roms_dataset,
    rotated_axes,
    uniform_east_projected,
)
from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE
from sarex.environment.cf import open_environment, open_vector_field
from sarex.environment.curvilinear import CurvilinearGridField
from sarex.environment.projected import ProjectedGridField
from sarex.times import datetime64_to_epoch_s

T_MID = datetime64_to_epoch_s(np.array(["2026-05-01T01:30"], dtype="datetime64[ns]"))[0]


def _sample(field, lon, lat, t=T_MID):
    n = lon.size
    u, v, fl = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8)
    field.sample(np.asarray(lon, float), np.asarray(lat, float), t, np.ones(n, dtype=bool), u, v, fl)
    return u, v, fl


def _random_inside(field: ProjectedGridField, n: int, seed: int):
    """Random points uniformly inside the grid (drawn in grid x/y, mapped to lon/lat)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(field.xs[0], field.xs[-1], n)
    y = rng.uniform(field.ys[0], field.ys[-1], n)
    return pyproj.Transformer.from_crs(field.crs, "EPSG:4326", always_xy=True).transform(x, y)


@pytest.mark.parametrize(
    "gm,axes",
    [(LAMBERT, lambert_axes()), (POLAR, polar_axes()), (ROTATED, rotated_axes())],
    ids=["lambert", "polar_stereographic", "rotated_pole"],
)
def test_uniform_east_wind_grid_relative_is_10_0_everywhere(tmp_path, gm, axes):
    # Grid-relative components from the closed-form convergence (Lambert: γ = n(λ−λ0) with the
    # ellipsoidal cone constant; polar stereographic: γ = λ−λ0; rotated pole: 3-D geometry).
    path = tmp_path / "w.nc"
    uniform_east_projected(gm, *axes).to_netcdf(path)
    f = open_vector_field(path, "wind")
    assert isinstance(f, ProjectedGridField) and f.orientation == "grid_relative"
    lon, lat = _random_inside(f, 5000, 7)
    # Also every grid node (where the rotation is applied).
    xx, yy = np.meshgrid(f.xs, f.ys)
    nlon, nlat = pyproj.Transformer.from_crs(f.crs, "EPSG:4326", always_xy=True).transform(xx.ravel(), yy.ravel())
    lon = np.concatenate([lon, nlon])
    lat = np.concatenate([lat, nlat])
    u, v, fl = _sample(f, lon, lat)
    assert (fl == FLAG_OK).all()
    assert np.abs(u - 10.0).max() < 1e-3
    assert np.abs(v).max() < 1e-3
    # The rotation is real: the stored x/y components differ from (10, 0) by up to 0.5 m/s or more.
    ex, ey = east_in_grid(gm, nlon, nlat)
    assert np.abs(10 * ey).max() > 0.5


def test_mercator_and_transverse_mercator(tmp_path):
    # Mercator: grid axes are east/north, x_wind is eastward unchanged.
    x, y = np.arange(-500e3, 500e3, 20e3), np.arange(3.0e6, 4.2e6, 20e3)
    p = tmp_path / "merc.nc"
    uniform_east_projected(MERCATOR, x, y).to_netcdf(p)
    f = open_vector_field(p, "wind")
    lon, lat = _random_inside(f, 2000, 3)
    u, v, fl = _sample(f, lon, lat)
    assert (fl == FLAG_OK).all() and np.abs(u - 10).max() < 1e-3 and np.abs(v).max() < 1e-3
    # Transverse Mercator (UTM 52N-like): reference rotation from PROJ's meridian convergence
    # (pyproj Proj.get_factors), an independent code path from sarex's geodesic differences.
    x = np.arange(200e3, 800e3, 10e3)
    y = np.arange(3.6e6, 4.1e6, 10e3)
    crs = pyproj.CRS.from_cf(TMERC)
    xx, yy = np.meshgrid(x, y)
    lon_n, lat_n = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xx, yy)
    gamma = np.deg2rad(pyproj.Proj(crs).get_factors(lon_n, lat_n).meridian_convergence)
    # East in grid coordinates: grid north is rotated by γ from true north.
    ds = projected_dataset(TMERC, x, y, 10 * np.cos(gamma), 10 * np.sin(gamma))
    p = tmp_path / "tm.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "wind")
    lon, lat = _random_inside(f, 2000, 4)
    u, v, fl = _sample(f, lon, lat)
    assert np.abs(u - 10).max() < 1e-3 and np.abs(v).max() < 1e-3
    assert np.abs(10 * np.sin(gamma)).max() > 0.3  # the test would see a missing rotation


def test_kilometre_axes_and_outside_points(tmp_path):
    x, y = lambert_axes(300, 10)
    ds = uniform_east_projected(LAMBERT, x, y)
    ds = ds.assign_coords(x=("x", x / 1000, {**ds.x.attrs, "units": "km"}), y=("y", y / 1000, {**ds.y.attrs, "units": "km"}))
    p = tmp_path / "km.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "wind")
    assert f.xs[-1] == pytest.approx(300e3)
    lon, lat = _random_inside(f, 500, 5)
    u, v, fl = _sample(f, np.append(lon, [100.0, 127.0]), np.append(lat, [10.0, 60.0]))
    assert (fl[:-2] == FLAG_OK).all() and (fl[-2:] == FLAG_OUTSIDE).all()
    assert np.abs(u[:-2] - 10).max() < 1e-3


def test_projected_field_interpolates_grid_values(tmp_path):
    # East/north (not rotated) components linear in x and y are reproduced exactly by bilinear sampling.
    x, y = lambert_axes(200, 10)
    X, Y = np.meshgrid(x, y)
    ds = projected_dataset(LAMBERT, x, y, 1 + X / 1e5, 2 - Y / 2e5, standard_names=("eastward_wind", "northward_wind"), dtype="f8")
    p = tmp_path / "lin.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "wind")
    assert f.orientation == "east_north"
    lon, lat = _random_inside(f, 1000, 6)
    xs, ys = pyproj.Transformer.from_crs("EPSG:4326", f.crs, always_xy=True).transform(lon, lat)
    u, v, fl = _sample(f, lon, lat)
    assert np.abs(u - (1 + xs / 1e5)).max() < 1e-9
    assert np.abs(v - (2 - ys / 2e5)).max() < 1e-9


def _roms_truth(lon, lat):
    return 0.3 + 0.2 * np.sin(np.deg2rad(40 * (lon - 129.0))), -0.1 + 0.25 * np.cos(np.deg2rad(50 * (lat - 34.0)))


def test_roms_staggered_rotated_masked_surface(tmp_path):
    ds = roms_dataset()
    p = tmp_path / "roms.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "current")
    assert isinstance(f, CurvilinearGridField)
    ny, nx = ds.lon_rho.shape
    rng = np.random.default_rng(11)
    fi = rng.uniform(0, nx - 1, 4000)
    fj = rng.uniform(0, ny - 1, 4000)
    from scipy.ndimage import map_coordinates

    lon = map_coordinates(ds.lon_rho.values, [fj, fi], order=1)
    lat = map_coordinates(ds.lat_rho.values, [fj, fi], order=1)
    # Locating inverts the bilinear cell map: indices come back to 1e-9.
    gi, gj, gfl = f.locate(lon, lat, np.ones(lon.size, bool))
    assert (gfl == FLAG_OK).all()
    assert np.abs(gi - fi).max() < 1e-9 and np.abs(gj - fj).max() < 1e-9
    u, v, fl = _sample(f, lon, lat)
    land = (fj < ny // 4 - 1) & (fi < nx // 5 - 1)  # cells whose 4 corners are all land
    assert (fl[land] == FLAG_NAN).all()
    sea = (fj > ny // 4 + 1) | (fi > nx // 5 + 1)
    assert (fl[sea] == FLAG_OK).all()
    e, n = _roms_truth(lon[sea], lat[sea])
    # Top s-level, staggering averaged, rotated by angle: equals the analytic surface field to
    # interpolation error (cells 2.5 km, field scale ~100 km); a wrong level is off by >= 40 %.
    err = np.hypot(u[sea] - e, v[sea] - n)
    assert np.sqrt(np.mean(err**2)) < 2e-3
    assert err.max() < 1e-2
    outside = _sample(f, np.array([120.0, 128.9]), np.array([30.0, 34.0]))[2]
    assert (outside == FLAG_OUTSIDE).all()


def test_curvilinear_window_is_bounded(tmp_path):
    ds = roms_dataset(ny=120, nx=150, land=False)
    p = tmp_path / "big.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "current")
    lon = np.full(10, float(ds.lon_rho[60, 75]))
    lat = np.full(10, float(ds.lat_rho[60, 75]))
    _sample(f, lon, lat)
    w = f._win
    assert (w.j1 - w.j0 + 1) * (w.k1 - w.k0 + 1) < 0.02 * 120 * 150  # a few cells, not the grid
    assert w.u.shape[0] == 3  # the time window (3 steps in the file)


def test_depth_dimension_takes_surface(tmp_path):
    x, y = lambert_axes(100, 20)
    ds = uniform_east_projected(LAMBERT, x, y, kind="current")
    depth = np.array([0.5, 10.0, 50.0])
    for k in ("u", "v"):
        a = ds[k].values
        ds[k] = (("time", "depth", "y", "x"), np.stack([a * (1 + 3 * i) for i in range(3)], 1), ds[k].attrs)
    ds = ds.assign_coords(depth=("depth", depth, {"standard_name": "depth", "positive": "down", "units": "m"}))
    p = tmp_path / "z.nc"
    ds.to_netcdf(p)
    f = open_vector_field(p, "current")
    lon, lat = _random_inside(f, 300, 9)
    u, v, fl = _sample(f, lon, lat)
    assert np.abs(u - 10).max() < 1e-3 and np.abs(v).max() < 1e-3


def test_open_environment_mixed_grids(tmp_path):
    wp, cp = tmp_path / "wind.nc", tmp_path / "roms.nc"
    uniform_east_projected(LAMBERT, *lambert_axes()).to_netcdf(wp)
    roms_dataset().to_netcdf(cp)
    env = open_environment(wind=wp, current=cp)
    lon, lat = np.array([129.2, 129.4]), np.array([34.7, 34.9])
    wu, wv, cu, cv, left = env.sample(lon, lat, T_MID)
    assert np.allclose(wu, 10, atol=1e-3) and np.allclose(wv, 0, atol=1e-3)
    e, n = _roms_truth(lon, lat)
    assert np.allclose(cu, e, atol=5e-3) and np.allclose(cv, n, atol=5e-3)


def test_projected_window_is_bounded_and_follows_particles(tmp_path):
    p = tmp_path / "w.nc"
    uniform_east_projected(LAMBERT, *lambert_axes(), nt=8).to_netcdf(p)
    f = open_vector_field(p, "wind")
    f.window_steps = 3
    xt = pyproj.Transformer.from_crs(f.crs, "EPSG:4326", always_xy=True)
    lon, lat = xt.transform(np.array([0.0, 20e3]), np.array([0.0, 10e3]))
    _sample(f, np.asarray(lon), np.asarray(lat))
    w = f._win
    j0, j1, k0, k1 = w.j0, w.j1, w.k0, w.k1
    assert w.u.shape == (3, j1 - j0 + 1, k1 - k0 + 1)
    assert (j1 - j0 + 1) * (k1 - k0 + 1) <= 16 * 16 < 51 * 51 / 10  # margin of 6 cells around 2 points
    # Particles far away: a new window there, still small, and still (10, 0).
    lon2, lat2 = xt.transform(np.array([-400e3]), np.array([400e3]))
    u, v, fl = _sample(f, np.asarray(lon2), np.asarray(lat2), T_MID + 9 * 3600)
    w2 = f._win
    assert f.loads == 2 and w2.k1 < k0 and w2.j0 > j1
    assert fl[0] == FLAG_OK and abs(u[0] - 10) < 1e-3 and abs(v[0]) < 1e-3


def test_descending_y_axis_keeps_rotation_right(tmp_path):
    # Files often store y north-to-south; the window is flipped to ascending before rotating.
    p = tmp_path / "flip.nc"
    uniform_east_projected(LAMBERT, *lambert_axes()).isel(y=slice(None, None, -1)).to_netcdf(p)
    f = open_vector_field(p, "wind")
    assert f._flip_y
    lon, lat = _random_inside(f, 2000, 12)
    u, v, fl = _sample(f, lon, lat)
    assert (fl == FLAG_OK).all() and np.abs(u - 10).max() < 1e-3 and np.abs(v).max() < 1e-3


def _active_sample(field, lon, lat, active, t=T_MID):
    n = lon.size
    u, v, fl = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8)
    field.sample(np.asarray(lon, float), np.asarray(lat, float), t, active, u, v, fl)
    return fl


@pytest.mark.parametrize("grid", ["lambert", "roms"])
def test_a_window_loaded_for_a_few_outlying_particles_keeps_the_others(tmp_path, grid):
    """The general step redoes only the particles the fused step could not take, often those
    that left the window: the window it loads for them keeps the area already loaded (same
    time steps), so the next step's fused pass still finds every other particle inside."""
    p = tmp_path / "f.nc"
    if grid == "lambert":
        uniform_east_projected(LAMBERT, *lambert_axes(), nt=8).to_netcdf(p)
        f = open_vector_field(p, "wind")
        to_wgs = pyproj.Transformer.from_crs(f.crs, "EPSG:4326", always_xy=True)
        lon, lat = (np.asarray(a) for a in to_wgs.transform(np.array([0.0, 20e3, -20e3, 400e3]), np.array([0.0, 10e3, 5e3, 300e3])))
    else:
        ds = roms_dataset(ny=120, nx=150, land=False)
        ds.to_netcdf(p)
        f = open_vector_field(p, "current")
        lon = np.array([float(ds.lon_rho[60, 75]), float(ds.lon_rho[61, 76]), float(ds.lon_rho[59, 74]), float(ds.lon_rho[100, 130])])
        lat = np.array([float(ds.lat_rho[60, 75]), float(ds.lat_rho[61, 76]), float(ds.lat_rho[59, 74]), float(ds.lat_rho[100, 130])])
    group = np.array([True, True, True, False])
    assert (_active_sample(f, lon, lat, group) == FLAG_OK).all() and f.loads == 1
    assert _active_sample(f, lon, lat, ~group)[3] == FLAG_OK and f.loads == 2  # the outlier alone
    assert (_active_sample(f, lon, lat, group)[:3] == FLAG_OK).all()
    assert f.loads == 2  # the group is still inside: nothing loaded again
