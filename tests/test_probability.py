"""Probability grid, containment areas and the IAMSAR datum method (issue 4)."""

from __future__ import annotations

import json
import math

import numpy as np
import pyproj
import pytest
import shapely
import xarray as xr
from shapely.geometry import LinearRing, shape

from sarex.errors import SarexInputError
from sarex.io.driftfile import STATUS_LEFT_DOMAIN, STATUS_STRANDED, STATUS_UNRELEASED
from sarex.search.containment import containment_areas, containment_features, containment_mask, mask_to_polygon_xy, write_geojson
from sarex.search.datum import iamsar_datum
from sarex.search.grid import ProbabilityGrid
from sarex.search.positions import Positions, positions_at
from sarex.geo import LocalProjection
from search_synthetic import PROJ, T0, drift_dataset, stationary_dataset

NM_M = 1852.0  # m per nautical mile (exact)


def test_laea_kernel_matches_pyproj():
    rng = np.random.default_rng(3)
    lon = 129.0 + rng.uniform(-3, 3, 20000)
    lat = 34.0 + rng.uniform(-3, 3, 20000)
    p = LocalProjection(129.3, 34.6)
    x, y = p.forward(lon, lat)
    t = pyproj.Transformer.from_crs("EPSG:4326", p.crs, always_xy=True)
    xr_, yr_ = t.transform(lon, lat)
    assert np.max(np.abs(x - xr_)) < 1e-6 and np.max(np.abs(y - yr_)) < 1e-6
    lo2, la2 = p.inverse(x, y)
    assert np.max(np.abs(lo2 - lon)) < 1e-7 and np.max(np.abs(la2 - lat)) < 1e-7


def test_containment_of_circular_normal_1m_particles():
    """Bar: 1e6 particles, circular normal σ = 5 nm: area within 3 % of 2πσ²(−ln(1−q))."""
    rng = np.random.default_rng(2026)
    n, sigma_nm = 1_000_000, 5.0
    lon, lat = PROJ.inverse(rng.standard_normal(n) * sigma_nm * NM_M, rng.standard_normal(n) * sigma_nm * NM_M)
    pos = Positions(T0, lon, lat, np.zeros(n, np.int8), np.full(n, 1.0 / n))
    grid = ProbabilityGrid.from_positions(pos, cell_nm=0.5)
    assert grid.probability.sum() == pytest.approx(1.0, abs=1e-9)
    for a in containment_areas(grid, (0.5, 0.9, 0.95)):
        exact = 2.0 * math.pi * sigma_nm**2 * -math.log(1.0 - a.level)
        assert abs(a.area_nm2 / exact - 1.0) < 0.03, (a.level, a.area_nm2, exact)
        assert a.probability >= a.level
        # the outline is the union of the cells: same area in the equal-area plane
        assert a.polygon_xy.area / NM_M**2 == pytest.approx(a.area_nm2, rel=1e-9)
        assert a.polygon.is_valid
        # sampling noise may detach a few boundary cells, but the area is one main disc
        parts = a.polygon_xy.geoms if a.parts > 1 else [a.polygon_xy]
        assert max(p.area for p in parts) / a.polygon_xy.area > 0.98


def test_grid_accounts_for_every_status_and_exact_cells():
    # 6 particles; cells of 1 nm from the centre at (0, 0): known cells
    x = np.array([0.25, 0.75, -0.4, 3.5, 0.25, 0.5]) * NM_M
    y = np.array([0.25, 0.25, -0.4, 0.5, 0.5, 0.5]) * NM_M
    w = np.array([0.1, 0.2, 0.3, 0.1, 0.2, 0.1])
    st = np.array([[0, 0], [0, 0], [0, 0], [STATUS_STRANDED] * 2, [STATUS_LEFT_DOMAIN] * 2, [STATUS_UNRELEASED] * 2])
    ds = drift_dataset(np.column_stack([x, x]), np.column_stack([y, y]), [T0, T0 + 3600], w, st)
    g = ProbabilityGrid.from_drift(ds, T0, cell_nm=1.0, centre=PROJ_CENTRE)
    assert g.probability.sum() == pytest.approx(0.6)
    assert g.stranded_probability == pytest.approx(0.1)
    assert g.left_weight == pytest.approx(0.2)
    assert g.unreleased_weight == pytest.approx(0.1)
    assert g.probability.sum() + g.stranded_probability + g.left_weight + g.unreleased_weight + g.outside_weight == pytest.approx(1.0)
    # cell containing (0.25, 0.25) and (0.75, 0.25) nm holds 0.3, the one with (-0.4, -0.4) holds 0.3
    ix = int(math.floor((0.5 * NM_M - g.x0_m) / g.cell_m))
    iy = int(math.floor((0.25 * NM_M - g.y0_m) / g.cell_m))
    assert g.probability[iy, ix] == pytest.approx(0.3)
    assert g.cell_area_nm2 == pytest.approx(1.0)
    # a fixed extent leaves particles outside; their share is reported
    g2 = ProbabilityGrid.from_drift(ds, T0, cell_nm=0.5, extent_nm=0.5, centre=PROJ_CENTRE)
    assert g2.outside_weight == pytest.approx(0.2)


PROJ_CENTRE = (PROJ.lon0, PROJ.lat0)


def test_positions_interpolate_linearly_and_reject_times_outside():
    ds = drift_dataset([[0.0, 3600.0]], [[0.0, -1800.0]], [T0, T0 + 3600.0])
    pos = positions_at(ds, T0 + 900.0)
    x, y = PROJ.forward(pos.lon, pos.lat)
    assert x[0] == pytest.approx(900.0, abs=0.5) and y[0] == pytest.approx(-450.0, abs=0.5)
    near = positions_at(ds, T0 + 2000.0, interpolate=False)
    assert near.time_s == T0 + 3600.0
    with pytest.raises(SarexInputError, match="outside the drift output"):
        positions_at(ds, T0 + 3601.0)
    with pytest.raises(SarexInputError, match="outside the drift output"):
        ProbabilityGrid.from_drift(ds, "2026-01-14T23:00Z")


def test_containment_polygons_keep_holes_and_parts():
    mask = np.zeros((12, 14), bool)
    mask[1:6, 1:6] = True
    mask[3, 3] = False  # a hole
    mask[8:11, 9:13] = True  # a second part
    poly = mask_to_polygon_xy(mask, -7000.0, -6000.0, 1000.0)
    assert isinstance(poly, shapely.MultiPolygon) and len(poly.geoms) == 2
    assert sum(len(p.interiors) for p in poly.geoms) == 1
    assert poly.area == pytest.approx(mask.sum() * 1e6)
    # smallest set: the most probable cells first
    p = np.array([[0.4, 0.1], [0.3, 0.2]])
    assert containment_mask(p, 0.5).tolist() == [[True, False], [True, False]]
    assert containment_mask(p, 0.75).sum() == 3


def test_geojson_is_rfc7946(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(20000) * 3 * NM_M
    y = rng.standard_normal(20000) * 2 * NM_M
    g = ProbabilityGrid.from_drift(stationary_dataset(x, y), T0, cell_nm=0.5)
    areas = containment_areas(g)
    out = write_geojson(tmp_path / "a.geojson", containment_features(areas))
    fc = json.loads(out.read_text())
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 3
    for f, a in zip(fc["features"], areas):
        geom = shape(f["geometry"])
        polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        for pg in polys:
            assert LinearRing(pg.exterior.coords).is_ccw
            for hole in pg.interiors:
                assert not LinearRing(hole.coords).is_ccw
        lon, lat = np.asarray(polys[0].exterior.coords).T
        assert np.all((lon > 129.0) & (lon < 130.0)) and np.all((lat > 34.0) & (lat < 35.0))
        # geodesic area of the lon/lat outline equals the cell count times the cell area
        area_m2, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(geom)
        assert abs(area_m2) / NM_M**2 == pytest.approx(a.area_nm2, rel=2e-3)
        assert f["properties"]["level"] == a.level
    assert not list(tmp_path.glob(".*tmp"))


def test_netcdf_output_round_trip(tmp_path):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(5000) * NM_M
    y = rng.standard_normal(5000) * NM_M
    g = ProbabilityGrid.from_drift(stationary_dataset(x, y), T0, cell_nm=0.25)
    g.write_netcdf(tmp_path / "p.nc")
    ds = xr.load_dataset(tmp_path / "p.nc")
    assert ds["probability"].sum() == pytest.approx(1.0)
    assert ds.attrs["Conventions"] == "CF-1.8" and ds["crs"].attrs["grid_mapping_name"] == "lambert_azimuthal_equal_area"
    lon, lat = g.projection.inverse(ds["x"].values[3], ds["y"].values[2])
    assert ds["lon"].values[2, 3] == pytest.approx(float(lon), abs=1e-9)
    assert ds["lat"].values[2, 3] == pytest.approx(float(lat), abs=1e-9)
    c = ds["containment"].values
    assert np.nanmax(c) == pytest.approx(1.0) and np.nanmin(c) > 0


def test_iamsar_datum_closed_form():
    # a tight cloud drifting 0.5 m/s east for 8 h: drift 14.4 km; LKP error 1852 m
    n = 2000
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal(n) * 10.0
    y0 = rng.standard_normal(n) * 10.0
    t = np.arange(9) * 3600.0
    ds = drift_dataset(x0[:, None] + 0.5 * t[None, :], y0[:, None] + 0.0 * t[None, :], T0 + t, lkp_radius_m=1852.0)
    d = iamsar_datum(ds, T0 + 8 * 3600.0, y_nm=0.1)
    drift_nm = 0.5 * 8 * 3600.0 / NM_M
    assert d.drift_distance_nm == pytest.approx(drift_nm, rel=2e-3)
    e = math.sqrt(1.0**2 + 0.1**2 + (drift_nm / 8.0) ** 2)
    assert d.e_nm == pytest.approx(e, rel=2e-3)
    assert d.fs == 1.1 and d.radius_nm == pytest.approx(1.1 * e, rel=2e-3)
    assert d.area_nm2 == pytest.approx((2.0 * 1.1 * e) ** 2, rel=4e-3)
    area_m2, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(d.square)
    assert abs(area_m2) / NM_M**2 == pytest.approx(d.area_nm2, rel=2e-3)
    dx, _ = PROJ.forward(np.array([d.datum_lon]), np.array([d.datum_lat]))
    assert dx[0] == pytest.approx(0.5 * 8 * 3600.0, abs=2.0)
    assert iamsar_datum(ds, T0 + 8 * 3600.0, search_number=3).fs == 2.0


def test_smoothing_conserves_probability_and_adds_variance():
    # all probability in one cell: the smoothed 50 % area is that of a normal with σ = 1 nm
    pos = Positions(T0, np.array([PROJ.lon0]), np.array([PROJ.lat0]), np.zeros(1, np.int8), np.ones(1))
    g = ProbabilityGrid.from_positions(pos, cell_nm=0.1).smoothed(1.0)
    assert g.probability.sum() == pytest.approx(1.0, abs=1e-12)
    for a in containment_areas(g, (0.5, 0.9)):
        exact = 2.0 * math.pi * 1.0**2 * -math.log(1.0 - a.level)
        assert a.area_nm2 == pytest.approx(exact, rel=0.03)
    with pytest.raises(SarexInputError):
        g.smoothed(0.0)
