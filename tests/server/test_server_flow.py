"""The workflow features of issue 11 over HTTP on the real server: injects (role and organisation
filtering, delivery at their time, audit, SSE, no truth), a real case without truth driven from
forecast to the update with the units' reported tracks, and the per-unit SAP message."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from sarex.server.services import builtin_scenario_text
from sarex.times import to_epoch_s
from server_harness import ACCOUNTS, wait_job, grant_everyone


def _ids(u, h, user, ex=1) -> set[int]:
    r = httpx.get(f"{u}/api/exercises/{ex}/injects", headers=h[user], timeout=30)
    assert r.status_code == 200, r.text
    return {i["id"] for i in r.json()}


def test_injects_reach_only_the_roles_and_organisations_addressed_at_their_time(world):
    u, h = world.url, world.h
    post = lambda body, user="director": httpx.post(f"{u}/api/exercises/1/injects", headers=h[user], json=body, timeout=30)  # noqa: E731
    a = post({"kind": "sighting", "text": "F/V Kaiyo Maru reports an orange object", "to": ["unit"], "orgs": ["JPN"],
              "lon": 129.81, "lat": 34.9, "time": "2026-02-11T02:40:00Z"})
    assert a.status_code == 201, a.text
    a = a.json()
    # `at` is exercise time (issue 28): run exercise 1's clock at 1x, and schedule 30 s of exercise time ahead
    clock = httpx.get(f"{u}/api/exercises/1/clock", headers=h["director"], timeout=30).json()
    if clock["state"] != "running":
        clock = httpx.post(f"{u}/api/exercises/1/clock", headers=h["director"], json={"action": "start", "rate": 1}, timeout=30).json()
    soon = time.time() + 30.0  # generous: on a loaded machine each request may take a second
    b = post({"kind": "breakdown", "text": "ROK-PKG-1: main engine failure, returning to port", "to": ["planner", "coordinator"],
              "unit": "ROK-PKG-1", "at": to_epoch_s(clock["exercise_time"]) + 30.0}).json()
    c = post({"kind": "datum", "text": "EPIRB alert: new datum", "to": ["observer", "coordinator"], "lon": 129.7, "lat": 34.88}).json()
    assert a["delivered"] and not b["delivered"] and c["delivered"]
    # the scheduled breakdown is not there before its time (exercise control sees it already)
    assert b["id"] not in _ids(u, h, "planner-rok") and b["id"] not in _ids(u, h, "coordinator")
    assert time.time() < soon
    assert {a["id"], b["id"], c["id"]} <= _ids(u, h, "evaluator")
    # role filtering: a JPN unit gets the sighting, a ROK unit does not; the observer only what is addressed to it
    assert a["id"] in _ids(u, h, "jpn-dd-1") and a["id"] not in _ids(u, h, "rok-ddh-1")
    assert _ids(u, h, "observer") & {a["id"], b["id"], c["id"]} == {c["id"]}
    while time.time() < soon + 0.5:
        time.sleep(0.5)
    assert b["id"] in _ids(u, h, "planner-rok") and b["id"] in _ids(u, h, "planner-jpn") and b["id"] not in _ids(u, h, "jpn-dd-1")
    # issue: a scheduled inject delivered at once; a delivered one cannot be issued again
    d = post({"kind": "message", "text": "STARTEX +6 h: weather worsens", "to": ["unit"], "at": "2099-01-01T00:00:00Z"}).json()
    assert d["id"] not in _ids(u, h, "rok-ddh-1")
    assert httpx.post(f"{u}/api/exercises/1/injects/{d['id']}/issue", headers=h["coordinator"], timeout=30).status_code == 403
    assert httpx.post(f"{u}/api/exercises/1/injects/{d['id']}/issue", headers=h["director"], timeout=30).status_code == 200
    assert d["id"] in _ids(u, h, "rok-ddh-1")
    assert httpx.post(f"{u}/api/exercises/1/injects/{d['id']}/issue", headers=h["director"], timeout=30).status_code == 409
    # only the director injects; bad input is one line naming the field
    assert post({"kind": "message", "text": "x", "to": ["unit"]}, "coordinator").status_code == 403
    r = post({"kind": "sighting", "text": "no position", "to": ["unit"]})
    assert r.status_code == 400 and r.json()["field"] == "lon"
    r = post({"kind": "message", "text": "x", "to": ["admiral"]})
    assert r.status_code == 400 and r.json()["field"] == "to"
    # the truth does not go out in an inject before its release (object class, position, DDM), but may go to evaluators
    for text in ("survivor seen: PIW-2", "object at 129.7531", "position 34°50.47'N"):
        r = post({"kind": "message", "text": text, "to": ["unit", "evaluator"]})
        assert r.status_code == 409 and r.json()["field"] == "text", (text, r.text)
    assert post({"kind": "message", "text": "evaluators: the object is a PIW-2", "to": ["evaluator"]}).status_code == 201
    # the SSE stream delivers the injects addressed to the unit, and only those
    r = httpx.get(f"{u}/api/exercises/1/events", headers=h["jpn-dd-1"], params={"max_s": 1}, timeout=30)
    got = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ") and '"kind"' in line]
    assert a["id"] in {i["id"] for i in got} and b["id"] not in {i["id"] for i in got}
    # every inject and issue is in the audit log
    log = httpx.get(f"{u}/api/exercises/1/audit", headers=h["director"], timeout=30).json()
    made = {e["detail"]["id"] for e in log if e["action"] == "inject.create"}
    assert {a["id"], b["id"], c["id"], d["id"]} <= made
    assert any(e["action"] == "inject.issue" and e["detail"]["id"] == d["id"] for e in log)


def _case_toml(periods: int = 2) -> str:
    """The built-in exercise as a real case: no [truth] section, two periods."""
    text = builtin_scenario_text("korea-japan")
    text = text[: text.index("\n[truth]")] + "\n"
    assert "\n[truth" not in text and "max_periods = 4" in text
    return text.replace("max_periods = 4", f"max_periods = {periods}")


@pytest.mark.slow
def test_real_case_without_truth_from_forecast_to_update(world):
    """A real case (no [truth]) is created from a file and run: forecast, plan, approve, tasking,
    reports, then the update with the reported tracks and the next period planned on it. Its truth,
    release and evaluation answer 404/409 with one line."""
    if world.backend != "sqlite":
        pytest.skip("run once, on the SQLite server")
    u, h = world.url, world.h
    r = httpx.post(f"{u}/api/exercises", headers=h["director"], files={"scenario": ("case.toml", _case_toml().encode(), "application/toml")},
                   data={"seed": "3"}, timeout=60)
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    grant_everyone(world.store_url, ex)
    view = httpx.get(f"{u}/api/exercises/{ex}", headers=h["director"], timeout=30).json()
    assert view["kind"] == "case" and "truth" not in view
    for user, path in (("director", "truth"), ("evaluator", "truth"), ("director", "scores"), ("observer", "report.html")):
        r = httpx.get(f"{u}/api/exercises/{ex}/{path}", headers=h[user], timeout=30)
        assert r.status_code == 404 and "\n" not in r.json()["error"] and "real case" in r.json()["error"], (path, r.text)
    r = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["director"], json={"kind": "evaluate", "particles": 200}, timeout=30)
    assert r.status_code == 409 and r.json()["field"] == "kind"
    # the reads that carry the truth once released still work on a case, without it
    for path in ("events?max_s=1", "cot.xml"):
        r = httpx.get(f"{u}/api/exercises/{ex}/{path}", headers=h["observer"], timeout=30)
        assert r.status_code == 200 and "truth" not in r.text.lower(), (path, r.text[:200])

    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["coordinator"], json={"kind": "forecast", "particles": 200}, timeout=30).json()
    assert wait_job(u, h["coordinator"], job["id"])["status"] == "done"
    before = httpx.get(f"{u}/api/exercises/{ex}/proposals/2", headers=h["coordinator"], timeout=30).json()
    fc0 = httpx.get(f"{u}/api/exercises/{ex}/forecast", headers=h["observer"], timeout=30).json()["periods"]
    assert [q["source"] for q in fc0] == ["planned", "planned"] and fc0[0]["pos"] > 0
    plan = httpx.post(f"{u}/api/exercises/{ex}/plans", headers=h["planner-rok"], json={"period": 1, "nation": "KOR"}, timeout=30).json()
    assert httpx.post(f"{u}/api/exercises/{ex}/plans/{plan['id']}/approve", headers=h["coordinator"], timeout=30).status_code == 200
    reported = []
    for name, _org, role, unit in ACCOUNTS:
        if role != "unit" or not unit.startswith("ROK"):
            continue
        for task in httpx.get(f"{u}/api/exercises/{ex}/tasking", headers=h[name], timeout=30).json():
            # the unit's SAP message states its own marginal POS, not the plan's
            msg = task["messages"]["en"]
            assert f"{100 * task['marginal_pos']:.1f} %" in msg and "marginal POS" in msg and "Planner estimate" not in msg
            # the unit reports its route only up to the middle of its time on task (it was called off then)
            mid = (to_epoch_s(task["on_task"]) + to_epoch_s(task["off_task"])) / 2
            pts = [{"time": w["time"], "lon": w["lon"], "lat": w["lat"]} for w in task["route"] if to_epoch_s(w["time"]) <= mid]
            assert httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h[name], json={"reports": pts}, timeout=30).status_code == 201
            reported.append(unit)
    assert reported
    r = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["planner-rok"], json={"kind": "update", "particles": 200, "period": 1}, timeout=30)
    assert r.status_code == 403  # the coordinator decides a period is over
    r = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["coordinator"], json={"kind": "update", "particles": 200, "period": 9}, timeout=30)
    assert r.status_code == 400 and r.json()["field"] == "period"
    # exercise control breaks a unit down: the plans from the update on leave it out
    broken = "ROK-PKG-1"
    r = httpx.post(f"{u}/api/exercises/{ex}/injects", headers=h["director"], timeout=30,
                   json={"kind": "breakdown", "unit": broken, "text": "steering gear failure", "to": ["coordinator", "planner"]})
    assert r.status_code == 201, r.text
    # period 1 is over on the exercise clock (issue 28: no update of a period before it ends)
    assert httpx.post(f"{u}/api/exercises/{ex}/clock", headers=h["director"], json={"action": "set", "exercise_time": "2026-02-11T06:00:00Z"},
                      timeout=30).status_code == 200
    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["coordinator"], json={"kind": "update", "particles": 200, "period": 1}, timeout=30).json()
    assert wait_job(u, h["coordinator"], job["id"])["status"] == "done"
    # period 1 is over: updated with what the ROK units reported, no longer planned
    r = httpx.get(f"{u}/api/exercises/{ex}/proposals/1", headers=h["coordinator"], timeout=30)
    assert r.status_code == 409 and r.json()["field"] == "period"
    fc1 = httpx.get(f"{u}/api/exercises/{ex}/forecast", headers=h["observer"], timeout=30).json()["periods"]
    assert [q["source"] for q in fc1] == ["reported", "planned"]
    assert set(fc1[0]["searched_units"]) <= set(reported) and fc1[0]["searched_units"]
    assert 0 < fc1[0]["pos"] < fc0[0]["pos"]  # half a search, by one nation's units: less than the plan for all
    c1 = httpx.get(f"{u}/api/exercises/{ex}/collections/contours/items", headers=h["observer"], timeout=30).json()["features"]
    p1 = [f["properties"] for f in c1 if f["properties"]["period"] == 1]
    assert {p["level"] for p in p1} == {0.5, 0.9} and {p["source"] for p in p1} == {"reported"}
    after = httpx.get(f"{u}/api/exercises/{ex}/proposals/2", headers=h["coordinator"], timeout=30).json()
    assert broken not in {x["unit"] for n in after["nations"].values() for x in n["assignments"]}
    assert "out of action" in after["nations"]["KOR"]["unassigned"][broken]
    assert after["nations"]["KOR"]["assignments"] != before["nations"]["KOR"]["assignments"]  # planned on the updated picture
    plan2 = httpx.post(f"{u}/api/exercises/{ex}/plans", headers=h["planner-rok"], json={"period": 2, "nation": "KOR"}, timeout=30)
    assert plan2.status_code == 201, plan2.text
    assert httpx.post(f"{u}/api/exercises/{ex}/plans/{plan2.json()['id']}/approve", headers=h["coordinator"], timeout=30).status_code == 200
    assert httpx.post(f"{u}/api/exercises/{ex}/endex", headers=h["director"], timeout=30).status_code == 200
    r = httpx.post(f"{u}/api/exercises/{ex}/release", headers=h["director"], timeout=30)
    assert r.status_code == 409 and "real case" in r.json()["error"]


def test_reported_fixes_are_cut_to_the_time_on_task():
    """Hand-checked: fixes at 0, 600, 1200, 1800 s along x = 0, 1, 2, 3; on task 300..1500 s gives the
    track at 300, 600, 1200, 1500 s with x = 0.5, 1, 2, 2.5 (linear between fixes, as a GPX track)."""
    import numpy as np

    from sarex.server.updates import _cut

    t = np.array([0.0, 600.0, 1200.0, 1800.0])
    x = np.array([0.0, 1.0, 2.0, 3.0])
    tt, xx, yy = _cut(t, x, 2 * x, 300.0, 1500.0)
    assert tt.tolist() == [300.0, 600.0, 1200.0, 1500.0] and xx.tolist() == [0.5, 1.0, 2.0, 2.5] and yy.tolist() == [1.0, 2.0, 4.0, 5.0]
    # fixes only after the start: the track begins at the first fix; none inside: nothing searched
    tt, xx, _ = _cut(t, x, x, -100.0, 900.0)
    assert tt.tolist() == [0.0, 600.0, 900.0] and xx.tolist() == [0.0, 1.0, 1.5]
    assert _cut(t, x, x, 1800.0, 2400.0) is None and _cut(t[:1], x[:1], x[:1], -10.0, 10.0) is None
