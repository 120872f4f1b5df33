"""One identity for a fix wherever it enters (issue 31, item 6): the same three fixes as an NMEA log of
RMC+GGA pairs (uploaded twice), as a GPX track, as JSON reports without ``report_id`` and as UDP
datagrams are stored once each (before: per-file upload ids, so 3 rows per way in)."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timezone

import httpx
from server_harness import token

from sarex.io.nmea import nmea_checksum

FIXES = [(1770786000 + 60 * k, 129.7 + 0.01 * k, 34.85 + 0.005 * k) for k in range(3)]  # 2026-02-11T05:00Z..


def _dm(v: float, deg: int) -> str:
    d = int(v)
    return f"{d:0{deg}d}{(v - d) * 60:07.4f}"


def _rmc_gga(t: float, lon: float, lat: float) -> list[str]:
    d = datetime.fromtimestamp(t, tz=timezone.utc)
    hms, la, lo = d.strftime("%H%M%S"), _dm(lat, 2), _dm(lon, 3)
    bodies = [f"GPRMC,{hms},A,{la},N,{lo},E,10.0,90.0,{d.strftime('%d%m%y')},,", f"GPGGA,{hms},{la},N,{lo},E,1,08,0.9,150.0,M,,M,,"]
    return [f"${b}*{nmea_checksum(b):02X}" for b in bodies]


def _mine(world) -> list[dict]:
    return [p for p in httpx.get(f"{world.url}/api/exercises/1/positions", headers=token(world.url, "rok-helo-1"), timeout=30).json()
            if FIXES[0][0] <= datetime.fromisoformat(p["time"].replace("Z", "+00:00")).timestamp() <= FIXES[-1][0]]


def test_same_fix_stored_once_however_it_enters(world):
    u, h = world.url, token(world.url, "rok-helo-1")
    nmea = ("\n".join(s for f in FIXES for s in _rmc_gga(*f)) + "\n").encode()
    for _ in range(2):
        r = httpx.post(f"{u}/api/exercises/1/positions/upload", files={"file": ("pairs.nmea", nmea)}, headers=h, timeout=30)
        assert r.status_code == 201, r.text
    assert len(_mine(world)) == 3
    pts = "".join(f'<trkpt lat="{y:.7f}" lon="{x:.7f}"><time>{datetime.fromtimestamp(t, tz=timezone.utc):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
                  for t, x, y in FIXES)
    gpx = f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{pts}</trkseg></trk></gpx>'
    r = httpx.post(f"{u}/api/exercises/1/positions/upload", files={"file": ("same.gpx", gpx.encode())}, headers=h, timeout=30)
    assert r.status_code == 201 and [x["duplicate"] for x in r.json()] == [True] * 3, r.text
    body = {"reports": [{"time": t, "lon": x, "lat": y} for t, x, y in FIXES]}
    r = httpx.post(f"{u}/api/exercises/1/positions", headers=h, json=body, timeout=30)
    assert r.status_code == 201 and [x["duplicate"] for x in r.json()] == [True] * 3, r.text
    # UDP: ROK-HELO-1's GPS is the configured source gps-kor-9 (tests/server/conftest.py)
    tag = "s:gps-kor-9"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for f in FIXES:
            s.sendto((f"\\{tag}*{nmea_checksum(tag):02X}\\{_rmc_gga(*f)[0]}\r\n").encode(), ("127.0.0.1", world.udp_port))
    time.sleep(2.0)  # the listener's group commit has run by now
    rows = _mine(world)
    assert len(rows) == 3 and {p["source"] for p in rows} == {"nmea"}
