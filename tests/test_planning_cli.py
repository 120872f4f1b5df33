"""`sarex plan`: a complete plan folder, an unreachable unit listed, and one-line errors with no output."""

from __future__ import annotations

import json

import pytest
from planning_fixtures import NM, UNITS_TOML, static_normal_drift
from typer.testing import CliRunner

from sarex.cli import app
from sarex.io.driftfile import write_drift

runner = CliRunner()

FAR_UNIT = """
[[unit]]
id = "FAR-P3"
nation = "KR"
service = "ROK Navy"
type = "fixed-wing"
search_speed_kn = 180
transit_speed_kn = 300
endurance_h = 1.5
altitude_m = 300
start = [137.0, 38.5]
sweep_width_nm = 4.0
"""


@pytest.fixture(scope="module")
def drift_nc(tmp_path_factory):
    p = tmp_path_factory.mktemp("drift") / "drift.nc"
    write_drift(static_normal_drift(4 * NM, 3000, seed=2, hours=8), p)
    return p


def _args(drift, units, out, *extra):
    return ["plan", str(drift), "--units", str(units), "--start", "2026-01-15T07:00Z", "--hours", "4", "--out", str(out), "--no-coast", *extra]


def test_plan_cli_writes_everything_and_lists_unreachable_unit(tmp_path, drift_nc):
    units = tmp_path / "units.toml"
    units.write_text(UNITS_TOML + FAR_UNIT)
    out = tmp_path / "plan"
    r = runner.invoke(app, _args(drift_nc, units, out, "--seed", "3"), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {"plan.kml", "areas.geojson", "plan.json", "plan.png", "sap_en.txt", "sap_ko.txt", "sap_ja.txt", "routes"} <= names
    routes = {p.name for p in (out / "routes").iterdir()}
    assert routes == {"KR-DDG.gpx", "KR-DDG.rtz", "JP-HELO.gpx", "JP-PL.gpx", "JP-PL.rtz"}
    summary = json.loads((out / "plan.json").read_text())
    assert set(summary["unassigned"]) == {"FAR-P3"} and "endurance" in summary["unassigned"]["FAR-P3"]
    assert [u["unit"] for u in summary["units"]] and 0 < summary["total_pos"] <= summary["optimal_pos"] * 1.02
    assert "FAR-P3" in (out / "sap_en.txt").read_text() and "NOT ASSIGNED" in (out / "sap_en.txt").read_text()
    assert "total POS" in r.output and "FAR-P3 not assigned" in r.output
    # Same seed, same plan.
    out2 = tmp_path / "plan2"
    runner.invoke(app, _args(drift_nc, units, out2, "--seed", "3"), catch_exceptions=False)
    assert (out2 / "areas.geojson").read_text() == (out / "areas.geojson").read_text()


@pytest.mark.parametrize(
    "case, edit, extra, message",
    [
        ("unknown type", ('type = "surface-medium"', 'type = "hovercraft"'), [], "unit[2].type: 'hovercraft' is not a unit type"),
        ("duplicate id", ('id = "JP-PL"', 'id = "KR-DDG"'), [], "unit[2].id: 'KR-DDG' is a duplicate unit id"),
        ("negative speed", ("search_speed_kn = 90", "search_speed_kn = -90"), [], "unit[1].search_speed_kn: -90 must be > 0 (unit 'JP-HELO')"),
        ("negative endurance", ("endurance_h = 80", "endurance_h = -80"), [], "unit[2].endurance_h: -80"),
        ("period outside drift", None, ["--start", "2026-01-16T07:00Z"], "outside the drift's time span"),
        ("bad detection", None, ["--detection", "magic"], "--detection"),
        ("zero hours", None, ["--hours", "0"], "--hours"),
        ("missing drift", None, ["DRIFT", "/nonexistent/drift.nc"], "no such file"),
    ],
)
def test_plan_cli_bad_input(tmp_path, drift_nc, case, edit, extra, message):
    units = tmp_path / "units.toml"
    text = UNITS_TOML
    if edit:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    units.write_text(text)
    out = tmp_path / "plan"
    args = _args(drift_nc, units, out)
    extra = list(extra)
    if extra[:1] == ["DRIFT"]:
        args[1] = extra[1]
        extra = []
    for i in range(0, len(extra), 2):
        j = args.index(extra[i]) if extra[i] in args else None
        if j is None:
            args += extra[i : i + 2]
        else:
            args[j + 1] = extra[i + 1]
    r = runner.invoke(app, args, catch_exceptions=False)
    assert r.exit_code == 2, (case, r.output)
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), (case, r.output)
    assert message in lines[0], (case, lines[0])
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["units.toml"]


def test_plan_accepts_every_detection_name(tmp_path, drift_nc):
    """Defect 3: `plan --detection random` was refused while `search-update` took it; one name table now."""
    units = tmp_path / "units.toml"
    units.write_text(UNITS_TOML)
    out = tmp_path / "plan"
    r = runner.invoke(app, _args(drift_nc, units, out, "--detection", "random"), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert json.loads((out / "plan.json").read_text())["detection"] == "exponential"
