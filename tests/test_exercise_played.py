"""The played evaluation (sarex.exercise.played, sarex.app.played) on hand-checked cases, and the
``sarex exercise evaluate-played`` command on an export."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from sarex.exercise import played as pl
from sarex.geo import NM_M

LAT0 = 35.0
DEG_LON_M = 111_320.0 * math.cos(math.radians(LAT0))  # about 91.2 km per degree of longitude at 35° N


def _truth_still(lon=130.0, lat=LAT0, t0=0.0, t1=7200.0):
    t = np.array([t0, t1])
    return t, np.array([lon, lon]), np.array([lat, lat])


def _east_track(name, lat, t0=0.0, t1=3600.0, lon0=129.9, lon1=130.1):
    # fixes every 0.01° (a straight chord between fixes sags ~5 m from the parallel over 0.2°, 0.01 m over 0.01°)
    n = 21
    return {name: pl.Track(np.linspace(lon0, lon1, n), np.full(n, lat), np.linspace(t0, t1, n), name)}


def test_inverse_cube_lateral_range_curve_integrates_to_the_sweep_width():
    w = 1.5 * NM_M
    area, _ = quad(lambda x: float(pl.inverse_cube_pod(x, w)), -np.inf, np.inf, limit=200)
    assert area == pytest.approx(w, rel=1e-6)
    assert pl.inverse_cube_pod(0.5 * w, w) == pytest.approx(1 - math.exp(-1 / math.pi), rel=1e-12)


def test_one_pass_over_a_still_truth_at_its_closest_approach_and_within_half_the_sweep_width():
    # a unit sails east along 35° N from 129.9 to 130.1 °E in an hour; the truth lies still at (130.0, 35.0 + d)
    d_m = 300.0
    tt, tx, ty = _truth_still(lat=LAT0 + d_m / 110_960.0)  # 1° of latitude at 35° N: 110.96 km
    tracks = _east_track("U", LAT0)
    w = {"U": 1000.0}
    ps = pl.passes(tracks, tt, tx, ty, w)
    assert len(ps) == 1
    # half way in time (1800 s): the track passes 130.0 °E; the range is d (equal-area projection: 0.5 % tolerance)
    assert ps[0].time_s == pytest.approx(1800.0, abs=5.0) and ps[0].range_m == pytest.approx(d_m, rel=5e-3)
    assert pl.opportunities_of(ps, w) == ps  # 300 m < W/2 = 500 m
    assert pl.opportunities_of(ps, {"U": 500.0}) == []  # 300 m > 250 m: a pass, not an opportunity
    # two such passes (a second unit on the same line): independent looks
    both = pl.passes({**tracks, **_east_track("V", LAT0)}, tt, tx, ty, {"U": 1000.0, "V": 1000.0})
    p1 = 1 - math.exp(-1000.0 ** 2 / (4 * math.pi * d_m ** 2))
    assert pl.pod_true(both) == pytest.approx(1 - (1 - p1) ** 2, rel=1e-2)


def test_a_unit_that_stays_at_its_start_has_no_pass_within_reach():
    tt, tx, ty = _truth_still()
    still = {"S": pl.Track(np.array([129.0, 129.0]), np.array([LAT0, LAT0]), np.array([0.0, 7200.0]), "S")}
    assert pl.passes(still, tt, tx, ty, {"S": 1000.0}) == [] and pl.pod_true([]) == 0.0


def test_sightings_against_the_truth_distance_time_error_and_the_1_nm_30_min_rule():
    # the truth drifts east at 1 NM/h along 35° N from 130.0 °E; a sighting 0.5 NM north of where it is at 1 h, reported at 1 h 10 min
    t = np.array([0.0, 7200.0])
    lon = np.array([130.0, 130.0 + 2 * NM_M / DEG_LON_M])
    lat = np.array([LAT0, LAT0])
    s = pl.SightingReport("U", 4200.0, 130.0 + NM_M / DEG_LON_M, LAT0 + 0.5 * NM_M / 111_000.0)
    (c,) = pl.check_sightings([s], t, lon, lat)
    # at 4200 s the truth is 1/6 NM east of the point below the sighting: distance sqrt(0.5² + (1/6)²) NM
    assert c.distance_nm == pytest.approx(math.hypot(0.5, 1 / 6), rel=1e-2)
    assert c.time_error_min == pytest.approx(10.0, abs=1.0) and c.counts
    far = pl.SightingReport("U", 4200.0, 130.0 + NM_M / DEG_LON_M, LAT0 + 1.5 * NM_M / 111_000.0)
    assert not pl.check_sightings([far], t, lon, lat)[0].counts


def test_measurable_objectives_are_judged_by_the_timeline():
    periods = [(1, 1000.0, 2000.0)]
    plans = [pl.PlanRecord(1, "KOR", 900.0, ()), pl.PlanRecord(1, "JPN", 1100.0, ())]
    tl = {"alert": 0.0, "first_on_scene": 5400.0, "first_opportunity": None, "first_sighting": None}
    j = lambda o: pl.judge_objective(o, tl, False, periods, plans, {"KOR", "JPN"})  # noqa: E731
    assert j({"measure": "on_scene_within", "minutes": 90}) is True
    assert j({"measure": "on_scene_within", "minutes": 89}) is False
    assert j({"measure": "plans_before_period", "period": 1}) is False  # JPN approved 100 s after the start
    assert j({"measure": "opportunity_within", "minutes": 600}) is False and j({"measure": None}) is None


def _export(tmp_path: Path, pass_over: bool) -> Path:
    from sarex.exercise.scenario import load_scenario
    from sarex.exercise.truth import scenario_truth
    from sarex.server.services import builtin_scenario_text
    from sarex.times import iso, to_epoch_s

    sc = load_scenario("korea-japan")
    tr, _ = scenario_truth(sc, 3)
    tp = to_epoch_s("2026-02-11T02:00:00Z")
    (x,), (y,) = tr.position_at(np.array([tp]))
    if pass_over:
        pos = [{"unit": "ROK-PKG-1", "time": iso(tp + k * 300), "lon": float(x) + k / 60 / math.cos(math.radians(y)), "lat": float(y)} for k in range(-6, 7)]
    else:
        pos = [{"unit": "ROK-PKG-1", "time": t, "lon": 129.05, "lat": 34.95} for t in ("2026-02-11T00:00:00Z", "2026-02-11T06:00:00Z")]
    data = {"format": "sarex-played/1", "seed": 3, "scenario_toml": builtin_scenario_text("korea-japan"), "particles": 300, "positions": pos,
            "plans": [], "jobs": [], "periods": [{"number": i + 1, "start": iso(p.start), "end": iso(p.end)} for i, p in enumerate(sc.periods)],
            "breaches": [{"time": "2026-02-11T01:00:10Z", "kind": "low_pass", "units": ["JPN-P1-1", "ROK-DDH-1"], "distance_nm": 0.8, "vertical_ft": 300.0}],
            "messages": [{"time": "2026-02-11T00:30:00Z", "sender": "ROK-DDH-1", "to": ["JPN-DD-1"], "text": "Deck ready"}]}
    f = tmp_path / f"export-{pass_over}.json"
    f.write_text(json.dumps(data))
    return f


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "sarex.cli", "exercise", "evaluate-played", *map(str, args)], capture_output=True, text=True, timeout=900)


def test_evaluate_played_refuses_a_bad_export_in_one_line(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"format": "other"}))
    r = _cli(bad, "--out", tmp_path / "o")
    assert r.returncode == 2 and "format" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_evaluate_played_cli_pass_over_the_truth_and_stay_at_start(tmp_path):
    r = _cli(_export(tmp_path, True), "--out", tmp_path / "a")
    assert r.returncode == 0, r.stderr
    p = json.loads((tmp_path / "a" / "played.json").read_text())["played"]
    assert p["detected"] and p["first_opportunity"]["unit"] == "ROK-PKG-1"
    assert p["first_opportunity"]["time"] > "2026-02-11T01:55:00Z" and p["first_opportunity"]["time"] < "2026-02-11T02:05:00Z"
    assert "Played: outcome" in (tmp_path / "a" / "report.html").read_text()
    assert (tmp_path / "a" / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert [(b["kind"], b["distance_nm"], b["vertical_ft"]) for b in p["breaches"]] == [("low_pass", 0.8, 300.0)]
    assert [(m["time"], m["sender"], m["text"]) for m in p["messages"]] == [("2026-02-11T00:30:00Z", "ROK-DDH-1", "Deck ready")]
    assert "low pass over a ship" in (tmp_path / "a" / "report.html").read_text()
    r = _cli(_export(tmp_path, False), "--out", tmp_path / "b")
    q = json.loads((tmp_path / "b" / "played.json").read_text())["played"]
    assert not q["detected"] and q["opportunities"] == [] and q["pos_achieved"] < 0.01
    # the perfect-forecast counterfactual: a unit at its start is far from the truth's ocean's cloud as well
    assert q["pos_achieved_perfect_forecast"] < 0.01 and 0.0 <= p["pos_achieved_perfect_forecast"] <= 1.0
    assert "Had the forecast been the truth" in (tmp_path / "b" / "report.html").read_text()


def test_perfect_forecast_counterfactual_of_the_sailed_tracks_on_hand_made_ensembles():
    """The counterfactual sums the same way over either ensemble: the same ensemble gives the same POS; a forecast
    displaced 10 km (20 sweep widths) north of where the truth's ocean puts the object gives the sailed track nothing
    (its played POS), while the truth-forcing ensemble, lying on the track, is found (its counterfactual POS)."""
    from search_synthetic import PROJ, T0, stationary_dataset

    from sarex.app.played import sailed_pos

    n, w_m = 50, 500.0
    x = np.linspace(-3000.0, 3000.0, n)  # every particle within the pass's length (track from -5 to +5 km)
    truth_ocean = stationary_dataset(x, np.zeros(n), hours=4.0)
    forecast = stationary_dataset(x, np.full(n, 10_000.0), hours=4.0)
    lon, lat = PROJ.inverse(np.array([-5000.0, 5000.0]), np.array([0.0, 0.0]))
    tracks = {"U": pl.Track(lon, lat, np.array([T0 + 600.0, T0 + 4200.0]), "U")}
    periods = [(1, T0, T0 + 7200.0), (2, T0 + 7200.0, T0 + 14400.0)]
    same = sailed_pos(truth_ocean, periods, tracks, {"U": w_m})
    again = sailed_pos(stationary_dataset(x, np.zeros(n), hours=4.0), periods, tracks, {"U": w_m})
    assert same == again  # forecast == the truth's forcing: equal numbers
    played = sailed_pos(forecast, periods, tracks, {"U": w_m})
    assert played.total < 1e-6 and played.by_period == [played.total, played.total]
    # every particle of the truth-forcing ensemble lies on the pass (range 0); none of the forecast's lies within 20 W
    assert same.total > 0.25 and played.total < 1e-6
    assert same.by_period[0] == same.by_period[1] == same.total  # nothing searched in period 2
    assert same.by_unit == {"U": same.total}


@pytest.mark.slow
def test_perfect_forecast_is_the_players_release_in_the_truth_s_ocean():
    """The counterfactual ensemble differs from the forecast only by its forcing: with the forecast set to the truth's
    environment it is the forecast without forcing error bit for bit; with the built-in scenario's (different variant)
    forecast the positions differ."""
    from sarex.exercise.run import forecast_drift, perfect_forecast_drift
    from sarex.exercise.scenario import load_scenario

    sc = load_scenario("korea-japan")
    same = sc.model_copy(update={"forecast": sc.truth.environment})
    a = perfect_forecast_drift(same, 50, 5, coast=False)
    b = forecast_drift(same, 50, 5, coast=False, forcing_error=None)
    np.testing.assert_array_equal(a["lon"].values, b["lon"].values)
    np.testing.assert_array_equal(a["lat"].values, b["lat"].values)
    c = forecast_drift(sc, 50, 5, coast=False, forcing_error=None)
    assert np.nanmax(np.abs(c["lon"].values[:, -1] - a["lon"].values[:, -1])) > 1e-3
