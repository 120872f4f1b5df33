"""Case files for the case tests (TOML text)."""

POINT_AREA = """
title = "Overdue fishing vessel"
[[scenario]]
name = "LKP from the skipper"
weight = 0.7
type = "point"
lon = 129.72
lat = 34.86
time = "2026-01-15T03:00:00Z"
radius_m = 1852
objects = [{class = "PIW-1", weight = 0.6}, {class = "LIFE-RAFT-NB-2", weight = 0.4}]

[[scenario]]
name = "On the fishing ground"
weight = 0.3
type = "area"
polygon = [[129.90, 34.90], [130.10, 34.90], [130.10, 35.10], [129.90, 35.10]]
time = "2026-01-15T03:00:00Z"
objects = [{class = "PIW-1", weight = 1.0}]
"""


def one(scenario_toml: str, objects: str = '[{class = "PIW-1", weight = 1.0}]', name: str = "S", weight: float = 1.0) -> str:
    """A one-scenario case around the given scenario fields."""
    return f'[[scenario]]\nname = "{name}"\nweight = {weight}\nobjects = {objects}\n{scenario_toml}\n'
