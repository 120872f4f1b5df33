"""Shared fixtures: one running server per back end (SQLite; PostgreSQL when its binaries exist, in the slow run),
the demo exercise with one user per role, and its forecast job started at once."""

from __future__ import annotations

import os

# Cheaper argon2id parameters for the test accounts (set before sarex.server.security is imported;
# the servers the tests start inherit it). Still argon2id; production keeps RFC 9106's defaults.
os.environ.setdefault("SAREX_ARGON2", "1,8192,1")

import httpx  # noqa: E402
import pytest  # noqa: E402

from sarex.server.db import Store, database_url  # noqa: E402
from sarex.server.demo import set_up_demo  # noqa: E402
from server_harness import ACCOUNTS, Postgres, Server, free_port, free_udp_port, password, token  # noqa: E402

FORECAST_PARTICLES = 200


class World:
    def __init__(self, server: Server, backend: str) -> None:
        self.server, self.backend = server, backend
        self.udp_port, self.cot_port = server.udp_port, server.cot_port
        self.http = httpx.Client(timeout=60)  # one kept-alive connection pool for the walks of every route
        self.url = server.url
        self.store_url = server.store_url
        self.h = {name: token(self.url, name) for name, *_ in ACCOUNTS}
        r = httpx.post(f"{self.url}/api/exercises/1/jobs", headers=self.h["director"], json={"kind": "forecast", "particles": FORECAST_PARTICLES}, timeout=30)
        r.raise_for_status()
        self.forecast_job = r.json()["id"]

    def user_for(self, role: str) -> str:
        return next(name for name, _org, r, _u in ACCOUNTS if r == role)


def _start(tmp_path_factory, backend: str):
    data = tmp_path_factory.mktemp(f"server-{backend}")
    pg = None
    db = None
    if backend == "postgresql":
        try:
            pg = Postgres()
        except FileNotFoundError as exc:
            pytest.skip(str(exc))
        db = pg.start()
        # a PostgreSQL store's audit key is a file every process of the test finds through this variable
        os.environ["SAREX_AUDIT_KEY_FILE"] = str(data / "audit.key")
    store = Store(database_url(data, db))
    set_up_demo(store, passwords={name: password(name) for name, *_ in ACCOUNTS})
    store.dispose()
    udp, cot_port = free_udp_port(), free_port()
    # the NMEA-over-UDP listener too (tests/server/test_server_nmea_udp.py); gps-kor-9 sends ROK-HELO-1's fixes;
    # and the Cursor-on-Target stream port (tests/server/test_server_cot_tcp.py)
    srv = Server(data, db, extra=("--nmea-udp", str(udp), "--nmea-exercise", "1", "--nmea-source", "gps-kor-9=ROK-HELO-1",
                                  "--cot-tcp", str(cot_port))).start()
    srv.udp_port, srv.cot_port = udp, cot_port
    srv.store_url = database_url(data, db)
    return srv, pg


# The PostgreSQL server runs every server test again: in `make test-slow` (CI runs both), so `make test` stays
# within its 15 minutes on two cores.
@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def world(request, tmp_path_factory):
    srv, pg = _start(tmp_path_factory, request.param)
    w = World(srv, request.param)
    yield w
    w.http.close()
    srv.stop()
    if pg is not None:
        pg.stop()
        os.environ.pop("SAREX_AUDIT_KEY_FILE", None)


@pytest.fixture(scope="module")
def browser():
    """Chromium (playwright), one per test module of the browser tests; skipped where it cannot be had."""
    from browser_harness import launch, sync_api

    api = sync_api()
    with api.sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()
