"""The drift CLI: a working run, and one-line errors with exit code 2 and no output for bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sarex.cli import app
from sarex.io.driftfile import read_drift

runner = CliRunner()
BASE = ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00Z", "--hours", "3", "--particles", "200", "--object", "LIFE-RAFT-NB-2"]


def _run(args):
    return runner.invoke(app, args, catch_exceptions=False)


def test_drift_cli_writes_file_and_plot(tmp_path, synth_nc):
    out = tmp_path / "drift.nc"
    png = tmp_path / "drift.png"
    r = _run(BASE + ["--env", synth_nc, "--out", str(out), "--plot", str(png), "--seed", "9"])
    assert r.exit_code == 0, r.output
    ds = read_drift(out)
    assert ds.sizes == {"trajectory": 200, "time": 4}
    assert ds.attrs["object_class"] == "LIFE-RAFT-NB-2" and ds.attrs["seed"] == 9
    assert ds.attrs["Conventions"] == "CF-1.8" and ds.attrs["featureType"] == "trajectory"
    assert ds.trajectory.attrs["cf_role"] == "trajectory_id"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "centroid" in r.output and "spread" in r.output
    # Same command, same seed: identical file contents.
    out2 = tmp_path / "drift2.nc"
    _run(BASE + ["--env", synth_nc, "--out", str(out2), "--seed", "9"])
    np.testing.assert_array_equal(read_drift(out2).lon.values, ds.lon.values)


def _nan_file(tmp_path, synth_nc):
    ds = xr.open_dataset(synth_nc).load()
    sel = dict(lon=slice(129.4, 129.8), lat=slice(34.7, 35.1))
    ds["x_sea_water_velocity"].loc[sel] = np.nan
    ds["y_sea_water_velocity"].loc[sel] = np.nan
    p = tmp_path / "nan.nc"
    ds.to_netcdf(p)
    return p


def _wind_only(tmp_path, synth_nc):
    p = tmp_path / "windonly.nc"
    xr.open_dataset(synth_nc)[["x_wind", "y_wind"]].to_netcdf(p)
    return p


@pytest.mark.parametrize(
    "case, extra, message",
    [
        ("missing file", ["--env", "/nonexistent/env.nc"], "no such file"),
        ("not netcdf", ["--env", "TEXT"], "cannot be read as NetCDF"),
        ("no current", ["--env", "WINDONLY"], "no current variables found"),
        ("unknown object", ["--env", "SYNTH", "--object", "LIFE-RAFT-XX"], "unknown Leeway object class"),
        ("lkp on land", ["--env", "SYNTH", "--lon", "129.06", "--lat", "35.16"], "is on land"),
        ("lkp outside env", ["--env", "SYNTH", "--lon", "125.0"], "LKP outside the environment"),
        ("start before file", ["--env", "SYNTH", "--start", "2026-01-10T00:00Z"], "outside the time range"),
        ("run past file end", ["--env", "SYNTH", "--hours", "200"], "ends at"),
        ("zero particles", ["--env", "SYNTH", "--particles", "0"], "particles: 0 must be > 0"),
        ("negative hours", ["--env", "SYNTH", "--hours", "-2"], "hours: -2.0 must be > 0"),
        ("zero hours", ["--env", "SYNTH", "--hours", "0"], "hours: 0.0 must be > 0"),
        ("nan at lkp", ["--env", "NAN", "--no-coast"], "NaN"),
        ("bad time", ["--env", "SYNTH", "--start", "yesterday"], "not an ISO 8601 time"),
        ("bad policy", ["--env", "SYNTH", "--outside", "ignore"], "--outside"),
    ],
)
def test_drift_cli_bad_input(tmp_path, synth_nc, case, extra, message):
    text = tmp_path / "text.nc"
    text.write_text("this is not netcdf")
    subst = {"SYNTH": synth_nc, "TEXT": str(text), "WINDONLY": str(_wind_only(tmp_path, synth_nc)) if "WINDONLY" in extra else "",
             "NAN": str(_nan_file(tmp_path, synth_nc)) if "NAN" in extra else ""}
    extra = [subst.get(a, a) for a in extra]
    args = list(BASE)
    for i in range(0, len(extra)):
        if extra[i].startswith("--") and extra[i] in args and i + 1 < len(extra) and not extra[i + 1].startswith("--"):
            j = args.index(extra[i])
            args[j + 1] = extra[i + 1]
    args += [a for k, a in enumerate(extra) if not (a in BASE or (k > 0 and extra[k - 1] in BASE))]
    out = tmp_path / "out.nc"
    r = _run(args + ["--out", str(out)])
    assert r.exit_code == 2, (case, r.output)
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), (case, r.output)
    assert message in lines[0], (case, lines[0])
    assert "Traceback" not in r.output
    assert not out.exists() and not any(p.name.startswith(".out.nc") for p in tmp_path.iterdir())


def test_drift_cli_with_prioritised_wind_sources(tmp_path, synth_nc):
    """Two wind files: the small one serves particles inside it, the large one the rest; the summary says so."""
    ds = xr.open_dataset(synth_nc)
    small = ds[["x_wind", "y_wind"]].sel(lon=slice(129.4, 129.8), lat=slice(34.7, 35.1))
    small.to_netcdf(tmp_path / "coastal.nc")
    ds[["x_wind", "y_wind"]].to_netcdf(tmp_path / "regional.nc")
    out = tmp_path / "d.nc"
    r = _run(BASE + ["--wind", str(tmp_path / "coastal.nc"), "--wind", str(tmp_path / "regional.nc"), "--current", synth_nc,
                     "--out", str(out), "--hours", "6", "--radius-m", "3000"])
    assert r.exit_code == 0, r.output
    import re

    text = " ".join(re.sub(r"[│┃|]", " ", r.output).split())  # undo the table's line wrapping
    assert "wind sources" in text
    coastal = float(re.search(r"coastal\.nc: x_wind, y_wind\) ([0-9.]+) %", text).group(1))
    regional = float(re.search(r"regional\.nc: x_wind, y_wind\) ([0-9.]+) %", text).group(1))
    assert abs(coastal + regional - 100.0) < 0.2
    assert 50 < coastal < 100  # most samples near the LKP come from the coastal file, some from the regional one


def test_drift_continue_keeps_weights_and_searches_with_a_new_forecast(tmp_path, synth_nc, monkeypatch):
    """drift → search → continue with a forecast that starts later: weights and the search record carry over."""
    from sarex.environment.synthetic import korea_strait_dataset
    from sarex.io.driftfile import searches_applied, write_drift
    from sarex.search.bayes import apply_search
    from sarex.search.detection import SearchUnit
    from sarex.io.track import Track

    first = tmp_path / "d.nc"
    assert _run(BASE + ["--env", synth_nc, "--out", str(first), "--hours", "6", "--radius-m", "3000"]).exit_code == 0
    ds = read_drift(first)
    t = ds.time.values.astype("datetime64[ns]").astype(np.int64) / 1e9
    trk = Track(np.array([129.70, 129.70]), np.array([34.80, 34.95]), np.array([t[2], t[4]]), "unit")
    upd = apply_search(ds, [SearchUnit(trk, 1852.0)]).dataset
    write_drift(upd, tmp_path / "upd.nc")
    new_forecast = tmp_path / "f2.nc"
    korea_strait_dataset("2026-01-15T12:00Z", days=1).to_netcdf(new_forecast)  # starts at the file's last time
    out = tmp_path / "cont.nc"
    from sarex.report import driftmap

    figs = []
    monkeypatch.setattr(driftmap.plt, "close", lambda fig=None: figs.append(fig))
    r = _run(["drift-continue", str(tmp_path / "upd.nc"), "--hours", "6", "--env", str(new_forecast), "--out", str(out),
              "--plot", str(tmp_path / "cont.png")])
    assert r.exit_code == 0, r.output
    # the continued drift's map shows the search applied: the unit's track (129.70E, 34.80→34.95N), labelled with its window
    ax = figs[0].axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("search 1 ("))
    np.testing.assert_allclose(np.c_[line.get_xdata(), line.get_ydata()], [[129.70, 34.80], [129.70, 34.95]])
    assert "searches applied: 1" in ax.get_title() and "continued from 2026-01-15 12:00" in ax.get_title()
    res = read_drift(out)
    assert res.sizes["time"] == ds.sizes["time"] + 6
    np.testing.assert_array_equal(res.weight.values, upd.weight.values)
    np.testing.assert_array_equal(res.lon.values[:, : ds.sizes["time"]], ds.lon.values)
    assert len(searches_applied(res)) == 1
    moved = np.nanmean(np.abs(res.lon.values[:, -1] - res.lon.values[:, ds.sizes["time"] - 1]))
    assert moved > 0.01  # it did drift on
    # A forecast that does not reach the continuation: one line, exit 2, no output.
    bad = _run(["drift-continue", str(tmp_path / "upd.nc"), "--hours", "30", "--env", str(new_forecast), "--out", str(tmp_path / "x.nc")])
    assert bad.exit_code == 2 and "ends at" in bad.output and not (tmp_path / "x.nc").exists()
