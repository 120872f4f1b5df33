"""Cursor-on-Target as TAK expects it (issue 31, item 2): MITRE base-event schema, TAK's free-form
drawing schema (tests/data/cot, see its README), and takproto (the TAK protocol library) as the reader."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from sarex.server import cot

DATA = Path(__file__).parent / "data" / "cot"
WALL = 1796601600.0  # 2026-12-07T00:00:00Z: when the fix reached the server
EX = 1770768600.0  # 2026-02-11T00:10:00Z: the fix's exercise time


@pytest.fixture(scope="module")
def schemas():
    xmlschema = pytest.importorskip("xmlschema")
    return (xmlschema.XMLSchema(str(DATA / "mitre_cot_base_event.xsd")),
            xmlschema.XMLSchema(str(DATA / "tak_drawing_free_form.xsd")))


def _fix(unit_type: str, interval_s=600.0) -> cot.UnitFix:
    return cot.UnitFix("sarex-1-ROK-HELO-1", "ROK-HELO-1", unit_type, "KOR", 129.6, 34.75, WALL, EX, interval_s)


AREA = cot.Shape("sarex-1-area-3-ROK-HELO-1", "P3 ROK-HELO-1", [(129.5, 34.7), (129.7, 34.7), (129.7, 34.8), (129.5, 34.8), (129.5, 34.7)],
                 "#1f4e9c", "period 3, parallel sweep", WALL, 3600.0)


def test_types_from_unit_type():
    assert cot.cot_type("helicopter") == "a-f-A-M-H"
    assert cot.cot_type("fixed-wing") == "a-f-A-M-F"
    assert cot.cot_type("surface-large") == cot.cot_type("surface-small") == "a-f-S-X"
    assert cot.cot_type("helicopter", "u") == "a-u-A-M-H"


def test_unit_event_valid_and_read_by_takproto(schemas):
    takproto = pytest.importorskip("takproto")
    base, _ = schemas
    xml = cot.unit_event(_fix("helicopter"))
    base.validate(xml)
    m = takproto.parse_proto(takproto.xml2proto(xml.encode(), takproto.TAKProtoVer.STREAM)).cotEvent
    assert (m.type, m.how, m.uid) == ("a-f-A-M-H", "m-g", "sarex-1-ROK-HELO-1")
    # time/start: the wall time the fix was made; stale: three 10-min reporting intervals later
    assert m.sendTime == m.startTime == int(WALL * 1000)
    assert m.staleTime - m.startTime == 3 * 600 * 1000
    assert (m.lat, m.lon) == (34.75, 129.6) and m.detail.contact.callsign == "ROK-HELO-1"
    # the exercise time travels in the remarks
    assert "2026-02-11T00:10:00.000Z" in ET.fromstring(xml).find("detail/remarks").text
    # no interval known: 5 min, tripled; a very short one: at least 2 min
    assert cot.stale_after_s(None) == 900.0 and cot.stale_after_s(10.0) == 120.0


def test_search_area_is_a_tak_drawing(schemas):
    takproto = pytest.importorskip("takproto")
    base, drawing = schemas
    xml = cot.shape_event(AREA)
    base.validate(xml)
    drawing.validate(xml)
    root = ET.fromstring(xml)
    assert root.get("type") == "u-d-f" and root.get("how") == "h-e"
    links = [lk.get("point") for lk in root.iter("link")]
    assert links == ["34.7000000,129.5000000", "34.7000000,129.7000000", "34.8000000,129.7000000", "34.8000000,129.5000000"]
    # ARGB as ATAK writes it: opaque #1f4e9c = 0xff1f4e9c - 2^32; fill with alpha 0x55
    assert int(root.find("detail/strokeColor").get("value")) == 0xFF1F4E9C - 2**32
    assert int(root.find("detail/fillColor").get("value")) == 0x551F4E9C
    m = takproto.parse_proto(takproto.xml2proto(xml.encode(), takproto.TAKProtoVer.STREAM)).cotEvent
    assert m.type == "u-d-f" and (m.lat, m.lon) == (pytest.approx(34.75), pytest.approx(129.6))
    assert m.staleTime - m.startTime == 3600 * 1000


def test_schemas_see_the_former_defects(schemas):
    base, drawing = schemas
    old = cot.shape_event(AREA).replace("<strokeColor", "<contact callsign=\"x\"/><strokeColor", 1)
    assert not drawing.is_valid(old)  # contact where TAK expects strokeColor
    assert not base.is_valid("<events>" + cot.unit_event(_fix("helicopter")) + "</events>")


def test_stream_is_one_event_per_message(schemas):
    base, _ = schemas
    text = cot.stream_text([cot.unit_event(_fix("helicopter")), cot.shape_event(AREA)])
    docs = text.splitlines()
    assert len(docs) == 2 and all(d.startswith("<event ") for d in docs)
    for d in docs:
        base.validate(d)


def test_tasking_data_package(schemas):
    takproto = pytest.importorskip("takproto")
    base, drawing = schemas
    gpx = b"<gpx/>"
    pkg = cot.data_package("ROK-HELO-1 tasking P3", "sarex-1-tasking-3-ROK-HELO-1",
                           {"area": cot.shape_event(AREA), "unit": cot.unit_event(_fix("helicopter"))}, {"route.gpx": gpx})
    assert pkg == cot.data_package("ROK-HELO-1 tasking P3", "sarex-1-tasking-3-ROK-HELO-1",
                                   {"area": cot.shape_event(AREA), "unit": cot.unit_event(_fix("helicopter"))}, {"route.gpx": gpx})
    z = zipfile.ZipFile(io.BytesIO(pkg))
    man = ET.fromstring(z.read("MANIFEST/manifest.xml"))
    assert man.tag == "MissionPackageManifest" and man.get("version") == "2"
    params = {p.get("name"): p.get("value") for p in man.iter("Parameter")}
    assert params == {"uid": "sarex-1-tasking-3-ROK-HELO-1", "name": "ROK-HELO-1 tasking P3"}
    entries = [c.get("zipEntry") for c in man.iter("Content")]
    assert sorted(entries) == sorted(n for n in z.namelist() if not n.startswith("MANIFEST/"))
    assert len(entries) == 3
    area = z.read("sarex-1-tasking-3-ROK-HELO-1/area.cot")
    drawing.validate(area.decode())
    for e in entries:
        if e.endswith(".cot"):
            base.validate(z.read(e).decode())
            assert takproto.parse_proto(takproto.xml2proto(z.read(e), takproto.TAKProtoVer.STREAM)).cotEvent.uid
