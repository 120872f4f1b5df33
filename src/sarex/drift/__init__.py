"""Monte-Carlo Leeway drift of search objects."""

from sarex.drift.objects import LeewayObject, get_object, leeway_objects
from sarex.drift.seeding import Release
from sarex.drift.simulate import DriftConfig, DriftStart, run_drift, simulate

__all__ = ["DriftConfig", "DriftStart", "LeewayObject", "Release", "get_object", "leeway_objects", "run_drift", "simulate"]
