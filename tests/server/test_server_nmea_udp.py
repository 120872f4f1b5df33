"""NMEA 0183 and AIS over UDP (``sarex serve --nmea-udp``): datagrams sent to 127.0.0.1 become
position reports of the right units, once each; corrupt and foreign sentences are not stored."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from pyais.encode import encode_dict

from sarex.io.nmea import nmea_checksum

T0 = 1770775200  # 2026-02-11T02:00:00Z


def _nmea(body: str, tags: str = "") -> str:
    s = f"${body}*{nmea_checksum(body):02X}"
    return (f"\\{tags}*{nmea_checksum(tags):02X}\\" if tags else "") + s


def _send(port: int, *lines: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(("\r\n".join(lines) + "\r\n").encode("ascii"), ("127.0.0.1", port))


def _udp_rows(world, want: int, timeout_s: float = 30.0) -> list[dict]:
    t0 = time.monotonic()
    while True:
        rows = [p for p in httpx.get(f"{world.url}/api/exercises/1/positions", headers=world.h["coordinator"], timeout=30).json()
                if p["source"] == "nmea-udp"]
        if len(rows) >= want or time.monotonic() - t0 > timeout_s:
            return rows
        time.sleep(0.3)


def test_udp_fixes_become_position_reports(world):
    port = world.udp_port
    # ROK-HELO-1's GPS, named by the tag-block source configured with --nmea-source gps-kor-9=ROK-HELO-1; sent twice
    rmc = _nmea("GPRMC,021500,A,3445.000,N,12936.000,E,90.0,180.0,110226,,", "s:gps-kor-9")
    _send(port, rmc)
    _send(port, rmc)
    # JPN-HELO-1's GPS: a GGA (no date) whose tag block source is the unit's id and c: the receive time
    gga = _nmea("GPGGA,021600.00,3446.500,N,12937.250,E,1,08,0.9,150.0,M,,M,,", f"s:JPN-HELO-1,c:{T0 + 16 * 60 + 3}")
    # ROK-PKG-1's AIS (MMSI 440900002 in the scenario), received at T0 + 20 min
    ais = encode_dict({"type": 1, "mmsi": 440900002, "lon": 129.625, "lat": 34.78, "speed": 10, "course": 90}, radio_channel="A", talker_id="AI")[0]
    # not stored: a bad checksum, an unknown source, a vessel that is not an exercise unit, a fix flagged invalid
    bad = _nmea("GPRMC,021700,A,3445.000,N,12936.000,E,90.0,180.0,110226,,", "s:gps-kor-9")
    bad = bad[:-2] + ("00" if bad[-2:] != "00" else "01")
    stranger = _nmea("GPRMC,021800,A,3445.000,N,12936.000,E,90.0,180.0,110226,,", "s:somebody")
    other_ship = encode_dict({"type": 1, "mmsi": 111111111, "lon": 129.0, "lat": 34.0}, radio_channel="A", talker_id="AI")[0]
    void = _nmea("GPRMC,021900,V,3445.000,N,12936.000,E,90.0,180.0,110226,,", "s:gps-kor-9")
    _send(port, gga, f"\\c:{T0 + 20 * 60}*{nmea_checksum(f'c:{T0 + 20 * 60}'):02X}\\{ais}", bad, stranger, other_ship, void, "hello")
    rows = _udp_rows(world, 3)
    time.sleep(1.0)  # anything wrongly stored from the rest of the datagram would have arrived by now
    rows = _udp_rows(world, 99, timeout_s=0)
    got = sorted((r["unit"], r["time"], r["lon"], r["lat"]) for r in rows)
    assert [g[:2] for g in got] == [("JPN-HELO-1", "2026-02-11T02:16:00Z"), ("ROK-HELO-1", "2026-02-11T02:15:00Z"),
                                    ("ROK-PKG-1", "2026-02-11T02:20:00Z")]
    # ddmm.mmm by hand: 34°46.5' N 129°37.25' E; 34°45' N 129°36' E; AIS in 1/10000 minute
    assert got[0][2:] == pytest.approx((129 + 37.25 / 60, 34 + 46.5 / 60), abs=1e-9)
    assert got[1][2:] == pytest.approx((129.6, 34.75), abs=1e-9)
    assert got[2][2:] == pytest.approx((129.625, 34.78), abs=1e-5)
    # each is audited as its unit's user, via the listener
    audit = httpx.get(f"{world.url}/api/exercises/1/audit", headers=world.h["director"], params={"limit": 5000}, timeout=30).json()
    actors = {e["actor"] for e in audit if e["action"] == "position" and e["detail"]["id"] in {r["id"] for r in rows}}
    assert actors == {"rok-helo-1 via nmea-udp", "jpn-helo-1 via nmea-udp", "rok-pkg-1 via nmea-udp"}
    # the unit itself sees its own UDP track through the API
    mine = [p for p in httpx.get(f"{world.url}/api/exercises/1/positions", headers=world.h["rok-helo-1"], timeout=30).json() if p["source"] == "nmea-udp"]
    assert [(p["unit"], p["time"]) for p in mine] == [("ROK-HELO-1", "2026-02-11T02:15:00Z")]
