"""Generators of small forcing files for the issue-7 tests (projected, rotated pole, ROMS, GRIB).

Grid-relative components are computed here independently of sarex: from the closed
form meridian convergence of the Lambert conformal conic and polar stereographic
projections (Snyder 1987, USGS PP 1395, eqs. 14-15, 15-8..15-9, 21-...), and
from 3-D vector geometry for the rotated pole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import xarray as xr

A_WGS84 = 6378137.0
E_WGS84 = np.sqrt(0.00669437999014)

LAMBERT = dict(
    grid_mapping_name="lambert_conformal_conic",
    standard_parallel=[30.0, 60.0],
    longitude_of_central_meridian=127.0,
    latitude_of_projection_origin=38.0,
)
POLAR = dict(
    grid_mapping_name="polar_stereographic",
    straight_vertical_longitude_from_pole=-45.0,
    latitude_of_projection_origin=90.0,
    standard_parallel=70.0,
)
ROTATED = dict(grid_mapping_name="rotated_latitude_longitude", grid_north_pole_latitude=40.0, grid_north_pole_longitude=-170.0)
MERCATOR = dict(grid_mapping_name="mercator", standard_parallel=30.0, longitude_of_projection_origin=120.0)
TMERC = dict(
    grid_mapping_name="transverse_mercator",
    scale_factor_at_central_meridian=0.9996,
    longitude_of_central_meridian=129.0,
    latitude_of_projection_origin=0.0,
    false_easting=500000.0,
    false_northing=0.0,
)


def lcc_cone_constant(phi1_deg: float, phi2_deg: float) -> float:
    """n of the ellipsoidal Lambert conformal conic (Snyder eqs. 15-8, 15-9, 14-15)."""
    e = E_WGS84

    def m(p):
        return np.cos(p) / np.sqrt(1 - e**2 * np.sin(p) ** 2)

    def t(p):
        return np.tan(np.pi / 4 - p / 2) / ((1 - e * np.sin(p)) / (1 + e * np.sin(p))) ** (e / 2)

    p1, p2 = np.deg2rad(phi1_deg), np.deg2rad(phi2_deg)
    return float((np.log(m(p1)) - np.log(m(p2))) / (np.log(t(p1)) - np.log(t(p2))))


def _times(n: int = 3) -> np.ndarray:
    return pd.date_range("2026-05-01T00:00", periods=n, freq="3h").values


def _grid_lonlat(gm: dict, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    crs = pyproj.CRS.from_cf(gm)
    xx, yy = np.meshgrid(x, y)
    return pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xx, yy)


def east_in_grid(gm: dict, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) grid components of a unit eastward vector, computed in closed form."""
    name = gm["grid_mapping_name"]
    if name == "lambert_conformal_conic":
        n = lcc_cone_constant(*gm["standard_parallel"])
        dl = np.deg2rad(((lon - gm["longitude_of_central_meridian"] + 180) % 360) - 180)
        g = n * dl
        return np.cos(g), np.sin(g)
    if name == "polar_stereographic":
        dl = np.deg2rad(((lon - gm["straight_vertical_longitude_from_pole"] + 180) % 360) - 180)
        return np.cos(dl), np.sin(dl)
    if name == "rotated_latitude_longitude":
        lo, la = np.deg2rad(lon), np.deg2rad(lat)
        p = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], -1)
        east = np.stack([-np.sin(lo), np.cos(lo), np.zeros_like(lo)], -1)
        plo, pla = np.deg2rad(gm["grid_north_pole_longitude"]), np.deg2rad(gm["grid_north_pole_latitude"])
        pole = np.array([np.cos(pla) * np.cos(plo), np.cos(pla) * np.sin(plo), np.sin(pla)])
        nr = pole - (p @ pole)[..., None] * p
        nr /= np.linalg.norm(nr, axis=-1, keepdims=True)
        er = np.cross(nr, p)
        return (east * er).sum(-1), (east * nr).sum(-1)
    if name == "mercator":
        return np.ones_like(lon), np.zeros_like(lon)
    raise ValueError(name)


def projected_dataset(gm: dict, x: np.ndarray, y: np.ndarray, gu: np.ndarray, gv: np.ndarray,
                      kind: str = "wind", units: str = "m", nt: int = 3, grid_mapping: bool = True,
                      standard_names: tuple[str, str] | None = None, dtype: str = "f4") -> xr.Dataset:
    """A CF dataset with grid-relative (x_, y_) components on projected axes."""
    rotated = gm["grid_mapping_name"] == "rotated_latitude_longitude"
    xn, yn = ("rlon", "rlat") if rotated else ("x", "y")
    xattrs = {"standard_name": "grid_longitude" if rotated else "projection_x_coordinate", "units": "degrees" if rotated else units, "axis": "X"}
    yattrs = {"standard_name": "grid_latitude" if rotated else "projection_y_coordinate", "units": "degrees" if rotated else units, "axis": "Y"}
    if standard_names is None:
        standard_names = ("x_wind", "y_wind") if kind == "wind" else ("x_sea_water_velocity", "y_sea_water_velocity")
    vattrs = {"grid_mapping": "crs"} if grid_mapping else {}
    t = _times(nt)
    U = np.broadcast_to(gu, (nt,) + gu.shape).astype(dtype)
    V = np.broadcast_to(gv, (nt,) + gv.shape).astype(dtype)
    ds = xr.Dataset(
        {
            "u": (("time", yn, xn), U, {"standard_name": standard_names[0], "units": "m s-1", **vattrs}),
            "v": (("time", yn, xn), V, {"standard_name": standard_names[1], "units": "m s-1", **vattrs}),
        },
        coords={"time": t, xn: (xn, x, xattrs), yn: (yn, y, yattrs)},
    )
    if grid_mapping:
        ds["crs"] = xr.DataArray(np.int32(0), attrs=gm)
    return ds


def uniform_east_projected(gm: dict, x: np.ndarray, y: np.ndarray, speed: float = 10.0, **kw) -> xr.Dataset:
    """Uniform eastward ``speed`` m/s expressed in grid-relative components."""
    lon, lat = _grid_lonlat(gm, x, y)
    ex, ey = east_in_grid(gm, lon, lat)
    return projected_dataset(gm, x, y, speed * ex, speed * ey, **kw)


def lambert_axes(half_km: float = 500.0, step_km: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    a = np.arange(-half_km, half_km + 0.1, step_km) * 1000.0
    return a, a.copy()


def polar_axes() -> tuple[np.ndarray, np.ndarray]:
    # Around Svalbard / Greenland Sea, 25 km grid.
    x = np.arange(-1_500_000.0, 1_500_001.0, 25_000.0)
    y = np.arange(-2_500_000.0, -400_000.0 + 1, 25_000.0)
    return x, y


def rotated_axes() -> tuple[np.ndarray, np.ndarray]:
    return np.arange(-15.0, 15.01, 0.25), np.arange(-12.0, 12.01, 0.25)


def roms_dataset(ny: int = 40, nx: int = 50, nt: int = 3, theta_deg: float = 30.0, curv: float = 0.15,
                 field=None, land: bool = True) -> xr.Dataset:
    """A small ROMS-style curvilinear grid with staggered u/v, masks, angle and 3 s-levels.

    ``field(lon, lat) -> (east, north)`` gives the true surface current; u/v are its
    components along xi/eta at u/v points (rotated by the local ``angle``), and the
    deeper s-levels hold different (wrong-for-drift) values.
    """
    lon0, lat0 = 129.0, 34.0
    j, i = np.mgrid[0 : ny, 0 : nx].astype(float)
    th = np.deg2rad(theta_deg)
    # A rotated, gently bent grid, ~2.5 km cells.
    X = 2500.0 * (i * np.cos(th) - j * np.sin(th)) + 0.0
    Y = 2500.0 * (i * np.sin(th) + j * np.cos(th)) + curv * 2500.0 * (i - nx / 2) ** 2 / nx * 4
    R = 6371000.0
    lat_rho = lat0 + np.rad2deg(Y / R)
    lon_rho = lon0 + np.rad2deg(X / (R * np.cos(np.deg2rad(lat_rho))))

    def lonlat_at(fi, fj):
        Xs = 2500.0 * (fi * np.cos(th) - fj * np.sin(th))
        Ys = 2500.0 * (fi * np.sin(th) + fj * np.cos(th)) + curv * 2500.0 * (fi - nx / 2) ** 2 / nx * 4
        la = lat0 + np.rad2deg(Ys / R)
        return lon0 + np.rad2deg(Xs / (R * np.cos(np.deg2rad(la)))), la

    # angle of the xi axis from east, from the grid itself (centred differences of lon/lat at rho points).
    eps = 1e-4
    la1 = lonlat_at(i - eps, j)
    la2 = lonlat_at(i + eps, j)
    dx = (la2[0] - la1[0]) * np.cos(np.deg2rad(lat_rho))
    dy = la2[1] - la1[1]
    angle = np.arctan2(dy, dx)
    if field is None:
        field = lambda lo, la: (0.3 + 0.2 * np.sin(np.deg2rad(40 * (lo - lon0))), -0.1 + 0.25 * np.cos(np.deg2rad(50 * (la - lat0))))

    def comps(fi, fj):
        lo, la = lonlat_at(fi, fj)
        a1, a2 = lonlat_at(fi - eps, fj), lonlat_at(fi + eps, fj)
        ang = np.arctan2(a2[1] - a1[1], (a2[0] - a1[0]) * np.cos(np.deg2rad(la)))
        e, n = field(lo, la)
        return e * np.cos(ang) + n * np.sin(ang), -e * np.sin(ang) + n * np.cos(ang)

    ju, iu = np.mgrid[0 : ny, 0 : nx - 1].astype(float)
    jv, iv = np.mgrid[0 : ny - 1, 0 : nx].astype(float)
    u_xi, _ = comps(iu + 0.5, ju)
    _, v_eta = comps(iv, jv + 0.5)
    mask_rho = np.ones((ny, nx))
    if land:
        mask_rho[: ny // 4, : nx // 5] = 0.0  # a land corner
    mask_u = mask_rho[:, :-1] * mask_rho[:, 1:]
    mask_v = mask_rho[:-1, :] * mask_rho[1:, :]
    ns = 3
    u = np.empty((nt, ns, ny, nx - 1))
    v = np.empty((nt, ns, ny - 1, nx))
    for k in range(ns):
        fac = 1.0 if k == ns - 1 else 0.2 * (k + 1)  # only the top level is the surface field
        u[:, k] = fac * u_xi * mask_u
        v[:, k] = fac * v_eta * mask_v
    t = _times(nt)
    ds = xr.Dataset(
        {
            "u": (("ocean_time", "s_rho", "eta_u", "xi_u"), u, {"standard_name": "sea_water_x_velocity_at_u_location", "units": "meter second-1", "coordinates": "lon_u lat_u s_rho ocean_time"}),
            "v": (("ocean_time", "s_rho", "eta_v", "xi_v"), v, {"standard_name": "sea_water_y_velocity_at_v_location", "units": "meter second-1", "coordinates": "lon_v lat_v s_rho ocean_time"}),
            "lon_rho": (("eta_rho", "xi_rho"), lon_rho, {"standard_name": "longitude", "units": "degree_east"}),
            "lat_rho": (("eta_rho", "xi_rho"), lat_rho, {"standard_name": "latitude", "units": "degree_north"}),
            "lon_u": (("eta_u", "xi_u"), 0.5 * (lon_rho[:, 1:] + lon_rho[:, :-1]), {"units": "degree_east"}),
            "lat_u": (("eta_u", "xi_u"), 0.5 * (lat_rho[:, 1:] + lat_rho[:, :-1]), {"units": "degree_north"}),
            "lon_v": (("eta_v", "xi_v"), 0.5 * (lon_rho[1:, :] + lon_rho[:-1, :]), {"units": "degree_east"}),
            "lat_v": (("eta_v", "xi_v"), 0.5 * (lat_rho[1:, :] + lat_rho[:-1, :]), {"units": "degree_north"}),
            "angle": (("eta_rho", "xi_rho"), angle, {"long_name": "angle between XI-axis and EAST", "units": "radians"}),
            "mask_rho": (("eta_rho", "xi_rho"), mask_rho),
            "mask_u": (("eta_u", "xi_u"), mask_u),
            "mask_v": (("eta_v", "xi_v"), mask_v),
            "h": (("eta_rho", "xi_rho"), np.full((ny, nx), 50.0), {"units": "meter"}),
            "Cs_r": (("s_rho",), np.linspace(-0.9, -0.1, ns)),
            "hc": ((), 10.0),
        },
        coords={
            "ocean_time": ("ocean_time", t),
            "s_rho": ("s_rho", (np.arange(ns) - ns + 0.5) / ns, {"standard_name": "ocean_s_coordinate_g2", "positive": "up"}),
        },
    )
    return ds


def write_grib_wind(path, lon: np.ndarray, lat_desc: np.ndarray, u: np.ndarray, v: np.ndarray,
                    date: int = 20260501, steps_h=(0, 3, 6), short_names=("10u", "10v"), level: int | None = 10,
                    sample: str = "regular_ll_sfc_grib2") -> None:
    """Write a GRIB2 file of 10 m u/v on a regular lat/lon grid with eccodes (from its sample).

    ``u``/``v`` have shape (step, lat, lon); ``lat_desc`` is north to south, as GFS/ECMWF write it.
    """
    import eccodes

    with open(path, "wb") as fh:
        for k, step in enumerate(steps_h):
            for sn, arr in zip(short_names, (u, v)):
                h = eccodes.codes_grib_new_from_samples(sample)
                eccodes.codes_set_long(h, "Ni", lon.size)
                eccodes.codes_set_long(h, "Nj", lat_desc.size)
                eccodes.codes_set_double(h, "latitudeOfFirstGridPointInDegrees", float(lat_desc[0]))
                eccodes.codes_set_double(h, "latitudeOfLastGridPointInDegrees", float(lat_desc[-1]))
                eccodes.codes_set_double(h, "longitudeOfFirstGridPointInDegrees", float(lon[0]))
                eccodes.codes_set_double(h, "longitudeOfLastGridPointInDegrees", float(lon[-1]))
                eccodes.codes_set_double(h, "iDirectionIncrementInDegrees", float(lon[1] - lon[0]))
                eccodes.codes_set_double(h, "jDirectionIncrementInDegrees", float(lat_desc[0] - lat_desc[1]))
                eccodes.codes_set_long(h, "dataDate", date)
                eccodes.codes_set_long(h, "dataTime", 0)
                if level is not None:  # GRIB2 style; level None keeps the sample's (GRIB1: surface)
                    eccodes.codes_set_string(h, "typeOfLevel", "heightAboveGround")
                    eccodes.codes_set_long(h, "level", level)
                eccodes.codes_set_string(h, "shortName", sn)
                eccodes.codes_set_long(h, "step", int(step))
                eccodes.codes_set_long(h, "bitsPerValue", 24)
                eccodes.codes_set_values(h, np.asarray(arr[k], dtype=np.float64).ravel())
                eccodes.codes_write(h, fh)
                eccodes.codes_release(h)
