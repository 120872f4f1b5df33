"""Observed trajectories: every layout reads to the same tracks; bad tracks are one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sarex.errors import SarexInputError
from sarex.io.trajectories import read_trajectories

T0 = 1768435200.0  # 2026-01-15T00:00Z
# two drifters: A with 4 fixes hourly, B with 3 fixes half-hourly from 00:30
A = (T0 + 3600.0 * np.arange(4), np.array([129.0, 129.01, 129.02, 129.035]), np.array([34.0, 34.005, 34.01, 34.02]))
B = (T0 + 1800.0 + 1800.0 * np.arange(3), np.array([129.5, 129.49, 129.47]), np.array([34.5, 34.51, 34.53]))


def _t64(t):
    return (np.asarray(t) * 1e9).astype("datetime64[ns]")


def _check(tracks):
    assert [t.name for t in tracks] == ["A", "B"]
    for tr, (t, x, y) in zip(tracks, (A, B)):
        np.testing.assert_array_equal(tr.time_s, t)
        np.testing.assert_allclose(tr.lon, x, rtol=0, atol=1e-9)
        np.testing.assert_allclose(tr.lat, y, rtol=0, atol=1e-9)


def test_csv(tmp_path):
    p = tmp_path / "d.csv"
    rows = ["time,lon,lat,id"]
    for name, (t, x, y) in (("A", A), ("B", B)):
        for ti, xi, yi in zip(t, x, y):
            rows.append(f"{np.datetime_as_string(_t64(ti), unit='s')}Z,{float(xi)!r},{float(yi)!r},{name}")
    p.write_text("\n".join(rows) + "\n")
    _check(read_trajectories(p))


def test_opendrift_layout_time_dimension(tmp_path):
    t = T0 + 1800.0 * np.arange(7)
    lon = np.full((2, 7), np.nan)
    lat = np.full((2, 7), np.nan)
    lon[0, [0, 2, 4, 6]], lat[0, [0, 2, 4, 6]] = A[1], A[2]
    lon[1, [1, 2, 3]], lat[1, [1, 2, 3]] = B[1], B[2]
    ds = xr.Dataset(
        {"lon": (("trajectory", "time"), lon), "lat": (("trajectory", "time"), lat)},
        coords={"trajectory": ("trajectory", np.array(["A", "B"]), {"cf_role": "trajectory_id"}), "time": _t64(t)},
        attrs={"featureType": "trajectory", "Conventions": "CF-1.8"},
    )
    ds.to_netcdf(tmp_path / "od.nc")
    _check(read_trajectories(tmp_path / "od.nc"))


def test_trajan_2d_obs_layout(tmp_path):
    time = np.full((2, 4), np.nan)
    lon = np.full((2, 4), np.nan)
    lat = np.full((2, 4), np.nan)
    time[0], lon[0], lat[0] = A
    time[1, :3], lon[1, :3], lat[1, :3] = B
    ds = xr.Dataset(
        {
            "time": (("trajectory", "obs"), _t64(np.nan_to_num(time, nan=0)).astype("datetime64[ns]")),
            "lon": (("trajectory", "obs"), lon, {"standard_name": "longitude"}),
            "lat": (("trajectory", "obs"), lat, {"standard_name": "latitude"}),
            "drifter_names": (("trajectory",), np.array(["A", "B"]), {"cf_role": "trajectory_id"}),
        }
    )
    ds["time"].values[1, 3] = np.datetime64("NaT")
    ds.to_netcdf(tmp_path / "tj.nc")
    _check(read_trajectories(tmp_path / "tj.nc"))


def test_contiguous_ragged_layout(tmp_path):
    ds = xr.Dataset(
        {
            "time": (("obs",), _t64(np.concatenate([A[0], B[0]]))),
            "lon": (("obs",), np.concatenate([A[1], B[1]])),
            "lat": (("obs",), np.concatenate([A[2], B[2]])),
            "rowSize": (("trajectory",), np.array([4, 3]), {"sample_dimension": "obs"}),
            "id": (("trajectory",), np.array(["A", "B"]), {"cf_role": "trajectory_id"}),
        }
    )
    ds.to_netcdf(tmp_path / "rg.nc")
    _check(read_trajectories(tmp_path / "rg.nc"))


def test_gpx(tmp_path):
    import gpxpy.gpx

    g = gpxpy.gpx.GPX()
    for name, (t, x, y) in (("A", A), ("B", B)):
        trk = gpxpy.gpx.GPXTrack(name=name)
        seg = gpxpy.gpx.GPXTrackSegment()
        for ti, xi, yi in zip(t, x, y):
            from sarex.times import from_epoch_s

            seg.points.append(gpxpy.gpx.GPXTrackPoint(yi, xi, time=from_epoch_s(ti)))
        trk.segments.append(seg)
        g.tracks.append(trk)
    (tmp_path / "d.gpx").write_text(g.to_xml())
    _check(read_trajectories(tmp_path / "d.gpx"))


def test_sarex_drift_file_members(tmp_path):
    from sarex.drift import simulate
    from sarex.environment import Environment
    from sarex.environment.constant import ConstantField
    from sarex.io.driftfile import write_drift

    env = Environment(ConstantField(5.0, 0.0), ConstantField(0.1, 0.2))
    ds = simulate(env, "PIW-1", lon=129.0, lat=34.0, start=T0, hours=3, particles=4, coast=False)
    write_drift(ds, tmp_path / "f.nc")
    tracks = read_trajectories(tmp_path / "f.nc")
    assert len(tracks) == 4 and all(len(t) == 4 for t in tracks)
    np.testing.assert_array_equal(tracks[2].lon, ds["lon"].values[2])


@pytest.mark.parametrize(
    "body, why",
    [
        ("time,lon,lat\n2026-01-15T01:00Z,129,34\n2026-01-15T00:00Z,129.1,34\n", "times must increase"),
        ("time,lon,lat\n2026-01-15T01:00Z,129,34\n", "1 valid position(s)"),
        ("time,lon,lat\n2026-01-15T01:00Z,east,34\n2026-01-15T02:00Z,129,34\n", "'east' is not a number"),
        ("t,lon,lat\n", "no 'time' column"),
    ],
)
def test_bad_csv_is_one_line(tmp_path, body, why):
    p = tmp_path / "bad.csv"
    p.write_text(body)
    with pytest.raises(SarexInputError) as e:
        read_trajectories(p)
    assert why in str(e.value) and "bad.csv" in str(e.value) and "\n" not in str(e.value)
