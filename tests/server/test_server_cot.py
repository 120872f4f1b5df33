"""The CoT feed of the real server (issue 31, item 2): one <event> per line, each valid against the MITRE
base-event schema and read by takproto; types from the unit type; time/start the wall time of the fix;
filtered by role (a unit sees only itself)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from server_harness import token
import pytest

SCHEMA = Path(__file__).parent.parent / "data" / "cot" / "mitre_cot_base_event.xsd"


def test_cot_feed_per_event_typed_and_filtered(world):
    xmlschema = pytest.importorskip("xmlschema")
    takproto = pytest.importorskip("takproto")
    base = xmlschema.XMLSchema(str(SCHEMA))
    u = world.url
    before = time.time()
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=token(world.url, "rok-helo-1"), timeout=30,
                   json={"reports": [{"time": "2026-02-11T06:00:00Z", "lon": 129.61, "lat": 34.91, "report_id": "cot-1"},
                                     {"time": "2026-02-11T06:10:00Z", "lon": 129.62, "lat": 34.92, "report_id": "cot-2"}]})
    assert r.status_code == 201, r.text
    r = httpx.get(f"{u}/api/exercises/1/cot", headers=token(world.url, "coordinator"), timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/cot+xml")
    events = {}
    for line in r.text.splitlines():
        base.validate(line)
        m = takproto.parse_proto(takproto.xml2proto(line.encode(), takproto.TAKProtoVer.STREAM)).cotEvent
        events[m.uid] = (m, line)
    m, line = events["sarex-1-ROK-HELO-1"]
    assert (m.type, m.how) == ("a-f-A-M-H", "m-g")
    assert before - 5 <= m.startTime / 1000 <= time.time() + 5  # the wall time the fix arrived, not 2026-02-11
    assert m.staleTime - m.startTime == 3 * 600 * 1000  # three 10-min reporting intervals
    assert "2026-02-11T06:10:00.000Z" in line
    areas = [e for e in events.values() if e[0].type == "u-d-f"]
    assert all(e[0].how == "h-e" and "<strokeColor" in e[1] for e in areas)
    ships = [events[uid][0] for uid in ("sarex-1-ROK-DDH-1", "sarex-1-JPN-DD-1") if uid in events]
    assert all(m.type == "a-f-S-X" for m in ships)
    # a unit sees its own fix only
    mine = httpx.get(f"{u}/api/exercises/1/cot", headers=token(world.url, "jpn-dd-1"), timeout=60).text
    assert "ROK-HELO-1" not in mine


def test_old_cot_xml_is_the_cot_feed(world):
    """``cot.xml`` once wrapped the events in ``<events>`` (takproto read it as 3 empty bytes): now it
    answers the /cot feed, each line an event takproto reads with its uid, type and point."""
    takproto = pytest.importorskip("takproto")
    h = world.h["coordinator"]
    old = httpx.get(f"{world.url}/api/exercises/1/cot.xml", headers=h, timeout=60)
    new = httpx.get(f"{world.url}/api/exercises/1/cot", headers=h, timeout=60)
    assert old.status_code == 200 and old.headers["content-type"].startswith("application/cot+xml")
    assert "<events" not in old.text
    lines = old.text.splitlines()
    assert len(lines) >= 1 and len(lines) == len(new.text.splitlines())
    got = {}
    for line in lines:
        m = takproto.parse_proto(takproto.xml2proto(line.encode(), takproto.TAKProtoVer.STREAM)).cotEvent
        assert m.uid.startswith("sarex-1-") and m.type and -90 <= m.lat <= 90 and m.lon != 0, line
        got[m.uid] = (m.type, round(m.lat, 6), round(m.lon, 6))
    want = {}
    for line in new.text.splitlines():
        m = takproto.parse_proto(takproto.xml2proto(line.encode(), takproto.TAKProtoVer.STREAM)).cotEvent
        want[m.uid] = (m.type, round(m.lat, 6), round(m.lon, 6))
    assert got == want
