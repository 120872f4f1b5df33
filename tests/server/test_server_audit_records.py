"""The audit covers the records, not only its own log (issue 27, item 8): each tampering the breaking
tester did with write access to the database, after which `audit verify` still passed, is now found
by `sarex server audit verify` (the real CLI) on the real server's store, and named."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from sqlalchemy import text

from sarex.server.audit import verify
from sarex.server.db import Store
from server_harness import SARAX_BIN, wait_job


def _cli(world) -> subprocess.CompletedProcess:
    return subprocess.run([SARAX_BIN, "server", "audit", "verify", "--db", world.store_url], capture_output=True, text=True, timeout=300)


def _tamper(store: Store, do: str, undo: str, params: dict | None = None) -> str:
    """Apply ``do``, verify (the problem, or '' if it passed), then ``undo``; the store is intact again."""
    with store.tx() as s:
        s.execute(text(do), params or {})
    try:
        with store.read() as s:
            v = verify(s)
        return "" if v.ok else v.problem
    finally:
        with store.tx() as s:
            s.execute(text(undo), params or {})


@pytest.fixture
def records(world):
    """A store with a position, a sighting and an inject written through the server."""
    u, h = world.url, world.h
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=h["jpn-helo-1"], timeout=30,
                   json={"reports": [{"time": "2026-02-11T03:00:00Z", "lon": 129.61, "lat": 34.93, "report_id": "audit-records"}]})
    assert r.status_code == 201, r.text
    r = httpx.post(f"{u}/api/exercises/1/sightings", headers=h["jpn-helo-1"], timeout=30,
                   json={"time": "2026-02-11T03:05:00Z", "lon": 129.62, "lat": 34.94, "note": "audit-records"})
    assert r.status_code == 201, r.text
    r = httpx.post(f"{u}/api/exercises/1/injects", headers=h["director"], timeout=30,
                   json={"kind": "message", "text": "audit-records: weather worsens", "to": ["unit"]})
    assert r.status_code == 201, r.text
    store = Store(world.store_url, upgrade=False)
    with store.read() as s:
        v = verify(s)
    assert v.ok and v.anchored, v  # intact before any tampering
    yield store
    store.dispose()


def _ids(store: Store) -> dict:
    with store.read() as s:
        observer = s.execute(text("SELECT id FROM users WHERE name = 'observer'")).scalar()
        return {"pos": s.execute(text("SELECT max(id) FROM positions")).scalar(), "observer": observer,
                "pw": s.execute(text("SELECT password_hash FROM users WHERE id = :i"), {"i": observer}).scalar(), "t": True, "f": False}


def _check_all(store: Store, cases: list, params: dict) -> None:
    for what, do, undo, named in cases:
        problem = _tamper(store, do, undo, params)
        assert named in problem, (what, problem)
    with store.read() as s:
        assert verify(s).ok  # every tampering undone


def test_every_tampering_of_item_8_is_found(world, records):
    params = _ids(records)
    assert params["pos"]
    _check_all(records, [
        ("a position's lon", "UPDATE positions SET lon = lon + 0.01 WHERE id = :pos", "UPDATE positions SET lon = lon - 0.01 WHERE id = :pos",
         f"positions/{params['pos']}"),
        ("a director grant inserted", "INSERT INTO grants (user_id, exercise_id, role) VALUES (:observer, 1, 'director')",
         "DELETE FROM grants WHERE user_id = :observer AND role = 'director'", "grants/"),
        ("truth_released set", "UPDATE exercises SET truth_released = :t WHERE id = 1", "UPDATE exercises SET truth_released = :f WHERE id = 1",
         "exercises/1"),
        ("the truth edited in scenario_toml", "UPDATE exercises SET scenario_toml = replace(scenario_toml, 'lon = 129.7531', 'lon = 129.7000') WHERE id = 1",
         "UPDATE exercises SET scenario_toml = replace(scenario_toml, 'lon = 129.7000', 'lon = 129.7531') WHERE id = 1", "exercises/1"),
        ("a password hash", "UPDATE users SET password_hash = 'x' WHERE id = :observer", "UPDATE users SET password_hash = :pw WHERE id = :observer",
         f"users/{params['observer']}"),
        ("a session inserted (a token of one's own for the director)",
         "INSERT INTO sessions (token_hash, user_id, csrf, kind, expires_s) VALUES (:tok, 1, 'x', 'bearer', 4102444800)",
         "DELETE FROM sessions WHERE token_hash = :tok", "sessions/"),
    ], {**params, "tok": "f" * 64})


@pytest.mark.slow
def test_tampering_with_a_plan_or_a_job_result_is_found(world, records):
    """A plan's status and a job's result_json: these need the world's forecast finished (minutes)."""
    u, h = world.url, world.h
    assert wait_job(u, h["director"], world.forecast_job)["status"] == "done"
    r = httpx.post(f"{u}/api/exercises/1/plans", headers=h["planner-jpn"], json={"period": 2, "nation": "JPN"}, timeout=60)
    assert r.status_code in (201, 409), r.text
    with records.read() as s:
        plan = s.execute(text("SELECT max(id) FROM plans")).scalar()
        job = s.execute(text("SELECT max(id) FROM jobs WHERE result_json IS NOT NULL")).scalar()
        status = s.execute(text("SELECT status FROM plans WHERE id = :i"), {"i": plan}).scalar()
    _check_all(records, [
        ("a plan's status", "UPDATE plans SET status = :other WHERE id = :plan", "UPDATE plans SET status = :status WHERE id = :plan", f"plans/{plan}"),
        ("a job's result_json", "UPDATE jobs SET result_json = replace(result_json, '\"pos\"', '\"POS\"') WHERE id = :job",
         "UPDATE jobs SET result_json = replace(result_json, '\"POS\"', '\"pos\"') WHERE id = :job", f"jobs/{job}"),
    ], {"plan": plan, "job": job, "status": status, "other": "approved" if status == "draft" else "draft"})


@pytest.mark.parametrize("action,table", [("sighting", "sightings"), ("inject.create", "injects")])
def test_deleting_the_newest_entries_of_a_record_is_found(world, records, action, table):
    """The tester deleted the newest audit rows (a sighting's, an inject's) and kept the records: no
    gap, no broken link, and verify passed. The record without its entry is named now, by the CLI too."""
    store = records
    with store.tx() as s:
        first = s.execute(text("SELECT max(id) FROM audit WHERE action = :a"), {"a": action}).scalar()
        saved = [dict(r) for r in s.execute(text("SELECT * FROM audit WHERE id >= :i ORDER BY id"), {"i": first}).mappings()]
        s.execute(text("DELETE FROM audit WHERE id >= :i"), {"i": first})
    try:
        r = _cli(world)
        assert r.returncode == 1 and f"{table}/" in r.stdout and "no audit entry" in r.stdout, r.stdout
    finally:
        with store.tx() as s:
            for row in saved:
                s.execute(text("INSERT INTO audit (id, time_s, actor, exercise_id, action, detail, prev_hash, hash, mac) "
                               "VALUES (:id, :time_s, :actor, :exercise_id, :action, :detail, :prev_hash, :hash, :mac)"), row)
    r = _cli(world)
    assert r.returncode == 0 and "intact" in r.stdout, r.stdout


def test_the_head_is_published_to_participants_and_at_endex(world):
    """Every participant reads the chain's head in the exercise view (ID:HASH); the CLI prints the same."""
    view = httpx.get(f"{world.url}/api/exercises/1", headers=world.h["jpn-dd-1"], timeout=30).json()
    head = view["audit"]["head"]
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--db", world.store_url, "--head", head], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "still holds" in r.stdout, r.stdout
    i, h = head.split(":")
    assert int(i) > 10 and len(h) == 64
    forged = f"{i}:{'0' * 64}"
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--db", world.store_url, "--head", forged], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "published head" in r.stdout
