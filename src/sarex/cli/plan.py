"""``sarex plan``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from sarex.app.objects import OBJECTS_HELP
from sarex.cli.console import FORCE_HELP, console, user_errors
from sarex.times import from_epoch_s
from sarex.app import FolderTarget, build


def _hm(t_s: float) -> str:

    return from_epoch_s(t_s).strftime("%H%M")


def plan(
    drift_file: Path = typer.Argument(..., help="Drift file (CF trajectory NetCDF from 'sarex drift', possibly updated by searches)."),
    units: Optional[Path] = typer.Option(None, help="Unit catalogue (TOML); default: the built-in Korea–Japan example."),
    start: str = typer.Option(..., help="Start of the search period, ISO 8601 with zone or a DTG."),
    hours: float = typer.Option(..., help="Length of the search period, h."),
    out: Path = typer.Option(..., help="Output folder (new, empty, or written by sarex before; replaced as a whole when the plan is complete)."),
    seed: int = typer.Option(0, help="Seed of the planner's particle subsamples (same seed, same plan)."),
    detection: str = typer.Option("exponential", help="Detection model: exponential (alias random), inverse-cube or definite."),
    visibility_nm: float = typer.Option(10.0, help="Meteorological visibility for the sweep-width tables, NM."),
    weather_factor: float = typer.Option(1.0, help="IAMSAR weather correction fw for the sweep widths."),
    fatigue: bool = typer.Option(False, help="Apply the IAMSAR fatigue correction (0.9)."),
    search_object: Optional[str] = typer.Option(None, help="Sweep-width search object for units that give none (default: from the drift's object class)."),
    step_min: float = typer.Option(30.0, help="Time step for sampling the particles through the period, minutes."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Ignore the coastline: ship areas may touch land, no land on the map."),
    min_marginal_pct: float = typer.Option(0.0, help="Hold in reserve a unit adding less than this POS, % (default 0: every unit that can reach the area is tasked)."),
    objective: str = typer.Option("pos", help="What the plan maximises: pos, or alive (finding the person alive by the period's end; a case with a survival model)."),
    min_coverage: float = typer.Option(0.5, help="Lowest coverage W·track/area of a unit's pattern (IAMSAR practice about 0.5–2)."),
    max_coverage: float = typer.Option(2.0, help="Coverage guidance (IAMSAR about 0.5–2): exceeded, with the reason, where the probability is; never beyond 10 nor below a unit type's minimum track spacing."),
    exclude: Optional[list[str]] = typer.Option(None, "--exclude", help="SMC: keep this unit out of the plan (repeatable)."),
    task: Optional[list[str]] = typer.Option(None, "--task", help="SMC: task this unit even where it adds little POS (repeatable)."),
    periods: int = typer.Option(1, help="Plan this many consecutive periods of --hours each together (Brown 1980), one folder per period."),
    sortie_gap_hours: float = typer.Option(1.0, help="With --periods: least time between a unit's return and its next sortie (refuelling, crew), h."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Plan a multi-unit search: areas, patterns, routes (GPX/RTZ), KML, GeoJSON, SAP messages, map."""
    from sarex.app.plan import PlanRequest, plan as run
    from sarex.geo import NM_M

    req = build(PlanRequest, drift_file=drift_file, units=units, start=start, hours=hours, seed=seed, detection=detection,
                visibility_nm=visibility_nm, weather_factor=weather_factor, fatigue=fatigue, search_object=search_object,
                step_min=step_min, coast=not no_coast, min_marginal_pct=min_marginal_pct, min_coverage=min_coverage, objective=objective,
                max_coverage=max_coverage, exclude=list(exclude or []), task=list(task or []), periods=periods,
                sortie_gap_hours=sortie_gap_hours, objects=tuple(objects or ()))
    target = FolderTarget(out, inputs=[drift_file, units], force=force)
    res = run(req, target)
    result, by_id = res.plan, {u.id: u for u in res.catalogue.units}
    table = Table(title=f"search plan {start} + {hours:g} h ({detection} detection)", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("unit", "nat", "area", "pat", "S nm", "effort nm²", "on task Z", "POD", "POS"):
        table.add_column(col, justify="right" if col not in ("unit", "nat", "pat") else "left", no_wrap=True)
    for k, a in enumerate(result.assignments, start=1):
        u = by_id[a.unit_id]
        table.add_row(u.id, u.nation, f"A{k}", a.pattern.kind, f"{a.spacing_m / NM_M:.2f}", f"{a.effort_m2 / NM_M**2:.0f}",
                      f"{_hm(a.arrive_s)}–{_hm(a.search_end_s)}", f"{100 * a.pod:.0f}%", f"{100 * a.pos:.1f}%")
    for uid in result.unassigned:
        table.add_row(uid, by_id[uid].nation, "-", "-", "-", "-", "unassigned", "", "", style="yellow")
    for uid in result.reserve:
        table.add_row(uid, by_id[uid].nation, "-", "-", "-", "-", "reserve", "", "", style="cyan")
    table.caption = (f"planner estimate POS {100 * result.total_pos:.1f} %; planned-tracks POS {100 * result.pos_planned:.1f} %; "
                     f"Stone static optimum {100 * result.bound_pos:.1f} % "
                     f"(best for an object that does not drift)"
                     + (f"; found alive by the period's end {100 * result.p_found_alive:.1f} % (objective {result.objective})"
                        if result.p_found_alive == result.p_found_alive else "") + f"; written to {out}/")
    out_ = console()
    if res.multi is not None:
        _print_periods(out_, res.multi, out)
        return
    out_.print(table)
    for uid, why in result.unassigned.items():
        out_.print(Text(f"{uid} not assigned: ", style="yellow") + Text(why), soft_wrap=True)
    for uid, why in result.reserve.items():
        out_.print(Text(f"{uid} in reserve: ", style="cyan") + Text(why), soft_wrap=True)


def _print_periods(out_, mp, out: Path) -> None:
    table = Table(title=f"{len(mp.plans)} search periods planned together", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("period", "start Z", "units", "reserve", "adds POS", "cumulative POS", "each alone"):
        table.add_column(col, justify="right", no_wrap=True)
    for k, p in enumerate(mp.plans):
        table.add_row(str(k + 1), _hm(p.start_s), str(len(p.assignments)), str(len(p.reserve)), f"{100 * mp.added_pos[k]:.1f}%",
                      f"{100 * mp.cumulative_pos[k]:.1f}%", f"{100 * mp.incremental_cumulative_pos[k]:.1f}%")
    table.caption = f"Brown re-plans kept: {mp.passes_kept}; written to {out}/ (period-1/ … period-{len(mp.plans)}/, plan.json)"
    out_.print(table)


def register(app: typer.Typer) -> None:
    app.command("plan")(user_errors(plan))
    app.command("plan-compare")(user_errors(plan_compare))


def plan_compare(
    plan_a: Path = typer.Argument(..., help="Plan A: a folder written by 'sarex plan' or its plan.json (e.g. before the SMC's edits)."),
    plan_b: Path = typer.Argument(..., help="Plan B: the same for the other plan (e.g. after the SMC's edits)."),
    out: Path = typer.Option(..., help="Output folder for compare.png and compare.html (replaced as a whole)."),
    drift: Optional[Path] = typer.Option(None, help="Drift file: shade the probability through plan A's period under the plans."),
    no_coast: bool = typer.Option(False, "--no-coast", help="No land on the map."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Compare two search plans: a PNG map of both plans' areas and routes and an HTML table per unit."""
    from sarex.app.plan import PlanCompareRequest, compare

    req = build(PlanCompareRequest, plan_a=plan_a, plan_b=plan_b, drift_file=drift, coast=not no_coast)
    target = FolderTarget(out, inputs=[plan_a, plan_b, drift], force=force)
    res = compare(req, target)
    table = Table(title="plan A → plan B", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("", "A", "B", "B − A"):
        table.add_column(col, justify="right" if col else "left", no_wrap=True)
    for r in res.totals:
        table.add_row(*r)
    table.caption = f"written to {out}/ (compare.png, compare.html)"
    console().print(table)
