"""``sarex skill``: skill.json equals the Python function; bad observed tracks are one line, exit 2, nothing written."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sarex.cli import app
from sarex.drift import simulate
from sarex.environment import Environment
from sarex.environment.constant import ConstantField
from sarex.io.driftfile import write_drift

runner = CliRunner()
T0 = 1768435200.0  # 2026-01-15T00:00Z


@pytest.fixture(scope="module")
def forecast(tmp_path_factory):
    env = Environment(ConstantField(8.0, 2.0), ConstantField(0.2, 0.1))
    ds = simulate(env, "PIW-1", lon=129.3, lat=34.4, start=T0, radius_m=300.0, hours=24, particles=500, coast=False, seed_value=3)
    p = tmp_path_factory.mktemp("fc") / "forecast.nc"
    write_drift(ds, p)
    return p


def _csv(path, rows):
    path.write_text("time,lon,lat,id\n" + "\n".join(rows) + "\n")
    return path


def _obs_rows():
    # two drifters starting at the LKP: one due east at 0.3 m/s, one north-east faster
    rows = []
    for name, ve, vn in (("east", 0.3, 0.0), ("ne", 0.35, 0.3)):
        for k in range(0, 25, 2):
            x = 129.3 + ve * 3600 * k / (111_320.0 * np.cos(np.radians(34.4)))
            y = 34.4 + vn * 3600 * k / 110_950.0
            rows.append(f"2026-01-15T{k:02d}:00Z,{x:.6f},{y:.6f},{name}" if k < 24 else f"2026-01-16T00:00Z,{x:.6f},{y:.6f},{name}")
    return rows


def test_cli_skill_json_matches_function(tmp_path, forecast):
    from sarex.app.observations import skill

    obs = _csv(tmp_path / "obs.csv", _obs_rows())
    out = tmp_path / "res"
    r = runner.invoke(app, ["skill", str(forecast), str(obs), "--out", str(out), "--lead-hours", "6,12,24"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads((out / "skill.json").read_text())
    assert (out / "skill.png").read_bytes()[:4] == b"\x89PNG"
    assert [t["observed_id"] for t in data["trajectories"]] == ["east", "ne"]
    ref = skill(forecast, obs, None, lead_hours=(6, 12, 24))
    for t, res in zip(data["trajectories"], ref.results):
        assert set(t["separation_km"]) == {"6", "12", "24"}
        assert t["liu_weisberg"]["ss"] == pytest.approx(res.liu_weisberg["ss"], rel=1e-12)
        for h in (6, 12, 24):
            assert t["separation_km"][str(h)] == pytest.approx(res.at_lead[float(h)]["separation_km"], rel=1e-12)
            assert t["at_lead"][str(h)]["liu_weisberg"]["ss"] == pytest.approx(res.at_lead[float(h)]["liu_weisberg"]["ss"], rel=1e-12)
        # separation grows with lead time for these straight, diverging tracks
        assert t["separation_km"]["6"] < t["separation_km"]["12"] < t["separation_km"]["24"]
    assert "Liu–Weisberg" in r.output


@pytest.mark.parametrize(
    "rows, why",
    [
        (["2026-01-15T02:00Z,129.3,34.4,a", "2026-01-15T01:00Z,129.31,34.4,a"], "times must increase"),
        (["2026-01-15T02:00Z,129.3,34.4,a"], "at least 2"),
    ],
)
def test_cli_skill_bad_track(tmp_path, forecast, rows, why):
    obs = _csv(tmp_path / "bad.csv", rows)
    out = tmp_path / "res"
    r = runner.invoke(app, ["skill", str(forecast), str(obs), "--out", str(out)])
    assert r.exit_code == 2
    msg = r.output.strip()
    assert why in msg and "bad.csv" in msg and len(msg.splitlines()) == 1 and "Traceback" not in r.output
    assert not out.exists()
