"""``sarex serve`` and the scripted set-up ``sarex server ...``.

Heavy imports (FastAPI, SQLAlchemy) happen inside the commands so that the rest
of the CLI starts as fast as before.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.text import Text

from sarex.cli.console import console, user_errors
from sarex.errors import SarexInputError

DATA = typer.Option(None, "--data", help="Data folder (SQLite store sarex.db is created there).")
DB = typer.Option(None, "--db", help="Database URL instead of the data folder's SQLite, e.g. postgresql+psycopg://user@host/db.")
ACTOR = "cli"


def _store(data: Optional[Path], db: Optional[str]):
    from sarex.server.db import open_store

    return open_store(data, db)


def echo(message: str) -> None:
    console().print(Text(message), soft_wrap=True)


def _tls(cert: Optional[Path], key: Optional[Path]) -> dict:
    """uvicorn's TLS options, after checking both files are given and readable (exit 2 otherwise)."""
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise SarexInputError("--tls-cert: give both --tls-cert and --tls-key (PEM files)")
    for opt, f in (("--tls-cert", cert), ("--tls-key", key)):
        if not f.is_file():
            raise SarexInputError(f"{opt}: {f} is not a readable file")
    import ssl

    try:  # a wrong pair or a non-PEM file: one line now, not a traceback from uvicorn later
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, OSError) as exc:
        raise SarexInputError(f"--tls-cert: {cert} with --tls-key {key} is not a PEM certificate and its key ({exc.__class__.__name__}: {exc})") from None
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


def _check_free(port: int, host: str) -> None:
    """One line (exit 2) now if ``--cot-tcp``'s port is taken, not a traceback when the server starts."""
    import socket


    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise SarexInputError(f"--cot-tcp: cannot listen on {host}:{port} ({exc.strerror})") from None


def _cot_config(port: int, host: str, tls: dict):
    """The CoT stream's configuration; TLS with the web server's certificate when it has one."""
    import ssl

    from sarex.server.cot_tcp import CotTcpConfig

    ctx = None
    if tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(tls["ssl_certfile"], tls["ssl_keyfile"])
    return CotTcpConfig(port, host, ssl=ctx)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``server`` group to the main Typer app."""
    server = typer.Typer(no_args_is_help=True, help="Set up the sarex server without a browser (organisations, users, exercises, grants, audit).")
    org = typer.Typer(no_args_is_help=True, help="Organisations.")
    user = typer.Typer(no_args_is_help=True, help="Users.")
    exercise = typer.Typer(no_args_is_help=True, help="Exercises.")
    audit_app = typer.Typer(no_args_is_help=True, help="The audit log.")
    for sub, name in ((org, "org"), (user, "user"), (exercise, "exercise"), (audit_app, "audit")):
        server.add_typer(sub, name=name)
    app.add_typer(server, name="server")

    @app.command("serve")
    @user_errors
    def serve(data: Optional[Path] = DATA, db: Optional[str] = DB, host: str = typer.Option("127.0.0.1", help="Address to listen on."),
              port: int = typer.Option(8000, help="TCP port."), demo: bool = typer.Option(False, "--demo", help="Set up the built-in Korea-Japan demo exercise and accounts on first start (passwords printed once)."),
              max_upload_mb: float = typer.Option(2.0, help="Largest accepted request body, MB."),
              nmea_udp: Optional[int] = typer.Option(None, "--nmea-udp", help="Also listen for NMEA 0183 / AIS sentences on this UDP port (on --host)."),
              nmea_exercise: Optional[int] = typer.Option(None, "--nmea-exercise", help="Exercise id the UDP fixes are stored in (with --nmea-udp)."),
              nmea_source: list[str] = typer.Option([], "--nmea-source", help="NAME=UNIT: a tag-block source or sender IP that sends that unit's GPS fixes (repeatable)."),
              cot_tcp: Optional[int] = typer.Option(None, "--cot-tcp", help="Also stream Cursor-on-Target to TAK clients on this TCP port (on --host; TLS with --tls-cert). The client authenticates with <auth><cot username=USER password=TOKEN/></auth>."),
              tls_cert: Optional[Path] = typer.Option(None, "--tls-cert", help="PEM certificate: serve HTTPS (a phone gives the page its position only over HTTPS)."),
              tls_key: Optional[Path] = typer.Option(None, "--tls-key", help="PEM private key of --tls-cert.")) -> None:
        """Run the sarex web server (schema migrations are applied on start)."""
        import uvicorn

        from sarex.server.api import create_app
        from sarex.server.nmea_udp import UdpConfig, parse_source_map

        tls = _tls(tls_cert, tls_key)


        if not 0 < port < 65536:
            raise SarexInputError(f"--port: {port} is not a TCP port (1-65535)")
        if not (math.isfinite(max_upload_mb) and 0 < max_upload_mb <= 10_000):
            raise SarexInputError(f"--max-upload-mb: {max_upload_mb} is not a size in MB (more than 0, at most 10000)")
        udp = None
        if nmea_udp is not None:
            if not 0 < nmea_udp < 65536:
                raise SarexInputError(f"--nmea-udp: {nmea_udp} is not a UDP port (1-65535)")
            if nmea_exercise is None:
                raise SarexInputError("--nmea-exercise: give the exercise id the UDP fixes belong to")
            udp = UdpConfig(nmea_udp, nmea_exercise, host, parse_source_map(nmea_source))
        elif nmea_exercise is not None or nmea_source:
            raise SarexInputError("--nmea-udp: --nmea-exercise and --nmea-source need --nmea-udp PORT")
        cot_stream = None
        if cot_tcp is not None:
            if not 0 < cot_tcp < 65536 or cot_tcp == port:
                raise SarexInputError(f"--cot-tcp: {cot_tcp} is not a free TCP port (1-65535, not --port)")
            _check_free(cot_tcp, host)
            cot_stream = _cot_config(cot_tcp, host, tls)
        store = _store(data, db)
        if demo:
            from sarex.server.demo import set_up_demo

            accounts = set_up_demo(store)
            if accounts:
                echo("demo accounts (shown once; passwords are stored hashed):")
                for name, role, pw in accounts:
                    echo(f"  {name:<16} {role:<28} {pw}")
        if udp is not None:
            from sarex.server.models import Exercise

            with store.read() as s:
                if s.get(Exercise, udp.exercise_id) is None:
                    raise SarexInputError(f"--nmea-exercise: no exercise {udp.exercise_id} in this store")
        echo(f"sarex server on {'https' if tls else 'http'}://{host}:{port}/  (API docs /docs, OpenAPI /openapi.json)")
        sys.stdout.flush()
        if udp is not None:
            echo(f"NMEA 0183 / AIS over UDP on {host}:{udp.port} into exercise {udp.exercise_id}")
        if cot_stream is not None:
            echo(f"Cursor-on-Target stream ({'TLS' if tls else 'TCP'}) on {host}:{cot_tcp}")
        uvicorn.run(create_app(store, max_upload_bytes=int(max_upload_mb * 1e6), nmea_udp=udp, cot_tcp=cot_stream), host=host, port=port, log_level="warning", **tls)

    @server.command("init")
    @user_errors
    def init(data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Create the store (or bring its schema up to date)."""
        store = _store(data, db)
        echo(f"store ready: {store.engine.url.render_as_string(hide_password=True)}")

    @org.command("add")
    @user_errors
    def org_add(code: str, name: str = typer.Option("", help="Full name."),
                nation: str = typer.Option("", "--nation", help="Its nation (ISO 3166 alpha-3, e.g. KOR); default: CODE's, if CODE is a nation's."),
                service: str = typer.Option("", "--service", help="The service it stands for, as units' `service` spells it (\"ROK Navy\"); "
                                                                  "default: none, a national organisation owning all its nation's units."),
                data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Add an organisation: a nation's (CODE a nation code, e.g. KOR, JPN: it owns all its nation's units) or one of
        its services (e.g. ROKN --nation KOR --service "ROK Navy": it owns the nation's units of that service)."""
        from sarex.server.workflow import add_org, org_label

        with _store(data, db).tx() as s:
            o = add_org(s, ACTOR, code, name, nation or None, service)
            label = org_label(o)
        echo(f"organisation {label} added")

    @user.command("add")
    @user_errors
    def user_add(name: str, org_code: str = typer.Option(..., "--org", help="Organisation code."),
                 password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
                 data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Add a user; the password is read from stdin (never from the command line)."""
        from sarex.server.workflow import add_user

        if not password_stdin:
            raise SarexInputError("--password-stdin: give the password on standard input")
        pw = sys.stdin.readline().rstrip("\r\n")
        with _store(data, db).tx() as s:
            u = add_user(s, ACTOR, name, org_code, pw)
        echo(f"user {u.name} added")

    @exercise.command("add")
    @user_errors
    def exercise_add(scenario: str = typer.Argument(..., help="Scenario TOML file or built-in name (korea-japan)."),
                     seed: int = typer.Option(0, help="Seed of the exercise's forecast, truth and detection draws."),
                     data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Add an exercise; prints its id as the last word."""
        from sarex.server import services
        from sarex.server.workflow import add_exercise

        p = Path(scenario)
        if p.is_file():
            try:
                text = p.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise SarexInputError(f"{p}: not UTF-8 text") from None
        else:
            text = services.builtin_scenario_text(scenario)
        with _store(data, db).tx() as s:
            ex = add_exercise(s, ACTOR, text, p.name if p.is_file() else scenario, seed, check=p.is_file())
        echo(f"exercise {ex.name!r} added: id {ex.id}")

    @server.command("grant")
    @user_errors
    def grant_cmd(name: str, exercise_id: int = typer.Option(..., "--exercise", help="Exercise id."),
                  role: str = typer.Option(..., help="director, evaluator, coordinator, planner, unit or observer."),
                  unit: Optional[str] = typer.Option(None, help="The unit's id (role unit)."),
                  data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Give a user a role in an exercise."""
        from sarex.server.workflow import grant

        with _store(data, db).tx() as s:
            grant(s, ACTOR, name, exercise_id, role, unit)
        echo(f"{name} is {role}{' of ' + unit if unit else ''} in exercise {exercise_id}")

    @server.command("revoke")
    @user_errors
    def revoke_cmd(name: str, exercise_id: int = typer.Option(..., "--exercise", help="Exercise id."),
                   role: str = typer.Option(..., help="The role to take away."), data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Take a role away from a user (its requests and event streams in the exercise stop at once)."""
        from sarex.server.workflow import revoke

        with _store(data, db).tx() as s:
            revoke(s, ACTOR, name, exercise_id, role)
        echo(f"{name} is no longer {role} in exercise {exercise_id}")

    @audit_app.command("verify")
    @user_errors
    def audit_verify(data: Optional[Path] = DATA, db: Optional[str] = DB,
                     head: Optional[str] = typer.Option(None, "--head", help="A head published earlier (ID:HASH, from `sarex server audit head`, "
                                                                            "the exercise page or the report): the chain must still hold it unchanged.")) -> None:
        """Check the audit log's hash chain and the records against it; exit 1 if anything was edited, inserted or deleted."""
        from sarex.server.audit import parse_head, verify

        published = parse_head(head) if head is not None else None
        with _existing_store(data, db).read() as s:  # the key is read, never created here (that would bless any chain)
            v = verify(s, published)
        if v.ok:
            echo(f"audit log intact: {v.entries} entries; every entry's MAC matches the audit key; every record matches its entry"
                 + (f"; head {head} still holds" if head else ""))
            return
        echo(f"audit log BROKEN after {v.entries} good entries: {v.problem}")
        raise typer.Exit(code=1)

    @audit_app.command("head")
    @user_errors
    def audit_head(data: Optional[Path] = DATA, db: Optional[str] = DB) -> None:
        """Print the chain's newest entry as ID:HASH, to publish (both nations keep it; `verify --head` checks it later)."""
        from sarex.server.audit import head, head_text

        with _existing_store(data, db).read() as s:
            echo(head_text(head(s)))


def _existing_store(data: Optional[Path], db: Optional[str]):
    """The store of an existing data folder or database, never creating one (a typo is not an empty, intact store)."""
    from sarex.server.db import open_store

    if db is None and data is not None and not (Path(data) / "sarex.db").is_file():
        raise SarexInputError(f"--data: {str(data)!r} holds no sarex store (sarex.db)")
    return open_store(data, db, upgrade=False, create_key=False)
