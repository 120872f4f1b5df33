"""The plan summary (plan.json): one entry per unit, NM and ISO times for reading."""

from __future__ import annotations

from sarex.geo import NM_M
from sarex.planning.airspace import airspace_of, airspace_summary, block_row
from sarex.planning.planner import Plan
from sarex.planning.rectangle import rectangle_pin
from sarex.planning.units import MIN_SPACING_NM, UnitCatalogue
from sarex.search.pos_terms import POS_TERMS
from sarex.times import iso


def _geometry(plan: Plan, a) -> dict:
    g = rectangle_pin(plan.frame, a.rect)
    return {"centre_lon": round(g.centre_lon, 6), "centre_lat": round(g.centre_lat, 6), "legs_deg": round(g.legs_deg, 2),
            "leg_nm": g.leg_m / NM_M, "creep_nm": g.creep_m / NM_M}


def plan_summary(plan: Plan, catalogue: UnitCatalogue) -> dict:
    """JSON-able summary of the plan (one entry per unit)."""
    units = {u.id: u for u in catalogue.units}
    space = airspace_of(plan, catalogue)
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
                # The platform type's practical minimum track spacing (issue 32; sarex.planning.units.MIN_SPACING_NM).
                "min_spacing_nm": MIN_SPACING_NM.get(u.type),
                # Legs closer than a turn diameter are flown interleaved (every k-th leg): the least distance between legs flown in turn.
                "interleave_k": a.pattern.interleave or None,
                "turn_spacing_nm": a.pattern.turn_spacing_m / NM_M,
                "sweep_width_nm": a.effort_m2 / a.track_m / NM_M,
                "track_nm": a.track_m / NM_M,
                "effort_nm2": a.effort_m2 / NM_M**2,
                "area_nm2": a.rect.area_m2 / NM_M**2,
                # Issue 29: the area as the map edits it (centre, leg bearing, sides), the form a pin takes.
                **_geometry(plan, a),
                "coverage": a.coverage,
                "depart": iso(a.depart_s),
                "on_task": iso(a.arrive_s),
                "off_task": iso(a.search_end_s),
                "return": iso(a.return_s),
                "poc": a.poc,
                "pod": a.pod,
                "pos": a.pos,
                "marginal_pos": a.marginal_pos,
                "reason": a.reason,
                "smc": a.smc or None,
                "turn_radius_m": a.turn_radius_m,
                "transit_out_nm": a.transit_out_m / NM_M,
                "transit_back_nm": a.transit_back_m / NM_M,
                "callsign": u.callsign or None,
                **(block_row(space.blocks[u.id]) if u.id in space.blocks else {}),
            }
        )
    return {
        "start": iso(plan.start_s),
        "end": iso(plan.end_s),
        "detection": plan.model,
        "seed": plan.seed,
        "pos_planner": plan.total_pos,
        "pos_planned": plan.pos_planned if plan.pos_planned == plan.pos_planned else None,
        **({"pos_alive": plan.pos_alive} if plan.pos_alive == plan.pos_alive else {}),
        # Issue 32: the probability of finding the person alive by the period's end, and which objective was maximised.
        **({"p_found_alive": plan.p_found_alive} if plan.p_found_alive == plan.p_found_alive else {}),
        "objective": plan.objective,
        "stone_reference_pos": plan.bound_pos,
        "poc_any_area": float(sum(a.poc for a in plan.assignments)),
        "total_effort_nm2": plan.total_effort_m2 / NM_M**2,
        "units": rows,
        "unassigned": plan.unassigned,
        "reserve": plan.reserve,
        "min_marginal_pos": plan.min_marginal_pos,
        "coverage_bounds": list(plan.coverage_bounds),
        "airspace": airspace_summary(space),
        "communications": {"channels": dict(catalogue.coordination.channels), "frequencies": list(catalogue.coordination.frequencies)},
        "definitions": {
            "pos_planner": POS_TERMS["pos_planner"][1],
            "pos_planned": POS_TERMS["pos_planned"][1],
            **({"pos_alive": POS_TERMS["pos_alive"][1]} if plan.pos_alive == plan.pos_alive else {}),
            "stone_reference_pos": POS_TERMS["stone_reference_pos"][1],
            "units": "each drift particle is counted in the one area where its POD is highest: poc = probability the object is in "
                     "the unit's area while it is searched, pos = probability it is detected there by the plan, pod = pos/poc; "
                     "the units' poc add up to poc_any_area (<= 1) and their pos to pos_planner",
            "coverage": "W x track length / area of the unit's search area",
            "marginal_pos": "what the plan's POS loses without this unit, the other units unchanged; a unit adding less than "
                            "min_marginal_pos is held in reserve unless the SMC forced it",
            "altitude_block_ft": "the aircraft's altitude block [low, high], ft; aircraft whose areas are closer than "
                                 "airspace.lateral_buffer_nm at overlapping times have blocks at least airspace.vertical_separation_ft "
                                 "apart (IAMSAR), helicopters below fixed-wing; entry/exit: [lon, lat] where the transit crosses the area's edge",
            "times": "from the route geometry: transits (around land for surface units) at transit speed, the pattern flown "
                     "fly-by with the unit's turn radius at search speed",
        },
    }
