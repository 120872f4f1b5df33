"""Access matrix: every route of the OpenAPI document, for every role, allowed or denied as specified
here; and no participant response (REST, SSE, exports, CoT, errors) holds the truth before its release,
while every participant role can get it after."""

from __future__ import annotations

import json
import re

import httpx

from sarex.server.db import Store
from sarex.server.services import builtin_scenario_text
from sarex.server.workflow import add_exercise, grant
from server_harness import ACCOUNTS
from server_harness import token, wait_job

ALL = {"director", "evaluator", "coordinator", "planner", "unit", "observer"}
NOT_UNIT = ALL - {"unit"}
PARTICIPANTS = ("coordinator", "planner", "unit", "observer")

# (method, path) -> roles allowed; written from the role definitions, not from the code.
EXPECTED = {
    ("POST", "/api/logout"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/exercises"): ALL,
    ("POST", "/api/exercises"): {"director"},
    ("GET", "/api/exercises/{exercise_id}"): ALL,
    ("GET", "/api/exercises/{exercise_id}/truth"): {"director", "evaluator"},
    ("GET", "/api/exercises/{exercise_id}/units"): ALL,
    ("GET", "/api/exercises/{exercise_id}/periods"): ALL,
    ("GET", "/api/exercises/{exercise_id}/audit"): {"director"},
    ("POST", "/api/exercises/{exercise_id}/jobs"): {"director", "coordinator", "planner"},
    ("GET", "/api/exercises/{exercise_id}/jobs"): NOT_UNIT,
    ("GET", "/api/jobs/{job_id}"): NOT_UNIT,
    ("POST", "/api/jobs/{job_id}/cancel"): {"director", "coordinator"},  # the director's forecast job: a planner may cancel only its own (issue 27)
    ("GET", "/api/exercises/{exercise_id}/proposals/{period}"): {"director", "coordinator", "planner"},
    ("GET", "/api/exercises/{exercise_id}/datum"): NOT_UNIT,
    ("GET", "/api/exercises/{exercise_id}/plans"): NOT_UNIT,
    ("POST", "/api/exercises/{exercise_id}/plans"): {"coordinator", "planner"},
    ("POST", "/api/exercises/{exercise_id}/plans/{plan_id}/approve"): {"coordinator"},
    ("GET", "/api/exercises/{exercise_id}/tasking"): {"unit"},
    ("GET", "/api/exercises/{exercise_id}/exports/{period}/{unit}.{fmt}"): {"director", "coordinator", "planner", "unit"},
    ("POST", "/api/exercises/{exercise_id}/positions"): {"unit"},
    ("POST", "/api/exercises/{exercise_id}/positions/upload"): {"unit"},
    ("GET", "/api/exercises/{exercise_id}/positions"): ALL,
    ("POST", "/api/exercises/{exercise_id}/sightings"): {"unit"},
    ("GET", "/api/exercises/{exercise_id}/sightings"): ALL,
    ("GET", "/api/exercises/{exercise_id}/events"): ALL,
    ("POST", "/api/exercises/{exercise_id}/endex"): {"director"},
    ("POST", "/api/exercises/{exercise_id}/release"): {"director"},
    ("GET", "/api/exercises/{exercise_id}/scores"): {"director", "evaluator"},
    ("GET", "/api/exercises/{exercise_id}/report.html"): {"director", "evaluator"},
    ("GET", "/api/exercises/{exercise_id}/collections"): ALL,
    ("GET", "/api/exercises/{exercise_id}/collections/{collection_id}/items"): ALL,
    ("GET", "/api/exercises/{exercise_id}/cot.xml"): ALL,
    ("GET", "/api/exercises/{exercise_id}/cot"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features/conformance"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features/collections"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features/collections/{collection_id}"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features/collections/{collection_id}/items"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features/collections/{collection_id}/items/{feature_id}"): ALL,
    ("GET", "/api/exercises/{exercise_id}/features/collections/{collection_id}/queryables"): ALL,
    ("GET", "/api/exercises/{exercise_id}/tasking/{period}/{unit}.zip"): {"director", "coordinator", "planner", "unit"},
    ("GET", "/api/exercises/{exercise_id}/coast"): ALL,
    ("GET", "/api/exercises/{exercise_id}/forecast"): NOT_UNIT,
    ("POST", "/api/exercises/{exercise_id}/injects"): {"director"},
    ("GET", "/api/exercises/{exercise_id}/injects"): ALL,
    ("POST", "/api/exercises/{exercise_id}/injects/{inject_id}/issue"): {"director"},
    # the web app's plan workflow (routes/planflow.py) and filled land (routes/land.py)
    ("POST", "/api/exercises/{exercise_id}/plans/{plan_id}/withdraw"): {"coordinator", "planner"},
    ("POST", "/api/exercises/{exercise_id}/plans/{plan_id}/reject"): {"coordinator"},
    ("POST", "/api/exercises/{exercise_id}/tasking/{period}/answer"): {"unit"},
    ("POST", "/api/exercises/{exercise_id}/tasking/{period}/status"): {"unit"},
    ("GET", "/api/exercises/{exercise_id}/land"): ALL,
    # the exercise as played (issue 28)
    ("GET", "/api/exercises/{exercise_id}/clock"): ALL,
    ("POST", "/api/exercises/{exercise_id}/clock"): {"director"},
    ("GET", "/api/exercises/{exercise_id}/msel"): {"director", "evaluator"},
    ("POST", "/api/exercises/{exercise_id}/msel"): {"director"},
    ("POST", "/api/exercises/{exercise_id}/msel/{inject_id}"): {"director"},
    ("GET", "/api/exercises/{exercise_id}/objectives"): {"director", "evaluator"},
    ("GET", "/api/exercises/{exercise_id}/observations"): {"director", "evaluator"},
    ("POST", "/api/exercises/{exercise_id}/observations"): {"director", "evaluator"},
    ("POST", "/api/exercises/{exercise_id}/periods/{period}/close"): {"director"},
    ("GET", "/api/exercises/{exercise_id}/played-export"): {"director", "evaluator"},
    # issue 30: alerts to control, the coordinator and the units concerned; messages between participants; SITREPs by the RCC
    ("GET", "/api/exercises/{exercise_id}/alerts"): {"director", "evaluator", "coordinator", "unit"},
    ("POST", "/api/exercises/{exercise_id}/messages"): {"director", "coordinator", "unit"},
    ("GET", "/api/exercises/{exercise_id}/messages"): {"director", "evaluator", "coordinator", "unit"},
    ("POST", "/api/exercises/{exercise_id}/sitreps"): {"coordinator"},
    ("GET", "/api/exercises/{exercise_id}/sitreps"): ALL,
    ("GET", "/api/exercises/{exercise_id}/communications"): ALL,
    ("PUT", "/api/exercises/{exercise_id}/communications"): {"coordinator"},
    # issue 29: areas set by hand on a proposal; an alert acknowledged by its readers
    ("POST", "/api/exercises/{exercise_id}/proposals/{period}/areas"): {"coordinator", "planner"},
    ("POST", "/api/exercises/{exercise_id}/alerts/{alert_id}/ack"): {"director", "evaluator", "coordinator", "unit"},
    ("GET", "/api/messages/phrases"): ALL,
}
# Routes on a record the walk's exercise may not hold (no separation alert is raised in it): a reader may get 404,
# the others 403 before the lookup (who may acknowledge which alert: test_server_safe.py).
MAY_BE_MISSING = {("POST", "/api/exercises/{exercise_id}/alerts/{alert_id}/ack")}
PUBLIC = {("POST", "/token"), ("POST", "/api/login")}
# Changes that would end the exercise under test are walked on a second exercise (phase 2).
LATER = {("POST", "/api/exercises/{exercise_id}/endex"), ("POST", "/api/exercises/{exercise_id}/release")}


def _ddm(v: float, pos: str, neg: str, width: int) -> str:
    d = int(abs(v))
    m = (abs(v) - d) * 60.0
    return f"{d:0{width}d}°{m:05.2f}'{pos if v >= 0 else neg}"


def truth_patterns() -> dict[str, re.Pattern]:
    """The truth of the built-in scenario, read from its TOML, in every form a response could carry."""
    import tomllib

    t = tomllib.loads(builtin_scenario_text("korea-japan"))["truth"]
    lon, lat, when, obj = t["lon"], t["lat"], t["time"], t["object_class"]
    from datetime import datetime

    epoch = int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp())
    forms = {"lon": f"{lon}", "lat": f"{lat}", "lon_ddm": _ddm(lon, "E", "W", 3), "lat_ddm": _ddm(lat, "N", "S", 2),
             "time": when[:16], "epoch": str(epoch), "object_class": obj}
    return {k: re.compile(r"(?<![\d.])" + re.escape(v) + r"(?![\d])") for k, v in forms.items()}


TRUTH = truth_patterns()


def leaks(text: str) -> list[str]:
    try:
        text = text + json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    return [k for k, pat in TRUTH.items() if pat.search(text)]


def _request(world, user: str, method: str, path: str, ex_id: int, ctx: dict) -> httpx.Response:
    role = next(r for n, _o, r, _u in ACCOUNTS if n == user)
    unit = ctx["unit_of"].get(user) or ctx["unit"]
    cid = "contours" if role != "unit" else "areas"
    # a logout ends the token it is sent with: the walk logs out a token of its own, not the world's
    h = token(world.url, user) if path == "/api/logout" else world.h[user]
    fid = "none"
    if "{feature_id}" in path:  # the first feature this user sees in the collection (none: refused like a hidden one)
        feats = world.http.get(f"{world.url}/api/exercises/{ex_id}/features/collections/{cid}/items", headers=h, timeout=60)
        fid = next((str(f["id"]) for f in feats.json().get("features", [])), "none") if feats.status_code == 200 else "none"
    url = path.format(exercise_id=ex_id, period=1, plan_id=ctx.get("plan_id", 0), job_id=ctx["job_id"], unit=unit, fmt="gpx",
                      collection_id=cid, inject_id=ctx.get("inject_id", 0), feature_id=fid, alert_id=ctx.get("alert_id", 1))
    kw: dict = {"headers": h, "timeout": 60}
    if path.endswith("/events"):
        kw["params"] = {"max_s": 0.5}  # the stream's first events (the truth, if visible) come at once
    if method in ("POST", "PUT"):
        bodies = {
            "/api/exercises": None,
            "/api/exercises/{exercise_id}/jobs": {"kind": "forecast", "particles": 5},  # refused for its size, after the role check
            "/api/exercises/{exercise_id}/plans": {"period": 1, "nation": "KOR"},
            "/api/exercises/{exercise_id}/positions": {"reports": [{"time": "2026-02-11T02:00:00Z", "lon": 129.6, "lat": 34.95, "report_id": f"m-{role}"}]},
            "/api/exercises/{exercise_id}/sightings": {"time": "2026-02-11T02:05:00Z", "lon": 129.61, "lat": 34.95, "note": "debris"},
            "/api/exercises/{exercise_id}/plans/{plan_id}/reject": {"comment": "not this one"},  # the plan is approved: 409 after the role check
            "/api/exercises/{exercise_id}/tasking/{period}/answer": {"answer": "accepted"},
            "/api/exercises/{exercise_id}/tasking/{period}/status": {"status": "en_route"},
            "/api/exercises/{exercise_id}/injects": {"kind": "sighting", "text": "a ferry reports a light", "to": list(PARTICIPANTS),
                                                     "lon": 129.8, "lat": 34.9, "time": "2026-02-11T03:10:00Z"},
            "/api/exercises/{exercise_id}/clock": {"action": "pause"},  # the walk's clock stays stopped: 409 for the director
            "/api/exercises/{exercise_id}/msel": {"kind": "message", "text": "walk", "to": ["unit"], "at": "2099-01-01T00:00:00Z"},
            "/api/exercises/{exercise_id}/msel/{inject_id}": {"action": "edit", "text": "weather worsens from 06Z"},
            "/api/exercises/{exercise_id}/observations": {"objective": "general", "rating": "met", "text": "walk"},
            "/api/exercises/{exercise_id}/periods/{period}/close": {"reason": "walk"},
            "/api/exercises/{exercise_id}/messages": {"to": ["all"], "phrase": "received", "params": {}},
            "/api/exercises/{exercise_id}/sitreps": {"form": "short", "time": "2026-02-11T03:00:00Z"},
            "/api/exercises/{exercise_id}/communications": {"channels": {"on_scene": "VHF ch 67"}},
            # no such unit in the proposal: 400 after the role check, nothing queued
            "/api/exercises/{exercise_id}/proposals/{period}/areas": {"areas": [{"unit": "NO-SUCH-1", "centre_lon": 129.8, "centre_lat": 34.9,
                                                                                 "legs_deg": 0, "leg_nm": 4, "creep_nm": 4}]},
        }
        if path.endswith("/upload"):
            kw["files"] = {"file": ("track.gpx", b"<gpx><trk><trkseg><trkpt lat='x'></trkpt></trkseg></trk></gpx>", "application/gpx+xml")}
        elif bodies.get(path) is not None:
            kw["json"] = bodies[path]
    return world.http.request(method, world.url + url, **kw)


def _routes(world) -> set[tuple[str, str]]:
    doc = httpx.get(world.url + "/openapi.json", timeout=30).json()
    return {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}


def _walk(world, ex_id: int, ctx: dict, skip=frozenset(), released: bool = False) -> dict:
    seen_truth: dict[str, set[str]] = {r: set() for r in PARTICIPANTS}
    problems = []
    # logout last: it ends the session the walk uses (a PUT route sorts after it)
    for method, path in sorted(_routes(world) - PUBLIC - skip, key=lambda mp: (mp == ("POST", "/api/logout"), mp)):
        allowed = EXPECTED[(method, path)]
        if released and path.endswith(("/truth", "/scores", "/report.html")):
            allowed = ALL
        for user, _org, role, _unit in ACCOUNTS[:6] + [ctx["unit_user"]]:
            if (role == "unit" and user != ctx["unit_user"][0]) or user == "planner-jpn":
                continue  # one user per role; other nations' planners are checked in test_server_api
            r = _request(world, user, method, path, ex_id, ctx)
            ok = r.status_code not in (401, 403, 404) or ((method, path) in MAY_BE_MISSING and r.status_code == 404)
            if ok != (role in allowed) or (not ok and r.status_code != 403):
                problems.append(f"{method} {path} as {role}: {r.status_code} {r.text[:120]}")
            if r.status_code >= 400:
                body = r.json()
                assert set(body) == {"error", "field", "code"} and body["code"] and "\n" not in body["error"], (method, path, r.text)
            if role in PARTICIPANTS:
                found = leaks(r.text)
                if released:
                    seen_truth[role] |= set(found)
                elif found:
                    problems.append(f"LEAK {method} {path} as {role}: {found}")
        anon = world.http.request(method, world.url + path.format(exercise_id=ex_id, period=1, plan_id=1, job_id=1, unit="X", fmt="gpx",
                                                                  collection_id="areas", inject_id=1, feature_id="x", alert_id=1), timeout=30)
        if anon.status_code != 401:
            problems.append(f"{method} {path} anonymous: {anon.status_code}")
    assert not problems, "\n".join(problems)
    return seen_truth


def test_every_route_is_in_the_matrix(world):
    assert _routes(world) - PUBLIC == set(EXPECTED)


def test_access_matrix_and_truth(world):
    u, h = world.url, world.h
    assert wait_job(u, h["director"], world.forecast_job)["status"] == "done"
    # a ROK plan for period 1, approved, so taskings and exports have content
    plans = httpx.get(f"{u}/api/exercises/1/plans", headers=h["coordinator"], timeout=30).json()
    plan = next((p for p in plans if p["nation"] == "KOR" and p["period"] == 1), None)
    if plan is None:
        plan = httpx.post(f"{u}/api/exercises/1/plans", headers=h["planner-rok"], json={"period": 1, "nation": "KOR"}, timeout=30).json()
        httpx.post(f"{u}/api/exercises/1/plans/{plan['id']}/approve", headers=h["coordinator"], timeout=30).raise_for_status()
    unit = plan["assignments"][0]["unit"]
    unit_user = next(a for a in ACCOUNTS if a[3] == unit)
    # a scheduled inject to every participant, which the director's walk issues
    inj = httpx.post(f"{u}/api/exercises/1/injects", headers=h["director"], timeout=30,
                     json={"kind": "message", "text": "weather worsens from 06Z", "to": list(PARTICIPANTS), "at": "2099-01-01T00:00:00Z"})
    assert inj.status_code == 201, inj.text
    ctx = {"job_id": world.forecast_job, "plan_id": plan["id"], "unit": unit, "unit_user": unit_user, "unit_of": {unit_user[0]: unit},
           "inject_id": inj.json()["id"]}
    # the truth forms are right: exercise control sees them
    t = httpx.get(f"{u}/api/exercises/1/truth", headers=h["evaluator"], timeout=30)
    assert set(leaks(t.text)) >= {"lon", "lat", "lon_ddm", "lat_ddm", "time", "object_class"}
    _walk(world, 1, ctx, skip=LATER)

    # phase 2: a second exercise with the same accounts, ended and released by its director
    store = Store(world.store_url, upgrade=False)
    with store.tx() as s:
        ex = add_exercise(s, "test", builtin_scenario_text("korea-japan"), "korea-japan", 0, check=False)
        for name, _org, role, unit_code in ACCOUNTS:
            grant(s, "test", name, ex.id, role, unit_code)
        ex2 = ex.id
    store.dispose()
    for path in ("endex", "release"):
        for user in ("coordinator", "evaluator", unit_user[0]):
            assert httpx.post(f"{u}/api/exercises/{ex2}/{path}", headers=h[user], timeout=30).status_code == 403
    before = {r: httpx.get(f"{u}/api/exercises/{ex2}/truth", headers=h[world.user_for(r) if r != "unit" else unit_user[0]], timeout=30).status_code for r in PARTICIPANTS}
    assert set(before.values()) == {403}
    assert httpx.post(f"{u}/api/exercises/{ex2}/release", headers=h["director"], timeout=30).status_code == 409  # not before ENDEX
    assert httpx.post(f"{u}/api/exercises/{ex2}/endex", headers=h["director"], timeout=30).status_code == 200
    assert httpx.post(f"{u}/api/exercises/{ex2}/release", headers=h["director"], timeout=30).status_code == 200
    ctx2 = {**ctx, "job_id": world.forecast_job, "plan_id": 0}
    seen = _walk_released(world, ex2, ctx2)
    for role in PARTICIPANTS:
        assert seen[role] >= {"lon", "lat", "lon_ddm", "lat_ddm", "time", "object_class"}, (role, seen[role])


def _walk_released(world, ex_id, ctx):
    """After release only reads matter: each participant role gets the truth (REST, SSE, CoT)."""
    seen = {r: set() for r in PARTICIPANTS}
    for role in PARTICIPANTS:
        user = ctx["unit_user"][0] if role == "unit" else world.user_for(role)
        for path in ("/api/exercises/{exercise_id}/truth", "/api/exercises/{exercise_id}", "/api/exercises/{exercise_id}/events", "/api/exercises/{exercise_id}/cot.xml"):
            r = _request(world, user, "GET", path, ex_id, ctx)
            assert r.status_code == 200, (role, path, r.text)
            found = set(leaks(r.text))
            assert found >= {"lat", "lon"} or path.endswith("cot.xml"), (role, path)
            seen[role] |= found
    return seen
