"""The compiled Lambert conformal conic projection against PROJ, and the fallback to PROJ."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from sarex.environment.lcc import lcc_constants, lcc_forward_kernel

XS = np.arange(-900_000.0, 900_001.0, 20_000.0)
YS = np.arange(-800_000.0, 800_001.0, 20_000.0)


@pytest.mark.parametrize("cf", [
    # two standard parallels on WGS84 (the KMA/JMA regional models' kind of grid)
    dict(grid_mapping_name="lambert_conformal_conic", standard_parallel=[30.0, 60.0], longitude_of_central_meridian=127.0,
         latitude_of_projection_origin=38.0, semi_major_axis=6378137.0, inverse_flattening=298.257223563),
    # WRF's sphere, one standard parallel, false easting/northing
    dict(grid_mapping_name="lambert_conformal_conic", standard_parallel=35.0, longitude_of_central_meridian=-100.0,
         latitude_of_projection_origin=35.0, false_easting=500_000.0, false_northing=-200_000.0, earth_radius=6370000.0),
    # southern hemisphere cone
    dict(grid_mapping_name="lambert_conformal_conic", standard_parallel=[-30.0, -45.0], longitude_of_central_meridian=150.0,
         latitude_of_projection_origin=-38.0, semi_major_axis=6378137.0, inverse_flattening=298.257223563),
])
def test_lcc_kernel_matches_proj_within_a_micrometre(cf):
    crs = pyproj.CRS.from_cf(cf)
    x0, y0 = cf.get("false_easting", 0.0), cf.get("false_northing", 0.0)
    c = lcc_constants(crs, XS + x0, YS + y0)
    assert c is not None
    rng = np.random.default_rng(3)
    gx, gy = rng.uniform(XS[0], XS[-1], 20_000) + x0, rng.uniform(YS[0], YS[-1], 20_000) + y0
    lon, lat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(gx, gy)
    lon, lat = np.ascontiguousarray(lon), np.ascontiguousarray(lat)
    rx, ry = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    x, y = np.empty(lon.size), np.empty(lon.size)
    lcc_forward_kernel(lon, lat, c, x, y)
    assert np.max(np.hypot(x - rx, y - ry)) < 1e-6
    # the points came from grid coordinates: back to them too
    assert np.max(np.hypot(x - gx, y - gy)) < 1e-5


def test_other_projections_and_disagreeing_datums_keep_proj():
    polar = pyproj.CRS.from_cf(dict(grid_mapping_name="polar_stereographic", straight_vertical_longitude_from_pole=0.0,
                                    latitude_of_projection_origin=90.0, standard_parallel=60.0))
    assert lcc_constants(polar, XS, YS) is None
    # a Lambert grid on the Tokyo datum: PROJ shifts the datum from WGS84 (hundreds of metres
    # in Japan), which the kernel does not do, so the check against PROJ keeps PROJ
    tokyo = pyproj.CRS.from_proj4("+proj=lcc +lat_1=30 +lat_2=60 +lat_0=36 +lon_0=135 +ellps=bessel "
                                  "+towgs84=-146.414,507.337,680.507,0,0,0,0 +units=m +no_defs")
    assert lcc_constants(tokyo, XS, YS) is None


def test_kernel_at_the_pole_and_on_a_missing_latitude():
    # the cone's apex (the north pole of a northern cone) is a finite point, (x0, y0 + ρ0);
    # a NaN latitude stays NaN on an ellipsoid and on a sphere
    for cf in (dict(grid_mapping_name="lambert_conformal_conic", standard_parallel=[30.0, 60.0], longitude_of_central_meridian=127.0,
                    latitude_of_projection_origin=38.0, semi_major_axis=6378137.0, inverse_flattening=298.257223563),
               dict(grid_mapping_name="lambert_conformal_conic", standard_parallel=35.0, longitude_of_central_meridian=-100.0,
                    latitude_of_projection_origin=35.0, earth_radius=6370000.0)):
        crs = pyproj.CRS.from_cf(cf)
        c = lcc_constants(crs, XS, YS)
        lon, lat = np.array([127.0, 10.0, 127.0]), np.array([90.0, 89.999, np.nan])
        x, y = np.empty(3), np.empty(3)
        lcc_forward_kernel(lon, lat, c, x, y)
        rx, ry = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon[:2], lat[:2])
        assert np.max(np.hypot(x[:2] - rx, y[:2] - ry)) < 1e-6
        assert np.isnan(x[2]) and np.isnan(y[2])
