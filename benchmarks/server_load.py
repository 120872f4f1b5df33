"""Benchmark: 200 concurrent clients posting position reports to the real server for 60 s on loopback.

Each client is a unit's script with a bearer token, posting one report per request with its own
``report_id`` on a kept-alive HTTP/1.1 connection and waiting for the answer before the next
(closed loop; a failed request is retried with the same ``report_id``). Afterwards the store is
counted: every acknowledged report must be there once (0 lost, 0 duplicated), and the audit chain
verified. Prints one table: back end, reports/s, latency p50/p95/p99, the server process's CPU
time per report (what a quiet core would need), audit verdict. Goal (issue 11): p95 < 100 ms, >= 2 000 reports/s on SQLite.

    python benchmarks/server_load.py [--clients 200] [--seconds 60] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))
from server_harness import Postgres, Server, password  # noqa: E402  (the tests' launcher: uvicorn subprocess)


async def _post(reader, writer, head: bytes, body: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a kept-alive connection (a lean client, so the clients' own CPU
    time, on the same cores as the server, is small next to the server's)."""
    writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return status, await reader.readexactly(length)


async def _client(base: str, head: dict, k: int, until: float, lat_ms: list, acked: set, errors: list,
                  period_s: float = 0.0) -> None:
    """One unit's client. ``period_s`` 0: closed loop (next request as soon as the answer came);
    else paced: request i is due at start + i * period_s (start jittered over one period), and its
    latency counts from when it was due, not when it was sent, so a slow server's backlog shows in
    the figures (no coordinated omission)."""
    host, port = base.split("//")[1].split(":")
    start = time.perf_counter() + (random.Random(k).uniform(0.0, period_s) if period_s else 0.0)
    req = (f"POST /api/exercises/1/positions HTTP/1.1\r\nHost: {host}\r\nAuthorization: {head['Authorization']}\r\n"
           "Content-Type: application/json\r\nContent-Length: ").encode()
    reader = writer = None
    i = 0
    while time.monotonic() < until:
        rid = f"b{k:03d}-{i:07d}"
        body = json.dumps({"reports": [{"report_id": rid, "time": 1770771600.0 + i, "lon": 129.5, "lat": 34.9}]}).encode()
        t0 = time.perf_counter()
        if period_s:
            due = start + i * period_s
            if due > t0:
                await asyncio.sleep(due - t0)
            t0 = due
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, int(port))
            status, _ = await asyncio.wait_for(_post(reader, writer, req, body), 60)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            continue  # retried with the same report_id: the server must not store it twice
        lat_ms.append((time.perf_counter() - t0) * 1e3)
        if status == 201:
            acked.add(rid)
        else:
            errors.append(str(status))
        i += 1
    if writer is not None:
        writer.close()


async def _load(base: str, heads: list[dict], clients: int, seconds: float, period_s: float):
    lat: list[float] = []
    acked: set[str] = set()
    errors: list[str] = []
    until = time.monotonic() + seconds
    t0 = time.monotonic()
    await asyncio.gather(*[_client(base, heads[k % len(heads)], k, until, lat, acked, errors, period_s) for k in range(clients)])
    return lat, acked, errors, time.monotonic() - t0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def run(backend: str, clients: int, seconds: float, sync: str = "full", offered: float = 0.0) -> dict:
    """One run; ``offered`` > 0 paces the clients to that many reports/s in all (else closed loop)."""
    from sqlalchemy import select

    from sarex.server.audit import verify
    from sarex.server.db import Store, database_url
    from sarex.server.demo import demo_accounts, set_up_demo
    from sarex.server.models import PositionReport
    from sarex.server.services import builtin_scenario_text, parse_scenario_text, units_of

    accounts = demo_accounts(units_of(parse_scenario_text(builtin_scenario_text("korea-japan"))))
    data = Path(tempfile.mkdtemp(prefix=f"sarex-bench-{backend}-"))
    pg = Postgres() if backend == "postgresql" else None
    db = pg.start() if pg else None
    url = database_url(data, db)
    store = Store(url)
    set_up_demo(store, passwords={n: password(n) for n, *_ in accounts})
    store.dispose()
    os.environ["SAREX_SQLITE_SYNC"] = sync  # the server inherits it (SQLite only)
    srv = Server(data, db).start()
    try:
        units = [n for n, _o, r, _u in accounts if r == "unit"]
        heads = []
        for n in units:
            r = httpx.post(srv.url + "/token", data={"username": n, "password": password(n)}, timeout=30)
            heads.append({"Authorization": "Bearer " + r.json()["access_token"]})
        cpu0, own0, load0 = _cpu_s(srv.proc.pid), time.process_time(), os.getloadavg()[0]
        lat, acked, errors, wall = asyncio.run(_load(srv.url, heads, clients, seconds, clients / offered if offered else 0.0))
        cpu, own, load1 = _cpu_s(srv.proc.pid) - cpu0, time.process_time() - own0, os.getloadavg()[0]
        store = Store(url, upgrade=False, key_file=data / "audit.key")
        with store.read() as s:
            rids = list(s.execute(select(PositionReport.report_id)).scalars())
            chain = verify(s)
        store.dispose()
        got = set(rids)
        a = np.asarray(lat)
        return {"backend": backend + (f" ({sync})" if backend == "sqlite" else ""), "cpu_ms": cpu * 1e3 / max(len(acked), 1),
                "client_ms": own * 1e3 / max(len(acked), 1), "load": f"{load0:.1f}-{load1:.1f}",
                "mode": f"paced {offered:.0f}/s" if offered else "closed loop",
                "audit": "ok" if chain.ok else chain.problem, "clients": clients, "seconds": wall, "acked": len(acked), "stored": len(rids),
                "lost": len(acked - got), "duplicated": len(rids) - len(got), "errors": len(errors),
                "rate": len(acked) / wall, "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "p99": float(np.percentile(a, 99))}
    finally:
        srv.stop()
        if pg:
            pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--sqlite-sync", choices=("full", "normal", "both"), default="full", help="SQLite synchronous mode (SAREX_SQLITE_SYNC)")
    ap.add_argument("--mode", choices=("closed", "paced", "both"), default="both",
                    help="closed loop (each client posts again at once: the maximum rate) and/or paced at --offered")
    ap.add_argument("--offered", type=float, default=2000.0, help="paced mode: reports/s offered by all clients together")
    args = ap.parse_args()
    syncs = ("full", "normal") if args.sqlite_sync == "both" else (args.sqlite_sync,)
    runs = [(b, m) for b in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)) for m in (syncs if b == "sqlite" else ("full",))]
    rates = [r for r, on in ((0.0, args.mode != "paced"), (args.offered, args.mode != "closed")) if on]
    rows = [run(b, args.clients, args.seconds, m, o) for b, m in runs for o in rates]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"server and clients on the same host")
    print("| back end | mode | clients | s | acknowledged | stored | lost | duplicated | errors | reports/s | p50 ms | p95 ms | p99 ms "
          "| server CPU ms/report | client CPU ms/report | load avg | audit verify |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['mode']} | {r['clients']} | {r['seconds']:.0f} | {r['acked']} | {r['stored']} | {r['lost']} | {r['duplicated']} | "
              f"{r['errors']} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['cpu_ms']:.3f} | {r['client_ms']:.3f} | "
              f"{r['load']} | {r['audit']} |")


if __name__ == "__main__":
    main()
