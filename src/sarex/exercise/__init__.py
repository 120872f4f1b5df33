"""SAR exercises: scenario, truth, simulated and replayed searches, scoring.

The public names below are imported on first use (:mod:`sarex._exports`).
"""

from typing import TYPE_CHECKING

from sarex._exports import lazy_exports

if TYPE_CHECKING:
    from sarex.exercise.engine import ExerciseResult, ReplicateStats, run_exercise, run_replicate_set
    from sarex.exercise.planned import read_planned_dir
    from sarex.exercise.replay import ReplayResult, evaluate_replay
    from sarex.exercise.replicates import replicate_seeds, run_replicates
    from sarex.exercise.scenario import Scenario, load_scenario, parse_scenario
    from sarex.exercise.truth import TruthTrack, drift_truth, scenario_truth

_EXPORTS = {
    "ExerciseResult": "sarex.exercise.engine",
    "ReplayResult": "sarex.exercise.replay",
    "ReplicateStats": "sarex.exercise.engine",
    "Scenario": "sarex.exercise.scenario",
    "TruthTrack": "sarex.exercise.truth",
    "drift_truth": "sarex.exercise.truth",
    "evaluate_replay": "sarex.exercise.replay",
    "load_scenario": "sarex.exercise.scenario",
    "parse_scenario": "sarex.exercise.scenario",
    "read_planned_dir": "sarex.exercise.planned",
    "replicate_seeds": "sarex.exercise.replicates",
    "run_exercise": "sarex.exercise.engine",
    "run_replicate_set": "sarex.exercise.engine",
    "run_replicates": "sarex.exercise.replicates",
    "scenario_truth": "sarex.exercise.truth",
}
__all__ = [
    "ExerciseResult",
    "ReplayResult",
    "ReplicateStats",
    "Scenario",
    "TruthTrack",
    "drift_truth",
    "evaluate_replay",
    "load_scenario",
    "parse_scenario",
    "read_planned_dir",
    "replicate_seeds",
    "run_exercise",
    "run_replicate_set",
    "run_replicates",
    "scenario_truth",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
