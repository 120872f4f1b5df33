"""Cursor-on-Target streamed over TCP (or TLS), as TAK clients read a TAK server (issue 31).

``sarex serve --cot-tcp PORT`` opens a CoT stream port beside the web server. The protocol is the
TAK server's streaming input with authentication (TAK Server configuration guide, "Streaming input
authentication"; ATAK's "Use Authentication" on a TCP/SSL server connection):

1. The client connects and sends, within :data:`AUTH_TIMEOUT_S`, the authentication message
   ``<auth><cot username="NAME" password="TOKEN" uid="DEVICE-UID"/></auth>``; ``password`` is a sarex
   bearer token (``POST /token``), ``username`` the name of its user. Anything else, a wrong pair,
   an expired session or a user with no grant closes the connection with nothing sent.
2. The server then writes CoT events back to back, each a standalone ``<event>`` document followed by
   a newline (TAK's XML stream framing, protocol version 0): the events of :func:`sarex.server.cot.feed`
   for every exercise the user holds a role in, filtered by role exactly as ``GET /api/exercises/{id}/cot``
   (a unit sees itself, the truth only once released). An event is sent when it is new or changed
   (time stamps aside), and again every :attr:`CotTcpConfig.refresh_s` so a client keeps it fresh.
3. A ``t-x-c-t`` ping from the client is answered with a ``t-x-c-t-r`` pong (as the TAK server does).
   Other client input is read and dropped (positions come in through the REST API or NMEA over UDP).

The session is checked every :attr:`CotTcpConfig.poll_s`: a logout, an expiry or any change of the
user's grants closes the stream (the client reconnects and is filtered afresh). Tokens are never
logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Optional

from sarex.server import cot
from sarex.server.db import Store
from sarex.server.security import Principal, PrincipalCache, token_digest

log = logging.getLogger("sarex.server.cot_tcp")

AUTH_TIMEOUT_S = 10.0
MAX_AUTH_BYTES = 4096
MAX_CLIENT_BUFFER = 65536
_TIMES = re.compile(r' (?:time|start|stale)="[^"]*"')
_UID = re.compile(r'<event [^>]*?uid="([^"]*)"')
_PING = re.compile(rb'<event\b[^>]*\btype="t-x-c-t"[^>]*>.*?</event>', re.S)


@dataclass
class CotTcpConfig:
    """Where the CoT stream listens and how often it looks for changes."""

    port: int
    host: str = "127.0.0.1"
    poll_s: float = 1.0
    refresh_s: float = 60.0
    ssl: Optional[ssl.SSLContext] = None


def parse_auth(data: bytes) -> tuple[str, str, str]:
    """(username, password, uid) of a TAK ``<auth><cot .../></auth>`` message; ValueError otherwise."""
    text = data.decode("utf-8", "strict")
    if "<!" in text:  # no DOCTYPE, no entities: nothing to expand
        raise ValueError("auth: DOCTYPE or entity declarations are not accepted")
    start = text.find("<auth")
    if start < 0:
        raise ValueError("auth: no <auth> element")
    el = ET.fromstring(text[start:])
    c = el.find("cot")
    if el.tag != "auth" or c is None or not c.get("username") or not c.get("password"):
        raise ValueError("auth: expected <auth><cot username=... password=... uid=.../></auth>")
    return c.get("username", ""), c.get("password", ""), c.get("uid", "")


def pong(now_s: float) -> str:
    """The TAK server's answer to a client's ``t-x-c-t`` ping."""
    t = cot.cot_time(now_s)
    return (f'<event version="2.0" uid="takPong" type="t-x-c-t-r" how="h-g-i-g-o" time="{t}" start="{t}" '
            f'stale="{cot.cot_time(now_s + 20.0)}"><point lat="0.0" lon="0.0" hae="0.0" ce="9999999.0" le="9999999.0"/>'
            '<detail/></event>\n')


class CotTcp:
    """The CoT stream listener: one asyncio server, one task per connected client."""

    def __init__(self, store: Store, cache: PrincipalCache, config: CotTcpConfig) -> None:
        self.store, self.cache, self.config = store, cache, config
        self.server: Optional[asyncio.AbstractServer] = None
        self.clients: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, self.config.host, self.config.port,
                                                 ssl=self.config.ssl, limit=MAX_AUTH_BYTES)

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for t in list(self.clients):
            t.cancel()

    # --- per client -------------------------------------------------------------------------------

    def _lookup(self, digest: str) -> Optional[Principal]:
        with self.store.read() as s:
            return self.cache.lookup(s, digest)

    def _events(self, p: Principal, now_s: float) -> list[str]:
        from sarex.server.workflow import Denied, Missing

        out: list[str] = []
        with self.store.read() as s:
            for exercise_id in sorted(p.grants):
                try:
                    out += cot.feed(s, p, exercise_id, now_s)
                except (Denied, Missing):  # an exercise removed meanwhile
                    continue
        return out

    async def _authenticate(self, reader: asyncio.StreamReader, peer: str) -> Optional[Principal]:
        try:
            data = await asyncio.wait_for(reader.readuntil(b"</auth>"), AUTH_TIMEOUT_S)
            user, token, _uid = parse_auth(data)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ET.ParseError) as exc:
            log.info("cot-tcp %s: refused, %s", peer, type(exc).__name__)
            return None
        p = await asyncio.to_thread(self._lookup, token_digest(token))
        if p is None or p.name != user or not p.grants:
            log.info("cot-tcp %s: refused, unknown or expired token for user %r, or no grant", peer, user)
            return None
        return p

    async def _read_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Drop the client's input, answering pings; returns when the client closes or floods."""
        buf = b""
        while True:
            chunk = await reader.read(4096)
            if not chunk:
                return
            buf += chunk
            for _ in _PING.findall(buf):
                writer.write(pong(time.time()).encode())
            end = buf.rfind(b"</event>")
            if end >= 0:
                buf = buf[end + len(b"</event>"):]
            if len(buf) > MAX_CLIENT_BUFFER:
                return

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.clients.add(task)
        peer = str(writer.get_extra_info("peername"))
        try:
            p = await self._authenticate(reader, peer)
            if p is not None:
                log.info("cot-tcp %s: streaming to %s", peer, p.name)
                await self._stream(p, reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.clients.discard(task)
            writer.close()

    async def _stream(self, p: Principal, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        inbound = asyncio.create_task(self._read_client(reader, writer))
        sent: dict[str, tuple[str, float]] = {}  # uid -> (event without its times, monotonic time sent)
        try:
            while not inbound.done():
                now = await asyncio.to_thread(self._lookup, p.token_hash)
                if now is None or now.grants != p.grants:
                    return  # logged out, expired or grants changed: the client reconnects and is filtered afresh
                out = []
                mono = time.monotonic()
                for ev in await asyncio.to_thread(self._events, now, time.time()):
                    m = _UID.match(ev)
                    uid, key = (m.group(1) if m else ev), _TIMES.sub("", ev)
                    last = sent.get(uid)
                    if last is None or last[0] != key or mono - last[1] >= self.config.refresh_s:
                        out.append(ev)
                        sent[uid] = (key, mono)
                if out:
                    writer.write(cot.stream_text(out).encode())
                    await writer.drain()
                await asyncio.wait({inbound}, timeout=self.config.poll_s)
        finally:
            inbound.cancel()
