"""kill -9 of the server while 50 clients post: every acknowledged report is there after restart,
the audit chain verifies, and the job that was running is resumed."""

from __future__ import annotations

import threading
import time

import httpx

from server_harness import ACCOUNTS
from sarex.server.audit import verify
from sarex.server.db import Store, database_url
from sarex.server.demo import set_up_demo
from server_harness import Server, password, token

CLIENTS = 50


def test_kill9_loses_no_acknowledged_report(tmp_path):
    store = Store(database_url(tmp_path, None))
    set_up_demo(store, passwords={n: password(n) for n, *_ in ACCOUNTS})
    store.dispose()
    srv = Server(tmp_path).start()
    units = [(n, u) for n, _o, r, u in ACCOUNTS if r == "unit"]
    heads = {n: token(srv.url, n) for n, _ in units}
    job = httpx.post(f"{srv.url}/api/exercises/1/jobs", headers=token(srv.url, "director"), json={"kind": "forecast", "particles": 200}, timeout=30).json()
    acked: list[set[str]] = [set() for _ in range(CLIENTS)]
    stop = threading.Event()

    def client(k: int) -> None:
        name, unit = units[k % len(units)]
        with httpx.Client(base_url=srv.url, headers=heads[name], timeout=10) as c:
            i = 0
            while not stop.is_set():
                rid = f"c{k:02d}-{i:06d}"
                try:
                    r = c.post("/api/exercises/1/positions", json={"reports": [{"report_id": rid, "time": 1770771600.0 + i, "lon": 129.5 + 1e-4 * k, "lat": 34.9}]})
                except httpx.HTTPError:
                    return  # the server is gone: this report was never acknowledged
                if r.status_code == 201:
                    acked[k].add(rid)
                i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(8.0)
    srv.kill9()
    stop.set()
    for t in threads:
        t.join(30)
    sent = set().union(*acked)
    assert len(sent) > 100, f"only {len(sent)} reports acknowledged before the kill"

    srv2 = Server(tmp_path).start()
    try:
        rows = httpx.get(f"{srv2.url}/api/exercises/1/positions", headers=token(srv2.url, "coordinator"), timeout=60).json()
        stored = [r for r in rows]
        ids = [r["id"] for r in stored]
        assert len(ids) == len(set(ids))
        s2 = Store(database_url(tmp_path, None), upgrade=False)
        with s2.tx() as s:
            from sqlalchemy import select

            from sarex.server.models import Job, PositionReport

            rids = list(s.execute(select(PositionReport.report_id)).scalars())
            v = verify(s)
            j = s.get(Job, job["id"])
            status, message, attempts = j.status, j.message, j.attempts
            from sarex.server.models import AuditEntry

            resumed = s.execute(select(AuditEntry).where(AuditEntry.action == "job.resume")).scalars().all()
        s2.dispose()
        assert sent <= set(rids), f"{len(sent - set(rids))} acknowledged reports lost"
        assert len(rids) == len(set(rids))  # no duplicates
        assert len(rids) - len(sent) <= CLIENTS  # at most the one in flight per client was stored unacknowledged
        assert v.ok, v.problem
        # the job was running at the kill: queued again and started a second time (or finished since)
        assert len(resumed) == 1 and status in ("queued", "running", "done") and attempts == 2, (status, message, attempts)
        print(f"acknowledged {len(sent)}, stored {len(rids)}, job {status}: {message}")
        h = token(srv2.url, "director")
        if status in ("queued", "running"):
            assert httpx.post(f"{srv2.url}/api/jobs/{job['id']}/cancel", headers=h, timeout=30).json()["status"] == "cancelled"
    finally:
        srv2.stop()
