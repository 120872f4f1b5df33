"""Exercise scenarios whose distress is a case: reported side from the case, truth drawn from it."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from exercise_scenarios import write_scenario
from shapely.geometry import Point, Polygon

from sarex.errors import SarexInputError
from sarex.exercise.run import forecast_drift
from sarex.exercise.scenario import load_scenario

AREA = [[129.60, 34.84], [129.70, 34.84], [129.70, 34.92], [129.60, 34.92]]
CASE = f"""
[[scenario]]
name = "Man overboard at the LKP"
weight = 0.65
type = "point"
lon = 129.62
lat = 34.88
time = "2026-02-10T21:00:00Z"
radius_m = 1852
objects = [{{class = "PIW-1", weight = 0.7}}, {{class = "LIFE-RAFT-NB-2", weight = 0.3}}]

[[scenario]]
name = "Earlier, on the fishing ground"
weight = 0.35
type = "area"
polygon = {AREA}
time = "2026-02-10T20:00:00Z"
end_time = "2026-02-10T21:00:00Z"
objects = [{{class = "PIW-1", weight = 1.0}}]
"""


def _case_scenario(tmp_path, truth: str, name: str = "sc.toml", reported: bool = False, periods: int = 1):
    p = write_scenario(tmp_path / name, periods=periods)
    text = p.read_text()
    if not reported:
        text = re.sub(r"\[reported\]\n(?:[a-z_]+ = .*\n)+", "", text)
    text = re.sub(r"\[truth\]\n(?:[a-z_]+ = .*\n)+", truth, text)
    p.write_text(text + CASE)
    return p


def test_reported_and_truth_from_the_case(tmp_path):
    sc = load_scenario(_case_scenario(tmp_path, '[truth]\nscenario = "Earlier, on the fishing ground"\nseed = 3\n'))
    assert sc.case is not None and [s.name for s in sc.case.scenario] == ["Man overboard at the LKP", "Earlier, on the fishing ground"]
    # derived [reported]: the earliest start, the heaviest class (PIW 0.65·0.7 + 0.35 = 0.805)
    assert sc.reported.time == pytest.approx(1770753600.0) and sc.reported.object_class == "PIW-1"
    # weighted centre: 0.65 × (129.62, 34.88) + 0.35 × centre of the area (129.65, 34.88), within sampling error
    assert sc.reported.lon == pytest.approx(0.65 * 129.62 + 0.35 * 129.65, abs=0.003) and sc.reported.lat == pytest.approx(34.88, abs=0.003)
    # the named truth: a draw of that scenario (in its area, within its window), the object of its mixture
    t = sc.truth
    assert t.case_scenario == "Earlier, on the fishing ground" and t.object_class == "PIW-1"
    assert Polygon(AREA).contains(Point(t.lon, t.lat)) and 1770753600.0 <= t.time <= 1770757200.0
    assert sc.participant_view().case is sc.case and "truth" not in sc.participant_view().model_dump()


def test_truth_drawn_by_weight_with_the_seed(tmp_path):
    first = [load_scenario(_case_scenario(tmp_path, f"[truth]\nfrom_case = true\nseed = {s}\n", f"s{s}.toml")).truth for s in range(160)]
    share = np.mean([t.case_scenario == "Man overboard at the LKP" for t in first])
    assert abs(share - 0.65) < 3 * math.sqrt(0.65 * 0.35 / 160)
    point = [t for t in first if t.case_scenario == "Man overboard at the LKP"]
    raft = np.mean([t.object_class == "LIFE-RAFT-NB-2" for t in point])
    assert abs(raft - 0.3) < 3 * math.sqrt(0.3 * 0.7 / len(point))
    again = load_scenario(_case_scenario(tmp_path, "[truth]\nfrom_case = true\nseed = 7\n", "again.toml")).truth
    assert (again.lon, again.lat, again.time, again.object_class) == (first[7].lon, first[7].lat, first[7].time, first[7].object_class)


def test_forecast_is_the_case_and_the_exercise_runs(tmp_path):
    from typer.testing import CliRunner

    from sarex.cli import app

    p = _case_scenario(tmp_path, '[truth]\nfrom_case = true\nseed = 1\n', reported=True)
    sc = load_scenario(p)
    ds = forecast_drift(sc, particles=600, seed=2, coast=False)
    w, s = ds["weight"].values, ds["scenario"].values
    assert abs(w[s == 0].sum() - 0.65) < 1e-12 and abs(w[s == 1].sum() - 0.35) < 1e-12
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["exercise", "run", str(p), "--out", str(out), "--particles", "600", "--seed", "4", "--replicates", "10",
                                 "--workers", "1"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    scores = json.loads((out / "evaluation" / "scores.json").read_text())
    case = scores["case"]
    assert case["truth_scenario"] == sc.truth.case_scenario
    rows = {row["scenario"]: row for row in case["scenarios"]}
    assert rows["Man overboard at the LKP"]["prior"] == pytest.approx(0.65, abs=1e-12)
    assert sum(row["posterior"] for row in case["scenarios"]) == pytest.approx(1.0, abs=1e-12)
    assert sum(row["pos"] for row in case["scenarios"]) == pytest.approx(scores["periods"][0]["cumulative_pos"], abs=1e-9)


def test_case_truth_errors_name_the_field(tmp_path):
    with pytest.raises(SarexInputError, match=r"truth\.scenario: 'Nowhere' is not a scenario of the case"):
        load_scenario(_case_scenario(tmp_path, '[truth]\nscenario = "Nowhere"\n'))
    with pytest.raises(SarexInputError, match=r"truth\.lon: .* give the truth's position or draw it from the case, not both"):
        load_scenario(_case_scenario(tmp_path, '[truth]\nfrom_case = true\nlon = 129.6\n'))
    p = write_scenario(tmp_path / "plain.toml")
    p.write_text(re.sub(r"\[truth\]\n(?:[a-z_]+ = .*\n)+", "[truth]\nfrom_case = true\n", p.read_text()))
    with pytest.raises(SarexInputError, match=r"truth\.from_case: True needs the case"):
        load_scenario(p)
    bad = _case_scenario(tmp_path, '[truth]\nfrom_case = true\n', "bad.toml")
    bad.write_text(bad.read_text().replace("weight = 0.35", "weight = 0.2"))
    with pytest.raises(SarexInputError, match=r"bad.toml: scenario\.weight: \[0\.65, 0\.2\] sum to 0\.85"):
        load_scenario(bad)
