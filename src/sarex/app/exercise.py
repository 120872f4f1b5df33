"""Use cases of the exercise stage: check, brief, truth, run, evaluate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import Field, StrictInt

from sarex.app._validate import DEFAULT_FORCING_ERROR, ForcingErrorSpec, Request, Seed
from sarex.app.output import OutputTarget, run_into
from sarex.errors import SarexInputError


class ScenarioRequest(Request):
    """A scenario (TOML file or the name of a built-in one) and whether the coastline counts."""

    scenario: str
    coast: bool = True
    objects: tuple[Path, ...] = ()  # custom object class files (--objects)

    def input_paths(self) -> list[Path]:
        """The scenario file and the files it names (never written over)."""
        from sarex.exercise.scenario import BUILTIN_SCENARIOS

        if self.scenario in BUILTIN_SCENARIOS:
            return []
        p = Path(self.scenario)
        return [p] if p.exists() else []

    def load(self) -> Any:
        from sarex.app.objects import use_object_files
        from sarex.exercise.scenario import load_scenario

        use_object_files(self.objects)
        return load_scenario(self.scenario)


def scenario_inputs(sc: Any) -> list[Path]:
    """Files a loaded scenario reads (its own file, units file, environment files)."""
    out = [sc.source] if sc.source else []
    for name in ("units_file",):
        v = getattr(sc, name, None)
        if v:
            out.append(Path(v))
    for spec in (sc.forecast, sc.truth.environment):
        for attr in ("file", "wind_file", "current_file"):
            v = getattr(spec, attr, None)
            if v and isinstance(v, Path):  # a URL is not a file an output could overwrite
                out.append(Path(v))
    return [Path(p) for p in out]


@dataclass
class CheckResult:
    scenario: Any
    view: Any
    units: list[Any]


def exercise_check(req: ScenarioRequest) -> CheckResult:
    """Validate a scenario: fields, units as the planner sees them, environments (and positions at sea with ``coast``)."""
    from sarex.exercise.run import scenario_catalogue
    from sarex.exercise.scenario import check_environments

    sc = req.load()
    check_environments(sc, coast=req.coast)
    scenario_catalogue(sc)
    return CheckResult(sc, sc.participant_view(), sc.resolved_units())


def exercise_brief(req: ScenarioRequest, target: OutputTarget) -> list[str]:
    """Write the participants' brief (``scenario.json``, ``brief.html``): the scenario without its truth."""
    from sarex.report.brief import build_brief
    from sarex.report.html import render_html

    pv = req.load().participant_view()
    text, page = pv.model_dump_json(indent=2), render_html(build_brief(pv))

    def body() -> None:
        target.write_text("scenario.json", text)
        target.write_text("brief.html", page)

    return run_into(target, body)


class TruthRequest(ScenarioRequest):
    """``sarex exercise truth``."""

    seed: Seed = 0
    plot: bool = False


@dataclass
class TruthResult:
    track: Any
    dataset: Any
    files: list[str]


def exercise_truth(req: TruthRequest, target: OutputTarget) -> TruthResult:
    """Drift the hidden truth (the same draws as ``exercise run`` with the same seed); writes ``truth.nc`` [+ ``truth.png``]."""
    from sarex.exercise.scenario import check_environments
    from sarex.exercise.truth import scenario_truth
    from sarex.io.driftfile import write_drift

    sc = req.load()
    check_environments(sc, coast=req.coast)
    track, ds = scenario_truth(sc, req.seed, coast=req.coast)

    def body() -> None:
        target.write_file("truth.nc", lambda p: write_drift(ds, p))
        if req.plot:
            from sarex.report.driftmap import plot_drift

            target.write_file("truth.png", lambda p: plot_drift(ds, p, coast=req.coast))

    return TruthResult(track, ds, run_into(target, body))


class RunRequest(ScenarioRequest):
    """``sarex exercise run``."""

    seed: Seed = 0
    particles: StrictInt = Field(5000, gt=0)
    replicates: StrictInt = Field(0, ge=0)
    scheduler: Optional[str] = None
    workers: StrictInt = Field(2, gt=0)
    detection: str = "exponential"
    forcing_error: ForcingErrorSpec = DEFAULT_FORCING_ERROR  # of the planners' forecast (the truth drifts without)


def exercise_run(req: RunRequest, target: OutputTarget, progress: Optional[Callable[[str], None]] = None,
                 replicate_progress: Any = False) -> Any:
    """Simulate the exercise and write participants' and evaluators' outputs as one folder; returns the ExerciseResult."""
    from sarex.app.drift import check_drift_memory
    from sarex.drift.forcing_error import parse_forcing_error
    from sarex.exercise.engine import run_exercise
    from sarex.report.exercise_files import write_exercise_files
    from sarex.search.podmodel import DetectionModel

    DetectionModel.parse(req.detection, "--detection")
    sc = req.load()
    check_drift_memory(req.particles, max(1.0, (sc.end_time_s - sc.reported.time) / 3600.0), 30.0)
    res = run_exercise(sc, req.seed, particles=req.particles, model=req.detection, replicates=req.replicates,
                       scheduler=req.scheduler, workers=req.workers, coast=req.coast, progress=progress,
                       replicate_progress=replicate_progress, forcing_error=parse_forcing_error(req.forcing_error))
    if progress:
        progress("writing outputs")
    written: dict[str, list[str]] = {}

    def fill(folder: Path) -> None:
        for k, v in write_exercise_files(res, folder, coast=req.coast).items():
            written[k] = [Path(f).relative_to(folder).as_posix() for f in v]

    run_into(target, lambda: target.write_folder("", fill))
    res.files = {k: [Path(target.location(f)) for f in v] for k, v in written.items()}
    return res


class EvaluateRequest(Request):
    """``sarex exercise evaluate``: replay evaluation of sailed tracks against the planned patterns."""

    scenario: str
    tracks: Path
    planned: Path
    nmea_date: Optional[str] = None
    truth: Optional[Path] = None
    drift: Optional[Path] = None
    detection: str = "exponential"
    objects: tuple[Path, ...] = ()


@dataclass
class EvaluateResult:
    result: Any
    log: Any
    pos: Any
    files: list[str]


def exercise_evaluate(req: EvaluateRequest, target: OutputTarget) -> EvaluateResult:
    """Evaluate and write ``replay.html``, ``replay.pdf``, ``replay_units.csv``, ``replay_nations.csv`` as one result."""
    from sarex.exercise.planned import read_planned_dir
    from sarex.exercise.replay import evaluate_replay
    from sarex.exercise.replay_tables import nation_csv, unit_csv
    from sarex.exercise.scenario import load_scenario
    from sarex.io.tracks import read_track_dir
    from sarex.report.html import render_html, write_pdf
    from sarex.report.replay_report import build_replay_report

    from sarex.app.objects import use_object_files

    use_object_files(req.objects)
    sc = load_scenario(req.scenario)
    units = sc.resolved_units()
    names = {u.id: u.id for u in units} | {u.track_name: u.id for u in units if u.track_name}
    mmsi = {u.mmsi: u.id for u in units if u.mmsi is not None}
    defaults = {u.id: {"sweep_width_nm": u.sweep_width_nm, "track_spacing_nm": u.track_spacing_nm} for u in units}
    plans = read_planned_dir(req.planned, defaults)
    unknown = [k for k in plans if k not in defaults]
    if unknown:
        raise SarexInputError(f"--planned: route(s) {', '.join(map(repr, unknown))} name no unit of the scenario ({', '.join(defaults)})")
    sailed, log = read_track_dir(req.tracks, names, mmsi, req.nmea_date)
    result = evaluate_replay(plans, sailed, {u.id: u.nation for u in units})
    truth_track = encounters = None
    if req.truth is not None:
        from sarex.exercise.replay import encounters_with_truth
        from sarex.io.driftfile import read_drift
        from sarex.times import datetime64_to_epoch_s

        tds = read_drift(req.truth)
        if tds.sizes["trajectory"] != 1:
            raise SarexInputError(f"--truth: {req.truth} has {tds.sizes['trajectory']} trajectories; expected the one truth track")
        truth_track = (datetime64_to_epoch_s(tds["time"].values), tds["lon"].values[0], tds["lat"].values[0])
        encounters = encounters_with_truth(result, sailed, *truth_track)
    report = build_replay_report(sc.participant_view(), result, log, truth_track, encounters)
    pos = None
    if req.drift is not None:
        from sarex.exercise.replay_pos import achieved_pos
        from sarex.io.driftfile import read_drift
        from sarex.report.html import Table as HtmlTable

        pos = achieved_pos(read_drift(req.drift), result, sailed, req.detection, f"--drift {req.drift}")
        sec = report.section("POS achieved")
        sec.blocks.append(HtmlTable(["unit", "POS achieved"], [[k, f"{100 * v:.1f} %"] for k, v in pos.by_unit.items()] + [["all units", f"{100 * pos.total:.1f} %"]],
                                    f"against {req.drift.name} ({req.detection} detection), sailed tracks on task"))
    page = render_html(report)

    def body() -> None:
        target.write_file("replay.pdf", lambda p: write_pdf(report, p))
        target.write_text("replay.html", page)
        target.write_text("replay_units.csv", unit_csv(result))
        target.write_text("replay_nations.csv", nation_csv(result))

    return EvaluateResult(result, log, pos, run_into(target, body))
