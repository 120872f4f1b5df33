"""Case file validation: weights, fixed field names, one-line errors that name file, field and value."""

from __future__ import annotations

import math

import pytest

from case_data import POINT_AREA, one
from sarex.drift.case import build_ensemble, check_case, load_case
from sarex.errors import SarexInputError


def _write(tmp_path, text: str, name: str = "case.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_issue_example_parses_and_normalises(tmp_path):
    text = POINT_AREA.replace("weight = 0.7", "weight = 0.705")  # sums to 1.005: accepted, then normalised
    case = load_case(_write(tmp_path, text))
    w = case.weights()
    assert w == pytest.approx([0.705 / 1.005, 0.3 / 1.005], abs=1e-15)
    assert case.scenario[0].objects[1].class_ == "LIFE-RAFT-NB-2"


def _error(tmp_path, text: str) -> str:
    p = _write(tmp_path, text)
    with pytest.raises(SarexInputError) as exc:
        check_case(load_case(p), str(p))
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    return msg


def test_weights_not_summing_to_one(tmp_path):
    msg = _error(tmp_path, POINT_AREA.replace("weight = 0.3", "weight = 0.2"))
    assert "scenario.weight: [0.7, 0.2] sum to 0.9" in msg


def test_object_weights_not_summing_to_one(tmp_path):
    msg = _error(tmp_path, POINT_AREA.replace('{class = "LIFE-RAFT-NB-2", weight = 0.4}', '{class = "LIFE-RAFT-NB-2", weight = 0.2}'))
    assert msg.endswith(": scenario[0].objects.weight: [0.6, 0.2] sum to 0.8, not 1 (within 0.01) (scenario 'LKP from the skipper')")


def test_unknown_class_and_field(tmp_path):
    msg = _error(tmp_path, POINT_AREA.replace('"PIW-1", weight = 0.6', '"PIW-99", weight = 0.6'))
    assert "scenario[0].objects[0].class: 'PIW-99'" in msg and msg.endswith("(scenario 'LKP from the skipper')")
    msg = _error(tmp_path, POINT_AREA.replace("radius_m = 1852", "radius_nm = 1"))
    assert "scenario[0].radius_nm: unknown field (value 1)" in msg


def test_zero_axis_ellipse(tmp_path):
    text = one('type = "point"\nlon = 129.7\nlat = 34.8\ntime = "2026-01-15T03:00Z"\nellipse = {semi_major_m = 3000, semi_minor_m = 0, orientation_deg = 30}')
    msg = _error(tmp_path, text)
    assert "scenario[0].ellipse.semi_minor_m: 0 " in msg and msg.endswith("(scenario 'S')")


def test_self_intersecting_polygon(tmp_path):
    bow = "[[129.9, 34.9], [130.1, 35.1], [130.1, 34.9], [129.9, 35.1]]"
    msg = _error(tmp_path, one(f'type = "area"\npolygon = {bow}\ntime = "2026-01-15T03:00Z"'))
    assert "scenario[0].polygon: [[129.9, 34.9]" in msg and "Self-intersection" in msg and msg.endswith("(scenario 'S')")


def test_voyage_arriving_before_departure(tmp_path):
    text = one('type = "voyage"\ndeparture = [129.0, 34.5]\ndeparture_time = "2026-01-15T03:00Z"\nwaypoints = [[130.0, 35.0]]\narrival_time = "2026-01-15T01:00Z"')
    msg = _error(tmp_path, text)
    assert "scenario[0].arrival_time: '2026-01-15T01:00Z' is not after the departure" in msg


def test_bearings_never_meeting(tmp_path):
    # Two stations 60 NM apart looking away from each other: no fix, no common wedge.
    st = ('stations = [{lon = 129.0, lat = 34.5, bearing_deg = 270, sd_deg = 2, max_range_nm = 50}, '
          '{lon = 130.2, lat = 34.5, bearing_deg = 90, sd_deg = 2, max_range_nm = 50}]')
    msg = _error(tmp_path, one(f'type = "bearings"\n{st}\ntime = "2026-01-15T03:00Z"'))
    assert "scenario[0].stations: the bearing lines never meet" in msg


def test_zero_duration_cycle(tmp_path):
    states = """
[[scenario.state]]
name = "raft"
class = "LIFE-RAFT-NB-2"
sojourn_min_h = 0
sojourn_max_h = 0
next = [{state = "capsized", weight = 1.0}]
[[scenario.state]]
name = "capsized"
class = "LIFE-RAFT-NB-CAPSIZED" 
sojourn_max_h = 0
next = [{state = "raft", weight = 1.0}]
"""
    text = one('type = "point"\nlon = 129.7\nlat = 34.8\ntime = "2026-01-15T03:00Z"\nradius_m = 100', objects='[{class = "LIFE-RAFT-NB-2", weight = 1.0}]') + states
    text = text.replace("LIFE-RAFT-NB-CAPSIZED", "LIFE-RAFT-DB-10")
    msg = _error(tmp_path, text)
    assert "cycle of zero duration" in msg and "raft -> capsized -> raft" in msg


def test_too_few_particles(tmp_path):
    case = load_case(_write(tmp_path, POINT_AREA))
    with pytest.raises(SarexInputError, match="particles: .* are too few"):
        build_ensemble(case, 2, 0, math.inf)


def test_every_example_in_docs_is_a_valid_case():
    import re
    import tomllib
    from pathlib import Path

    from sarex.drift.case import parse_case

    text = (Path(__file__).parent.parent / "docs" / "cases.md").read_text()
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", text, re.S) if "[[scenario]]" in b]
    assert len(blocks) >= 7
    types = set()
    for b in blocks:
        case = parse_case(tomllib.loads(b), "docs")
        check_case(case, "docs")
        ens = build_ensemble(case, 400, 0, math.inf)
        assert abs(ens.ensemble.weight.sum() - 1.0) < 1e-12
        types |= {s.type for s in case.scenario}
    assert types == {"point", "area", "voyage", "dead-reckoning", "beacon", "bearings"}


def test_unknown_and_missing_type_name_the_field(tmp_path):
    msg = _error(tmp_path, one('type = "circle"\nlon = 129.7\nlat = 34.8\ntime = "2026-01-15T03:00Z"'))
    assert msg.endswith(": scenario[0].type: 'circle' must be one of point, area, voyage, dead-reckoning, beacon, bearings (scenario 'S')")
    msg = _error(tmp_path, one('lon = 129.7\nlat = 34.8\ntime = "2026-01-15T03:00Z"'))
    assert msg.endswith(": scenario[0].type: missing (required) (scenario 'S')")
    msg = _error(tmp_path, one('type = "point"\nlon = 129.7\nlat = 34.8\ntime = "yesterday"'))
    assert msg.endswith(": scenario[0].time: 'yesterday' is not an ISO 8601 UTC time (scenario 'S')")
