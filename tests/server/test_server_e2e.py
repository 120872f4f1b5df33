"""End to end through the API: the built-in Korea–Japan exercise from creation to the after-action
report; with the same seed its scores equal ``sarex exercise run``'s (the application layer's use case)."""

from __future__ import annotations

import json

import httpx
import pytest

from server_harness import grant_everyone
from server_harness import wait_job

SEED, PARTICLES = 5, 300


@pytest.mark.slow
def test_exercise_through_the_api_matches_exercise_run(world, tmp_path):
    if world.backend != "sqlite":
        pytest.skip("run once, on the SQLite server")
    u, h = world.url, world.h
    r = httpx.post(f"{u}/api/exercises", headers=h["director"], data={"builtin": "korea-japan", "seed": str(SEED)}, timeout=60)
    assert r.status_code == 201, r.text
    ex = r.json()["id"]
    grant_everyone(world.store_url, ex)
    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["planner-rok"], json={"kind": "forecast", "particles": PARTICLES}, timeout=30).json()
    assert wait_job(u, h["director"], job["id"])["status"] == "done"
    for planner, nation in (("planner-rok", "KOR"), ("planner-jpn", "JPN")):
        plan = httpx.post(f"{u}/api/exercises/{ex}/plans", headers=h[planner], json={"period": 1, "nation": nation}, timeout=30).json()
        assert httpx.post(f"{u}/api/exercises/{ex}/plans/{plan['id']}/approve", headers=h["coordinator"], timeout=30).status_code == 200
    for unit_user in ("rok-ddh-1", "jpn-dd-1"):
        t = httpx.get(f"{u}/api/exercises/{ex}/tasking", headers=h[unit_user], timeout=30).json()
        for task in t:
            pts = [{"time": w["time"], "lon": w["lon"], "lat": w["lat"]} for w in task["route"]]
            assert httpx.post(f"{u}/api/exercises/{ex}/positions", headers=h[unit_user], json={"reports": pts}, timeout=30).status_code == 201
    assert httpx.post(f"{u}/api/exercises/{ex}/endex", headers=h["director"], timeout=30).status_code == 200
    job = httpx.post(f"{u}/api/exercises/{ex}/jobs", headers=h["director"], json={"kind": "evaluate", "particles": PARTICLES}, timeout=30).json()
    assert wait_job(u, h["director"], job["id"], 1200)["status"] == "done"
    assert httpx.get(f"{u}/api/exercises/{ex}/scores", headers=h["observer"], timeout=30).status_code == 403
    assert httpx.post(f"{u}/api/exercises/{ex}/release", headers=h["director"], timeout=30).status_code == 200
    served = httpx.get(f"{u}/api/exercises/{ex}/scores", headers=h["observer"], timeout=30).json()
    report = httpx.get(f"{u}/api/exercises/{ex}/report.html", headers=h["planner-jpn"], timeout=30)
    assert report.status_code == 200 and "<html" in report.text.lower()

    from sarex.app import FolderTarget
    from sarex.app.exercise import RunRequest, exercise_run

    res = exercise_run(RunRequest(scenario="korea-japan", seed=SEED, particles=PARTICLES), FolderTarget(tmp_path / "run"))
    cli = json.loads((tmp_path / "run" / "evaluation" / "scores.json").read_text())
    assert {k: v for k, v in served.items() if k != "played"} == cli  # the rehearsal; the exercise as played beside it
    assert served["played"]["timeline"]["alert"] == "2026-02-10T21:30:00Z"
    assert served["seed"] == SEED and served["detected"] == (res.detection is not None)
