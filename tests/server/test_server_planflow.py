"""The plan workflow an SMC can trust, through the HTTP API of the real server: a second draft supersedes
the first (kept and listed); a draft is withdrawn by its nation's planner but not by another nation's;
the coordinator rejects with a comment (required) that the planner reads; approved plans cannot be
withdrawn or rejected; a unit answers its tasking (unable needs a reason) and reports its status, which
the coordinator reads on the plan. The filled land of the exercise area: closed rings, and land where
the coastline test says land."""

from __future__ import annotations

import httpx

from server_harness import ACCOUNTS, wait_job


def _post(world, user, path, json=None):
    return httpx.post(f"{world.url}/api/exercises/1{path}", headers=world.h[user], json=json, timeout=60)


def _plans(world, user="coordinator"):
    return httpx.get(f"{world.url}/api/exercises/1/plans", headers=world.h[user], timeout=60).json()


def test_draft_supersede_withdraw_reject(world):
    assert wait_job(world.url, world.h["director"], world.forecast_job)["status"] == "done"
    period = 4  # the other tests draft periods 1 and 2
    a = _post(world, "planner-jpn", "/plans", {"period": period, "nation": "JPN"})
    b = _post(world, "planner-jpn", "/plans", {"period": period, "nation": "JPN"})
    assert a.status_code == b.status_code == 201, (a.text, b.text)
    mine = {p["id"]: p["status"] for p in _plans(world, "planner-jpn") if p["period"] == period and p["nation"] == "JPN"}
    assert mine == {a.json()["id"]: "superseded", b.json()["id"]: "draft"}
    pid = b.json()["id"]
    # another nation's planner may not withdraw it; its own may; a withdrawn draft cannot be withdrawn again
    r = _post(world, "planner-rok", f"/plans/{pid}/withdraw")
    assert r.status_code == 403 and r.json()["field"] == "plan_id"
    r = _post(world, "planner-jpn", f"/plans/{pid}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["review"]["by"] == "planner-jpn"
    assert _post(world, "planner-jpn", f"/plans/{pid}/withdraw").status_code == 409
    # a new draft after a withdrawal; the coordinator rejects it with a comment (an empty one is refused)
    c = _post(world, "planner-jpn", "/plans", {"period": period, "nation": "JPN"}).json()["id"]
    assert _post(world, "coordinator", f"/plans/{c}/reject", {"comment": ""}).status_code == 422
    assert _post(world, "coordinator", f"/plans/{c}/reject", {"comment": "   "}).status_code == 400
    assert _post(world, "planner-jpn", f"/plans/{c}/reject", {"comment": "mine"}).status_code == 403
    r = _post(world, "coordinator", f"/plans/{c}/reject", {"comment": "overlaps the KOR area; shift north"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    seen = next(p for p in _plans(world, "planner-jpn") if p["id"] == c)
    assert seen["review"]["comment"] == "overlaps the KOR area; shift north" and seen["review"]["by"] == "coordinator"
    statuses = sorted(p["status"] for p in _plans(world) if p["period"] == period and p["nation"] == "JPN")
    assert statuses == ["rejected", "superseded", "withdrawn"]
    # approved: neither withdrawn nor rejected
    d = _post(world, "planner-jpn", "/plans", {"period": period, "nation": "JPN"}).json()["id"]
    assert _post(world, "coordinator", f"/plans/{d}/approve").status_code == 200
    assert _post(world, "coordinator", f"/plans/{d}/withdraw").status_code == 409
    assert _post(world, "coordinator", f"/plans/{d}/reject", {"comment": "late"}).status_code == 409
    assert _post(world, "planner-jpn", "/plans", {"period": period, "nation": "JPN"}).status_code == 409  # approved already


def test_unit_answers_its_tasking(world):
    assert wait_job(world.url, world.h["director"], world.forecast_job)["status"] == "done"
    period = 3
    pl = _post(world, "planner-jpn", "/plans", {"period": period, "nation": "JPN"}).json()  # test_server_api approves KOR's
    assert _post(world, "coordinator", f"/plans/{pl['id']}/approve").status_code == 200
    unit = pl["assignments"][0]["unit"]
    user = next(n for n, _o, _r, code in ACCOUNTS if code == unit)
    assert _post(world, user, f"/tasking/{period}/answer", {"answer": "unable"}).status_code == 400  # a reason is needed
    assert _post(world, user, f"/tasking/{period}/answer", {"answer": "maybe"}).status_code == 422
    assert _post(world, user, "/tasking/99/answer", {"answer": "accepted"}).status_code == 404  # no tasking in period 99
    assert _post(world, "planner-jpn", f"/tasking/{period}/answer", {"answer": "accepted"}).status_code == 403
    r = _post(world, user, f"/tasking/{period}/answer", {"answer": "unable", "reason": "engine defect, 6 kn max"})
    assert r.status_code == 200 and r.json()["answer"] == "unable"
    assert _post(world, user, f"/tasking/{period}/status", {"status": "returning"}).status_code == 200
    got = next(a for a in next(p for p in _plans(world) if p["id"] == pl["id"])["assignments"] if a["unit"] == unit)
    assert got["answer"]["reason"] == "engine defect, 6 kn max" and got["state"]["status"] == "returning"
    mine = httpx.get(f"{world.url}/api/exercises/1/tasking", headers=world.h[user], timeout=60).json()
    assert next(t for t in mine if t["period"] == period)["state"]["status"] == "returning"
    log = httpx.get(f"{world.url}/api/exercises/1/audit", headers=world.h["director"], params={"limit": 50}, timeout=60).json()
    assert {"tasking.answer", "unit.status"} <= {e["action"] for e in log}


def test_land_polygons_are_closed_and_on_land(world):
    from sarex.environment.coast import Coastline

    land = httpx.get(f"{world.url}/api/exercises/1/land", headers=world.h["observer"], timeout=120)
    assert land.status_code == 200 and land.headers["content-type"].startswith("application/geo+json")
    polys = land.json()["geometry"]["coordinates"]
    assert polys, "the Korea–Japan area holds land (Tsushima, Kyushu, Korea)"
    bbox = tuple(httpx.get(f"{world.url}/api/exercises/1", headers=world.h["observer"], timeout=60).json()["bbox"])
    coast = Coastline(bbox)
    for poly in polys:
        for ring in poly:
            assert ring[0] == ring[-1] and len(ring) >= 4
    # points of a coarse grid are inside the polygons (even-odd over all rings) where GSHHG says land
    import numpy as np

    def inside(x, y):
        n = 0
        for poly in polys:
            for ring in poly:
                r = np.asarray(ring)
                x0, y0, x1, y1 = r[:-1, 0], r[:-1, 1], r[1:, 0], r[1:, 1]
                c = ((y0 > y) != (y1 > y)) & (x < (x1 - x0) * (y - y0) / np.where(y1 == y0, 1e-12, y1 - y0) + x0)
                n += int(c.sum())
        return n % 2 == 1

    xs, ys = np.meshgrid(np.linspace(bbox[0] + 0.03, bbox[2] - 0.03, 25), np.linspace(bbox[1] + 0.03, bbox[3] - 0.03, 25))
    truth = coast.on_land(xs.ravel(), ys.ravel())
    got = np.array([inside(x, y) for x, y in zip(xs.ravel(), ys.ravel())])
    agree = (got == truth).mean()
    assert truth.sum() > 5 and agree >= 0.97, (int(truth.sum()), agree)  # a grid cell of 2°/240 at the shore may differ
