"""Environment layer: exact interpolation, file reading, domain policies, coastline."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from linear_field import linear_field_dataset
from sarex.environment import ConstantField, Environment, OutsidePolicy, RegularGridField, open_environment
from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE
from sarex.environment.coast import Coastline
from sarex.environment.synthetic import korea_strait_dataset, korea_strait_fields
from sarex.errors import OutsideDomainError, SarexInputError

T0 = 1768435200.0  # 2026-01-15T00:00Z


def _sample(field, lon, lat, t):
    n = lon.size
    u, v, f = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8)
    field.sample(lon, lat, t, np.ones(n, dtype=bool), u, v, f)
    return u, v, f


def test_linear_field_sampled_exactly():
    """Bilinear in space + linear in time reproduces a field linear in lon, lat, t exactly."""
    lon = np.linspace(127.0, 132.0, 23)  # non-uniform spacing below on purpose
    lon[5] += 0.03
    lat = np.linspace(32.0, 37.0, 17)
    times = T0 + 3600.0 * np.array([0, 1, 2, 4, 7, 12])
    cu, cv = (0.3, 0.02, -0.01, 0.005), (-0.2, -0.015, 0.03, -0.002)
    ds = linear_field_dataset(cu, cv, lon, lat, times)
    fld = RegularGridField(ds["u"], ds["v"], name="lin", window_steps=2, margin_deg=0.3)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.uniform(127.0, 132.0, 2000)
        y = rng.uniform(32.0, 37.0, 2000)
        t = float(rng.uniform(times[0], times[-1]))
        u, v, f = _sample(fld, x, y, t)
        th = (t - times[0]) / 3600.0
        assert np.all(f == FLAG_OK)
        np.testing.assert_allclose(u, cu[0] + cu[1] * x + cu[2] * y + cu[3] * th, rtol=0, atol=1e-12)
        np.testing.assert_allclose(v, cv[0] + cv[1] * x + cv[2] * y + cv[3] * th, rtol=0, atol=1e-12)
    assert fld.loads >= 2  # the time window slid: data were read window by window


def test_descending_latitude_and_0_360_longitude():
    lon = np.arange(120.0, 140.01, 0.5)  # 0..360 convention is fine here
    lat = np.arange(40.0, 29.99, -0.5)  # descending, as in many GRIB-derived files
    times = T0 + 3600.0 * np.arange(3)
    ds = linear_field_dataset((1.0, 0.01, 0.02, 0.0), (0.0, 0.0, 0.1, 0.0), lon, lat, times)
    fld = RegularGridField(ds["u"], ds["v"], name="desc")
    x = np.array([129.25, 131.1])
    y = np.array([34.3, 35.77])
    u, v, f = _sample(fld, x, y, T0 + 1800)
    np.testing.assert_allclose(u, 1.0 + 0.01 * x + 0.02 * y, atol=1e-12)
    np.testing.assert_allclose(v, 0.1 * y, atol=1e-12)


def test_outside_and_nan_flags():
    lon = np.arange(128.0, 130.01, 0.25)
    lat = np.arange(33.0, 35.01, 0.25)
    times = T0 + 3600.0 * np.arange(2)
    ds = linear_field_dataset((1, 0, 0, 0), (0, 0, 0, 0), lon, lat, times)
    ds["u"][:, 4:6, 4:6] = np.nan  # a 2x2 block of missing data around 129.0-129.25E, 34.0-34.25N
    fld = RegularGridField(ds["u"], ds["v"], name="holes")
    x = np.array([127.5, 129.1, 128.2, 129.26])
    y = np.array([34.0, 34.1, 33.3, 34.1])
    u, v, f = _sample(fld, x, y, T0)
    assert list(f) == [FLAG_OUTSIDE, FLAG_NAN, FLAG_OK, FLAG_OK]
    assert u[2] == pytest.approx(1.0) and u[3] == pytest.approx(1.0)  # partial NaN corners renormalised


def test_environment_policies():
    wind = RegularGridField(*[linear_field_dataset((5, 0, 0, 0), (0, 0, 0, 0), np.arange(128, 130.1, 0.5), np.arange(33, 35.1, 0.5), T0 + 3600.0 * np.arange(2))[k] for k in ("u", "v")], name="wind")
    cur = ConstantField(0.1, 0.2, name="current")
    x = np.array([129.0, 131.0])
    y = np.array([34.0, 34.0])
    env = Environment(wind, cur)
    with pytest.raises(OutsideDomainError, match=r"wind: point lon=131\.00000 lat=34\.00000 .* outside the field's domain"):
        env.sample(x, y, T0)
    env = Environment(wind, cur, OutsidePolicy.FALLBACK, wind_fallback=(1.5, -2.0))
    wu, wv, cu, cv, left = env.sample(x, y, T0)
    assert (wu[1], wv[1]) == (1.5, -2.0) and wu[0] == pytest.approx(5.0) and not left.any()
    env = Environment(wind, cur, OutsidePolicy.DEACTIVATE)
    *_, left = env.sample(x, y, T0)
    assert list(left) == [False, True]
    with pytest.raises(OutsideDomainError, match="outside the field's time range"):
        Environment(wind, cur).sample(x[:1], y[:1], T0 + 7200.0)


def test_synthetic_field_properties():
    """Winter NW monsoon 8-12 m/s, NE-ward Tsushima Warm Current of a few tenths of m/s, M2 tide."""
    ds = korea_strait_dataset("2026-01-15T00:00Z", days=3)
    spd = np.hypot(ds.x_wind, ds.y_wind)
    assert 8.0 - 1e-4 <= float(spd.min()) and float(spd.max()) <= 12.0 + 1e-4
    direction_from = (np.degrees(np.arctan2(-ds.x_wind, -ds.y_wind)) % 360).values
    assert 280 < np.median(direction_from) < 350  # from the north-west
    # Tidally averaged current at the strait centre flows north-east at 0.2-0.5 m/s.
    t = T0 + np.arange(0, 25 * 3600 * 2, 600.0)
    _, _, cu, cv = korea_strait_fields(np.full(t.size, 129.3), np.full(t.size, 34.4), t)
    mean_u, mean_v = cu.mean(), cv.mean()
    assert 0.2 < np.hypot(mean_u, mean_v) < 0.5
    assert 20 < np.degrees(np.arctan2(mean_u, mean_v)) < 70
    # M2: the along-axis residual has its spectral peak at 12.42 h.
    along = cu * np.sin(np.radians(45)) + cv * np.cos(np.radians(45))
    spec = np.abs(np.fft.rfft(along - along.mean()))
    freqs = np.fft.rfftfreq(along.size, d=600.0)
    assert 1 / freqs[np.argmax(spec)] / 3600 == pytest.approx(12.42, rel=0.05)
    # Deterministic for any start: the same instant gives the same values.
    a = korea_strait_dataset("2026-01-15T00:00Z", days=1).x_wind.sel(time="2026-01-15T12:00").values
    b = korea_strait_dataset("2026-01-15T07:00Z", days=1).x_wind.sel(time="2026-01-15T12:00").values
    np.testing.assert_array_equal(a, b)
    c = korea_strait_dataset("2026-01-15T00:00Z", days=1, variant=3).x_wind.sel(time="2026-01-15T12:00").values
    assert np.abs(a - c).max() > 0.1


def test_open_environment_separate_files(tmp_path, synth_nc):
    ds = xr.open_dataset(synth_nc)
    wind = ds[["x_wind", "y_wind"]].isel(time=slice(None, None, 3))  # 3-hourly wind
    cur = ds[["x_sea_water_velocity", "y_sea_water_velocity"]].isel(lon=slice(None, None, 2), lat=slice(None, None, 2))
    wind.to_netcdf(tmp_path / "w.nc")
    cur.to_netcdf(tmp_path / "c.nc")
    env = open_environment(wind=tmp_path / "w.nc", current=tmp_path / "c.nc")
    wu, wv, cu, cv, _ = env.sample(np.array([129.3]), np.array([34.4]), T0 + 3 * 3600.0)
    ref = ds.interp(lon=129.3, lat=34.4, time=np.datetime64("2026-01-15T03:00"))
    assert wu[0] == pytest.approx(float(ref.x_wind), abs=1e-5)
    assert cv[0] == pytest.approx(float(ref.y_sea_water_velocity), abs=0.02)  # coarser current grid
    with pytest.raises(SarexInputError, match="no current variables found"):
        open_environment(wind=tmp_path / "w.nc", current=tmp_path / "w.nc")
    env2 = open_environment(env=synth_nc, wind_vars=("x_wind", "y_wind"))
    assert "x_wind" in env2.wind.name


def test_coastline_accelerator_matches_exact_mask():
    """The local raster shortcut answers exactly like roaring-landmask's exact polygons."""
    from roaring_landmask import RoaringLandmask

    coast = Coastline(bbox=(127.5, 32.5, 131.5, 36.5))
    rng = np.random.default_rng(7)
    x = rng.uniform(127.0, 132.0, 300_000)  # some points outside the raster on purpose
    y = rng.uniform(32.0, 37.0, 300_000)
    exact = np.asarray(RoaringLandmask.new().contains_many(x, y), dtype=bool)
    np.testing.assert_array_equal(coast.on_land(x, y), exact)
    assert 0.1 < exact.mean() < 0.6
    # Busan city is land, the middle of the Korea Strait west channel is sea.
    assert coast.on_land(np.array([129.06, 129.0]), np.array([35.16, 34.75])).tolist() == [True, False]
