"""GPX 1.1 (gpxpy): timed tracks (``<trk>``, one per unit, named by the unit) and routes (``<rte>``, planned patterns)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

import numpy as np

from sarex.errors import SarexInputError
from sarex.io.tracks import IngestLog, Track, merge_tracks


def parse_gpx(path: Path):
    """Parse a GPX file with gpxpy; a missing, unreadable or invalid file is a one-line :class:`SarexInputError`."""
    import gpxpy
    import gpxpy.gpx

    try:
        with open(path, encoding="utf-8") as fh:
            return gpxpy.parse(fh)
    except OSError as exc:
        raise SarexInputError(f"{path}: cannot be read ({exc.strerror})") from None
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        raise SarexInputError(f"{path}: not a valid GPX file ({str(exc).splitlines()[0]})") from None


def read_gpx_tracks(path: str | Path, log: IngestLog | None = None) -> dict[str, Track]:
    """Read the timed tracks (``<trk>``) of a GPX file, one per track name (else the file stem)."""
    p = Path(path)
    log = log if log is not None else IngestLog()
    g = parse_gpx(p)
    out: dict[str, list[Track]] = {}
    for k, trk in enumerate(g.tracks):
        unit = (trk.name or "").strip() or (p.stem if len(g.tracks) == 1 else f"{p.stem}-{k + 1}")
        ts, xs, ys = [], [], []
        for seg in trk.segments:
            for pt in seg.points:
                if pt.time is None:
                    log.add(p.name, "no_time_point")
                    continue
                tt = pt.time if pt.time.tzinfo else pt.time.replace(tzinfo=timezone.utc)
                ts.append(tt.timestamp())
                xs.append(pt.longitude)
                ys.append(pt.latitude)
        log.add(p.name, "used", len(ts))
        if ts:
            out.setdefault(unit, []).append(Track.build(unit, ts, xs, ys, (p.name,)))
    if not out:
        raise SarexInputError(f"{p}: no track with timed points (<trk><trkseg><trkpt> with <time>)")
    return {u: merge_tracks(v) for u, v in out.items()}


@dataclass(frozen=True)
class Route:
    """A planned route: waypoints (degrees) and the GPX ``<desc>`` text."""

    name: str
    lon: np.ndarray
    lat: np.ndarray
    description: str = ""
    time_s: np.ndarray | None = None
    #: GPX ``<type>`` of each point ("search"/"transit" in sarex's routes, see :mod:`sarex.io.routes`).
    types: tuple[str, ...] = ()


def read_gpx_routes(path: str | Path) -> list[Route]:
    """Read the routes (``<rte>``) of a GPX file (planned search patterns, one per unit)."""
    p = Path(path)
    g = parse_gpx(p)
    routes = []
    for k, rte in enumerate(g.routes):
        name = (rte.name or "").strip() or (p.stem if len(g.routes) == 1 else f"{p.stem}-{k + 1}")
        if len(rte.points) < 2:
            raise SarexInputError(f"{p}: route {name!r} has {len(rte.points)} point(s); a pattern needs at least 2")
        lon = np.array([q.longitude for q in rte.points], dtype=np.float64)
        lat = np.array([q.latitude for q in rte.points], dtype=np.float64)
        times = None
        if all(q.time is not None for q in rte.points):
            times = np.array([(q.time if q.time.tzinfo else q.time.replace(tzinfo=timezone.utc)).timestamp() for q in rte.points])
        routes.append(Route(name, lon, lat, (rte.description or "").strip(), times, tuple(q.type or "" for q in rte.points)))
    if not routes:
        raise SarexInputError(f"{p}: no <rte> route in the file (planned patterns are GPX routes, one per unit)")
    return routes
