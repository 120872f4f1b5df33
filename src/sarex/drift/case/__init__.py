"""Case scenarios as the rescue centre knows them: weighted scenarios (point, area, voyage,
dead reckoning, beacon, bearings), object mixtures, object-state changes and survival.

Layer: drift (imports environment/io/drift-level code only).
"""

from sarex.drift.case.build import CaseEnsemble, build_ensemble, check_case, scenario_table
from sarex.drift.case.model import Case, load_case, parse_case
from sarex.drift.case.run import CaseDriftConfig, drift_case

__all__ = ["Case", "CaseDriftConfig", "CaseEnsemble", "build_ensemble", "check_case", "drift_case", "load_case", "parse_case", "scenario_table"]
