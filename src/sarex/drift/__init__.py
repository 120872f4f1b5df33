"""Monte-Carlo Leeway drift of search objects."""

from sarex.drift.objects import LeewayObject, get_object, leeway_objects
from sarex.drift.seeding import Release
from sarex.drift.simulate import simulate

__all__ = ["LeewayObject", "Release", "get_object", "leeway_objects", "simulate"]
