"""Synthetic replay data for the tests: known parallel-sweep patterns, sailed exactly (or shifted),
written as GPX, NMEA 0183 (GGA + RMC) and AIS (pyais encoder) logs.

The geometry is built on WGS84 rhumb lines with ``sarex.drift.geodesy.move``,
independently of the local projection the replay evaluation measures in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np

from sarex.drift.geodesy import move
from sarex.exercise.planned import route_description

NM = 1852.0
T0 = datetime(2026, 2, 11, 0, 0, tzinfo=timezone.utc).timestamp()


@dataclass
class Plan:
    unit: str
    lon: np.ndarray  # waypoints
    lat: np.ndarray
    sweep_width_nm: float
    spacing_nm: float
    length_nm: float  # route length (closed form)
    legs: list[tuple[float, float]]  # (bearing deg, length m) of each leg, as constructed


def step(lon, lat, bearing_deg, dist_m):
    b = np.radians(bearing_deg)
    x, y = move(np.atleast_1d(np.float64(lon)), np.atleast_1d(np.float64(lat)), np.sin(b), np.cos(b), dist_m)
    return float(x[0]), float(y[0])


def parallel_sweep(unit, lon0, lat0, legs=5, leg_nm=10.0, spacing_nm=2.0, sweep_nm=2.0, first_deg=0.0, creep_deg=90.0):
    """Waypoints of a parallel sweep: legs along ``first_deg`` alternating, creeping towards ``creep_deg``."""
    lon, lat, parts = [lon0], [lat0], []
    x, y = lon0, lat0
    for k in range(legs):
        parts.append((first_deg + (180.0 if k % 2 else 0.0), leg_nm * NM))
        x, y = step(x, y, *parts[-1])
        lon.append(x), lat.append(y)
        if k < legs - 1:
            parts.append((creep_deg, spacing_nm * NM))
            x, y = step(x, y, *parts[-1])
            lon.append(x), lat.append(y)
    return Plan(unit, np.array(lon), np.array(lat), sweep_nm, spacing_nm, legs * leg_nm + (legs - 1) * spacing_nm, parts)


def sail(plan: Plan, t_start, speed_kn=11.3, dt_s=10.0, transit_nm=5.0, depart_nm=3.0, approach_deg=0.0):
    """Timed fixes of a unit sailing the plan exactly along its rhumb legs: transit in (heading
    ``approach_deg``), the pattern, a departure to the east; one fix every ``dt_s``."""
    v = speed_kn * NM / 3600.0
    sx, sy = step(plan.lon[0], plan.lat[0], approach_deg + 180.0, transit_nm * NM)
    legs = [(approach_deg, transit_nm * NM)] + plan.legs + [(90.0, depart_nm * NM)]
    lons, lats, times = [], [], []
    x, y, t, carry = sx, sy, t_start, 0.0
    for brg, dist in legs:
        leg_t = dist / v
        tau = np.arange(carry, leg_t, dt_s)
        b = np.radians(brg)
        n = tau.size
        px, py = move(np.full(n, x), np.full(n, y), np.sin(b) * v * tau, np.cos(b) * v * tau, 1.0)
        lons.extend(px), lats.extend(py), times.extend(t + tau)
        carry = (tau[-1] + dt_s - leg_t) if n else carry - leg_t
        x, y = step(x, y, brg, dist)
        t += leg_t
    lons.append(x), lats.append(y), times.append(t)
    return np.array(times), np.array(lons), np.array(lats)


def shift(lon, lat, east_nm=0.0, north_nm=0.0):
    x, y = move(np.asarray(lon, float), np.asarray(lat, float), np.full(len(lon), east_nm * NM), np.full(len(lon), north_nm * NM), 1.0)
    return x, y


# --- writers ----------------------------------------------------------------------------------


def _cs(body: str) -> str:
    c = 0
    for ch in body:
        c ^= ord(ch)
    return f"{c:02X}"


def _dm(value: float, deg_digits: int, pos: str, neg: str) -> tuple[str, str]:
    h = pos if value >= 0 else neg
    v = abs(value)
    d = int(v)
    m = (v - d) * 60.0
    if round(m, 4) >= 60.0:
        d, m = d + 1, 0.0
    return f"{d:0{deg_digits}d}{m:07.4f}", h


def nmea_lines(times, lons, lats, talker="GP"):
    out = []
    for t, x, y in zip(times, lons, lats):
        dt = datetime.fromtimestamp(round(t, 2), tz=timezone.utc)
        hms = dt.strftime("%H%M%S") + f".{int(round(dt.microsecond / 1e4)) % 100:02d}"
        la, lh = _dm(y, 2, "N", "S")
        lo, oh = _dm(x, 3, "E", "W")
        gga = f"{talker}GGA,{hms},{la},{lh},{lo},{oh},1,09,0.9,12.0,M,27.0,M,,"
        rmc = f"{talker}RMC,{hms},A,{la},{lh},{lo},{oh},12.0,000.0,{dt.strftime('%d%m%y')},,,A"
        out.append(f"${gga}*{_cs(gga)}")
        out.append(f"${rmc}*{_cs(rmc)}")
    return out


def write_nmea(path: Path, times, lons, lats, corrupt: int = 0) -> list[str]:
    lines = nmea_lines(times, lons, lats)
    lines.insert(3, "$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74")
    bad = []
    for k in range(corrupt):
        i = 10 + 7 * k
        s = lines[i]
        if k % 2 == 0:  # flip a digit: bad checksum
            j = s.index(",") + 3
            s = s[:j] + ("1" if s[j] != "1" else "2") + s[j + 1 :]
        else:  # truncated mid-sentence
            s = s[: len(s) // 2]
        lines[i] = s
        bad.append(s)
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return bad


def ais_lines(times, lons, lats, mmsi, msg_type=18):
    from pyais.encode import encode_dict

    out = []
    for k, (t, x, y) in enumerate(zip(times, lons, lats)):
        sec = int(datetime.fromtimestamp(t, tz=timezone.utc).second)
        data = {"type": msg_type, "mmsi": mmsi, "lon": float(x), "lat": float(y), "speed": 12.0, "course": 0.0, "second": sec}
        (s,) = encode_dict(data, talker_id="AI", radio_channel="B")
        s = s.replace("!AIVDO", "!AIVDM")
        body = s[1 : s.rfind("*")]
        s = f"!{body}*{_cs(body)}"
        if k % 2 == 0:
            tag = f"c:{int(round(t))}"
            out.append(f"\\{tag}*{_cs(tag)}\\{s}")
        else:
            out.append(f"{datetime.fromtimestamp(t, tz=timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')} {s}")
    return out


def static_message(mmsi, t):
    """A type 5 (static and voyage data, two sentences) message with receive time ``t``."""
    from pyais.encode import encode_dict

    parts = encode_dict({"type": 5, "mmsi": mmsi, "shipname": "JMSDF EXERCISE", "callsign": "JPN01"}, talker_id="AI")
    out = []
    for s in parts:
        s = s.replace("!AIVDO", "!AIVDM")
        body = s[1 : s.rfind("*")]
        tag = f"c:{int(t)}"
        out.append(f"\\{tag}*{_cs(tag)}\\!{body}*{_cs(body)}")
    return out


def write_gpx_track(path: Path, name: str, times, lons, lats) -> None:
    g = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack(name=name)
    seg = gpxpy.gpx.GPXTrackSegment()
    for t, x, y in zip(times, lons, lats):
        seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=float(y), longitude=float(x), time=datetime.fromtimestamp(t, tz=timezone.utc)))
    trk.segments.append(seg)
    g.tracks.append(trk)
    path.write_text(g.to_xml(), encoding="utf-8")


def write_planned(path: Path, plans: list[Plan]) -> None:
    g = gpxpy.gpx.GPX()
    for p in plans:
        r = gpxpy.gpx.GPXRoute(name=p.unit, description=route_description(p.sweep_width_nm, p.spacing_nm))
        for x, y in zip(p.lon, p.lat):
            r.points.append(gpxpy.gpx.GPXRoutePoint(latitude=float(y), longitude=float(x)))
        g.routes.append(r)
    path.write_text(g.to_xml(), encoding="utf-8")


MMSI_C = 431900001
MMSI_OTHER = 441234567


def make_set(folder: Path, shifts: dict[str, tuple[float, float]] | None = None, corrupt: int = 0):
    """Write planned.gpx and tracks/ (A: GPX, B: NMEA, C: AIS) into ``folder``; return the plans.

    A and B search adjacent rectangles (B directly east of A); C searches elsewhere.
    ``shifts`` maps unit → (east_nm, north_nm) applied to the whole sailed track.
    """
    shifts = shifts or {}
    a = parallel_sweep("ROK-A", 129.60, 34.80)
    bx, by = step(129.60, 34.80, 90.0, 10.0 * NM)
    b = parallel_sweep("JPN-B", bx, by)
    c = parallel_sweep("JPN-C", 129.95, 34.45, legs=4, leg_nm=8.0, spacing_nm=2.5, sweep_nm=2.0)
    folder.mkdir(parents=True, exist_ok=True)
    write_planned(folder / "planned.gpx", [a, b, c])
    tracks = folder / "tracks"
    tracks.mkdir(exist_ok=True)
    sailed = {}
    for p, t0 in ((a, T0), (b, T0 + 600.0), (c, T0 + 1200.0)):
        t, x, y = sail(p, t0)
        e, n = shifts.get(p.unit, (0.0, 0.0))
        if e or n:
            x, y = shift(x, y, e, n)
        sailed[p.unit] = (t, x, y)
    write_gpx_track(tracks / "rok_a.gpx", "ROK-A", *sailed["ROK-A"])
    bad = write_nmea(tracks / "JPN-B.nmea", *sailed["JPN-B"], corrupt=corrupt)
    t, x, y = sailed["JPN-C"]
    lines = ais_lines(t, x, y, MMSI_C)
    lines[5:5] = static_message(MMSI_C, t[5])
    other = ais_lines(t[:20], x[:20] + 0.05, y[:20], MMSI_OTHER, msg_type=1)
    lines = lines[:50] + other + lines[50:]
    (tracks / "jpn_c.ais").write_text("\n".join(lines) + "\n", encoding="ascii")
    return {"plans": {p.unit: p for p in (a, b, c)}, "sailed": sailed, "corrupt": bad}
