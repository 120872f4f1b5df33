"""A plan's files: routes, KML, GeoJSON, SAP messages (en/ko/ja), plan.json and the map.

The whole folder is written at once: into a staging folder published as a whole
by the caller, or through :func:`write_plan_folder` (temporary sibling folder
renamed into place when complete), so a failure leaves no partial plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from sarex.io.atomic import atomic_folder, write_text_atomic
from sarex.planning.cloud import PeriodCloud
from sarex.planning.exports import write_exports
from sarex.planning.message import LANGUAGES, sap_message
from sarex.planning.output import plan_summary
from sarex.planning.planner import Plan
from sarex.planning.units import UnitCatalogue
from sarex.report.planmap import plot_plan
from sarex.times import iso


def write_plan_files(
    folder: str | Path,
    plan: Plan,
    cloud: PeriodCloud,
    catalogue: UnitCatalogue,
    situation: Optional[dict] = None,
    coast: bool = True,
    period: Optional[dict] = None,
    label: Optional[str] = None,
) -> list[Path]:
    """Write routes, KML, GeoJSON, SAP messages (en/ko/ja), plan.json and plan.png into ``folder``.

    ``folder`` is a staging folder (the caller publishes it as a whole, e.g. through
    :class:`sarex.app.output.FolderTarget`); the paths returned are inside it. ``period``
    (:func:`period_info`) says which of several periods planned together this is and what it adds;
    ``label`` names the period on the map (default: "period k of n" from ``period``).
    """
    tmp = Path(folder)
    tmp.mkdir(parents=True, exist_ok=True)
    files = write_exports(plan, catalogue, tmp)
    for lang in LANGUAGES:
        files.append(write_text_atomic(tmp / f"sap_{lang}.txt", sap_message(plan, catalogue, lang, situation, period=period)))
    summary = plan_summary(plan, catalogue) | ({"multi_period": period} if period else {})
    files.append(write_text_atomic(tmp / "plan.json", json.dumps(summary, indent=1, ensure_ascii=False) + "\n"))
    label = label or (f"period {period['period']} of {period['periods']}" if period else None)
    files.append(plot_plan(plan, cloud, catalogue, tmp / "plan.png", coast=coast, label=label))
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


def period_info(mp, k: int) -> dict:
    """What period ``k`` (0-based) of the multi-period plan ``mp`` adds to the cumulative POS (fractions)."""
    return {"period": k + 1, "periods": len(mp.plans), "added_pos": mp.added_pos[k], "cumulative_pos": mp.cumulative_pos[k],
            "cumulative_pos_each_period_alone": mp.incremental_cumulative_pos[k]}


def write_period_plans(folder: str | Path, mp, clouds: list[PeriodCloud], catalogue: UnitCatalogue, situation: Optional[dict] = None,
                       coast: bool = True) -> list[Path]:
    """Several periods planned together: ``period-k/`` plan folders and a top plan.json with what each period adds."""
    tmp = Path(folder)
    tmp.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    rows = []
    for k, (plan, cloud) in enumerate(zip(mp.plans, clouds)):
        info = period_info(mp, k)
        files += write_plan_files(tmp / f"period-{k + 1}", plan, cloud, catalogue, situation, coast, info)
        rows.append(info | {"start": iso(plan.start_s), "end": iso(plan.end_s), "folder": f"period-{k + 1}",
                            "units": [a.unit_id for a in plan.assignments], "reserve": sorted(plan.reserve), "unassigned": sorted(plan.unassigned)})
    top = {"periods": rows, "cumulative_pos": mp.cumulative_pos[-1], "cumulative_pos_each_period_alone": mp.incremental_cumulative_pos[-1],
           "brown_replans_kept": mp.passes_kept,
           "definitions": {"added_pos": "what the period adds to the cumulative POS of the periods before it (Brown 1980 multi-period plan: "
                                        "each period planned on the prior times the non-detection of the other periods)",
                           "cumulative_pos_each_period_alone": "the same cumulative POS when each period is planned alone on the posterior of the earlier ones"}}
    files.append(write_text_atomic(tmp / "plan.json", json.dumps(top, indent=1, ensure_ascii=False) + "\n"))
    return files
