"""Exports open with real parsers: GPX (gpxpy), KML (fastkml), GeoJSON (RFC 7946), RTZ (XML); SAP messages."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from planning_fixtures import small_plan

from sarex.drift.objects import leeway_objects
from sarex.nations import nation_colour
from sarex.planning.exports import RTZ_NAMESPACE, unit_route, write_exports
from sarex.planning.message import format_position, sap_message
from sarex.report.planfiles import write_plan_folder
from sarex.times import to_epoch_s


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan")
    plan, cloud, cat = small_plan(tmp)
    out = tmp / "exports"
    write_exports(plan, cat, out)
    return plan, cloud, cat, out


def test_all_units_planned(planned):
    plan, _, cat, _ = planned
    assert {a.unit_id for a in plan.assignments} == {u.id for u in cat.units}
    assert 0 < plan.total_pos


def test_gpx_routes_parse_with_gpxpy(planned):
    import gpxpy

    plan, _, cat, out = planned
    for a in plan.assignments:
        g = gpxpy.parse((out / "routes" / f"{a.unit_id}.gpx").read_text())
        assert len(g.routes) == 1
        pts = g.routes[0].points
        route = unit_route(a, plan)
        assert len(pts) == len(a.pattern.x) + 2 == len(route)
        assert [p.name for p in pts[:2]] == ["DEP", "CSP"] and pts[-1].name == "RTB"
        u = next(u for u in cat.units if u.id == a.unit_id)
        assert pts[0].longitude == pytest.approx(u.start[0], abs=1e-6) and pts[0].latitude == pytest.approx(u.start[1], abs=1e-6)
        t = np.array([p.time.timestamp() for p in pts])
        assert np.all(np.diff(t) >= 0)
        assert t[1] == pytest.approx(round(a.arrive_s), abs=1) and t[-2] == pytest.approx(round(a.search_end_s), abs=1)
        # The CSP is the first waypoint of the pattern, back in lon/lat.
        lon, lat = plan.frame.inverse(a.pattern.x[:1], a.pattern.y[:1])
        assert pts[1].longitude == pytest.approx(lon[0], abs=1e-6) and pts[1].latitude == pytest.approx(lat[0], abs=1e-6)


def test_rtz_routes_parse_as_iec61174_xml(planned):
    plan, _, cat, out = planned
    aircraft = {u.id for u in cat.units if u.is_aircraft}
    ns = {"r": RTZ_NAMESPACE}
    for a in plan.assignments:
        path = out / "routes" / f"{a.unit_id}.rtz"
        if a.unit_id in aircraft:
            assert not path.exists()
            continue
        root = ET.parse(path).getroot()
        assert root.tag == f"{{{RTZ_NAMESPACE}}}route" and root.get("version") == "1.0"
        info = root.find("r:routeInfo", ns)
        assert info is not None and a.unit_id in info.get("routeName")
        wps = root.findall("r:waypoints/r:waypoint", ns)
        route = unit_route(a, plan)
        assert len(wps) == len(route)
        for wp, rp in zip(wps, route):
            pos = wp.find("r:position", ns)
            assert float(pos.get("lat")) == pytest.approx(rp.lat, abs=1e-6)
            assert float(pos.get("lon")) == pytest.approx(rp.lon, abs=1e-6)
        ids = [int(w.get("id")) for w in wps]
        assert ids == list(range(1, len(wps) + 1))
        # RTZ 1.0 (IEC 61174:2015) spells it "sheduleElement"; "scheduleElement" is invalid there.
        assert not root.findall(".//r:scheduleElement", ns)
        sched = root.findall("r:schedules/r:schedule/r:calculated/r:sheduleElement", ns)
        assert [int(s.get("waypointId")) for s in sched] == ids
        assert to_epoch_s(sched[0].get("etd")) == pytest.approx(a.depart_s, abs=1)


def test_geojson_is_rfc7946(planned):
    plan, _, cat, out = planned
    doc = json.loads((out / "areas.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    polys = [f for f in doc["features"] if f["geometry"]["type"] == "Polygon"]
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert len(polys) == len(lines) == len(plan.assignments)
    for f, a in zip(polys, plan.assignments):
        ring = f["geometry"]["coordinates"][0]
        assert len(ring) >= 5 and ring[0] == ring[-1]
        # Longitude first (the cloud is at 129.5 E, 34.6 N).
        assert all(128 < p[0] < 131 and 33 < p[1] < 36 for p in ring)
        # Right-hand rule: exterior ring counter-clockwise (positive shoelace area).
        s = sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1))
        assert s > 0
        # The four corners of the planned rectangle are vertices of the ring.
        c = a.rect.corners()
        clon, clat = plan.frame.inverse(c[:, 0], c[:, 1])
        for lo, la in zip(clon, clat):
            assert min(abs(p[0] - lo) + abs(p[1] - la) for p in ring) < 1e-6
        assert f["properties"]["unit"] == a.unit_id and f["properties"]["pattern"] in ("PS", "CS")
        # Area in nm² from the lon/lat ring (equal-area reprojection) matches the rectangle.
        x, y = plan.frame.forward(np.array([p[0] for p in ring]), np.array([p[1] for p in ring]))
        area = 0.5 * abs(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))
        assert area == pytest.approx(a.rect.area_m2, rel=1e-5)  # coordinates rounded to 1e-7° (~1 cm)
    # Areas that do not overlap in the plane do not overlap in the exported lon/lat polygons either.
    from itertools import combinations

    from shapely.geometry import shape

    for f, g in combinations(polys, 2):
        assert shape(f["geometry"]).intersection(shape(g["geometry"])).area == 0.0


def test_kml_parses_with_fastkml_and_colours_by_nation(planned):
    from fastkml import kml

    plan, _, cat, out = planned
    text = (out / "plan.kml").read_text()
    doc = kml.KML.from_string(text.encode())
    placemarks = []

    def walk(f):
        for c in getattr(f, "features", []) or []:
            if type(c).__name__ == "Placemark":
                placemarks.append(c)
            walk(c)

    walk(doc)
    names = [p.name for p in placemarks]
    n_air = sum(1 for u in cat.units if u.is_aircraft)
    assert len(placemarks) == 3 * len(plan.assignments) + n_air  # area, track, CSP; and each aircraft's altitude block
    folders = [f.name for f in doc.features[0].features]
    assert sorted(folders) == ["Airspace", "JPN", "KOR"]  # KR, JP normalised to ISO alpha-3
    polys = [p for p in placemarks if p.geometry is not None and p.geometry.geom_type == "Polygon"]
    assert len(polys) == len(plan.assignments)
    for a in plan.assignments:
        assert any(a.unit_id in n for n in names)
    # Colours: the KR blue and the JP red appear as KML aabbggrr.
    for nation in ("KR", "JP"):
        rgb = nation_colour(nation)[1:]
        assert ("ff" + rgb[4:6] + rgb[2:4] + rgb[0:2]).lower() in text.lower()


def test_sap_message_in_three_languages(planned):
    plan, _, cat, _ = planned
    situation = {"object": "LIFE-RAFT-NB-2", "lkp_lon": 129.5, "lkp_lat": 34.6, "particles": 5000}
    en = sap_message(plan, cat, "en", situation)
    ko = sap_message(plan, cat, "ko", situation)
    ja = sap_message(plan, cat, "ja", situation)
    for text in (en, ko, ja):
        for a in plan.assignments:
            assert a.unit_id in text
            c = a.rect.corners()
            lon, lat = plan.frame.inverse(c[:, 0], c[:, 1])
            assert format_position(float(lon[0]), float(lat[0])) in text
        assert "VHF ch 16" in text and "KR-DDG" in text
    assert "SEARCH ACTION PLAN" in en and "SITUATION" in en and "COORDINATION" in en and "On-scene coordinator" in en
    assert "상황" in ko and "수색 구역" in ko and "현장지휘관" in ko
    assert "状況" in ja and "捜索区域" in ja and "現場指揮官" in ja
    assert format_position(129.5, 34.6) == "34°36.00'N 129°30.00'E"
    assert format_position(-0.5, -10.25) == "10°15.00'S 000°30.00'W"


def test_plan_folder_written_whole(tmp_path, planned):
    plan, cloud, cat, _ = planned
    out = tmp_path / "plan"
    files = write_plan_folder(out, plan, cloud, cat, coast=False)
    assert all(f.exists() for f in files)
    assert (out / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {p.name for p in out.iterdir()} >= {"plan.kml", "areas.geojson", "plan.json", "plan.png", "sap_en.txt", "sap_ko.txt", "sap_ja.txt", "routes"}
    # No temporary folders left beside it.
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]
    summary = json.loads((out / "plan.json").read_text())
    assert summary["pos_planner"] == pytest.approx(plan.total_pos)
    assert "total_pos" not in summary and "optimal_pos" not in summary
    assert math.isclose(sum(u["effort_nm2"] for u in summary["units"]), summary["total_effort_nm2"], rel_tol=1e-9)


def test_a_units_sap_message_states_its_own_marginal_pos(planned):
    """Issue 11: the message to one unit holds its area and assignment only, and its own marginal POS
    (what the plan loses without it) instead of the whole plan's POS."""
    plan, _, cat, _ = planned
    assert len(plan.assignments) >= 2
    for a in plan.assignments:
        others = [b for b in plan.assignments if b.unit_id != a.unit_id]
        for lang in ("en", "ko", "ja"):
            text = sap_message(plan, cat, lang, unit=a.unit_id)
            assert f"{100 * a.marginal_pos:.1f} %" in text and f"{100 * a.pos:.1f} %" in text
            assert f"{100 * plan.total_pos:.1f} %" not in text or f"{100 * plan.total_pos:.1f}" in (f"{100 * a.marginal_pos:.1f}", f"{100 * a.pos:.1f}")
            for b in others:
                c = b.rect.corners()
                lon, lat = plan.frame.inverse(c[:, 0], c[:, 1])
                assert format_position(float(lon[0]), float(lat[0])) not in text
        en = sap_message(plan, cat, "en", unit=a.unit_id)
        assert "marginal POS" in en and "Planner estimate" not in en and f"TO: {a.unit_id}" in en
    with pytest.raises(ValueError):
        sap_message(plan, cat, "en", unit="NOT-IN-PLAN")


# The Korean and Japanese SAP: Latin-script words only where the reader expects them (issue 29): unit ids,
# the catalogue's names (units, services, SMC; the Leeway catalogue's object description, English only),
# standard abbreviations (IAMSAR search patterns, POS/POC/POD, CSP, SRU, OSC, SMC, ACO, RCC, radio bands),
# units of measure, positions, bearings (°T) and date-time groups (DDHHMMZ MON YYYY, as the phrases use).
_SAP_ABBREVIATIONS = {"POS", "POC", "POD", "CSP", "SRU", "OSC", "SMC", "ACO", "RCC", "UTC", "NM", "ft", "kn", "PS", "CS", "SS", "VS", "TS",
                      "VS/SS", "VHF", "HF", "UHF", "MHz", "ch", "W", "C"}
_SAP_FORMS = [re.compile(p) for p in (r"^\d+°\d+\.\d+'[NSEW]$", r"^\d{3}°T$", r"^\d{6}Z$", r"^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)$")]


def test_korean_and_japanese_sap_hold_no_english_words(planned):
    plan, _, cat, _ = planned
    names = set()
    for u in cat.units:
        names |= {u.id, *re.findall(r"[A-Za-z0-9/_-]+", f"{u.name} {u.service}")}
    obj = "LIFE-RAFT-NB-2"
    names |= {obj, *re.findall(r"[A-Za-z0-9/_-]+", leeway_objects()[obj].description + " " + cat.coordination.smc)}
    situation = {"object": obj, "lkp_lon": 129.5, "lkp_lat": 34.6, "particles": 5000}
    en_words = re.findall(r"[A-Za-z]+", sap_message(plan, cat, "en", situation))
    assert len(en_words) > 300  # the English message: the text the check would flag if left untranslated
    for lang in ("ko", "ja"):
        text = sap_message(plan, cat, lang, situation)
        tokens = [t.strip(".,;:()[]\"'") for t in re.findall(r"[A-Za-z0-9°'._-]+", text)]
        latin = [t for t in tokens if re.search(r"[A-Za-z]", t) and t not in _SAP_ABBREVIATIONS and t not in names
                 and not any(p.match(t) for p in _SAP_FORMS)]
        assert latin == [], (lang, latin)
