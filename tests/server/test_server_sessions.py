"""Sessions end when they should (issue 27, items 6 and 7): a logout ends a bearer token too; a
logout or a removed grant ends an open event stream within 2 s; failed logins are throttled per
address and in total, not only per user name. Its own server: the throttle would refuse the other
tests' logins from 127.0.0.1 for a minute."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import httpx
import pytest

from sarex.server.db import Store, database_url
from sarex.server.demo import set_up_demo
from server_harness import ACCOUNTS, SARAX_BIN, Server, password, token


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    data = tmp_path_factory.mktemp("sessions")
    key = os.environ.pop("SAREX_AUDIT_KEY_FILE", None)
    try:
        store = Store(database_url(data, None))
        set_up_demo(store, passwords={name: password(name) for name, *_ in ACCOUNTS})
        store.dispose()
        srv = Server(data).start()
    finally:
        if key is not None:
            os.environ["SAREX_AUDIT_KEY_FILE"] = key
    yield srv
    srv.stop()


def _stream_end(url: str, headers: dict, started: threading.Event, out: dict) -> None:
    """Read the event stream until the server closes it; note when, and the last event."""
    try:
        with httpx.stream("GET", f"{url}/api/exercises/1/events", headers=headers, params={"max_s": 120}, timeout=180) as r:
            out["status"] = r.status_code
            for line in r.iter_lines():
                started.set()
                if line.startswith("event: "):
                    out["last"] = line[7:]
    except httpx.HTTPError as exc:
        out["error"] = repr(exc)
    out["closed"] = time.monotonic()
    started.set()


def _open_stream(url: str, headers: dict) -> tuple[threading.Thread, dict]:
    started, out = threading.Event(), {}
    t = threading.Thread(target=_stream_end, args=(url, headers, started, out), daemon=True)
    t.start()
    assert started.wait(60) and "closed" not in out, out
    time.sleep(1.0)  # the stream is in its loop
    assert "closed" not in out, out
    return t, out


def test_logout_ends_a_bearer_token_and_its_stream(own):
    """A bearer token kept working after `POST /api/logout` answered logged_out; its stream ran until max_s."""
    h = token(own.url, "observer")
    t, out = _open_stream(own.url, h)
    r = httpx.post(f"{own.url}/api/logout", headers=h, timeout=30)
    assert r.status_code == 200 and r.json()["logged_out"] is True
    t0 = time.monotonic()
    t.join(30)
    assert out.get("closed", 1e9) - t0 <= 2.0 and out.get("last") == "end", out
    assert httpx.get(f"{own.url}/api/me", headers=h, timeout=30).status_code == 401


def test_logout_of_a_browser_session_ends_its_stream(own):
    r = httpx.post(f"{own.url}/api/login", json={"username": "planner-jpn", "password": password("planner-jpn")}, timeout=30)
    cookies, csrf = {"sarex_session": r.cookies["sarex_session"]}, r.json()["csrf"]
    h = {"Cookie": f"sarex_session={cookies['sarex_session']}"}
    t, out = _open_stream(own.url, h)
    assert httpx.post(f"{own.url}/api/logout", headers={**h, "X-CSRF-Token": csrf}, timeout=30).status_code == 200
    t0 = time.monotonic()
    t.join(30)
    assert out.get("closed", 1e9) - t0 <= 2.0 and out.get("last") == "end", out


def test_a_removed_grant_ends_the_stream(own):
    """The tester removed a grant: REST said no at once, the open stream ran on until max_s (up to a day)."""
    h = token(own.url, "jpn-dd-1")
    t, out = _open_stream(own.url, h)
    env = {k: v for k, v in os.environ.items() if k != "SAREX_AUDIT_KEY_FILE"}  # this store's key is beside it
    r = subprocess.run([SARAX_BIN, "server", "revoke", "jpn-dd-1", "--exercise", "1", "--role", "unit", "--data", str(own.data)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    t0 = time.monotonic()
    t.join(30)
    assert out.get("closed", 1e9) - t0 <= 2.0 and out.get("last") == "end", out
    assert httpx.get(f"{own.url}/api/exercises/1/positions", headers=h, timeout=30).status_code == 404
    r = subprocess.run([SARAX_BIN, "server", "audit", "verify", "--data", str(own.data)], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stdout  # the revocation is audited, the grant's deletion with it


def test_failed_logins_are_throttled_per_address_and_the_hash_is_off_the_write_lock(own):
    """40 logins with distinct unknown names: past 20 failures from one address a minute the answer is
    429 without any hash computed (the limit was per user name only, so each got its argon2 run
    inside the write transaction); a unit's report meanwhile is answered."""
    unit = token(own.url, "jpn-p1-1")  # logged in before the burst
    codes: list[int] = []
    lock = threading.Lock()

    def one(k: int) -> None:
        r = httpx.post(f"{own.url}/token", data={"username": f"nobody-{k}", "password": "wrong-password"}, timeout=120)
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(40)]
    for th in threads:
        th.start()
    t0 = time.monotonic()
    r = httpx.post(f"{own.url}/api/exercises/1/positions", headers=unit, timeout=120,
                   json={"reports": [{"time": "2026-02-11T02:00:00Z", "lon": 129.6, "lat": 34.95, "report_id": "during-logins"}]})
    report_s = time.monotonic() - t0
    for th in threads:
        th.join(180)
    assert r.status_code == 201, r.text
    assert sorted(set(codes)) == [401, 429] and codes.count(401) == 20, codes
    # while the address is over its limit, a login from it is refused before any hash is computed
    r = httpx.post(f"{own.url}/token", data={"username": "director", "password": password("director")}, timeout=60)
    assert r.status_code == 429 and r.json()["field"] == "username"
    print(f"position report during 40 failed logins: {report_s * 1000:.0f} ms")
