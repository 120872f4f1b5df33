"""An SMC sets a unit's search area by hand (issue 29), through the HTTP API of the real server: the area
becomes the unit's in the re-planned proposal (centre, sides), its POS follows the probability inside it,
the other units are planned around it, the request is audited; who may set which unit's area, and every
bad request answered with a one-line 4xx before anything is queued."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from server_harness import wait_job, grant_everyone


def _proposal(u, h, ex, period):
    return httpx.get(f"{u}/api/exercises/{ex}/proposals/{period}", headers=h, timeout=60).json()


def _areas(u, h, ex, period, areas):
    return httpx.post(f"{u}/api/exercises/{ex}/proposals/{period}/areas", headers=h, json={"areas": areas}, timeout=60)


def _geometry(a, **change):
    return {"unit": a["unit"], **{k: a[k] for k in ("centre_lon", "centre_lat", "legs_deg", "leg_nm", "creep_nm")}, **change}


def _nm(lon1, lat1, lon2, lat2):
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1852.0


def test_set_area_refusals_queue_nothing(world):
    u, h = world.url, world.h
    assert wait_job(u, h["director"], world.forecast_job)["status"] == "done"
    period = next(q["period"] for q in httpx.get(f"{u}/api/exercises/1/forecast", headers=h["coordinator"], timeout=60).json()["periods"]
                  if q["source"] == "planned")
    q = _proposal(u, h["coordinator"], 1, period)
    kor = q["nations"]["KOR"]["assignments"][0]
    jobs_before = len(httpx.get(f"{u}/api/exercises/1/jobs", headers=h["director"], timeout=60).json())
    cases = [
        ("observer", [_geometry(kor)], 403),
        ("planner-jpn", [_geometry(kor)], 403),  # another nation's unit
        ("planner-rok", [_geometry(kor, unit="NO-SUCH-1")], 400),
        ("planner-rok", [_geometry(kor), _geometry(kor)], 400),  # twice
        ("planner-rok", [_geometry(kor, leg_nm=0.2)], 422),
        ("planner-rok", [_geometry(kor, legs_deg=float("nan"))], 422),
        ("planner-rok", [_geometry(kor, centre_lat=kor["centre_lat"] + 2.0)], 400),  # 120 NM away
        ("planner-rok", [_geometry(kor, leg_nm=60.0, creep_nm=50.0)], 400),  # 3000 NM² for one unit
        ("planner-rok", [], 422),
    ]
    for user, areas, status in cases:
        r = httpx.post(f"{u}/api/exercises/1/proposals/{period}/areas", headers={**h[user], "Content-Type": "application/json"},
                       content=json.dumps({"areas": areas}), timeout=60)  # json.dumps writes NaN as the bare word
        assert r.status_code == status, (user, areas, r.text)
        body = r.json()
        assert set(body) >= {"error", "field", "code"} and "\n" not in body["error"], body
    assert _areas(u, h["planner-rok"], 1, 999, [_geometry(kor)]).status_code == 404
    assert len(httpx.get(f"{u}/api/exercises/1/jobs", headers=h["director"], timeout=60).json()) == jobs_before


@pytest.mark.slow
def test_area_set_by_hand_is_planned_with_its_pos(world):
    """Two areas set at once in a new exercise: one moved far off the probability (its POS falls to almost
    nothing), one resized (its sides are the ones set); the other units keep areas; a later setting of a
    third unit keeps the first two."""
    if world.backend != "sqlite":
        pytest.skip("run once, on the SQLite server")
    u, h = world.url, world.h
    r = httpx.post(f"{u}/api/exercises", headers=h["director"], data={"builtin": "korea-japan", "seed": "11"}, timeout=60)
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    grant_everyone(world.store_url, ex)
    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["planner-rok"], json={"kind": "forecast", "particles": 300}, timeout=30).json()
    assert wait_job(u, h["director"], job["id"])["status"] == "done"
    before = {a["unit"]: a for n in _proposal(u, h["coordinator"], ex, 1)["nations"].values() for a in n["assignments"]}
    kor = sorted((a for a in before.values() if a["nation"] == "KOR"), key=lambda a: -a["pos"])
    far, resized = kor[0], kor[1]
    # 40 NM north of the best area: outside the 90 % containment of a 300-particle, 1-day drift
    lat_far = far["centre_lat"] + 40.0 / 60.0
    set_far = _geometry(far, centre_lat=lat_far)
    set_res = _geometry(resized, leg_nm=round(0.6 * resized["leg_nm"], 2), creep_nm=round(1.3 * resized["creep_nm"], 2), legs_deg=45.0)
    r = _areas(u, h["planner-rok"], ex, 1, [set_far, set_res])
    assert r.status_code == 202, r.text
    assert wait_job(u, h["director"], r.json()["id"])["status"] == "done"
    after = {a["unit"]: a for n in _proposal(u, h["coordinator"], ex, 1)["nations"].values() for a in n["assignments"]}
    a, b = after[far["unit"]], after[resized["unit"]]
    assert a["smc"] == b["smc"] == "pinned"
    assert _nm(a["centre_lon"], a["centre_lat"], far["centre_lon"], lat_far) < 0.05
    assert a["pos"] < 0.05 * far["pos"], (a["pos"], far["pos"])
    # the sides searched: those set, the legs trimmed at most 10 % to whole turns of the pattern
    assert b["creep_nm"] <= set_res["creep_nm"] + 1e-6 and b["leg_nm"] <= set_res["leg_nm"] + 1e-6
    assert b["leg_nm"] * b["creep_nm"] >= 0.9 * set_res["leg_nm"] * set_res["creep_nm"]
    assert abs((b["legs_deg"] - 45.0 + 90.0) % 180.0 - 90.0) < 0.5
    # its ring on the map is that area: the ring's extent across and along the legs
    ring = b["area_ring"]
    c = math.cos(math.radians(b["centre_lat"]))
    along = [((lo - b["centre_lon"]) * 60 * c * math.sin(math.radians(45)) + (la - b["centre_lat"]) * 60 * math.cos(math.radians(45))) for lo, la in ring]
    assert max(along) - min(along) == pytest.approx(b["leg_nm"], rel=0.02)
    # the units not set are still planned, none of them where the far area now is
    assert set(after) >= set(before) - {far["unit"], resized["unit"]}
    # the request is in the audit, with its areas
    log = httpx.get(f"{u}/api/exercises/{ex}/audit", headers=h["director"], params={"limit": 20}, timeout=60).json()
    entry = next(e for e in log if e["action"] == "job.create" and "pins" in (e.get("detail") or {}))
    assert set(entry["detail"]["pins"]["1"]) == {far["unit"], resized["unit"]}
    # a third unit set later: the first two stay set
    third = next(x for x in after.values() if x["nation"] == "JPN")
    r = _areas(u, h["planner-jpn"], ex, 1, [_geometry(third)])
    assert r.status_code == 202 and wait_job(u, h["director"], r.json()["id"])["status"] == "done"
    again = {x["unit"]: x for n in _proposal(u, h["coordinator"], ex, 1)["nations"].values() for x in n["assignments"]}
    assert {k for k, x in again.items() if x["smc"] == "pinned"} == {far["unit"], resized["unit"], third["unit"]}
