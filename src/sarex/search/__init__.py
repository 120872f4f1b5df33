"""Probability maps, Bayesian search updates, detection and skill.

The public names below are imported on first use (:mod:`sarex._exports`).
"""

from typing import TYPE_CHECKING

from sarex._exports import lazy_exports

if TYPE_CHECKING:
    from sarex.search.backtrack import Backtrack, backtrack
    from sarex.search.bayes import BayesUpdate, SearchOutcome, apply_search, bayes_update
    from sarex.search.containment import ContainmentArea, containment_areas
    from sarex.search.datum import DatumArea, iamsar_datum
    from sarex.search.detection import SearchUnit, lateral_range_pod, pod_along_tracks
    from sarex.search.grid import ProbabilityGrid
    from sarex.search.podmodel import DetectionModel
    from sarex.search.positions import Positions, positions_at
    from sarex.search.skill import TrajectorySkill, forecast_skill, trajectory_skill
    from sarex.search.sweepwidth import sweep_width_nm

_EXPORTS = {
    "Backtrack": "sarex.search.backtrack",
    "BayesUpdate": "sarex.search.bayes",
    "ContainmentArea": "sarex.search.containment",
    "DatumArea": "sarex.search.datum",
    "DetectionModel": "sarex.search.podmodel",
    "Positions": "sarex.search.positions",
    "ProbabilityGrid": "sarex.search.grid",
    "SearchOutcome": "sarex.search.bayes",
    "SearchUnit": "sarex.search.detection",
    "TrajectorySkill": "sarex.search.skill",
    "apply_search": "sarex.search.bayes",
    "backtrack": "sarex.search.backtrack",
    "bayes_update": "sarex.search.bayes",
    "containment_areas": "sarex.search.containment",
    "forecast_skill": "sarex.search.skill",
    "iamsar_datum": "sarex.search.datum",
    "lateral_range_pod": "sarex.search.detection",
    "pod_along_tracks": "sarex.search.detection",
    "positions_at": "sarex.search.positions",
    "sweep_width_nm": "sarex.search.sweepwidth",
    "trajectory_skill": "sarex.search.skill",
}
__all__ = [
    "Backtrack",
    "BayesUpdate",
    "ContainmentArea",
    "DatumArea",
    "DetectionModel",
    "Positions",
    "ProbabilityGrid",
    "SearchOutcome",
    "SearchUnit",
    "TrajectorySkill",
    "apply_search",
    "backtrack",
    "bayes_update",
    "containment_areas",
    "forecast_skill",
    "iamsar_datum",
    "lateral_range_pod",
    "pod_along_tracks",
    "positions_at",
    "sweep_width_nm",
    "trajectory_skill",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
