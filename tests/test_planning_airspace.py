"""Aircraft deconfliction (issue 30): altitude blocks in plan.json, the KML (OGC KML 2.2 schema) and the SAP in en/ko/ja.

The plans are laid out by hand (three 10 × 10 NM areas: two helicopters side by side, 1 NM apart,
a P-1 north of both, 1 NM away), so the blocks are worked out by hand from the rules in
:mod:`sarex.planning.airspace`: helicopters first (by requested altitude, then id), 500 ft blocks
around the requested altitude on whole 100 ft, each floor ≥ 500 ft above a neighbour's ceiling.
"""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from sarex.geo import NM_M, LocalProjection
from sarex.planning.airspace import AirspaceSettings, deconflict
from sarex.planning.airspace_kml import KML_NS
from sarex.planning.exports import kml_text
from sarex.planning.message import LANGUAGES, sap_message
from sarex.planning.output import plan_summary
from sarex.planning.patterns import sweep
from sarex.planning.plantypes import Assignment, Plan
from sarex.planning.rectangle import Rectangle
from sarex.planning.units import parse_catalogue
from sarex.times import to_epoch_s

T0 = to_epoch_s("2026-01-15T06:00Z")
FRAME = LocalProjection(129.5, 34.6)

UNITS = """
[coordination]
smc = "RCC Busan"
aco = "JP-P1"
channels = {control = "HF 8.364 MHz", on_scene = "VHF ch 67", aco = "UHF 243.0 MHz", monitor = "VHF ch 16"}

[[unit]]
id = "KR-HELO"
name = "Lynx"
nation = "KOR"
service = "ROK Navy"
type = "helicopter"
search_speed_kn = 90
transit_speed_kn = 120
endurance_h = 3
altitude_m = 150
start = [129.3, 34.3]
callsign = "ROK NAVY 701"

[[unit]]
id = "JP-HELO"
name = "SH-60K"
nation = "JPN"
service = "JMSDF"
type = "helicopter"
search_speed_kn = 90
transit_speed_kn = 120
endurance_h = 3
altitude_m = 150
start = [129.7, 34.3]
callsign = "JAPANESE NAVY 8201"

[[unit]]
id = "JP-P1"
name = "P-1"
nation = "JPN"
service = "JMSDF"
type = "fixed-wing"
search_speed_kn = 200
transit_speed_kn = 350
endurance_h = 10
altitude_m = 300
start = [129.5, 35.2]
"""


def _assignment(uid: str, cx_nm: float, cy_nm: float, start_xy, t0: float = T0, hours: float = 3.0) -> Assignment:
    rect = Rectangle(cx_nm * NM_M, cy_nm * NM_M, 0.0, 10 * NM_M, 10 * NM_M)
    pat = sweep(rect, 5, start_xy)
    v = 90 * NM_M / 3600
    return Assignment(uid, rect, pat, 5, rect.creep_m / 5, pat.track_length_m, 1e8, 1.0, t0 - 1800, t0, t0 + hours * 3600,
                      t0 + hours * 3600 + 1800, 20 * NM_M, 20 * NM_M, search_speed_ms=v, transit_speed_ms=v, start_xy=start_xy,
                      waypoint_times_s=pat.times_s(t0, v), poc=0.3, pod=0.5, pos=0.15, marginal_pos=0.1)


def _catalogue(extra: str = ""):
    return parse_catalogue(tomllib.loads(UNITS + extra), "units.toml")


def _plan(cat, layout):
    start = {u.id: FRAME.forward(np.array([u.start[0]]), np.array([u.start[1]])) for u in cat.units}
    asg = [_assignment(uid, cx, cy, (float(start[uid][0][0]), float(start[uid][1][0]))) for uid, cx, cy in layout]
    return Plan(FRAME, T0, T0 + 4 * 3600, "exponential", 0, asg, {})


# Helicopters side by side (1 NM gap), the P-1 north of both (1 NM gap): every pair is adjacent (< 2 NM).
ADJACENT = [("KR-HELO", -5.5, -5.5), ("JP-HELO", 5.5, -5.5), ("JP-P1", 0.0, 5.5)]
# By hand: requested 150 m = 492.1 ft, 300 m = 984.3 ft. JP-HELO (id first): 492 - 250 → 200, block 200–700 (492 in it).
# KR-HELO: floor ≥ 700 + 500 = 1200, block 1200–1700, altitude moved to 1450. P-1: floor ≥ 1700 + 500, block 2200–2700, altitude 2450.
EXPECTED = {"JP-HELO": (200.0, 700.0, 492.1), "KR-HELO": (1200.0, 1700.0, 1450.0), "JP-P1": (2200.0, 2700.0, 2450.0)}


@pytest.fixture(scope="module")
def adjacent():
    cat = _catalogue()
    return _plan(cat, ADJACENT), cat


def test_blocks_of_two_helicopters_and_a_p1_in_adjacent_areas(adjacent):
    plan, cat = adjacent
    space = deconflict(plan, cat)
    got = {u: (b.low_ft, b.high_ft, b.search_alt_ft) for u, b in space.blocks.items()}
    assert got == EXPECTED
    assert {tuple(sorted(p.units)) for p in space.pairs} == {("JP-HELO", "KR-HELO"), ("JP-HELO", "JP-P1"), ("JP-P1", "KR-HELO")}
    for p in space.pairs:
        assert p.separation == "vertical" and p.vertical_ft >= 500.0
        assert p.gap_nm == pytest.approx(1.0, abs=1e-6)
    assert space.aco == "JP-P1" and not space.conflicts


def test_plan_json_blocks_disjoint_by_500_ft(adjacent):
    plan, cat = adjacent
    rows = {r["unit"]: r for r in plan_summary(plan, cat)["units"]}
    blocks = sorted(tuple(rows[u]["altitude_block_ft"]) for u in EXPECTED)
    for (_lo0, hi0), (lo1, _hi1) in zip(blocks, blocks[1:]):
        assert lo1 - hi0 >= 500.0
    for u, (lo, hi, _alt) in EXPECTED.items():
        assert rows[u]["altitude_block_ft"] == [lo, hi] and lo <= rows[u]["search_altitude_ft"] <= hi
    assert rows["KR-HELO"]["altitude_changed"] and not rows["JP-HELO"]["altitude_changed"]
    # The P-1 comes from the north (35.2° N): it enters its area through the north edge (5.5 + 5 = 10.5 NM north of the centre).
    e = rows["JP-P1"]["entry"]
    x, y = FRAME.forward(np.array([e[0]]), np.array([e[1]]))
    assert float(y[0]) / NM_M == pytest.approx(10.5, abs=1e-3) and abs(float(x[0])) / NM_M <= 5.0 + 1e-6


def test_helicopters_far_apart_share_a_block():
    cat = _catalogue()
    plan = _plan(cat, [("KR-HELO", -30.0, 0.0), ("JP-HELO", 30.0, 0.0), ("JP-P1", 0.0, 40.0)])
    space = deconflict(plan, cat)
    assert space.pairs == []
    assert (space.blocks["KR-HELO"].low_ft, space.blocks["KR-HELO"].high_ft) == (200.0, 700.0) == (space.blocks["JP-HELO"].low_ft, space.blocks["JP-HELO"].high_ft)


def test_no_room_below_the_ceiling_is_a_stated_conflict():
    cat = _catalogue()
    plan = _plan(cat, ADJACENT)
    space = deconflict(plan, cat, AirspaceSettings(ceiling_ft=2000.0))
    # The P-1's 2200–2700 block would break the 2000 ft ceiling: it keeps its requested block 700–1200 (984 ft),
    # 0 ft above JP-HELO's 200–700 and 0 ft below KR-HELO's 1200–1700: both pairs are conflicts.
    assert (space.blocks["JP-P1"].low_ft, space.blocks["JP-P1"].high_ft) == (700.0, 1200.0)
    assert sorted(tuple(sorted(p.units)) for p in space.conflicts) == [("JP-HELO", "JP-P1"), ("JP-P1", "KR-HELO")]
    assert all(p.vertical_ft == 0.0 for p in space.conflicts)
    plan.airspace = space
    marks = {"en": "AIRSPACE CONFLICT", "ko": "공역 충돌", "ja": "空域競合"}
    for lang in LANGUAGES:
        lines = [ln for ln in sap_message(plan, cat, lang).splitlines() if marks[lang] in ln]
        assert len(lines) == 2 and all("JP-P1" in ln and "1.0" in ln and "0 ft" in ln for ln in lines)


def _kml_blocks(text: str) -> dict[str, tuple[float, float]]:
    ns = {"k": KML_NS}
    root = ET.fromstring(text.encode())
    out = {}
    for pm in root.iter(f"{{{KML_NS}}}Placemark"):
        mg = pm.find("k:MultiGeometry", ns)
        if mg is None:
            continue
        data = {d.get("name"): d.find("k:value", ns).text for d in pm.iter(f"{{{KML_NS}}}Data")}
        zs = []
        for pol in mg.findall("k:Polygon", ns):
            assert pol.find("k:altitudeMode", ns).text == "absolute"
            zs += [float(c.split(",")[2]) for c in pol.find(".//k:coordinates", ns).text.split()]
        out[data["unit"]] = (min(zs) / 0.3048, max(zs) / 0.3048)
    return out


def test_kml_blocks_are_solids_at_the_blocks_heights(adjacent):
    plan, cat = adjacent
    blocks = _kml_blocks(kml_text(plan, cat))
    assert set(blocks) == set(EXPECTED)
    for u, (lo, hi, _) in EXPECTED.items():
        assert blocks[u] == (pytest.approx(lo, abs=0.5), pytest.approx(hi, abs=0.5))  # coordinates in m to 0.1 m
    ranked = sorted(blocks.values())
    assert all(b[0] - a[1] >= 499.5 for a, b in zip(ranked, ranked[1:]))


def test_kml_airspace_document_valid_against_ogc_kml22_schema(adjacent):
    lxml = pytest.importorskip("lxml.etree")
    import fastkml

    from sarex.planning.airspace_kml import airspace_kml
    from sarex.planning.exports import area_ring_lonlat

    plan, cat = adjacent
    xsd = lxml.XMLSchema(lxml.parse(str(Path(fastkml.__file__).parent / "schema" / "ogckml22.xsd")))
    doc = lxml.fromstring(airspace_kml(plan, cat, area_ring_lonlat).encode())
    assert xsd.validate(doc), str(xsd.error_log)
    assert len(doc.findall(f".//{{{KML_NS}}}Placemark")) == 3


FT = {"en": "ft", "ko": "ft", "ja": "ft"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sap_states_each_block_in_feet(adjacent, lang):
    plan, cat = adjacent
    text = sap_message(plan, cat, lang)
    for u, (lo, hi, alt) in EXPECTED.items():
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(u + " "))
        assert f"{lo:.0f}–{hi:.0f} ft" in line and f"{alt:.0f} ft" in line
        assert " m," not in line and not re.search(r"\d m\b", line)  # no metres for aviation figures
    assert "UHF 243.0 MHz" in text and "VHF ch 67" in text and '"ROK NAVY 701"' in text
    lines = [ln for ln in text.splitlines() if "(ACO)" in ln and ":" in ln and "JP-P1" in ln]
    assert lines, "the ACO line names JP-P1"


def _stored(plan, cat) -> dict:
    """A plan as the server stores a nation's part: plan.json rows with the area ring."""
    from sarex.planning.exports import area_ring_lonlat

    rows = {r["unit"]: r for r in plan_summary(plan, cat)["units"]}
    return {"assignments": [{**rows[a.unit_id], "area_ring": area_ring_lonlat(a, plan)} for a in plan.assignments]}


def test_plans_of_two_nations_checked_together():
    from sarex.planning.airspace import check_plans

    cat = _catalogue()
    whole = _plan(cat, ADJACENT)
    kor = Plan(FRAME, T0, T0 + 4 * 3600, "exponential", 0, [whole.assignments[0]], {})
    jpn = Plan(FRAME, T0, T0 + 4 * 3600, "exponential", 0, whole.assignments[1:], {})
    # Planned apart, each nation stacks its own aircraft from 200 ft: KR-HELO and JP-HELO both 200–700 ft, 1 NM apart.
    got = check_plans([_stored(kor, cat), _stored(jpn, cat)])
    assert [(c.units, c.nations, c.gap_nm, c.vertical_ft) for c in got] == [(("KR-HELO", "JP-HELO"), ("KOR", "JPN"), pytest.approx(1.0, abs=1e-3), -500.0)]
    # Deconflicted as one plan (what the server does before splitting by nation), the same two parts do not conflict.
    whole.airspace = deconflict(whole, cat)
    kor.airspace = jpn.airspace = whole.airspace
    assert check_plans([_stored(kor, cat), _stored(jpn, cat)]) == []
    # Hours apart, the same areas and blocks do not conflict (times in the area + 30 min margins do not overlap).
    later = Plan(FRAME, T0, T0 + 12 * 3600, "exponential", 0,
                 [_assignment("KR-HELO", -5.5, -5.5, kor.assignments[0].start_xy, t0=T0 + 5 * 3600)], {})
    assert check_plans([_stored(later, cat), _stored(jpn, cat)]) == []
