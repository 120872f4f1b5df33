"""The server's answers against their response models (issue 34): the OpenAPI schema names a typed
model for each main resource, what is served validates against that schema with a third-party
JSON Schema validator (jsonschema-rs, not pydantic), and fields a role must not get, or a record
does not have, stay out of the JSON instead of coming as null (hand-listed field sets, as the web
app reads them)."""

from __future__ import annotations

import jsonschema_rs
import pytest

from server_harness import wait_job

E = "/api/exercises/{exercise_id}"
# (method, path, status): the answers that must have a named model (a $ref), not a bare object
TYPED = [
    ("get", "/api/me", "200"), ("get", "/api/exercises", "200"), ("post", "/api/exercises", "201"),
    ("get", E, "200"), ("get", E + "/truth", "200"), ("get", E + "/units", "200"), ("get", E + "/periods", "200"),
    ("get", E + "/audit", "200"), ("post", E + "/endex", "200"), ("post", E + "/release", "200"),
    ("get", E + "/proposals/{period}", "200"), ("get", E + "/datum", "200"), ("get", E + "/forecast", "200"),
    ("get", E + "/plans", "200"), ("post", E + "/plans", "201"), ("post", E + "/plans/{plan_id}/approve", "200"),
    ("get", E + "/tasking", "200"), ("post", E + "/jobs", "202"), ("get", E + "/jobs", "200"), ("get", "/api/jobs/{job_id}", "200"),
    ("post", "/api/jobs/{job_id}/cancel", "200"), ("post", E + "/positions", "201"), ("post", E + "/positions/upload", "201"),
    ("get", E + "/positions", "200"), ("post", E + "/sightings", "201"), ("get", E + "/sightings", "200"),
    ("post", E + "/injects", "201"), ("get", E + "/injects", "200"), ("post", E + "/injects/{inject_id}/issue", "200"),
    ("get", E + "/clock", "200"), ("get", E + "/messages", "200"), ("get", E + "/sitreps", "200"), ("get", E + "/alerts", "200"),
]


@pytest.fixture(scope="module")
def openapi(world):
    return world.http.get(world.url + "/openapi.json").json()


def _schema(doc: dict, method: str, path: str, status: str) -> dict:
    return doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def test_main_resources_answer_named_models(openapi):
    untyped = []
    for method, path, status in TYPED:
        s = _schema(openapi, method, path, status)
        s = s.get("items", s) if s.get("type") == "array" else s
        if "$ref" not in s:
            untyped.append(f"{method.upper()} {path}: {s}")
    assert not untyped, untyped
    # the model spells out its fields (a job's status is one of five words)
    job = openapi["components"]["schemas"]["JobView"]
    assert set(job["properties"]["status"]["enum"]) == {"queued", "running", "done", "failed", "cancelled"}
    assert {"id", "exercise_id", "kind", "status", "progress", "message", "created"} <= set(job["required"])


def _check(world, doc, user, path, template, status="200"):
    r = world.http.get(world.url + path, headers=world.h[user])
    assert r.status_code == int(status), (path, r.text)
    v = jsonschema_rs.validator_for({**_schema(doc, "get", template, status), "components": doc["components"]})
    errors = [str(e).splitlines()[0] for e in v.iter_errors(r.json())]
    assert not errors, (user, path, errors[:3])
    return r.json()


def test_served_answers_validate_and_keep_their_fields(world, openapi):
    assert wait_job(world.url, world.h["director"], world.forecast_job)["status"] == "done"
    unit = world.user_for("unit")
    x = "/api/exercises/1"
    for user in ("director", "coordinator", "planner-rok", unit, "observer"):
        _check(world, openapi, user, "/api/me", "/api/me")
        _check(world, openapi, user, "/api/exercises", "/api/exercises")
        _check(world, openapi, user, x + "/units", E + "/units")
        _check(world, openapi, user, x + "/periods", E + "/periods")
        _check(world, openapi, user, x + "/positions", E + "/positions")
        _check(world, openapi, user, x + "/sightings", E + "/sightings")
        _check(world, openapi, user, x + "/injects", E + "/injects")
        view = _check(world, openapi, user, x, E)
        base = {"id", "name", "kind", "status", "seed", "truth_released", "roles", "unit", "scenario", "lkp", "bbox", "audit"}
        # the truth is a field only for exercise control before its release, never a null for the others
        assert set(view) == (base | {"truth"} if user == "director" else base), (user, sorted(view))
        assert set(view["lkp"]) == {"lon", "lat", "time", "radius_m", "ddm"}
    for user in ("director", "coordinator", "planner-rok", "observer"):
        _check(world, openapi, user, x + "/jobs", E + "/jobs")
        _check(world, openapi, user, x + "/plans", E + "/plans")
        _check(world, openapi, user, x + "/datum", E + "/datum")
    job = _check(world, openapi, "director", f"/api/jobs/{world.forecast_job}", "/api/jobs/{job_id}")
    assert set(job) == {"id", "exercise_id", "kind", "status", "progress", "message", "attempts", "created", "updated", "created_at"}
    assert set(_check(world, openapi, "director", x + "/truth", E + "/truth")) == {"lon", "lat", "time", "object_class", "ddm"}
    prop = _check(world, openapi, "planner-rok", x + "/proposals/1", E + "/proposals/{period}")
    assert set(prop) == {"period", "start", "end", "nations"} and list(prop["nations"]) == ["KOR"]
    fc = _check(world, openapi, "coordinator", x + "/forecast", E + "/forecast")
    assert set(fc) == {"particles", "done_through", "warnings", "periods"} and len(fc["periods"]) >= 1
    _check(world, openapi, unit, x + "/tasking", E + "/tasking")
    _check(world, openapi, "director", x + "/audit?limit=20", E + "/audit")


def test_absent_fields_stay_absent(world):
    """A ship's report has no altitude and a participant's inject no exercise-control fields: the keys
    are left out (as the web app expects), not sent as null."""
    unit = world.user_for("unit")
    x = f"{world.url}/api/exercises/1"
    r = world.http.post(x + "/positions", headers=world.h[unit],
                        json={"reports": [{"time": "2026-02-11T01:30:00Z", "lon": 129.41, "lat": 34.71, "report_id": "answers-1"}]})
    assert r.status_code == 201, r.text
    assert set(r.json()[0]) == {"id", "report_id", "duplicate"}
    mine = [p for p in world.http.get(x + "/positions", headers=world.h["director"]).json() if p["id"] == r.json()[0]["id"]]
    assert len(mine) == 1 and set(mine[0]) == {"id", "unit", "time", "lon", "lat", "source"}
    r = world.http.post(x + "/injects", headers=world.h["director"], json={"kind": "message", "text": "answers: radio check", "to": ["coordinator"]})
    assert r.status_code == 201, r.text
    for user, control in (("director", True), ("coordinator", False)):
        seen = [i for i in world.http.get(x + "/injects", headers=world.h[user]).json() if i["id"] == r.json()["id"]]
        assert len(seen) == 1 and seen[0]["delivered"] is True, (user, seen)
        assert ("expected_action" in seen[0]) is control and ("objective" in seen[0]) is control, (user, seen[0])
