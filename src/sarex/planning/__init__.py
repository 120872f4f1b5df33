"""Search planning: allocation, patterns, plans, exports and the SAP message.

The public names below are imported on first use (:mod:`sarex._exports`).
"""

from typing import TYPE_CHECKING

from sarex._exports import lazy_exports

if TYPE_CHECKING:
    from sarex.planning.exports import write_exports
    from sarex.planning.message import sap_message
    from sarex.planning.multiperiod import MultiPeriodPlan, plan_periods
    from sarex.planning.optimal import Allocation, optimal_allocation
    from sarex.planning.output import plan_summary
    from sarex.planning.patterns import Pattern
    from sarex.planning.planner import Planner
    from sarex.planning.plantypes import Assignment, Plan, PlannerSettings, Sru
    from sarex.planning.rectangle import Rectangle
    from sarex.planning.units import Unit, UnitCatalogue, load_units

_EXPORTS = {
    "Allocation": "sarex.planning.optimal",
    "Assignment": "sarex.planning.plantypes",
    "MultiPeriodPlan": "sarex.planning.multiperiod",
    "Pattern": "sarex.planning.patterns",
    "Plan": "sarex.planning.plantypes",
    "Planner": "sarex.planning.planner",
    "PlannerSettings": "sarex.planning.plantypes",
    "Rectangle": "sarex.planning.rectangle",
    "Sru": "sarex.planning.plantypes",
    "Unit": "sarex.planning.units",
    "UnitCatalogue": "sarex.planning.units",
    "load_units": "sarex.planning.units",
    "optimal_allocation": "sarex.planning.optimal",
    "plan_periods": "sarex.planning.multiperiod",
    "plan_summary": "sarex.planning.output",
    "sap_message": "sarex.planning.message",
    "write_exports": "sarex.planning.exports",
}
__all__ = [
    "Allocation",
    "Assignment",
    "MultiPeriodPlan",
    "Pattern",
    "Plan",
    "Planner",
    "PlannerSettings",
    "Rectangle",
    "Sru",
    "Unit",
    "UnitCatalogue",
    "load_units",
    "optimal_allocation",
    "plan_periods",
    "plan_summary",
    "sap_message",
    "write_exports",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
