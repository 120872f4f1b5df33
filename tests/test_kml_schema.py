"""KML valid against the OGC KML 2.2 schema (issue 31, item 3).

The schema is OGC's ``ogckml22.xsd`` (OGC 07-147r2) with the Atom and xAL schemas
it imports, as shipped by fastkml (``fastkml/schema``), validated with xmlschema;
the strict parse is fastkml's. Before this change plan.kml had 61 schema errors
(numeric ``id``s that are no ``xs:ID``, a Folder's ``name`` after its ``Style``)
and fastkml's strict parse refused it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from planning_fixtures import small_plan

from sarex.io import kml
from sarex.nations import nation_colour
from sarex.planning.exports import kml_text

K = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def schema():
    xmlschema = pytest.importorskip("xmlschema")
    fastkml = pytest.importorskip("fastkml")
    return xmlschema.XMLSchema(str(Path(fastkml.__file__).parent / "schema" / "ogckml22.xsd"))


@pytest.fixture(scope="module")
def plan_kml(tmp_path_factory):
    plan, _, cat = small_plan(tmp_path_factory.mktemp("kml"))
    return plan, kml_text(plan, cat)


def _errors(schema, text: str) -> list[str]:
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(text)]


def test_plan_kml_valid_against_ogc_schema(schema, plan_kml):
    plan, text = plan_kml
    assert _errors(schema, text) == []
    root = ET.fromstring(text)
    # the nations' folders (the "Airspace" folder of aircraft altitude blocks is tested in test_planning_airspace)
    nations = [f for f in root.iter(K + "Folder") if f.find(K + "name").text != "Airspace"]
    placemarks = [p for f in nations for p in f.iter(K + "Placemark")]
    assert len(placemarks) == 3 * len(plan.assignments)
    # every styleUrl points at a Style of the nations' folders
    ids = {s.get("id") for f in nations for s in f.iter(K + "Style")}
    assert {p.find(K + "styleUrl").text[1:] for p in placemarks} == ids
    assert ids == {f"{n}-{w}" for n in ("KOR", "JPN") for w in ("area", "track", "csp")}


def test_schema_sees_the_former_defects(schema, plan_kml):
    """The two defects of the former writer, put back by hand, are schema errors."""
    _, text = plan_kml
    numeric = text.replace('id="KOR-area"', 'id="12"').replace('"#KOR-area"', '"#12"')
    assert len(_errors(schema, numeric)) == 1
    root = ET.fromstring(text)
    folder = next(root.iter(K + "Folder"))
    name = folder.find(K + "name")
    folder.remove(name)
    folder.insert(3, name)  # after the folder's three styles
    assert len(_errors(schema, ET.tostring(root, encoding="unicode"))) == 1


def test_fastkml_strict_parse(plan_kml):
    fk = pytest.importorskip("fastkml")
    plan, text = plan_kml
    doc = fk.kml.KML.from_string(text.encode(), strict=True)
    folders = [f for f in doc.features[0].features if f.name != "Airspace"]
    assert sorted(f.name for f in folders) == ["JPN", "KOR"]
    polys = [p for f in folders for p in f.features if p.geometry is not None and p.geometry.geom_type == "Polygon"]
    assert len(polys) == len(plan.assignments)
    # a closed ring of the area; the KOR area colour as aabbggrr with 0x55 opacity
    for p in polys:
        ring = list(p.geometry.exterior.coords)
        assert ring[0] == ring[-1] and len(ring) >= 5
    rgb = nation_colour("KOR")[1:]
    assert kml.kml_colour("#" + rgb, 0x55) == ("55" + rgb[4:6] + rgb[2:4] + rgb[0:2]).lower()
    assert f"<color>{kml.kml_colour('#' + rgb, 0x55)}</color>" in text


def test_altitude_block_valid(schema):
    """An extruded polygon at an altitude (an aircraft's search block) is valid too."""
    ring = [(129.0, 34.0), (129.1, 34.0), (129.1, 34.1), (129.0, 34.1)]
    pm = kml.Placemark("block", kml.polygon(ring, altitude_m=152.4, extrude=True), kml.xml_id("1st", "unit"))
    style = kml.KmlStyle(kml.xml_id("1st", "unit"), line_colour="ff0000ff", poly_colour="550000ff")
    text = kml.document_text("t", [kml.Folder("f", [style], [pm])])
    assert _errors(schema, text) == []
    assert kml.xml_id("1st", "unit") == "_1st-unit" and kml.xml_id("ROK HELO:1") == "ROK_HELO_1"
    assert "129.1000000,34.0000000,152.4" in text and "<extrude>1</extrude>" in text
