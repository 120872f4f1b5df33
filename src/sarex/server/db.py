"""The store: engine for SQLite (default, in the data folder) or PostgreSQL, migrations on start.

SQLite runs in WAL mode with foreign keys on, and every transaction begins
IMMEDIATE so that concurrent writers queue on the busy timeout instead of failing
on a stale snapshot; on PostgreSQL writers that append to the audit chain take a
transaction-level advisory lock (see :mod:`sarex.server.audit`).

Durability: SQLite runs with ``synchronous=FULL`` by default, so a commit is on
disk (WAL fsynced) before it is acknowledged, even against a power cut; group
commit (:mod:`sarex.server.ingest`) pays that fsync once per batch of reports.
``SAREX_SQLITE_SYNC=normal`` trades the last commits before an OS crash or power
loss for speed (still safe against a killed server process).

The audit key (:func:`sarex.server.audit.load_key`) is the file named by
``SAREX_AUDIT_KEY_FILE``, else ``audit.key`` beside the SQLite file; a
PostgreSQL store has one only when given (the CLI uses ``--data DIR/audit.key``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from sarex.errors import SarexInputError

if TYPE_CHECKING:
    from sqlalchemy import Connection


def database_url(data: Path | None, db: str | None) -> str:
    """The URL of the store: ``db`` if given, else ``sarex.db`` in the data folder."""
    if db:
        if not (db.startswith("sqlite") or db.startswith("postgresql")):
            raise SarexInputError(f"--db: {db!r} is not a sqlite:/// or postgresql+psycopg:// URL")
        return db
    if data is None:
        raise SarexInputError("--data: a data folder is required (or --db URL)")
    data = Path(data)
    if data.exists() and not data.is_dir():
        raise SarexInputError(f"--data: {str(data)!r} exists and is not a folder")
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SarexInputError(f"--data: cannot create the folder {str(data)!r} ({exc.strerror or type(exc).__name__})") from None
    return f"sqlite:///{(data / 'sarex.db').resolve()}"


def check_writable(data: Path) -> None:
    """Refuse a data folder (or its store and key files) that this process cannot write: the server
    would start and then answer every login and report with an error."""

    data = Path(data)
    try:
        with tempfile.NamedTemporaryFile(dir=data, prefix=".sarex-write-test-"):
            pass
    except OSError as exc:
        raise SarexInputError(f"--data: the folder {str(data)!r} is not writable ({exc.strerror or type(exc).__name__})") from None
    for name in ("sarex.db", "sarex.db-wal", "sarex.db-shm"):
        f = data / name
        if f.exists() and not os.access(f, os.W_OK):
            raise SarexInputError(f"--data: {str(f)!r} is not writable")


def _sqlite_sync() -> str:
    mode = os.environ.get("SAREX_SQLITE_SYNC", "full").strip().upper()
    if mode not in ("FULL", "NORMAL"):
        raise SarexInputError(f"SAREX_SQLITE_SYNC: {mode.lower()!r} is not full or normal")
    return mode


def audit_key_path(url: str, data: Path | None = None) -> Path | None:
    """Where the audit key of the store at ``url`` lives (see the module docstring)."""
    if os.environ.get("SAREX_AUDIT_KEY_FILE"):
        return Path(os.environ["SAREX_AUDIT_KEY_FILE"])
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///"):]).parent / "audit.key"
    return Path(data) / "audit.key" if data is not None else None


def make_engine(url: str) -> Engine:
    """An engine with the pragmas and transaction mode described in the module docstring."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=20, max_overflow=40)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - exercised by every test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA synchronous={_sqlite_sync()}")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:  # pragma: no cover
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sarex_write", True) else "BEGIN")

        return engine
    return create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)


def open_store(data: Path | None, db: str | None, upgrade: bool = True, create_key: bool | None = None) -> Store:
    """The store of a data folder or database URL, with its audit key (see the module docstring)."""

    url = database_url(data, db)
    if upgrade and not db and data is not None:
        check_writable(Path(data))
    try:
        return Store(url, upgrade, key_file=audit_key_path(url, data), create_key=create_key)
    except (DBAPIError, OSError) as exc:  # an unreachable server, an unopenable or read-only file
        why = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        where = "--db" if db else "--data"
        raise SarexInputError(f"{where}: cannot open the store {_shown(url)} ({why})") from None


def _shown(url: str) -> str:
    """A database URL without its password."""

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as given (it has no parsable password)
        return url


def migrate(engine: Engine) -> None:
    """Apply the packaged Alembic migrations up to head."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("sarex.server") / "migrations"))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """Engine plus session factory; ``with store.tx() as s:`` is one transaction."""

    def __init__(self, url: str, upgrade: bool = True, key_file: Path | None = None, create_key: bool | None = None) -> None:
        from sarex.server import audit

        self.url = url
        self.engine = make_engine(url)
        if upgrade:
            migrate(self.engine)
        self.key_file = key_file if key_file is not None else audit_key_path(url)
        # Only a store brought up to date (server, CLI set-up) creates the key, and only for an empty
        # chain: a new key for an existing chain would vouch for whatever the chain now says.
        create = upgrade if create_key is None else create_key
        if create and self.key_file is not None and not Path(self.key_file).exists():
            with self.engine.connect() as conn:
                n = audit.chain_length_conn(conn)
            if n:
                raise SarexInputError(f"audit key {str(self.key_file)!r}: missing, but the store holds {n} audit entries; restore the key "
                                      "file (it is never replaced: a new key would vouch for whatever the chain now says)")
        key, created = audit.load_key(self.key_file, create=create)
        info = {"audit_key": key}
        self._factory = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._reader = sessionmaker(self.engine.execution_options(sarex_write=False), expire_on_commit=False, info=info)
        # SQLite has one writer at a time; queueing our own writers on a lock avoids its busy-wait back-off.
        self._write_lock = threading.Lock() if url.startswith("sqlite") else contextlib.nullcontext()

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """A read-write transaction (committed on success, rolled back on error)."""
        with self._write_lock:
            s = self._factory()
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise
            finally:
                s.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: on SQLite a deferred one, which never waits for writers (WAL)."""
        s = self._reader()
        try:
            yield s
        finally:
            s.rollback()
            s.close()

    def dispose(self) -> None:
        self.engine.dispose()
