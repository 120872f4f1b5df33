"""Scenario file: loading, validation messages, and the participants' view that never reveals the truth."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sarex.cli import app
from sarex.errors import SarexInputError
from sarex.exercise.scenario import builtin_scenario_path, check_environments, load_scenario
from sarex.times import iso

BUILTIN = builtin_scenario_path()


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = BUILTIN.read_text()
    assert old in text, old
    return _write(tmp_path, text.replace(old, new, 1))


def test_builtin_scenario_loads():
    sc = load_scenario("korea-japan")
    assert [n.code for n in sc.nations] == ["KOR", "JPN"]  # ROK normalised to ISO alpha-3
    assert sc.on_scene_coordinator == "ROK-DDH-1"
    assert {u.nation for u in sc.resolved_units()} == {"KOR", "JPN"}
    assert sc.truth.environment.variant != sc.forecast.variant  # truth drifts in a different field
    assert sc.truth.object_class != sc.reported.object_class
    # 24-48 h exercise: last period end capped by max_hours = 48 after the report
    hours = (sc.end_time_s - sc.reported.time) / 3600.0
    assert 24.0 <= hours <= 48.0
    assert iso(sc.periods[0].start) == "2026-02-11T00:00:00Z"
    check_environments(sc)
    # the scenario's units are the planner's Unit model, validated on load
    assert sc.resolved_units()[0].start == (129.10, 35.05) and sc.resolved_units()[0].mmsi == 440900001


@pytest.mark.parametrize(
    "old,new,expect",
    [
        ('radius_m = 3704.0 ', 'radius_m = 3704.0\nradius_nm = 2 ', r"reported\.radius_nm: unknown field"),
        ('object_class = "PIW-2"', 'object_class = "RAFT-XYZ"', r"truth\.object_class: 'RAFT-XYZ'"),
        ('nation = "JPN"\nservice = "JMSDF"\ntype = "surface-large"', 'nation = "USA"\nservice = "JMSDF"\ntype = "surface-large"', r"units\[3\]\.nation: 'USA' is not one of the scenario's nations"),
        ('on_scene_coordinator = "ROK-DDH-1"', 'on_scene_coordinator = "ROK-XX"', r"on_scene_coordinator: 'ROK-XX' is not a unit id"),
        ('time = "2026-02-10T20:47:00Z"', 'time = "2026-02-11T03:00:00Z"', r"truth\.time: '2026-02-11T03:00:00Z' is after the first search period"),
        ('start = "2026-02-11T06:00:00Z"', 'start = "2026-02-11T05:00:00Z"', r"periods\[1\]\.start: '2026-02-11T05:00:00Z' overlaps"),
        ('duration_h = 6\n', 'duration_h = -6\n', r"periods\[0\]\.duration_h: -6 "),
        ('lat = 34.8412', 'lat = "north"', r"truth\.lat: 'north'"),
        ('time = "2026-02-10T21:30:00Z"', 'time = "yesterday"', r"reported\.time: 'yesterday' is not an ISO 8601 time"),
        ('synthetic = true\nvariant = 7', 'variant = 7', r"truth\.environment: give either synthetic = true"),
    ],
)
def test_validation_messages_name_file_field_value(tmp_path, old, new, expect):
    p = _variant(tmp_path, old, new)
    with pytest.raises(SarexInputError, match=expect) as ei:
        load_scenario(p)
    msg = str(ei.value)
    assert msg.startswith(str(p)) and "\n" not in msg


def test_missing_section_and_bad_toml(tmp_path):
    text = BUILTIN.read_text()
    head, _ = text.split("\n[truth]\n")
    with pytest.raises(SarexInputError, match=r"s\.toml: truth: missing"):
        load_scenario(_write(tmp_path, head))
    with pytest.raises(SarexInputError, match="not valid TOML"):
        load_scenario(_write(tmp_path, "name = ", "b.toml"))
    with pytest.raises(SarexInputError, match="no such scenario file"):
        load_scenario(tmp_path / "none.toml")


def test_units_file(tmp_path):
    raw = tomllib.loads(BUILTIN.read_text())
    text = BUILTIN.read_text()
    # move the units to a file: same units come back
    body = text.split("[[units]]")
    units_text = "[[units]]" + "[[units]]".join(body[1:]).split("[[periods]]")[0]
    scen = body[0].replace('on_scene_coordinator = "ROK-DDH-1"', 'on_scene_coordinator = "ROK-DDH-1"\nunits_file = "units.toml"')
    scen += "[[periods]]" + "[[periods]]".join(text.split("[[periods]]")[1:])
    _write(tmp_path, units_text, "units.toml")
    sc = load_scenario(_write(tmp_path, scen))
    assert [u.id for u in sc.resolved_units()] == [u["id"] for u in raw["units"]]
    (tmp_path / "units.toml").unlink()
    with pytest.raises(SarexInputError, match=r"units_file: '.*units\.toml' does not exist"):
        load_scenario(tmp_path / "s.toml")


def test_truth_outside_environment(tmp_path):
    # truth start outside a file environment's time range
    from sarex.environment.synthetic import korea_strait_dataset

    env = korea_strait_dataset("2026-02-11T00:00Z", days=2, resolution_deg=0.1)
    env.to_netcdf(tmp_path / "truth_env.nc")
    p = _variant(tmp_path, "synthetic = true\nvariant = 7", 'file = "truth_env.nc"')
    sc = load_scenario(p)
    with pytest.raises(SarexInputError, match=r"truth\.time: '2026-02-10T20:47:00Z' is outside truth\.environment\.file"):
        check_environments(sc, coast=False)
    # truth position outside the synthetic domain
    p = _variant(tmp_path, "lon = 129.7531", "lon = 135.5")
    with pytest.raises(SarexInputError, match=r"truth\.lon/lat: \(135\.5, 34\.8412\) is outside the synthetic"):
        check_environments(load_scenario(p), coast=False)
    # a truth start on land (Tsushima) is refused
    p = _variant(tmp_path, "lon = 129.7531\nlat = 34.8412", "lon = 129.30\nlat = 34.40")
    with pytest.raises(SarexInputError, match=r"truth\.lon/lat: \(129\.3, 34\.4\) is on land"):
        check_environments(load_scenario(p))
    # a missing environment file is named
    p = _variant(tmp_path, "synthetic = true\nvariant = 7", 'file = "nope.nc"')
    with pytest.raises(SarexInputError, match=r"truth\.environment\.file: '.*nope\.nc' does not exist"):
        load_scenario(p)


def _truth_needles(sc) -> list[str]:
    """Ways the truth's position, time and identity could be written."""
    t = sc.truth
    lon, lat = t.lon, t.lat
    needles = [f"{lon:.4f}", f"{lat:.4f}", f"{lon:.3f}", f"{lat:.3f}", f"{lon:.2f}", f"{lat:.2f}"]
    for v, w in ((lon, 3), (lat, 2)):
        d = int(v)
        m = (v - d) * 60
        needles += [f"{d}°{m:.1f}", f"{d:0{w}d}{m:05.2f}", f"{d}° {m:.1f}", f"{d}°{int(m):02d}'"]
    ts = iso(t.time)
    needles += [ts, ts[:16], ts[11:16], ts[11:16].replace(":", ""), str(int(t.time)), t.object_class]
    return needles


def test_participant_outputs_do_not_leak_the_truth(tmp_path):
    sc = load_scenario("korea-japan")
    needles = _truth_needles(sc)
    pv = sc.participant_view()
    assert not hasattr(pv, "truth")
    out = tmp_path / "brief"
    r = CliRunner().invoke(app, ["exercise", "brief", "korea-japan", "--out", str(out)])
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(app, ["exercise", "check", "korea-japan"])
    assert r2.exit_code == 0, r2.output
    texts = {
        "participant_view": pv.model_dump_json(),
        "repr": repr(pv),
        "scenario.json": (out / "scenario.json").read_text(),
        "brief.html": (out / "brief.html").read_text(),
        "check output": r2.output,
    }
    for name, text in texts.items():
        found = [n for n in needles if n in text]
        assert not found, f"{name} reveals the truth: {found}"
        # the search is meaningful: the reported position is there
        if name != "check output":
            assert f"{sc.reported.lon:.2f}" in text, name
    # and the needles do find the truth where it is meant to be (evaluator side)
    assert any(n in BUILTIN.read_text() for n in needles)
    assert '"variant": 7' not in texts["scenario.json"]


def test_cli_truth_writes_one_trajectory(tmp_path):
    out = tmp_path / "truth.nc"
    r = CliRunner().invoke(app, ["exercise", "truth", "korea-japan", "--out", str(out), "--seed", "3", "--no-coast"])
    assert r.exit_code == 0, r.output
    ds = xr.load_dataset(out)
    assert ds.sizes["trajectory"] == 1
    sc = load_scenario("korea-japan")
    assert ds["lon"].values[0, 0] == pytest.approx(sc.truth.lon) and ds["lat"].values[0, 0] == pytest.approx(sc.truth.lat)
    assert "EVALUATORS ONLY" in ds.attrs["title"]
    t = ds["time"].values.astype("datetime64[s]").astype(np.int64)
    assert t[0] == int(sc.truth.time) and t[-1] >= int(sc.end_time_s) - 600
    # a bad scenario: exit 2, one line, no output file
    bad = _variant(tmp_path, "lon = 129.7531", "lon = 135.5")
    out2 = tmp_path / "t2.nc"
    r = CliRunner().invoke(app, ["exercise", "truth", str(bad), "--out", str(out2)])
    assert r.exit_code == 2 and "outside the synthetic" in r.output and not out2.exists()
