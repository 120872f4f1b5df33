"""The plan summary (plan.json): one entry per unit, NM and ISO times for reading."""

from __future__ import annotations

from sarex.geo import NM_M
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
