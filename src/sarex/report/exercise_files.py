"""An exercise's files: the participants' brief and plans, the evaluators' truth, scores and report."""

from __future__ import annotations

import json
from pathlib import Path

from sarex.exercise.engine import ExerciseResult
from sarex.exercise.run import scenario_catalogue
from sarex.io.atomic import atomic_folder, write_text_atomic
from sarex.io.driftfile import write_drift
from sarex.planning.cloud import period_cloud
from sarex.report.brief import build_brief
from sarex.report.exercise_report import build_exercise_report
from sarex.report.html import render_html, write_pdf
from sarex.report.planfiles import write_plan_files
from sarex.times import iso


def write_exercise_files(res: ExerciseResult, folder: str | Path, coast: bool = True) -> dict[str, list[Path]]:
    """Write participants' outputs and the evaluation (report, truth, scores) into the staging ``folder``.

    Returns the files written (inside ``folder``) by audience. The caller publishes
    the folder as a whole (:class:`sarex.app.output.FolderTarget`, :func:`write_exercise`).
    """
    sc = res.scenario
    catalogue = scenario_catalogue(sc)
    pv = sc.participant_view()
    tmp = Path(folder)
    files: dict[str, list[Path]] = {"participants": [], "evaluation": []}
    part = tmp / "participants"
    files["participants"].append(write_text_atomic(part / "brief" / "scenario.json", pv.model_dump_json(indent=2)))
    files["participants"].append(write_text_atomic(part / "brief" / "brief.html", render_html(build_brief(pv))))
    files["participants"].append(write_drift(res.periods[0].drift_before, part / "forecast_drift.nc"))
    for p in res.periods[: res.executed]:
        cloud = period_cloud(p.drift_before, p.start_s, p.end_s)
        situation = {"object": sc.reported.object_class, "particles": int(cloud.x.shape[0]),
                     "searches": p.index, "lkp_lon": sc.reported.lon, "lkp_lat": sc.reported.lat, "lkp_time": iso(sc.reported.time)}
        files["participants"] += write_plan_files(part / f"period-{p.index + 1}", p.plan, cloud, catalogue, situation, coast=coast,
                                                  label=f"period {p.index + 1}")
    ev = tmp / "evaluation"
    files["evaluation"].append(write_drift(res.truth, ev / "truth.nc"))
    files["evaluation"].append(write_text_atomic(ev / "scores.json", json.dumps(res.scores(), indent=1, ensure_ascii=False) + "\n"))
    rep = build_exercise_report(res, coast)
    files["evaluation"].append(write_text_atomic(ev / "report.html", render_html(rep)))
    files["evaluation"].append(write_pdf(rep, ev / "report.pdf"))
    return files


def write_exercise(res: ExerciseResult, out: str | Path, coast: bool = True) -> dict[str, list[Path]]:
    """Write :func:`write_exercise_files` into ``out``, replacing it as a whole when complete."""
    with atomic_folder(out) as tmp:
        files = write_exercise_files(res, tmp, coast)
        files = {k: [Path(out) / Path(f).relative_to(tmp) for f in v] for k, v in files.items()}
    res.files = files
    return files
