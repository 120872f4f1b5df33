"""CLI: sarex probability and sarex search-update, including bad input (issue 4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import gpxpy.gpx
import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sarex.cli import app
from sarex.io.driftfile import read_drift, searches_applied, write_drift
from search_synthetic import PROJ, T0, drift_dataset

runner = CliRunner()
W = 1852.0


@pytest.fixture(scope="module")
def drift_file(tmp_path_factory):
    rng = np.random.default_rng(9)
    n = 4000
    t = T0 + 3600.0 * np.arange(7)
    x0 = rng.standard_normal(n) * 2 * W
    y0 = rng.standard_normal(n) * 2 * W
    ds = drift_dataset(x0[:, None] + 0.4 * (t - T0), y0[:, None] + 0.1 * (t - T0), t, lkp_radius_m=1852.0)
    p = tmp_path_factory.mktemp("cli") / "drift.nc"
    write_drift(ds, p)
    return p


def _gpx(path, xs, ys, start, minutes_per_point=6.0):
    g = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack(name="sru")
    seg = gpxpy.gpx.GPXTrackSegment()
    trk.segments.append(seg)
    g.tracks.append(trk)
    lon, lat = PROJ.inverse(np.asarray(xs, float), np.asarray(ys, float))
    for k, (lo, la) in enumerate(zip(lon, lat)):
        seg.points.append(gpxpy.gpx.GPXTrackPoint(float(la), float(lo), time=start + timedelta(minutes=minutes_per_point * k)))
    path.write_text(g.to_xml())
    return path


START = datetime(2026, 1, 15, 2, 0, tzinfo=timezone.utc)


def _one_line_error(result):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1
    assert "Traceback" not in result.output
    return err


def test_probability_command_writes_grid_geojson_and_plot(drift_file, tmp_path):
    out, gj, png = tmp_path / "p.nc", tmp_path / "a.geojson", tmp_path / "p.png"
    r = runner.invoke(app, ["probability", str(drift_file), "--time", "2026-01-15T03:30Z", "--cell-nm", "0.5", "--out", str(out),
                            "--geojson", str(gj), "--plot", str(png), "--levels", "0.5,0.9", "--no-coast"])
    assert r.exit_code == 0, r.output
    ds = xr.load_dataset(out)
    assert float(ds["probability"].sum()) == pytest.approx(1.0)
    fc = json.loads(gj.read_text())
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("containment") == 2 and "iamsar-square" in kinds and "iamsar-datum" in kinds
    assert png.stat().st_size > 10000 and png.read_bytes()[:4] == b"\x89PNG"
    assert "90 % containment" in r.stdout and "R = fs·E" in r.stdout


def test_search_update_prints_pos_and_chains(drift_file, tmp_path):
    gpx = _gpx(tmp_path / "u.gpx", [-3 * W, 3 * W, 3 * W, -3 * W], [0.0, 0.0, W, W], START, 10.0)
    out1 = tmp_path / "u1.nc"
    r = runner.invoke(app, ["search-update", str(drift_file), "--track", str(gpx), "--sweep-width-nm", "1.0", "--model", "inverse-cube", "--out", str(out1)])
    assert r.exit_code == 0, r.output
    assert "POS of this search" in r.stdout and "cumulative POS" in r.stdout
    out2 = tmp_path / "u2.nc"
    r2 = runner.invoke(app, ["search-update", str(out1), "--track", str(gpx), "--track", str(gpx), "--sweep-width-category",
                             "auto:helicopter:300", "--model", "random", "--out", str(out2)])
    assert r2.exit_code == 0, r2.output
    rec = searches_applied(read_drift(out2))
    assert len(rec) == 2 and len(rec[1]["units"]) == 2
    assert rec[1]["units"][0]["sweep_width_nm"] == pytest.approx(2.3)  # raft-4 (LIFE-RAFT-DB-11), helicopter 300 m, 10 nm
    assert rec[1]["cumulative_pos"] > rec[0]["cumulative_pos"] > 0.05


def test_bad_inputs_exit_2_with_one_line_and_no_output(drift_file, tmp_path):
    out = tmp_path / "never.nc"
    good = _gpx(tmp_path / "g.gpx", [-W, W], [0.0, 0.0], START)
    late = _gpx(tmp_path / "late.gpx", [-W, W], [0.0, 0.0], START + timedelta(days=2))
    empty = tmp_path / "empty.gpx"
    empty.write_text(gpxpy.gpx.GPX().to_xml())
    cases = [
        (["search-update", str(drift_file), "--track", str(late), "--sweep-width-nm", "1", "--out", str(out)], "outside the"),
        (["search-update", str(drift_file), "--track", str(empty), "--sweep-width-nm", "1", "--out", str(out)], "no track or route points"),
        (["search-update", str(drift_file), "--track", str(good), "--sweep-width-nm", "0", "--out", str(out)], "must be > 0"),
        (["search-update", str(drift_file), "--track", str(good), "--sweep-width-nm", "-2", "--out", str(out)], "must be > 0"),
        (["search-update", str(drift_file), "--track", str(good), "--sweep-width-nm", "1", "--model", "sonar", "--out", str(out)], "detection model"),
        (["search-update", str(drift_file), "--track", str(good), "--sweep-width-category", "piw:submarine", "--out", str(out)], "platform"),
        (["probability", str(drift_file), "--time", "2026-01-16T12:00Z", "--out", str(out)], "outside the drift output"),
        (["probability", str(drift_file), "--time", "2026-01-15T03:00Z", "--cell-nm", "0", "--out", str(out)], "cell size"),
        (["probability", str(drift_file), "--time", "2026-01-15T03:00Z", "--levels", "0.5,1.5", "--out", str(out)], "--levels"),
    ]
    for args, needle in cases:
        r = runner.invoke(app, args)
        err = _one_line_error(r)
        assert needle in err, (args, err)
        assert not out.exists()
        assert not list(tmp_path.glob(".never.nc.*"))


def test_one_detection_name_table_and_option_for_both_commands(drift_file, tmp_path):
    """Defect 3: `search-update --detection random` (and the old `--model random`) are one model, the one `plan` takes."""
    from sarex.search.podmodel import MODEL_NAMES, DetectionModel

    gpx = _gpx(tmp_path / "u.gpx", [-3 * W, 3 * W, 3 * W, -3 * W], [0.0, 0.0, W, W], START, 10.0)
    outs = {}
    for opt in ("--detection", "--model"):
        for name in ("random", "exponential"):
            out = tmp_path / f"{opt[2:]}_{name}.nc"
            r = runner.invoke(app, ["search-update", str(drift_file), "--track", str(gpx), "--sweep-width-nm", "1.0", opt, name, "--out", str(out)])
            assert r.exit_code == 0, r.output
            outs[(opt, name)] = read_drift(out)["weight"].values
    ref = outs[("--detection", "exponential")]
    assert all(np.array_equal(w, ref) for w in outs.values())
    assert searches_applied(read_drift(tmp_path / "detection_random.nc"))[0]["units"][0]["model"] == "exponential"
    # the default is the same model as plan's default
    r = runner.invoke(app, ["search-update", str(drift_file), "--track", str(gpx), "--sweep-width-nm", "1.0", "--out", str(tmp_path / "d.nc")])
    assert r.exit_code == 0 and np.array_equal(read_drift(tmp_path / "d.nc")["weight"].values, ref)
    # one code per model for every kernel: the names of each model map to one enum member
    assert {m.label for m in MODEL_NAMES.values()} == {"definite", "inverse-cube", "exponential"}
    assert DetectionModel.parse("random") is DetectionModel.EXPONENTIAL
