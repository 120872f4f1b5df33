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
