"""Test harness: the real server as a uvicorn subprocess on 127.0.0.1, and a throw-away PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from sarex.server.demo import demo_accounts
from sarex.server.services import builtin_scenario_text, parse_scenario_text, units_of

UNITS = units_of(parse_scenario_text(builtin_scenario_text("korea-japan")))
ACCOUNTS = demo_accounts(UNITS)  # (user, org, role, unit)

SARAX_BIN = str(Path(sys.executable).parent / "sarex")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def password(user: str) -> str:
    return f"{user}-pw-2026"


class Server:
    """``sarex serve`` in a subprocess; ``url`` is its base address."""

    def __init__(self, data: Path, db: str | None = None, extra: tuple[str, ...] = ()) -> None:
        self.data, self.db, self.extra = Path(data), db, extra
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 120.0) -> "Server":
        self.port = free_port()
        cmd = [SARAX_BIN, "serve", "--data", str(self.data), "--port", str(self.port), *self.extra]
        if self.db:
            cmd += ["--db", self.db]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.log = open(self.data / f"server-{self.port}.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.data / f'server-{self.port}.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def token(base: str, user: str) -> dict[str, str]:
    """A bearer token for ``user``; a 429 of the login throttle (tests log in in bursts) is waited out as it says."""
    for _ in range(4):
        r = httpx.post(base + "/token", data={"username": user, "password": password(user)}, timeout=30)
        if r.status_code != 429:
            break
        time.sleep(min(65.0, float(r.headers.get("Retry-After", "20"))))
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_job(base: str, headers: dict, job_id: int, timeout_s: float = 1800.0) -> dict:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        j = httpx.get(f"{base}/api/jobs/{job_id}", headers=headers, timeout=30).json()
        if j["status"] not in ("queued", "running"):
            return j
        time.sleep(1.0)
    raise TimeoutError(f"job {job_id} still running")


def pg_binaries() -> Path | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return Path(d)
    p = shutil.which("initdb")
    return Path(p).parent if p and shutil.which("pg_ctl") else None


class Postgres:
    """A PostgreSQL cluster in a temporary folder, run as the ``postgres`` user when we are root."""

    def __init__(self) -> None:
        self.bin = pg_binaries()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found; apt-get install postgresql")
        self.dir = Path(tempfile.mkdtemp(prefix="sarex-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
            os.chmod(self.dir, 0o700)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200", "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def grant_everyone(store_url: str, exercise_id: int) -> None:
    """Give every demo account but the director its role in ``exercise_id`` (which the director created)."""
    from sarex.server.db import Store
    from sarex.server.workflow import grant

    store = Store(store_url, upgrade=False)
    try:
        with store.tx() as s:
            for name, _org, role, unit in ACCOUNTS:
                if role != "director":
                    grant(s, "test", name, exercise_id, role, unit)
    finally:
        store.dispose()


@contextlib.contextmanager
def demo_store(folder: Path):
    """A store in ``folder`` with the demo exercise and accounts, for the use cases without a server."""
    from sarex.server.db import Store, database_url
    from sarex.server.demo import set_up_demo

    st = Store(database_url(folder, None))
    set_up_demo(st)
    try:
        yield st
    finally:
        st.dispose()


def principal_of(store, name: str):
    """The :class:`~sarex.server.security.Principal` a user's token would give (organisation and grants from the store)."""
    from sqlalchemy import select

    from sarex.server.models import Grant, Org, User
    from sarex.server.security import Principal

    with store.read() as s:
        u = s.execute(select(User).where(User.name == name)).scalar_one()
        o = s.get(Org, u.org_id)
        grants: dict[int, dict] = {}
        for g in s.execute(select(Grant).where(Grant.user_id == u.id)).scalars():
            grants.setdefault(g.exercise_id, {})[g.role] = g.unit_code
        return Principal(u.id, u.name, o.code, "", "bearer", grants, org_nation=o.nation, org_service=o.service or "")
