"""``sarex exercise check|brief|truth|evaluate|run``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from sarex.geo import NM_M
from sarex.app.objects import OBJECTS_HELP
from sarex.cli.console import FORCE_HELP, console, err_console, note, progress, user_errors
from sarex.app import FileSetTarget, FolderTarget, build
from sarex.times import iso

exercise_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Exercises: scenario, hidden truth, replay evaluation.")

_SCENARIO_HELP = "Scenario TOML file, or 'korea-japan' for the built-in Korea–Japan SAREX."


def _scenario_inputs(scenario: str, objects=None) -> list[Path]:
    from sarex.app.exercise import ScenarioRequest, scenario_inputs

    req = build(ScenarioRequest, scenario=scenario, objects=tuple(objects or ()))
    try:
        return scenario_inputs(req.load())
    except Exception:  # a bad scenario is reported by the use case itself, with its own message
        return req.input_paths()


@exercise_app.command("check")
@user_errors
def exercise_check(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    no_coast: bool = typer.Option(False, "--no-coast", help="Skip the check that positions are at sea."),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Validate a scenario file (fields, units, periods, environments) and summarise it (no truth shown)."""
    from sarex.app.exercise import ScenarioRequest, exercise_check as run

    res = run(build(ScenarioRequest, scenario=scenario, coast=not no_coast, objects=tuple(objects or ())))
    pv, units = res.view, res.units
    table = Table(title=f"{pv.name}: valid", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("nations", ", ".join(f"{n.code} ({n.rescue_centre})" for n in pv.nations))
    table.add_row("on-scene coordinator", pv.on_scene_coordinator)
    table.add_row("reported LKP", f"{pv.reported.lon:.4f}E {pv.reported.lat:.4f}N at {iso(pv.reported.time)}, ±{pv.reported.radius_m / NM_M:.1f} NM, {pv.reported.object_class}")
    table.add_row("forecast environment", pv.forecast.describe())
    table.add_row("units", ", ".join(f"{u.id} ({u.nation})" for u in units))
    table.add_row("periods", f"{len(pv.periods)} from {iso(pv.periods[0].start)}; ends by {iso(pv.end_time_s)}")
    console().print(table)


@exercise_app.command("brief")
@user_errors
def exercise_brief(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    out: Path = typer.Option(..., help="Output folder for the participants' brief (scenario.json, brief.html)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Write the participants' brief: the scenario without its truth (JSON and HTML)."""
    from sarex.app.exercise import ScenarioRequest, exercise_brief as run

    req = build(ScenarioRequest, scenario=scenario, objects=tuple(objects or ()))
    run(req, FolderTarget(out, inputs=_scenario_inputs(scenario, objects), force=force))
    console().print(f"wrote {out / 'scenario.json'}, {out / 'brief.html'} (participants; no truth)")


@exercise_app.command("truth")
@user_errors
def exercise_truth(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    out: Path = typer.Option(..., help="Output drift file (one trajectory) with the truth track. EVALUATORS ONLY."),
    seed: int = typer.Option(0, help="Seed of the exercise: the same truth as 'exercise run' with this seed."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding on the coastline off."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map of the truth track."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Drift the hidden truth object in the truth environment (evaluator-only output)."""
    from sarex.app.exercise import TruthRequest, exercise_truth as run

    req = build(TruthRequest, scenario=scenario, seed=seed, coast=not no_coast, plot=plot is not None, objects=tuple(objects or ()))
    target = FileSetTarget({"truth.nc": out, "truth.png": plot}, labels={"truth.nc": "--out", "truth.png": "--plot"},
                           inputs=_scenario_inputs(scenario, objects), force=force)
    res = run(req, target)
    track = res.track
    console().print(f"wrote {out} (EVALUATORS ONLY): {track.object_class}, {track.time_s.size} positions "
                    f"{iso(track.time_s[0])} to {iso(track.time_s[-1])}")


@exercise_app.command("evaluate")
@user_errors
def exercise_evaluate(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    tracks: Path = typer.Option(..., help="Folder with the sailed tracks: GPX (.gpx), NMEA 0183 (.nmea), AIS (.ais)."),
    planned: Path = typer.Option(..., help="GPX file or folder with the planned patterns as routes, one per unit."),
    out: Path = typer.Option(..., help="Output folder (replay.html, replay.pdf, replay_units.csv, replay_nations.csv)."),
    nmea_date: Optional[str] = typer.Option(None, help="UTC date (YYYY-MM-DD) for NMEA logs with GGA but no RMC."),
    truth: Optional[Path] = typer.Option(None, help="Truth file from 'sarex exercise truth': adds the units' closest approaches to it (the report is then EVALUATORS ONLY)."),
    drift: Optional[Path] = typer.Option(None, help="The planners' drift file: adds the POS the sailed tracks achieved against it."),
    detection: str = typer.Option("exponential", help="Detection model for --drift: exponential (alias random), inverse-cube or definite."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Replay evaluation: effort, coverage, gaps/overlaps, track keeping and POS achieved, per unit and nation."""
    from sarex.app.exercise import EvaluateRequest, exercise_evaluate as run
    from sarex.report.replay_report import nation_table, unit_effort_table, unit_xte_table

    req = build(EvaluateRequest, scenario=scenario, tracks=tracks, planned=planned, nmea_date=nmea_date, truth=truth, drift=drift,
                detection=detection, objects=tuple(objects or ()))
    target = FolderTarget(out, inputs=[*_scenario_inputs(scenario, objects), tracks, planned, truth, drift], force=force)
    res = run(req, target)
    result, log, pos = res.result, res.log, res.pos
    out_ = console()
    compact = (
        (unit_effort_table(result), ("unit", "nation", "on task NM", "delivered %", "C achieved", "swept planned %", "swept achieved %")),
        (unit_xte_table(result), ("unit", "mean |XTE| m", "p95 |XTE| m", "offset E m", "offset N m", "residual RMS m")),
        (nation_table(result), tuple(nation_table(result).columns)),
    )
    for t, cols in compact:
        idx = [t.columns.index(c) for c in cols]
        table = Table(title=t.caption)
        for c in cols:
            table.add_column(c)
        for r in t.rows:
            table.add_row(*[r[i] for i in idx])
        out_.print(table)
    out_.print(
        f"gaps {result.gap_area_m2 / NM_M**2:.2f} NM², overlaps {result.overlap_area_m2 / NM_M**2:.2f} NM², "
        f"{100 * result.coverage_fraction:.1f} % of {result.assigned_area_m2 / NM_M**2:.1f} NM² assigned swept"
    )
    if pos is not None:
        out_.print("POS achieved: " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in pos.by_unit.items()) + f"; all units {100 * pos.total:.1f} %")
    for msg in log.messages() + result.notes:
        note(msg)
    out_.print(f"wrote {out / 'replay.html'}, {out / 'replay.pdf'}, {out / 'replay_units.csv'}, {out / 'replay_nations.csv'}")


@exercise_app.command("run")
@user_errors
def exercise_run(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    out: Path = typer.Option(..., help="Output folder: participants/ (no truth) and evaluation/ (report, truth, scores)."),
    seed: int = typer.Option(0, help="Seed of the forecast, the truth's draws and the detection draws."),
    particles: int = typer.Option(5000, help="Particles of the planners' forecast ensemble."),
    replicates: int = typer.Option(0, help="Also run N replicates (independent truths and detection draws) on Dask."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (default: a local cluster)."),
    workers: int = typer.Option(2, help="Workers of the local Dask cluster."),
    detection: str = typer.Option("exponential", help="Detection model: exponential (alias random), inverse-cube or definite."),
    forcing_error: str = typer.Option("sar", help="Error of the forcing in the planners' forecast: 'sar' (default), 'current-only', 'none' or SIGMA_CURRENT_M_S,TAU_H[,SIGMA_WIND_M_S]."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding and the land check off."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Run a simulated exercise: forecast, plan, search, detect or update, replan; write the after-action report."""
    from sarex.app.exercise import RunRequest, exercise_run as run

    req = build(RunRequest, scenario=scenario, seed=seed, particles=particles, replicates=replicates, scheduler=scheduler,
                workers=workers, detection=detection, coast=not no_coast, forcing_error=forcing_error, objects=tuple(objects or ()))
    target = FolderTarget(out, inputs=_scenario_inputs(scenario, objects), force=force)
    with progress() as prog:
        task = prog.add_task("exercise", total=None)
        res = run(req, target, progress=lambda msg: prog.update(task, description=msg), replicate_progress=err_console().is_terminal)
    s = res.scores()
    table = Table(title=f"{res.scenario.name}: exercise (seed {seed})")
    for col in ("period", "units", "planner estimate", "planned-tracks POS", "sailed-tracks POS", "cumulative POS", "searched"):
        table.add_column(col, justify="right", no_wrap=True)
    for p in s["periods"]:
        table.add_row(str(p["period"]), str(p["units_assigned"]), f"{100 * p['pos_planner']:.1f} %", f"{100 * p['pos_planned']:.1f} %",
                      f"{100 * p['pos_sailed']:.1f} %", f"{100 * p['cumulative_pos']:.1f} %", "yes" if p["searched"] else "no")
    if s["detected"]:
        d = s["detection"]
        table.caption = f"detected in period {d['period']} by {d['unit']} ({d['nation']}), {d['hours_since_alert']:.1f} h after the alert"
    else:
        table.caption = "not detected"
    if "replicates" in s:
        r = s["replicates"]
        table.caption += (f"; {r['n']} replicates: {100 * r['detected_fraction']:.0f} % detected, period 1 "
                          f"{100 * r['first_period_detected_fraction']:.1f} % vs sailed-tracks POS {100 * r['first_period_pos_sailed']:.1f} %")
    out_ = console()
    out_.print(table)
    out_.print(f"participants' outputs: {out / 'participants'}; evaluators' report: {out / 'evaluation' / 'report.html'}")


def register(app: typer.Typer) -> None:
    app.add_typer(exercise_app, name="exercise")


@exercise_app.command("evaluate-played")
@user_errors
def exercise_evaluate_played(
    export: Path = typer.Argument(..., help="The played exercise's export (GET /api/exercises/{id}/played-export of the server; JSON)."),
    out: Path = typer.Option(..., help="Output folder (played.json, report.html, report.pdf)."),
    rehearsal: bool = typer.Option(False, "--rehearsal", help="Also run the simulated exercise (same seed) and show it beside the played one."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Ignore the coastline (faster; for synthetic scenarios at sea)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Evaluate the exercise as played: opportunities, POD of the truth, POS achieved, sightings, timeline (EVALUATORS ONLY)."""
    from sarex.app.played import PlayedRequest, exercise_evaluate_played as run

    req = build(PlayedRequest, export=export, rehearsal=rehearsal, coast=not no_coast)
    res = run(req, FolderTarget(out, inputs=[export], force=force), progress=lambda m: note(m, "played:"))
    p = res.evaluation.scores
    fo = p["first_opportunity"]
    console().print(f"detected: {'yes (' + p['detected_by'] + ', ' + p['detection']['unit'] + ' at ' + p['detection']['time'] + ')' if p['detected'] else 'no'}; "
                    f"pod_true {100 * p['pod_true']:.1f} %; POS achieved {100 * p['pos_achieved']:.1f} %; "
                    f"first opportunity: {fo['unit'] + ' at ' + fo['time'] if fo else 'none'}")
    console().print(f"wrote {out} (EVALUATORS ONLY): {', '.join(res.files)}")
