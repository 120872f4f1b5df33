"""The case CLI: check, map, drift --case; bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from case_data import POINT_AREA, one
from sarex.cli import app
from sarex.io.driftfile import read_drift

runner = CliRunner()
T = 'time = "2026-01-15T03:00Z"'


def _run(args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _file(tmp_path, text, name="case.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_check_map_and_drift(tmp_path, synth_nc):
    case = _file(tmp_path, POINT_AREA)
    r = _run(["case", "check", case])
    assert r.exit_code == 0 and "LKP from the skipper" in r.output and "0.700" in r.output
    png = tmp_path / "case.png"
    r = _run(["case", "map", case, "--out", png, "--particles", "300"])
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "drift.nc"
    r = _run(["drift", "--case", case, "--env", synth_nc, "--hours", "2", "--particles", "500", "--seed", "4", "--out", out])
    assert r.exit_code == 0, r.output
    ds = read_drift(out)
    assert json.loads(ds["scenario"].attrs["scenario_names"]) == ["LKP from the skipper", "On the fishing ground"]
    assert abs(float(ds["weight"].values[ds["scenario"].values == 1].sum()) - 0.3) < 1e-12
    assert "On the fishing ground" in r.output and "30.0 %" in r.output


BOW = "[[129.9, 34.9], [130.1, 35.1], [130.1, 34.9], [129.9, 35.1]]"
STATES0 = """
[[scenario.state]]
name = "a"
class = "LIFE-RAFT-NB-2"
sojourn_max_h = 0
next = [{state = "b", weight = 1.0}]
[[scenario.state]]
name = "b"
class = "PIW-1"
sojourn_min_h = 0
sojourn_max_h = 0
next = [{state = "a", weight = 1.0}]
"""
BAD = {
    "weights": (POINT_AREA.replace("weight = 0.3", "weight = 0.1"), "scenario.weight"),
    "polygon": (one(f'type = "area"\npolygon = {BOW}\n{T}'), "polygon"),
    "ellipse": (one(f'type = "point"\nlon = 129.7\nlat = 34.8\n{T}\nellipse = {{semi_major_m = 0, semi_minor_m = 0}}'), "ellipse.semi_major_m"),
    "bearings": (one('type = "bearings"\nstations = [{lon = 129.0, lat = 34.5, bearing_deg = 270, sd_deg = 2, max_range_nm = 50}, '
                     f'{{lon = 130.2, lat = 34.5, bearing_deg = 90, sd_deg = 2, max_range_nm = 50}}]\n{T}'), "never meet"),
    "voyage": (one('type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "2026-01-15T03:00Z"\nwaypoints = [[130.0, 35.0]]\n'
                   'arrival_time = "2026-01-15T02:00Z"'), "arrival_time"),
    "cycle": (one(f'type = "point"\nlon = 129.7\nlat = 34.8\n{T}\nradius_m = 100', objects='[{class = "LIFE-RAFT-NB-2", weight = 1.0}]') + STATES0,
              "cycle of zero duration"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_case_one_line_exit_2_nothing_written(tmp_path, synth_nc, kind):
    text, needle = BAD[kind]
    case = _file(tmp_path, text)
    out = tmp_path / "drift.nc"
    png = tmp_path / "case.png"
    for args in (["case", "check", case], ["case", "map", case, "--out", png],
                 ["drift", "--case", case, "--env", synth_nc, "--hours", "1", "--particles", "50", "--out", out]):
        r = _run(args)
        assert r.exit_code == 2, (args, r.output)
        lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
        assert len(lines) == 1 and needle in lines[0] and str(case) in lines[0].replace("\n", ""), r.output
        assert "Traceback" not in r.output
    assert not out.exists() and not png.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.toml"]


def test_case_and_lkp_options_conflict(tmp_path, synth_nc):
    case = _file(tmp_path, POINT_AREA)
    r = _run(["drift", "--case", case, "--lon", "129.6", "--env", synth_nc, "--out", tmp_path / "d.nc"])
    assert r.exit_code == 2 and "--lon" in r.output
