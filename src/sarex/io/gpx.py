"""GPX 1.1 (gpxpy): timed tracks (``<trk>``, one per unit, named by the unit) and routes (``<rte>``, planned patterns)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

import numpy as np

from sarex.errors import SarexInputError
from sarex.io.track import IngestLog, Track


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


def _track_time_texts(path: Path) -> list[list[str | None]]:
    """Per ``<trk>`` in document order, the text of each ``<trkpt>``'s ``<time>`` (None where it has none).

    gpxpy reads a time it cannot parse as no time at all; this tells the two apart (the file was
    already accepted by gpxpy, whose parser is the same ElementTree).
    """
    import xml.etree.ElementTree as ET

    out: list[list[str | None]] = []
    for _, el in ET.iterparse(path, events=("end",)):
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "trk":
            pts = [q for q in el.iter() if q.tag.rsplit("}", 1)[-1] == "trkpt"]
            texts = []
            for q in pts:
                t = next((c.text for c in q if c.tag.rsplit("}", 1)[-1] == "time"), None)
                texts.append(t.strip() if t and t.strip() else None)
            out.append(texts)
            el.clear()
    return out


def read_gpx_tracks(path: str | Path, log: IngestLog | None = None, strict: bool = False, routes: bool = False,
                    all_legs: bool = False) -> list[Track]:
    """The timed tracks of a GPX file, one :class:`Track` per ``<trk>`` (its segments joined).

    Parameters
    ----------
    log
        Where skipped points are counted (lenient mode).
    strict
        Every point must carry a time (search tracks: an untimed point is an
        error naming file, track and point); otherwise untimed points are
        skipped and counted in ``log`` (logs of what units sailed).
    routes
        Also read each ``<rte>`` as a track (its points must be timed). A route whose
        points are marked ``search``/``transit`` (as ``sarex plan`` writes them,
        :mod:`sarex.io.routes`) gives only its search legs, one track per run of
        search points (``name``, or ``name search k``).
    all_legs
        Keep the transit legs of marked routes too.

    Notes
    -----
    Tracks are named by their ``<name>``, else the file stem (``stem-k`` when
    the file holds several). A file with no timed point is an error.
    """
    p = Path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    log = log if log is not None else IngestLog()
    g = parse_gpx(p)
    groups: list[tuple[str, list]] = []
    for k, trk in enumerate(g.tracks):
        name = (trk.name or "").strip() or (p.stem if len(g.tracks) == 1 else f"{p.stem}-{k + 1}")
        groups.append((name, [pt for seg in trk.segments for pt in seg.points]))
    if routes:
        from sarex.io.routes import search_runs

        for k, rte in enumerate(g.routes):
            name = (rte.name or "").strip() or f"{p.stem}-route-{k + 1}"
            pts = list(rte.points)
            runs = None if all_legs else search_runs([q.type for q in pts])
            if runs is None:
                groups.append((name, pts))
            elif not runs:
                raise SarexInputError(f"{p}: route {name!r} marks no search leg (all points 'transit'); use --all-legs to count it anyway")
            else:
                for j, (a, b) in enumerate(runs):
                    groups.append((name if len(runs) == 1 else f"{name} search {j + 1}", pts[a : b + 1]))
    raw = _track_time_texts(p) if any(pt.time is None for _, pts in groups for pt in pts) else []
    out = []
    for k, (name, pts) in enumerate(groups):
        untimed = [i for i, pt in enumerate(pts) if pt.time is None]
        texts = raw[k] if k < len(g.tracks) and k < len(raw) and len(raw[k]) == len(pts) else [None] * len(pts)
        bad = [i for i in untimed if texts[i] is not None]  # a <time> gpxpy could not read
        if strict and bad:
            raise SarexInputError(f"{p}: {name}: point {bad[0] + 1}: time {texts[bad[0]]!r} is not an ISO 8601 time")
        if strict and untimed:
            raise SarexInputError(f"{p}: {name}: point {untimed[0] + 1} has no time (search tracks need timed points)")
        if bad:
            log.add(p.name, "bad_time_point", len(bad))
            log.notes.append(f"{p.name}: {name}: point {bad[0] + 1}: time {texts[bad[0]]!r} is not an ISO 8601 time; "
                             f"{len(bad)} such point(s) skipped")
        if len(untimed) > len(bad):
            log.add(p.name, "no_time_point", len(untimed) - len(bad))
        timed = [pt for pt in pts if pt.time is not None]
        log.add(p.name, "used", len(timed))
        if timed:
            ts = [(pt.time if pt.time.tzinfo else pt.time.replace(tzinfo=timezone.utc)).timestamp() for pt in timed]
            lon = [pt.longitude for pt in timed]
            lat = [pt.latitude for pt in timed]
            out.append(Track(np.array(lon, float), np.array(lat, float), np.array(ts, float), name, (p.name,)) if strict
                       else Track.build(name, ts, lon, lat, (p.name,)))
    if not out and routes and not any(pts for _, pts in groups):
        raise SarexInputError(f"{p}: no track or route points in the GPX file")
    if not out:
        raise SarexInputError(f"{p}: no track with timed points (<trk><trkseg><trkpt> with <time>)")
    return out


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
