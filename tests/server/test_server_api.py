"""The server over HTTP: set-up, login, the workflow from forecast to tasking, bad input, audit."""

from __future__ import annotations

import json

import httpx

from server_harness import password, wait_job


def test_login_cookie_csrf_and_bearer(world):
    u = world.url
    with httpx.Client(base_url=u, timeout=30) as c:
        r = c.post("/api/login", json={"username": "planner-rok", "password": password("planner-rok")})
        assert r.status_code == 200
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        csrf = r.json()["csrf"]
        assert c.get("/api/me").json()["org"] == "KOR"
        # a state-changing request with the cookie but no CSRF token is refused, with it accepted
        r = c.post("/api/exercises/1/plans", json={"period": 1, "nation": "KOR"})
        assert r.status_code == 403 and r.json()["field"] == "x-csrf-token"
        r = c.post("/api/logout", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200
    r = httpx.get(u + "/api/me", timeout=30)
    assert r.status_code == 401 and r.json()["field"] == "authorization"


def test_openapi_declares_password_flow(world):
    doc = httpx.get(world.url + "/openapi.json", timeout=30).json()
    schemes = doc["components"]["securitySchemes"]
    flows = [s["flows"]["password"]["tokenUrl"] for s in schemes.values() if s.get("type") == "oauth2"]
    assert flows == ["/token"]


def test_login_rate_limit(world):
    u = world.url
    codes = [httpx.post(u + "/token", data={"username": "observer", "password": "wrong-guess"}, timeout=30).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # the right password is refused too while the limit holds
    r = httpx.post(u + "/token", data={"username": "observer", "password": password("observer")}, timeout=30)
    assert r.status_code == 429 and json.loads(r.text)["field"] == "username"
    assert r.headers.get("retry-after") == "60"  # RFC 6585: when to try again (the throttle's window)


def test_forecast_draft_approve_tasking(world):
    u, h = world.url, world.h
    job = wait_job(u, h["director"], world.forecast_job)
    assert job["status"] == "done", job
    # the ROK planner sees only the ROK part of the proposal
    prop = httpx.get(f"{u}/api/exercises/1/proposals/1", headers=h["planner-rok"], timeout=30).json()
    assert list(prop["nations"]) == ["KOR"]
    assert {a["unit"] for a in prop["nations"]["KOR"]["assignments"]} <= {"ROK-DDH-1", "ROK-HELO-1", "ROK-PKG-1"}
    # the JPN planner may not draft for ROK
    r = httpx.post(f"{u}/api/exercises/1/plans", headers=h["planner-jpn"], json={"period": 3, "nation": "KOR"}, timeout=30)
    assert r.status_code == 403 and r.json()["field"] == "nation"
    r = httpx.post(f"{u}/api/exercises/1/plans", headers=h["planner-rok"], json={"period": 3, "nation": "KOR"}, timeout=30)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["status"] == "draft"
    # before approval: JPN planner does not see the ROK draft, the ROK unit has no tasking
    assert all(p["nation"] != "KOR" or p["status"] == "approved" for p in httpx.get(f"{u}/api/exercises/1/plans", headers=h["planner-jpn"], timeout=30).json())
    assert [x for x in httpx.get(f"{u}/api/exercises/1/tasking", headers=h["rok-ddh-1"], timeout=30).json() if x["period"] == 3] == []
    # a planner cannot approve; the coordinator can
    assert httpx.post(f"{u}/api/exercises/1/plans/{plan['id']}/approve", headers=h["planner-rok"], timeout=30).status_code == 403
    r = httpx.post(f"{u}/api/exercises/1/plans/{plan['id']}/approve", headers=h["coordinator"], timeout=30)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    # now the JPN planner sees it, and each ROK unit gets exactly its own tasking
    assert any(p["nation"] == "KOR" and p["period"] == 3 and p["status"] == "approved" for p in httpx.get(f"{u}/api/exercises/1/plans", headers=h["planner-jpn"], timeout=30).json())
    assigned = {a["unit"] for a in plan["assignments"]}
    for unit in ("ROK-DDH-1", "ROK-HELO-1", "ROK-PKG-1", "JPN-DD-1"):
        t = [x for x in httpx.get(f"{u}/api/exercises/1/tasking", headers=h[unit.lower()], timeout=30).json() if x["period"] == 3]
        assert [x["unit"] for x in t] == ([unit] if unit in assigned else [])
        for x in t:
            assert set(x["messages"]) == {"en", "ko", "ja"}
            msg = x["messages"]["en"]
            assert f"Area 1 ({unit})" in msg and "Area 2 (" not in msg  # its own area only
    unit = sorted(assigned)[0]
    gpx = httpx.get(f"{u}/api/exercises/1/exports/3/{unit}.gpx", headers=h[unit.lower()], timeout=30)
    assert gpx.status_code == 200 and "<gpx" in gpx.text
    other = next(x for x in ("ROK-DDH-1", "ROK-PKG-1") if x != unit)
    assert httpx.get(f"{u}/api/exercises/1/exports/3/{unit}.gpx", headers=h[other.lower()], timeout=30).status_code == 404
    ko = httpx.get(f"{u}/api/exercises/1/exports/3/{unit}.msg?lang=ko", headers=h[unit.lower()], timeout=30)
    assert ko.status_code == 200 and "수색" in ko.text


def test_positions_idempotent_and_filtered(world):
    u, h = world.url, world.h
    # reports the unit made in earlier tests (the access walk reports as each unit) are left out below
    before = {p["id"] for p in httpx.get(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], timeout=30).json()}
    body = {"reports": [{"time": "2026-02-11T01:00:00Z", "lon": 129.5, "lat": 34.9, "report_id": "ddh-0001"},
                        {"time": "2026-02-11T01:10:00Z", "lon": 129.52, "lat": 34.91, "report_id": "ddh-0002"}]}
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], json=body, timeout=30)
    assert r.status_code == 201 and [x["duplicate"] for x in r.json()] == [False, False]
    ids = [x["id"] for x in r.json()]
    assert all(isinstance(i, int) for i in ids) and ids[0] != ids[1]
    # a retry is acknowledged with the ids stored the first time, nothing stored again
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], json=body, timeout=30)
    assert [x["duplicate"] for x in r.json()] == [True, True] and [x["id"] for x in r.json()] == ids
    # a unit cannot report for another unit
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], json={"reports": [{**body["reports"][0], "unit": "JPN-DD-1"}]}, timeout=30)
    assert r.status_code == 403 and r.json()["field"] == "unit"
    mine = [p for p in httpx.get(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], timeout=30).json() if p["id"] not in before]
    assert [p["unit"] for p in mine] == ["ROK-DDH-1", "ROK-DDH-1"]
    # another unit sees none of them; the coordinator sees both
    assert httpx.get(f"{u}/api/exercises/1/positions", headers=h["jpn-dd-1"], timeout=30).json() == []
    assert len([p for p in httpx.get(f"{u}/api/exercises/1/positions", headers=h["coordinator"], timeout=30).json() if p["unit"] == "ROK-DDH-1"]) >= 2
    # OGC API - Features: bbox and datetime filter the points
    items = httpx.get(f"{u}/api/exercises/1/collections/positions/items", headers=h["coordinator"],
                      params={"bbox": "129.51,34.0,130.0,35.0", "datetime": "2026-02-11T01:05:00Z/.."}, timeout=30).json()
    ddh = [f for f in items["features"] if f["properties"]["unit"] == "ROK-DDH-1" and int(f["id"].split("-")[-1]) not in before]
    assert [f["geometry"]["coordinates"] for f in ddh] == [[129.52, 34.91]]
    # a report given twice in one request is stored once, both answered with its id; the answer of
    # the fast path (no framework middleware) carries the security headers too
    twice = {"reports": [{"time": "2026-02-11T00:30:00Z", "lon": 129.5, "lat": 34.9, "report_id": "ddh-0003"}] * 2}
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], json=twice, timeout=30)
    assert r.status_code == 201 and [x["duplicate"] for x in r.json()] == [False, True], r.text
    assert r.json()[0]["id"] == r.json()[1]["id"] and r.json()[0]["id"] not in ids
    assert r.headers["x-content-type-options"] == "nosniff" and "default-src 'self'" in r.headers["content-security-policy"]
    mine = [p for p in httpx.get(f"{u}/api/exercises/1/positions", headers=h["rok-ddh-1"], timeout=30).json() if p["id"] not in before]
    assert len(mine) == 3


def test_cached_principals_follow_grants_and_logout(world):
    """The server caches who a token is; a grant or a revoked grant made by another process (here the
    test, on the store) counts at the next request, and a logged-out cookie stops working at once."""
    from sarex.server.db import Store
    from sarex.server.services import builtin_scenario_text
    from sarex.server.workflow import add_exercise, grant, revoke

    u, h = world.url, world.h["jpn-p1-1"]
    report = {"reports": [{"time": "2026-02-11T03:00:00Z", "lon": 129.7, "lat": 34.6, "report_id": "cache-1"}]}
    assert httpx.get(f"{u}/api/me", headers=h, timeout=30).status_code == 200  # cached now
    store = Store(world.store_url, upgrade=False)
    try:
        with store.tx() as s:
            ex = add_exercise(s, "test", builtin_scenario_text("korea-japan"), "korea-japan", 0, check=False).id
        assert httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h, json=report, timeout=30).status_code == 404
        with store.tx() as s:
            grant(s, "test", "jpn-p1-1", ex, "unit", "JPN-P1-1")
        r = httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h, json=report, timeout=30)
        assert r.status_code == 201 and r.json()[0]["duplicate"] is False, r.text
        assert any(g["exercise_id"] == ex for g in httpx.get(f"{u}/api/me", headers=h, timeout=30).json()["grants"])
        with store.tx() as s:  # take the grant away again (no route does; the auth counter is what servers watch)
            revoke(s, "test", "jpn-p1-1", ex, "unit")
        report["reports"][0]["report_id"] = "cache-2"
        r = httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h, json=report, timeout=30)
        assert r.status_code == 404 and r.json()["field"] == "exercise_id", r.text
    finally:
        store.dispose()
    with httpx.Client(base_url=u, timeout=30) as c:
        csrf = c.post("/api/login", json={"username": "evaluator", "password": password("evaluator")}).json()["csrf"]
        cookie = c.cookies.get("sarex_session")
        assert c.get("/api/me").status_code == 200
        assert c.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    r = httpx.get(f"{u}/api/me", cookies={"sarex_session": cookie}, timeout=30)
    assert r.status_code == 401 and r.json()["field"] == "authorization"
    # every response carries the security headers (plain ASGI middleware)
    r = httpx.get(f"{u}/api/me", headers=h, timeout=30)
    assert r.headers["x-content-type-options"] == "nosniff" and "default-src 'self'" in r.headers["content-security-policy"]
