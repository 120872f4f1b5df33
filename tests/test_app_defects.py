"""Issue 10 defects 1, 4 and 8, through the application layer that every front end uses."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from sarex.app import FileSetTarget, FolderTarget, build
from sarex.errors import SarexInputError


def _korea_japan(tmp_path, **replace):
    from sarex.exercise.scenario import BUILTIN_SCENARIOS
    from importlib import resources

    text = resources.files("sarex.data").joinpath(BUILTIN_SCENARIOS["korea-japan"]).read_text(encoding="utf-8")
    for a, b in replace.items():
        assert a in text
        text = text.replace(a, b, 1)
    p = tmp_path / "sc.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.slow
def test_exercise_periods_keep_surface_units_off_land(tmp_path):
    """Defect 1: the exercise planned without the land raster. With the reported position just east of
    Tsushima (129.50E 34.60N), planning without it puts 1 of 12 surface-unit areas on land (seed 4,
    300 particles); `exercise run` (coast on by default) must keep every one off, as `sarex plan` does."""
    from sarex.exercise.run import forecast_drift, plan_periods, scenario_catalogue
    from sarex.exercise.scenario import load_scenario
    from sarex.planning.cloud import period_cloud
    from sarex.planning.land import land_around_cloud

    sc = load_scenario(_korea_japan(tmp_path, **{"lon = 129.72\nlat = 34.86": "lon = 129.50\nlat = 34.60"}))
    cat = scenario_catalogue(sc)
    surface = {u.id for u in cat.units if not u.is_aircraft}
    periods = plan_periods(sc, cat, forecast_drift(sc, 300, 4), seed=4)
    areas = 0
    for p in periods:
        cloud = period_cloud(p.drift_before, p.start_s, p.end_s, 1800.0)
        land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
        for a in p.plan.assignments:
            if a.unit_id in surface:
                assert not land.touches_land(a.rect), (p.index, a.unit_id)
                areas += 1
    assert areas == 12


def test_exercise_run_draws_the_truth_of_exercise_truth(tmp_path, monkeypatch):
    """Defect 4: the same --seed gave different truths in `exercise truth` and `exercise run`."""
    import sarex.exercise.engine as engine
    from sarex.app.exercise import RunRequest, TruthRequest, exercise_run, exercise_truth

    class Captured(Exception):
        pass

    def capture(periods, truth, model):
        raise Captured(truth)

    # The run up to its truth drift, without the forecast and the plans (which do not touch the truth's draws).
    monkeypatch.setattr(engine, "forecast_drift", lambda *a, **k: None)
    monkeypatch.setattr(engine, "plan_periods", lambda *a, **k: [])
    monkeypatch.setattr(engine, "detection_bundle", capture)
    for seed in (0, 4, 2**40):
        with pytest.raises(Captured) as e:
            exercise_run(build(RunRequest, scenario="korea-japan", seed=seed, coast=False), FolderTarget(tmp_path / f"r{seed}"))
        run_truth = e.value.args[0]
        tr = exercise_truth(build(TruthRequest, scenario="korea-japan", seed=seed, coast=False),
                            FileSetTarget({"truth.nc": tmp_path / f"t{seed}.nc"}))
        np.testing.assert_array_equal(tr.dataset["lon"].values, run_truth["lon"].values)
        np.testing.assert_array_equal(tr.dataset["lat"].values, run_truth["lat"].values)
    assert not np.array_equal(tr.dataset["lon"].values, exercise_truth(
        build(TruthRequest, scenario="korea-japan", seed=1, coast=False), FileSetTarget({"truth.nc": tmp_path / "t1.nc"})).dataset["lon"].values)


def test_exercise_run_checks_environments_and_honours_no_coast(tmp_path, monkeypatch):
    """Defect 1: run_exercise checked no environment; --no-coast still checked the coastline."""
    import sarex.exercise.engine as engine
    from sarex.app.exercise import RunRequest, exercise_run

    # Tsushima island, on land: the reported position is refused before any drift is run.
    sc = _korea_japan(tmp_path, **{"lon = 129.72\nlat = 34.86": "lon = 129.30\nlat = 34.40"})
    with pytest.raises(SarexInputError, match="on land|at sea|land"):
        exercise_run(build(RunRequest, scenario=str(sc), particles=50), FolderTarget(tmp_path / "o1"))
    assert not (tmp_path / "o1").exists()

    # With --no-coast the land check is skipped: the run gets past the check (stopped right after it here).
    class Reached(Exception):
        pass

    monkeypatch.setattr(engine, "scenario_catalogue", lambda sc: (_ for _ in ()).throw(Reached()))
    with pytest.raises(Reached):
        exercise_run(build(RunRequest, scenario=str(sc), particles=50, coast=False), FolderTarget(tmp_path / "o2"))


def test_evaluate_leaves_no_partial_result(tmp_path, monkeypatch):
    """Defect 8: `exercise evaluate` wrote the PDF and HTML before the CSVs; a failure left half a folder."""
    import replay_data as rd
    from test_exercise_replay import SCENARIO

    import sarex.exercise.replay_tables as tables
    from sarex.cli import app

    rd.make_set(tmp_path / "d", {"JPN-B": (1.0, 0.0)})
    scen = tmp_path / "scenario.toml"
    scen.write_text(SCENARIO)

    def boom(result):
        raise SarexInputError("nation table failed")

    monkeypatch.setattr(tables, "nation_csv", boom)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["exercise", "evaluate", str(scen), "--tracks", str(tmp_path / "d" / "tracks"),
                                 "--planned", str(tmp_path / "d" / "planned.gpx"), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_drift_plot_failure_leaves_no_drift_file(tmp_path, monkeypatch):
    """Defect 8: `drift --plot` wrote the .nc before the plot; a failing plot left it behind."""
    import sarex.report.driftmap as driftmap
    from sarex.cli import app

    def boom(*a, **k):
        raise SarexInputError("plot failed")

    monkeypatch.setattr(driftmap, "plot_drift", boom)
    r = CliRunner().invoke(app, ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00Z", "--hours", "1",
                                 "--synthetic", "--particles", "20", "--out", str(tmp_path / "d.nc"), "--plot", str(tmp_path / "d.png")])
    assert r.exit_code == 2, r.output
    assert list(tmp_path.iterdir()) == []
