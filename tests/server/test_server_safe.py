"""Issue 30 bars against the real server process (its own SQLite store): separation alerts within 2 s to both
units and exercise control, none 1 000 ft apart, a low pass; a standard phrase read in Korean and Japanese;
SITREPs 1, 2, 3 with the same figures in three languages. Positions placed with pyproj's geodesic.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pyproj
import pytest

from sarex.server.db import Store, database_url
from sarex.server.demo import set_up_demo
from server_harness import ACCOUNTS, Server, password, token

G = pyproj.Geod(ellps="WGS84")
FT = 0.3048
LON0, LAT0 = 129.6, 34.8


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    data = tmp_path_factory.mktemp("server-safe")
    store = Store(database_url(data, None))
    set_up_demo(store, passwords={name: password(name) for name, *_ in ACCOUNTS})
    store.dispose()
    s = Server(data).start()
    h = {name: token(s.url, name) for name in ("director", "coordinator", "rok-helo-1", "jpn-helo-1", "jpn-p1-1", "rok-ddh-1", "rok-pkg-1",
                                               "observer", "planner-rok")}
    yield s.url, h
    s.stop()


def post(url, h, t: str, az: float, dist_nm: float, alt_ft: float | None, rid: str):
    lon, lat, _ = G.fwd(LON0, LAT0, az, dist_nm * 1852.0)
    rep = {"time": t, "lon": lon, "lat": lat, "report_id": rid, **({"alt_m": alt_ft * FT} if alt_ft is not None else {})}
    r = httpx.post(f"{url}/api/exercises/1/positions", headers=h, json={"reports": [rep]}, timeout=30)
    assert r.status_code == 201, r.text


def alerts(url, h) -> list[dict]:
    r = httpx.get(f"{url}/api/exercises/1/alerts", headers=h, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_separation_bars(srv):
    url, h = srv
    # 1 000 ft apart vertically: no alert
    post(url, h["rok-helo-1"], "2026-02-11T01:00:00Z", 0, 0.0, 500, "v1")
    post(url, h["jpn-helo-1"], "2026-02-11T01:00:05Z", 90, 0.5, 1500, "v2")
    assert alerts(url, h["director"]) == []
    # the same positions at the same altitude: an alert to both units and exercise control within 2 s
    t0 = time.monotonic()
    post(url, h["jpn-helo-1"], "2026-02-11T01:00:10Z", 90, 0.5, 500, "v3")
    want = [("aircraft_separation", ["JPN-HELO-1", "ROK-HELO-1"], 0.5, 0.0, "2026-02-11T01:00:10Z")]
    for who in ("rok-helo-1", "jpn-helo-1", "director"):
        got = [(a["kind"], a["units"], round(a["distance_nm"], 2), a["vertical_ft"], a["time"]) for a in alerts(url, h[who])]
        assert got == want, who
    assert time.monotonic() - t0 < 2.0
    assert alerts(url, h["rok-pkg-1"]) == []
    # the same object on the event stream, as an event named alert
    events = []
    with httpx.stream("GET", f"{url}/api/exercises/1/events", headers=h["jpn-helo-1"], params={"max_s": 2}, timeout=30) as r:
        ev = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                ev = line[7:]
            elif line.startswith("data: ") and ev == "alert":
                events.append(json.loads(line[6:]))
    assert [(a["kind"], a["units"], a["time"]) for a in events] == [("aircraft_separation", ["JPN-HELO-1", "ROK-HELO-1"], "2026-02-11T01:00:10Z")]
    assert {x["unit"] for x in events[0]["seen"]} == {"JPN-HELO-1", "ROK-HELO-1"}
    # an aircraft 300 ft above another nation's ship within 1 NM: a low pass
    post(url, h["rok-ddh-1"], "2026-02-11T01:01:00Z", 180, 5.0, None, "s1")
    lon, lat, _ = G.fwd(LON0, LAT0, 180, 5.0 * 1852.0)
    plon, plat, _ = G.fwd(lon, lat, 45, 0.8 * 1852.0)
    r = httpx.post(f"{url}/api/exercises/1/positions", headers=h["jpn-p1-1"], timeout=30,
                   json={"reports": [{"time": "2026-02-11T01:01:05Z", "lon": plon, "lat": plat, "alt_m": 300 * FT, "report_id": "p1"}]})
    assert r.status_code == 201, r.text
    low = [a for a in alerts(url, h["rok-ddh-1"]) if a["kind"] == "low_pass"]
    assert [(a["units"], round(a["distance_nm"], 2), a["vertical_ft"]) for a in low] == [(["JPN-P1-1", "ROK-DDH-1"], 0.8, 300.0)]
    # a bad altitude is one line naming the field
    r = httpx.post(f"{url}/api/exercises/1/positions", headers=h["jpn-p1-1"], timeout=30,
                   json={"reports": [{"time": "2026-02-11T01:02:00Z", "lon": plon, "lat": plat, "alt_m": 1e9}]})
    assert r.status_code in (400, 422) and "alt_m" in r.json()["error"]


def test_phrase_in_each_readers_language_and_sitreps(srv):
    url, h = srv
    r = httpx.post(f"{url}/api/exercises/1/messages", headers=h["jpn-p1-1"], timeout=30,
                   json={"to": ["all"], "phrase": "entering_area", "params": {"unit": "JPN-P1-1", "area": "A3", "alt_ft": 2450, "lon": 129.5, "lat": 34.6}})
    assert r.status_code == 201, r.text
    ko = httpx.get(f"{url}/api/exercises/1/messages", headers=h["rok-helo-1"], timeout=30).json()
    ja = httpx.get(f"{url}/api/exercises/1/messages", headers=h["jpn-helo-1"], timeout=30).json()
    assert ko[-1]["text"] == "JPN-P1-1 구역 A3 진입, 고도 2450 ft, 위치 34°36.00'N 129°30.00'E."
    assert ja[-1]["text"] == "JPN-P1-1 区域 A3 に進入、高度 2450 ft、位置 34°36.00'N 129°30.00'E。"
    nums = []
    for k in (1, 2, 3):
        r = httpx.post(f"{url}/api/exercises/1/sitreps", headers=h["coordinator"], json={"form": "full", "persons": 3, "time": f"2026-02-11T0{k}:00:00Z"}, timeout=30)
        assert r.status_code == 201, r.text
        t = r.json()["texts"]
        figures = [sorted(re.findall(r"\d+(?:\.\d+)?", t[lang])) for lang in ("en", "ko", "ja")]
        assert figures[0] == figures[1] == figures[2]
        nums.append(r.json()["number"])
    assert nums == [1, 2, 3]


def test_alert_acknowledged_on_the_server(srv):
    """Issue 29: an alert is acknowledged on the server, once per user, with the exercise time; every reader of
    the alert reads who acknowledged it; a unit not in it cannot (404, as if it did not exist); audited."""
    url, h = srv
    post(url, h["rok-helo-1"], "2026-02-11T04:00:00Z", 0, 0.0, 800, "k1")
    post(url, h["jpn-helo-1"], "2026-02-11T04:00:05Z", 90, 0.3, 800, "k2")
    a = next(x for x in reversed(alerts(url, h["director"])) if x["time"] == "2026-02-11T04:00:05Z")
    assert a["acks"] == []
    ack = lambda who, aid=a["id"]: httpx.post(f"{url}/api/exercises/1/alerts/{aid}/ack", headers=h[who], timeout=30)  # noqa: E731
    assert ack("rok-pkg-1").status_code == 404  # not in the alert: it cannot read it
    assert ack("observer").status_code == ack("planner-rok").status_code == 403  # roles that read no alert
    assert ack("rok-helo-1", 2**62).status_code == 404
    r = ack("rok-helo-1")
    assert r.status_code == 200, r.text
    first = r.json()["acks"]
    assert [(k["by"], k["unit"]) for k in first] == [("rok-helo-1", "ROK-HELO-1")]
    t_ex = httpx.get(f"{url}/api/exercises/1/clock", headers=h["director"], timeout=30).json()
    assert first[0]["time"][:13] == t_ex["exercise_time"][:13]  # exercise time (the clock's hour), not the wall
    assert ack("rok-helo-1").json()["acks"] == first  # again: the first answers
    assert len(ack("coordinator").json()["acks"]) == 2
    for who in ("jpn-helo-1", "director"):
        seen = next(x for x in alerts(url, h[who]) if x["id"] == a["id"])
        assert [k["by"] for k in seen["acks"]] == ["rok-helo-1", "coordinator"], who
    log = httpx.get(f"{url}/api/exercises/1/audit", headers=h["director"], params={"limit": 50}, timeout=30).json()
    assert sum(1 for e in log if e["action"] == "alert.ack" and e["detail"]["alert"] == a["id"]) == 2
