"""Write a whole plan folder at once: everything goes to a temporary sibling folder
that is renamed into place only when complete, so a failure leaves no output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from sarex.geo import NM_M
from sarex.io.atomic import atomic_folder, write_text_atomic
from sarex.planning.cloud import PeriodCloud
from sarex.planning.exports import write_exports
from sarex.planning.message import LANGUAGES, sap_message
from sarex.planning.planner import Plan
from sarex.planning.units import UnitCatalogue
from sarex.times import iso


def plan_summary(plan: Plan, catalogue: UnitCatalogue) -> dict:
    """JSON-able summary of the plan (one entry per unit)."""
    units = {u.id: u for u in catalogue.units}
    rows = []
    for k, a in enumerate(plan.assignments, start=1):
        u = units[a.unit_id]
        rows.append(
            {
                "unit": u.id,
                "nation": u.nation,
                "service": u.service,
                "area": f"A{k}",
                "pattern": a.pattern.kind,
                "spacing_nm": a.spacing_m / NM_M,
                "sweep_width_nm": a.effort_m2 / a.track_m / NM_M,
                "track_nm": a.track_m / NM_M,
                "effort_nm2": a.effort_m2 / NM_M**2,
                "area_nm2": a.rect.area_m2 / NM_M**2,
                "coverage": a.coverage,
                "depart": iso(a.depart_s),
                "on_task": iso(a.arrive_s),
                "off_task": iso(a.search_end_s),
                "return": iso(a.return_s),
                "poc": a.poc,
                "pod": a.pod,
                "pos": a.pos,
            }
        )
    return {
        "start": iso(plan.start_s),
        "end": iso(plan.end_s),
        "detection": plan.model,
        "seed": plan.seed,
        "total_pos": plan.total_pos,
        "optimal_pos": plan.bound_pos,
        "total_effort_nm2": plan.total_effort_m2 / NM_M**2,
        "units": rows,
        "unassigned": plan.unassigned,
    }


def write_plan_files(
    folder: str | Path,
    plan: Plan,
    cloud: PeriodCloud,
    catalogue: UnitCatalogue,
    situation: Optional[dict] = None,
    coast: bool = True,
) -> list[Path]:
    """Write routes, KML, GeoJSON, SAP messages (en/ko/ja), plan.json and plan.png into ``folder``.

    ``folder`` is a staging folder (the caller publishes it as a whole, e.g. through
    :class:`sarex.app.output.FolderTarget`); the paths returned are inside it.
    """
    from sarex.report.planmap import plot_plan

    tmp = Path(folder)
    tmp.mkdir(parents=True, exist_ok=True)
    files = write_exports(plan, catalogue, tmp)
    for lang in LANGUAGES:
        files.append(write_text_atomic(tmp / f"sap_{lang}.txt", sap_message(plan, catalogue, lang, situation)))
    files.append(write_text_atomic(tmp / "plan.json", json.dumps(plan_summary(plan, catalogue), indent=1, ensure_ascii=False) + "\n"))
    files.append(plot_plan(plan, cloud, catalogue, tmp / "plan.png", coast=coast))
    return files


def write_plan_folder(
    out: str | Path,
    plan: Plan,
    cloud: PeriodCloud,
    catalogue: UnitCatalogue,
    situation: Optional[dict] = None,
    coast: bool = True,
) -> list[Path]:
    """Write the plan folder (:func:`write_plan_files`) into ``out``, replacing it as a whole when complete."""
    out = Path(out)
    with atomic_folder(out) as tmp:
        names = [f.relative_to(tmp) for f in write_plan_files(tmp, plan, cloud, catalogue, situation, coast)]
    return [out / n for n in names]
