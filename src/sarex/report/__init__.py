"""Figures, HTML and PDF reports of drifts, plans and exercises.

The public names below are imported on first use (:mod:`sarex._exports`).
"""

from typing import TYPE_CHECKING

from sarex._exports import lazy_exports

if TYPE_CHECKING:
    from sarex.report.brief import build_brief
    from sarex.report.casemap import plot_case
    from sarex.report.driftmap import plot_drift
    from sarex.report.exercise_files import write_exercise_files
    from sarex.report.exercise_report import build_exercise_report
    from sarex.report.html import Report, Section, render_html, write_html, write_pdf
    from sarex.report.plancompare import write_comparison
    from sarex.report.planfiles import write_plan_folder
    from sarex.report.planmap import plot_plan
    from sarex.report.probmap import plot_probability
    from sarex.report.replay_report import build_replay_report
    from sarex.report.skillplot import plot_skill

_EXPORTS = {
    "Report": "sarex.report.html",
    "Section": "sarex.report.html",
    "build_brief": "sarex.report.brief",
    "build_exercise_report": "sarex.report.exercise_report",
    "build_replay_report": "sarex.report.replay_report",
    "plot_case": "sarex.report.casemap",
    "plot_drift": "sarex.report.driftmap",
    "plot_plan": "sarex.report.planmap",
    "plot_probability": "sarex.report.probmap",
    "plot_skill": "sarex.report.skillplot",
    "render_html": "sarex.report.html",
    "write_comparison": "sarex.report.plancompare",
    "write_exercise_files": "sarex.report.exercise_files",
    "write_html": "sarex.report.html",
    "write_pdf": "sarex.report.html",
    "write_plan_folder": "sarex.report.planfiles",
}
__all__ = [
    "Report",
    "Section",
    "build_brief",
    "build_exercise_report",
    "build_replay_report",
    "plot_case",
    "plot_drift",
    "plot_plan",
    "plot_probability",
    "plot_skill",
    "render_html",
    "write_comparison",
    "write_exercise_files",
    "write_html",
    "write_pdf",
    "write_plan_folder",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
