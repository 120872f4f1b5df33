"""`sarex plan --periods N` (issue 13 item 4) and `sarex plan-compare` (item 5): several periods from the CLI, two plans compared."""

from __future__ import annotations

import json
import re

import pytest
from planning_fixtures import NM, UNITS_TOML, static_normal_drift
from typer.testing import CliRunner

from sarex.cli import app
from sarex.io.driftfile import write_drift
from sarex.times import to_epoch_s

runner = CliRunner()
ENDURANCE_H = {"KR-DDG": 100.0, "JP-HELO": 3.0, "JP-PL": 80.0}
AIRCRAFT = {"JP-HELO"}


@pytest.fixture(scope="module")
def periods_out(tmp_path_factory):
    d = tmp_path_factory.mktemp("periods")
    write_drift(static_normal_drift(4 * NM, 3000, seed=2, hours=8), d / "drift.nc")  # 06:00–14:00Z
    (d / "units.toml").write_text(UNITS_TOML)
    out = d / "plan"
    args = ["plan", str(d / "drift.nc"), "--units", str(d / "units.toml"), "--start", "2026-01-15T07:00Z", "--hours", "2",
            "--periods", "3", "--sortie-gap-hours", "0.5", "--out", str(out), "--no-coast"]
    r = runner.invoke(app, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return d, out, r.output


def test_each_period_says_what_it_adds(periods_out):
    _, out, output = periods_out
    top = json.loads((out / "plan.json").read_text())
    rows = top["periods"]
    assert [r["folder"] for r in rows] == ["period-1", "period-2", "period-3"]
    assert [r["start"] for r in rows] == ["2026-01-15T07:00:00Z", "2026-01-15T09:00:00Z", "2026-01-15T11:00:00Z"]
    cum = 0.0
    for r in rows:
        assert r["added_pos"] >= 0 and r["cumulative_pos"] == pytest.approx(cum + r["added_pos"], abs=1e-12)
        cum = r["cumulative_pos"]
    # Brown's re-plans are kept only when they raise the final cumulative POS: never below planning each period alone.
    assert top["cumulative_pos"] >= top["cumulative_pos_each_period_alone"] - 1e-12
    assert 0.5 < top["cumulative_pos"] < 1.0  # something found in three periods, and something left
    for k, r in enumerate(rows, start=1):
        per = json.loads((out / f"period-{k}" / "plan.json").read_text())
        assert per["multi_period"]["added_pos"] == r["added_pos"] and per["multi_period"]["period"] == k
        nums = {}
        for lang, key in (("en", "Period"), ("ko", "기간 "), ("ja", "期間 ")):
            line = next(ln for ln in (out / f"period-{k}" / f"sap_{lang}.txt").read_text().splitlines() if ln.strip().startswith(f"{key}{k}" if lang != "en" else f"Period {k}"))
            nums[lang] = re.findall(r"\d+(?:\.\d+)?", line)
        assert nums["en"] == nums["ko"] == nums["ja"]
        assert f"{100 * r['added_pos']:.1f}" in nums["en"] and f"{100 * r['cumulative_pos']:.1f}" in nums["en"]
    assert "3 search periods planned together" in output


def test_sorties_and_endurance_respected(periods_out):
    """Aircraft: next sortie after the return plus the gap, each sortie within endurance; ships: go on from the end of their search."""
    _, out, _ = periods_out
    plans = [json.loads((out / f"period-{k}" / "plan.json").read_text()) for k in (1, 2, 3)]
    t = to_epoch_s
    first_depart: dict[str, float] = {}
    last: dict[str, dict] = {}
    tasked_twice = 0
    for p in plans:
        for u in p["units"]:
            uid = u["unit"]
            if uid in last:
                tasked_twice += 1
                prev = last[uid]
                if uid in AIRCRAFT:
                    assert t(u["depart"]) >= t(prev["return"]) + 0.5 * 3600 - 1.0
                else:
                    assert t(u["depart"]) >= t(prev["off_task"]) - 1.0
            if uid in AIRCRAFT:
                assert t(u["return"]) - t(u["depart"]) <= ENDURANCE_H[uid] * 3600 + 1.0
            else:
                first_depart.setdefault(uid, t(u["depart"]))
                assert t(u["return"]) - first_depart[uid] <= ENDURANCE_H[uid] * 3600 + 1.0
            last[uid] = u
    assert tasked_twice >= 1  # the test links at least one unit's sorties


def test_plan_compare_writes_map_and_table(periods_out, tmp_path):
    d, out, _ = periods_out
    cmp_out = tmp_path / "cmp"
    a, b = out / "period-1" / "plan.json", out / "period-2"
    r = runner.invoke(app, ["plan-compare", str(a), str(b), "--drift", str(d / "drift.nc"), "--out", str(cmp_out), "--no-coast"],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert (cmp_out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = (cmp_out / "compare.html").read_text()
    pa, pb = json.loads(a.read_text()), json.loads((b / "plan.json").read_text())
    for u in pa["units"] + pb["units"]:
        assert u["unit"] in html and f"{u['coverage']:.2f}" in html and f"{u['spacing_nm']:.2f}" in html
        assert f"{100 * u['marginal_pos']:.1f}" in html
    assert f"{100 * pa['pos_planner']:.1f}" in html and f"{100 * pb['pos_planner']:.1f}" in html
    assert f"{100 * (pb['pos_planner'] - pa['pos_planner']):+.1f}" in html
    assert "data:image/png;base64," in html
    for uid in pb["reserve"]:
        assert uid in html


def test_plan_compare_bad_input_one_line(tmp_path):
    (tmp_path / "x.json").write_text('{"not": "a plan"}')
    r = runner.invoke(app, ["plan-compare", str(tmp_path / "x.json"), str(tmp_path / "x.json"), "--out", str(tmp_path / "c")])
    assert r.exit_code == 2 and "not a plan.json" in r.output and len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "c").exists()
