"""The Cursor-on-Target stream port (issue 31): a TAK client's TCP connection, authenticated with TAK's
``<auth><cot username password/></auth>`` message and a sarex token, gets standalone ``<event>``
documents (TAK's stream framing), each valid against the MITRE base-event schema and read by takproto,
filtered by role as the ``/cot`` feed, and a unit's new fix as it arrives. A wrong token gets nothing."""

from __future__ import annotations

import functools
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from server_harness import SARAX_BIN, free_port, token

SCHEMA = Path(__file__).parent.parent / "data" / "cot" / "mitre_cot_base_event.xsd"
EVENT = re.compile(rb"<event\b.*?</event>", re.S)
_TIMES = re.compile(rb' (?:time|start|stale)="[^"]*"')


class Client:
    """A TAK client on the stream port: connect, authenticate, collect events."""

    def __init__(self, port: int, user: str, token: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(f'<auth><cot username="{user}" password="{token}" uid="ANDROID-test-{user}"/></auth>'.encode())
        self.buf, self.closed = b"", False

    def read_for(self, seconds: float, until=None) -> list[bytes]:
        """Read for ``seconds`` (or until ``until(events)``); the complete events so far."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds and not self.closed:
            self.sock.settimeout(max(0.05, seconds - (time.monotonic() - t0)))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                self.closed = True
            self.buf += chunk
            if until is not None and until(self.events()):
                break
        return self.events()

    def events(self) -> list[bytes]:
        return EVENT.findall(self.buf)

    def close(self) -> None:
        self.sock.close()


def _bearer(world, user: str) -> str:
    return world.h[user]["Authorization"].removeprefix("Bearer ")


@functools.lru_cache(maxsize=1)
def _schema():
    """The MITRE base-event schema, compiled once (a second or two)."""
    return pytest.importorskip("xmlschema").XMLSchema(str(SCHEMA))


def _uids(world, user: str) -> set[str]:
    """The uids of the user's ``/cot`` feeds, over every exercise it has a role in, as the stream carries them
    (the HTTP reads the stream must match; other tests of the session may have added exercises)."""
    exercises = httpx.get(f"{world.url}/api/exercises", headers=world.h[user], timeout=60).json()
    out: set[str] = set()
    for ex in exercises:
        r = httpx.get(f"{world.url}/api/exercises/{ex['id']}/cot", headers=world.h[user], timeout=60)
        out |= set(re.findall(r'uid="([^"]+)"', r.text))
    return out


def _parse(events: list[bytes]) -> dict:
    """uid -> takproto's CotEvent, each event also validated against the MITRE base-event schema."""
    takproto = pytest.importorskip("takproto")
    base = _schema()
    out = {}
    for ev in events:
        base.validate(ev.decode())
        m = takproto.parse_proto(takproto.xml2proto(ev, takproto.TAKProtoVer.STREAM)).cotEvent
        out[m.uid] = m
    return out


def test_cot_stream_authenticated_filtered_and_live(world):
    u = world.url
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=world.h["jpn-dd-1"], timeout=30,
                   json={"reports": [{"time": "2026-02-11T07:00:00Z", "lon": 129.70, "lat": 34.80, "report_id": "cot-tcp-dd"}]})
    assert r.status_code == 201, r.text
    coord = Client(world.cot_port, "coordinator", _bearer(world, "coordinator"))
    unit = Client(world.cot_port, "jpn-dd-1", _bearer(world, "jpn-dd-1"))
    try:
        # first picture: the same events (by uid) as the role's /cot feed
        want = _uids(world, "coordinator")
        # read until every uid of the picture has come (its events may come in several writes)
        first_raw = coord.read_for(10, until=lambda evs: want <= {m.group(1).decode() for e in evs for m in re.finditer(rb'uid="([^"]+)"', e)})
        first = _parse(first_raw)
        assert set(first) == want and "sarex-1-JPN-DD-1" in first
        # a new fix of JPN-P1-1 (a fixed-wing aircraft) reaches the coordinator's stream within seconds, at its position
        lon, lat = 129.6437, 34.9321
        t_post = time.monotonic()
        r = httpx.post(f"{u}/api/exercises/1/positions", headers=world.h["jpn-p1-1"], timeout=30,
                       json={"reports": [{"time": "2026-02-11T07:30:00Z", "lon": lon, "lat": lat, "report_id": "cot-tcp-1"}]})
        assert r.status_code == 201, r.text

        def moved(evs):
            m = _parse(evs[len(first_raw):]).get("sarex-1-JPN-P1-1")
            return m is not None and abs(m.lat - lat) < 1e-6
        later = coord.read_for(10, until=moved)
        assert moved(later), "the new fix did not arrive on the stream"
        assert time.monotonic() - t_post < 5.0
        new = _parse(later[len(first_raw):])
        m = new["sarex-1-JPN-P1-1"]
        assert (m.type, m.how, round(m.lon, 6), round(m.lat, 6)) == ("a-f-A-M-F", "m-g", lon, lat)
        # what did not change is not sent again (before its 60 s refresh): every event re-sent since the first
        # picture is new (a plan another test's job finished meanwhile) or differs from it beyond its time stamps
        before = {re.search(rb'uid="([^"]+)"', e).group(1).decode(): _TIMES.sub(b"", e) for e in first_raw}
        for e in later[len(first_raw):]:
            uid = re.search(rb'uid="([^"]+)"', e).group(1).decode()
            assert uid not in before or before[uid] != _TIMES.sub(b"", e), f"{uid} re-sent unchanged"
        assert "sarex-1-JPN-DD-1" not in new  # the other unit's fix did not move
        # the unit's stream: never another nation's unit; the truth only as the REST view shows it; as its /cot
        mine = _uids(world, "jpn-dd-1")
        seen = _parse(unit.read_for(5, until=lambda evs: len(evs) >= len(mine)))
        assert "sarex-1-JPN-DD-1" in seen and not any("ROK" in uid for uid in seen), sorted(seen)
        truth_visible = "truth" in httpx.get(f"{u}/api/exercises/1", headers=world.h["jpn-dd-1"], timeout=30).json()
        assert ("sarex-1-truth" in seen) == truth_visible
        assert set(seen) == mine
        # a TAK ping is answered with a pong
        coord.sock.sendall(b'<event version="2.0" uid="ANDROID-test-ping" type="t-x-c-t" how="h-g-i-g-o" time="2026-02-11T07:30:00Z" '
                           b'start="2026-02-11T07:30:00Z" stale="2026-02-11T07:30:20Z"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/>'
                           b'<detail/></event>')
        pongs = coord.read_for(5, until=lambda evs: any(b'type="t-x-c-t-r"' in e for e in evs))
        assert any(b'type="t-x-c-t-r"' in e for e in pongs)
    finally:
        coord.close()
        unit.close()


@pytest.mark.parametrize("user,token", [("coordinator", "not-a-token"), ("jpn-dd-1", None), ("", None)])
def test_cot_stream_refuses_wrong_credentials(world, user, token):
    """A wrong token, another user's token (the name must match) or no name: closed, not one byte sent."""
    c = Client(world.cot_port, user, token if token is not None else _bearer(world, "coordinator"))
    try:
        c.read_for(4)
        assert c.closed and c.buf == b""
    finally:
        c.close()


def test_logout_ends_the_cot_stream(world):
    """A token logged out (POST /api/logout) stops its CoT stream within 2 s, as it stops the SSE stream."""
    # the evaluator, not the observer: test_login_rate_limit locks the observer's name out for a minute
    tok = token(world.url, "evaluator")
    c = Client(world.cot_port, "evaluator", tok["Authorization"].removeprefix("Bearer "))
    try:
        c.read_for(1.5)
        assert not c.closed  # authenticated: the stream stays open
        assert httpx.post(f"{world.url}/api/logout", headers=tok, timeout=30).status_code == 200
        t0 = time.monotonic()
        c.read_for(5, until=lambda _evs: c.closed)
        assert c.closed and time.monotonic() - t0 < 2.5
    finally:
        c.close()


@pytest.mark.slow  # a CLI start (5-10 s on CI)
def test_cot_port_taken_exits_2_with_one_line(world, tmp_path):
    """``--cot-tcp`` on a port already listened on: exit 2 and one line, before the server starts."""
    r = subprocess.run([SARAX_BIN, "serve", "--data", str(tmp_path), "--port", str(free_port()), "--cot-tcp", str(world.cot_port)],
                       capture_output=True, text=True, timeout=120)
    err = (r.stderr or r.stdout).strip()
    assert r.returncode == 2 and "--cot-tcp" in err and str(world.cot_port) in err and len(err.splitlines()) == 1, (r.returncode, err)
