"""Source priority stacks, GRIB2 winds, `sarex env inspect` / `sarex env sample`, bad input (exit 2)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from forcing_data import LAMBERT, lambert_axes, roms_dataset, uniform_east_projected, write_grib_wind
from sarex.cli import app
from sarex.environment.base import FLAG_OK, FLAG_OUTSIDE
from sarex.environment.cf import open_environment, open_vector_field
from sarex.environment.constant import ConstantField
from sarex.environment.regular import RegularGridField
from sarex.environment.stack import StackedField, describe_counts, sample_counts
from sarex.errors import SarexInputError
from sarex.times import to_epoch_s

runner = CliRunner()
T0 = to_epoch_s("2026-05-01T00:00Z")


def _regular(lon0, lon1, lat0, lat1, u, v, times=None, name="f"):
    lon = np.linspace(lon0, lon1, 11)
    lat = np.linspace(lat0, lat1, 9)
    t = times if times is not None else np.array(["2026-05-01T00", "2026-05-01T06"], dtype="datetime64[ns]")
    shape = (t.size, lat.size, lon.size)
    da = lambda val, sn: xr.DataArray(np.full(shape, val), dims=("time", "lat", "lon"),
                                      coords={"time": t, "lat": ("lat", lat, {"standard_name": "latitude"}),
                                              "lon": ("lon", lon, {"standard_name": "longitude"})},
                                      attrs={"standard_name": sn})
    return RegularGridField(da(u, "eastward_wind"), da(v, "northward_wind"), name=name)


def _sample(field, lon, lat, t):
    n = len(lon)
    u, v, fl = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int8)
    field.sample(np.asarray(lon, float), np.asarray(lat, float), t, np.ones(n, bool), u, v, fl)
    return u, v, fl


def test_stack_priority_area_time_and_counts():
    coastal = _regular(129.0, 130.0, 34.0, 35.0, 1.0, 0.0, name="coastal")
    # The coastal model ends at 06Z; the regional one lasts until 12Z.
    regional = _regular(125.0, 135.0, 30.0, 40.0, 2.0, 0.5, name="regional",
                        times=np.array(["2026-05-01T00", "2026-05-01T12"], dtype="datetime64[ns]"))
    st = StackedField([coastal, regional])
    lon = [129.5, 129.9, 127.0, 140.0]
    lat = [34.5, 34.1, 33.0, 20.0]
    u, v, fl = _sample(st, lon, lat, T0 + 3600)
    assert list(fl) == [FLAG_OK, FLAG_OK, FLAG_OK, FLAG_OUTSIDE]
    assert list(u[:3]) == [1.0, 1.0, 2.0] and list(v[:3]) == [0.0, 0.0, 0.5]
    # After 06Z the coastal model has no data: everything inside falls to the regional one.
    u, _, fl = _sample(st, lon, lat, T0 + 9 * 3600)
    assert list(u[:3]) == [2.0, 2.0, 2.0] and fl[3] == FLAG_OUTSIDE
    c = st.sample_counts()
    assert c == {"coastal": 2, "regional": 4, "none": 2}
    assert sample_counts(st) == c and sample_counts(coastal) is None
    assert describe_counts(st) == "coastal 25.0 % (2), regional 50.0 % (4), none 25.0 % (2)"
    assert describe_counts(coastal) is None
    assert st.time_range() == (T0, T0 + 12 * 3600)


def test_stack_falls_through_land_cells(tmp_path):
    # ROMS land corner (NaN) is served by the constant background.
    p = tmp_path / "roms.nc"
    roms_dataset().to_netcdf(p)
    roms = open_vector_field(p, "current")
    bg = ConstantField(0.1, 0.2)
    st = StackedField([roms, bg])
    ds = roms_dataset()
    lon = [float(ds.lon_rho[2, 2]), float(ds.lon_rho[30, 40])]
    lat = [float(ds.lat_rho[2, 2]), float(ds.lat_rho[30, 40])]
    u, v, fl = _sample(st, lon, lat, T0)
    assert (fl == FLAG_OK).all()
    assert (u[0], v[0]) == (0.1, 0.2)
    assert abs(u[1] - 0.1) > 0.05  # the sea point came from ROMS
    assert st.sample_counts()[roms.name] == 1


def test_open_environment_with_file_lists(tmp_path):
    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    uniform_east_projected(LAMBERT, *lambert_axes(100, 10)).to_netcdf(a)
    uniform_east_projected(LAMBERT, *lambert_axes(600, 20), speed=5.0).to_netcdf(b)
    roms = tmp_path / "r.nc"
    roms_dataset().to_netcdf(roms)
    env = open_environment(wind=[a, b], current=roms, outside="fallback")
    assert isinstance(env.wind, StackedField)
    wu, wv, *_ = env.sample(np.array([127.0, 129.5]), np.array([38.0, 34.6]), T0 + 1800)
    assert wu[0] == pytest.approx(10.0, abs=1e-3) and wu[1] == pytest.approx(5.0, abs=1e-3)


def _grib(tmp_path, edition=2):
    pytest.importorskip("cfgrib")
    lon = np.arange(125.0, 135.01, 0.25)
    lat = np.arange(40.0, 29.99, -0.25)
    LO, LA = np.meshgrid(lon, lat)
    u = np.stack([5 + 0.1 * (LO - 125) + k for k in range(3)])
    v = np.stack([-2 + 0.2 * (LA - 30) - k for k in range(3)])
    if edition == 2:
        p = tmp_path / "gfs.grib2"
        write_grib_wind(p, lon, lat, u, v)
    else:  # ECMWF GRIB1 style: 10u/10v at typeOfLevel "surface"
        p = tmp_path / "ecmwf.grib"
        write_grib_wind(p, lon, lat, u, v, level=None, sample="regular_ll_sfc_grib1")
    return p


@pytest.mark.parametrize("edition", [2, 1])
def test_grib_10m_wind_sampled_in_space_and_time(tmp_path, edition):
    p = _grib(tmp_path, edition)
    f = open_vector_field(p, "wind")
    assert f.times.size == 3 and f.times[1] - f.times[0] == 3 * 3600
    u, v, fl = _sample(f, [129.3, 126.1, 140.0], [33.2, 38.0, 33.0], T0 + 4.5 * 3600)
    # Linear in lon/lat/time, so bilinear+linear sampling is exact up to 24-bit GRIB packing
    # (GRIB1 stores coordinates in millidegrees: 0.25° steps are exact).
    assert u[0] == pytest.approx(5 + 0.1 * 4.3 + 1.5, abs=1e-4)
    assert v[0] == pytest.approx(-2 + 0.2 * 3.2 - 1.5, abs=1e-4)
    assert u[1] == pytest.approx(5 + 0.1 * 1.1 + 1.5, abs=1e-4)
    assert fl[2] == FLAG_OUTSIDE


def test_grib_without_10m_wind_is_a_one_line_error(tmp_path):
    pytest.importorskip("cfgrib")
    lon = np.arange(125.0, 126.01, 0.5)
    lat = np.arange(35.0, 33.99, -0.5)
    z = np.zeros((1, lat.size, lon.size))
    p = tmp_path / "t2m.grib2"
    write_grib_wind(p, lon, lat, z + 280, z + 275, steps_h=(0,), short_names=("2t", "2d"), level=2)
    with pytest.raises(SarexInputError, match=r"t2m.grib2: variable 10u/10v: no 10 m wind .*found: 2t@heightAboveGround=2"):
        open_vector_field(p, "wind")
    # As the wind of a drift: one line naming file and variable, exit 2, no output file.
    cur = tmp_path / "roms.nc"
    roms_dataset().to_netcdf(cur)
    out = tmp_path / "d.nc"
    r = runner.invoke(app, ["drift", "--lon", "129.2", "--lat", "34.6", "--start", "2026-05-01T00Z", "--hours", "1",
                            "--particles", "10", "--no-coast", "--out", str(out), "--wind", str(p), "--current", str(cur)])
    assert r.exit_code == 2 and not out.exists()
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "t2m.grib2: variable 10u/10v: no 10 m wind" in lines[0], r.output
    r = runner.invoke(app, ["env", "sample", str(p), "--points", str(_points(tmp_path)), "--time", "2026-05-01T00Z", "--out", str(tmp_path / "o.csv")])
    # A file without wind is not a wind source: blank columns, not an error.
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(open(tmp_path / "o.csv")))
    assert all(row["wind_east_m_s"] == "" for row in rows)


def _points(tmp_path, rows=((129.2, 34.6), (127.0, 38.0), (150.0, 10.0))):
    p = tmp_path / "points.csv"
    p.write_text("lon,lat\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n")
    return p


def test_cli_sample_priority_and_blanks(tmp_path):
    g = _grib(tmp_path)
    lam = tmp_path / "lambert.nc"
    uniform_east_projected(LAMBERT, *lambert_axes(200, 10)).to_netcdf(lam)
    roms = tmp_path / "roms.nc"
    roms_dataset().to_netcdf(roms)
    out = tmp_path / "values.csv"
    r = runner.invoke(app, ["env", "sample", str(lam), str(g), str(roms), "--points", str(_points(tmp_path)),
                            "--time", "2026-05-01T03:00Z", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 3
    # Point 0 (129.2, 34.6) lies outside the small Lambert grid (±200 km around 127E 38N): GRIB wind.
    assert float(rows[0]["wind_east_m_s"]) == pytest.approx(5 + 0.1 * 4.2 + 1, abs=1e-3)
    assert "gfs.grib2" in rows[0]["wind_source"]
    # Point 1 (127, 38) is the Lambert grid's centre: its wind wins over GRIB.
    assert float(rows[1]["wind_east_m_s"]) == pytest.approx(10.0, abs=1e-3)
    assert "lambert.nc" in rows[1]["wind_source"]
    assert rows[0]["current_east_m_s"] != "" and rows[1]["current_east_m_s"] == ""
    assert all(rows[2][k] == "" for k in ("wind_east_m_s", "wind_north_m_s", "current_east_m_s", "current_north_m_s"))


def test_cli_inspect_reports_grid_crs_domain_time_and_unusable(tmp_path):
    lam = tmp_path / "lambert.nc"
    uniform_east_projected(LAMBERT, *lambert_axes(200, 10)).to_netcdf(lam)
    r = runner.invoke(app, ["env", "inspect", str(lam)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    out = r.output
    assert "x_wind" in out and "lambert_conformal_conic" in out and "+proj=lcc" in out
    assert "2026-05-01T00:00:00Z to 2026-05-01T06:00:00Z" in out and "3 h" in out
    assert "grid-relative, rotated to east/north" in out
    assert "cannot use current" in out and "no current variables found" in out
    roms = tmp_path / "roms.nc"
    roms_dataset().to_netcdf(roms)
    r = runner.invoke(app, ["env", "inspect", str(roms)], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "curvilinear" in r.output and "40x50" in r.output
    assert "s_rho = -0.166667 (level 3 of 3)" in r.output  # the top s-level


def _bad_files(tmp_path):
    x, y = lambert_axes(100, 20)
    no_gm = uniform_east_projected(LAMBERT, x, y, grid_mapping=False)
    p1 = tmp_path / "nogm.nc"
    no_gm.to_netcdf(p1)
    unknown = uniform_east_projected(LAMBERT, x, y)
    unknown["crs"].attrs = {"grid_mapping_name": "bonne_projection_of_doom", "longitude_of_central_meridian": 10.0}
    p2 = tmp_path / "unknown.nc"
    unknown.to_netcdf(p2)
    roms = roms_dataset().drop_vars("angle")
    p3 = tmp_path / "noangle.nc"
    roms.to_netcdf(p3)
    noname = uniform_east_projected(LAMBERT, x, y)
    noname["u"].attrs.pop("standard_name")
    noname["v"].attrs.pop("standard_name")
    p4 = tmp_path / "noname.nc"
    noname.to_netcdf(p4)
    return [
        (p1, "wind", None, r"nogm.nc: variable u: projected x/y axes 'x'/'y' but no grid_mapping"),
        (p2, "wind", None, r"unknown.nc: variable u: grid_mapping 'crs' \(bonne_projection_of_doom\) is not a projection"),
        (p3, "current", None, r"noangle.nc: variable u: grid-relative components .* no 'angle' variable"),
        (p4, "wind", "u,v", r"noname.nc: variable u: cannot tell whether the components are east/north or along the grid axes"),
    ]


def test_bad_input_one_line_exit_2_no_output(tmp_path):
    import re

    pts = _points(tmp_path)
    good = {"wind": tmp_path / "goodwind.nc", "current": tmp_path / "goodcurrent.nc"}
    uniform_east_projected(LAMBERT, *lambert_axes(600, 20)).to_netcdf(good["wind"])
    roms_dataset().to_netcdf(good["current"])
    for path, kind, names, pattern in _bad_files(tmp_path):
        with pytest.raises(SarexInputError, match=pattern):
            open_vector_field(path, kind, tuple(names.split(",")) if names else None)
        # The drift command reads files through open_environment: same message, exit 2, no traceback.
        out = tmp_path / f"{path.stem}.nc.out"
        other = "current" if kind == "wind" else "wind"
        opts = [f"--{kind}", str(path), f"--{other}", str(good[other])]
        if names:
            opts += [f"--{kind}-vars", names]
        r = runner.invoke(app, ["drift", "--lon", "127", "--lat", "38", "--start", "2026-05-01T00Z", "--hours", "1",
                                "--particles", "10", "--no-coast", "--out", str(out), *opts])
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output
        lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
        assert len(lines) == 1 and re.search(pattern, lines[0]), r.output
        assert not out.exists()
    # env sample on a file it cannot use at all: exit 2, no CSV.
    out = tmp_path / "v.csv"
    r = runner.invoke(app, ["env", "sample", str(tmp_path / "nogm.nc"), "--points", str(pts), "--time", "2026-05-01T00Z", "--out", str(out)])
    assert r.exit_code == 2 and "no grid_mapping" in r.output and not out.exists()
    r = runner.invoke(app, ["env", "sample", str(tmp_path / "nogm.nc"), "--points", str(tmp_path / "missing.csv"), "--time", "2026-05-01T00Z", "--out", str(out)])
    assert r.exit_code == 2 and not out.exists()


def test_grib_without_cfgrib_installed_says_so(tmp_path, monkeypatch):
    import sys

    p = tmp_path / "any.grib2"
    p.write_bytes(b"GRIB" + b"\0" * 100)
    monkeypatch.setitem(sys.modules, "cfgrib", None)  # import cfgrib now raises ImportError
    with pytest.raises(SarexInputError, match=r"any.grib2: reading GRIB needs the optional packages cfgrib and eccodes \(pip install 'sarex\[grib\]'\)"):
        open_vector_field(p, "wind")
