"""Timed tracks of search units (waypoints lon, lat, time) and their GPX input.

A track is what a search unit actually did (or will do): waypoints with times,
straight legs between them. GPX 1.1 tracks and routes are read with gpxpy;
every point must carry a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sarex.errors import SarexInputError
from sarex.times import iso, to_epoch_s


@dataclass(frozen=True)
class Track:
    """Waypoints of a search unit: lon, lat (degrees) and time (s since epoch), time-ordered."""

    lon: np.ndarray
    lat: np.ndarray
    time_s: np.ndarray
    name: str = "track"

    def __post_init__(self) -> None:
        lon = np.asarray(self.lon, dtype=np.float64)
        lat = np.asarray(self.lat, dtype=np.float64)
        t = np.asarray(self.time_s, dtype=np.float64)
        object.__setattr__(self, "lon", lon)
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "time_s", t)
        if lon.size == 0:
            raise SarexInputError(f"{self.name}: the track has no points")
        if not (lon.shape == lat.shape == t.shape) or lon.ndim != 1:
            raise SarexInputError(f"{self.name}: lon, lat and time must be 1-D arrays of one length")
        if lon.size < 2:
            raise SarexInputError(f"{self.name}: the track has {lon.size} point; a search track needs at least 2 timed points")
        if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat)) and np.all(np.isfinite(t))):
            raise SarexInputError(f"{self.name}: track points must have finite lon, lat and time")
        if np.any(np.abs(lat) > 90.0):
            raise SarexInputError(f"{self.name}: latitude {lat[np.abs(lat) > 90][0]} out of range")
        bad = np.flatnonzero(np.diff(t) < 0)
        if bad.size:
            raise SarexInputError(f"{self.name}: point {bad[0] + 2} at {iso(t[bad[0] + 1])} is earlier than the point before it")
        if t[-1] <= t[0]:
            raise SarexInputError(f"{self.name}: the track has no duration (all points at {iso(t[0])})")

    @property
    def start_s(self) -> float:
        return float(self.time_s[0])

    @property
    def end_s(self) -> float:
        return float(self.time_s[-1])

    @classmethod
    def from_points(cls, points: list[tuple[float, float, str | float]], name: str = "track") -> "Track":
        """From ``[(lon, lat, time), ...]`` with ISO or epoch-second times."""
        if not points:
            raise SarexInputError(f"{name}: the track has no points")
        lon, lat, t = zip(*points)
        return cls(np.array(lon, float), np.array(lat, float), np.array([to_epoch_s(v) for v in t]), name)


def read_gpx_tracks(path: str | Path) -> list[Track]:
    """All tracks (segments joined per track) and routes of a GPX file as :class:`Track` objects.

    Raises :class:`SarexInputError` if the file is missing or unreadable, holds no
    points, or has points without a time.
    """
    from sarex.io.gpx import parse_gpx

    p = Path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    gpx = parse_gpx(p)
    groups: list[tuple[str, list]] = []
    for k, trk in enumerate(gpx.tracks):
        pts = [pt for seg in trk.segments for pt in seg.points]
        groups.append((trk.name or f"{p.name} track {k + 1}", pts))
    for k, rte in enumerate(gpx.routes):
        groups.append((rte.name or f"{p.name} route {k + 1}", list(rte.points)))
    groups = [(n, pts) for n, pts in groups if pts]
    if not groups:
        raise SarexInputError(f"{p}: no track or route points in the GPX file")
    out = []
    for name, pts in groups:
        missing = [i for i, pt in enumerate(pts) if pt.time is None]
        if missing:
            raise SarexInputError(f"{p}: {name}: point {missing[0] + 1} has no time (search tracks need timed points)")
        out.append(
            Track(
                np.array([pt.longitude for pt in pts], float),
                np.array([pt.latitude for pt in pts], float),
                np.array([to_epoch_s(pt.time, "GPX time", assume_utc=True) for pt in pts], float),
                name=f"{p.name}:{name}" if not name.startswith(p.name) else name,
            )
        )
    return out


def track_length_m(track: Track) -> float:
    """Length along the waypoints (WGS84 geodesics), m."""
    import pyproj

    _, _, d = pyproj.Geod(ellps="WGS84").inv(track.lon[:-1], track.lat[:-1], track.lon[1:], track.lat[1:])
    return float(np.sum(d)) if math.isfinite(float(np.sum(d))) else 0.0
