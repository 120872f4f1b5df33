"""The timed track: one model for search-unit tracks, sailed tracks from logs and simulated tracks.

A track is what a unit actually did (or will do): waypoints lon, lat (degrees)
with times (s since epoch), time-ordered, straight legs between them. Readers of
GPX (:mod:`sarex.io.gpx`), NMEA 0183 (:mod:`sarex.io.nmea`) and AIS
(:mod:`sarex.io.ais`) produce it, counting what they skipped in an
:class:`IngestLog` (REFERENCES §7).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from sarex.errors import SarexInputError
from sarex.geo import GEOD
from sarex.times import iso


@dataclass(frozen=True)
class Track:
    """Waypoints of a unit: ``lon``, ``lat`` (degrees), ``time_s`` (s since epoch, non-decreasing).

    ``name`` is the unit (or track) name, ``sources`` the files it was read from.
    """

    lon: np.ndarray
    lat: np.ndarray
    time_s: np.ndarray
    name: str = "track"
    sources: tuple[str, ...] = ()

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
        if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat)) and np.all(np.isfinite(t))):
            raise SarexInputError(f"{self.name}: track points must have finite lon, lat and time")
        if np.any(np.abs(lat) > 90.0):
            raise SarexInputError(f"{self.name}: latitude {lat[np.abs(lat) > 90][0]} out of range")
        bad = np.flatnonzero(np.diff(t) < 0)
        if bad.size:
            raise SarexInputError(f"{self.name}: point {bad[0] + 2} at {iso(t[bad[0] + 1])} is earlier than the point before it")

    def __len__(self) -> int:
        return int(self.time_s.size)

    @property
    def start_s(self) -> float:
        """First fix time, s since epoch."""
        return float(self.time_s[0])

    @property
    def end_s(self) -> float:
        """Last fix time, s since epoch."""
        return float(self.time_s[-1])

    def length_m(self) -> float:
        """Length along the waypoints (WGS84 geodesics), m."""
        if self.lon.size < 2:
            return 0.0
        _, _, d = GEOD.inv(self.lon[:-1], self.lat[:-1], self.lon[1:], self.lat[1:])
        return float(np.sum(d))

    def require_search(self) -> "Track":
        """The track itself if a search unit can fly it: at least two timed points and a duration."""
        if self.lon.size < 2:
            raise SarexInputError(f"{self.name}: the track has {self.lon.size} point; a search track needs at least 2 timed points")
        if self.time_s[-1] <= self.time_s[0]:
            raise SarexInputError(f"{self.name}: the track has no duration (all points at {iso(self.time_s[0])})")
        return self

    @classmethod
    def build(cls, name: str, time_s, lon, lat, sources: tuple[str, ...] = ()) -> "Track":
        """From unordered fixes (logs): sort by time and drop repeated times (first fix wins)."""
        t = np.asarray(time_s, dtype=np.float64)
        order = np.argsort(t, kind="stable")
        t, x, y = t[order], np.asarray(lon, dtype=np.float64)[order], np.asarray(lat, dtype=np.float64)[order]
        keep = np.ones(t.size, dtype=bool)
        keep[1:] = np.diff(t) > 1e-3
        return cls(x[keep], y[keep], t[keep], name, sources)

    def renamed(self, name: str) -> "Track":
        """The same track under another name."""
        return Track(self.lon, self.lat, self.time_s, name, self.sources)


def merge_tracks(tracks: list[Track]) -> Track:
    """Merge several tracks of one unit (e.g. GPX and AIS) into one, sorted by time."""
    if not tracks:
        raise ValueError("nothing to merge")
    return Track.build(
        tracks[0].name,
        np.concatenate([t.time_s for t in tracks]),
        np.concatenate([t.lon for t in tracks]),
        np.concatenate([t.lat for t in tracks]),
        tuple(s for t in tracks for s in t.sources),
    )


@dataclass
class IngestLog:
    """Counts of what was read and skipped, per file."""

    counts: dict[str, Counter] = field(default_factory=dict)
    ais_types: dict[str, Counter] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, source: str, key: str, n: int = 1) -> None:
        """Count ``n`` events ``key`` for ``source``."""
        self.counts.setdefault(source, Counter())[key] += n

    def count(self, key: str, source: str | None = None) -> int:
        """Total of ``key`` over all files (or one file)."""
        if source is not None:
            return self.counts.get(source, Counter())[key]
        return sum(c[key] for c in self.counts.values())

    def messages(self) -> list[str]:
        """One line per file with skipped content, and the notes."""
        out = []
        labels = {
            "bad_checksum": "sentence(s) with a bad checksum",
            "truncated": "truncated sentence(s) (no checksum)",
            "malformed": "unparsable sentence(s)",
            "no_fix": "fix(es) flagged invalid",
            "no_date": "GGA fix(es) without a date",
            "no_time": "AIS line(s) without a receive time (tag block c: or ISO prefix)",
            "incomplete": "incomplete multi-sentence AIS message(s)",
            "no_position": "AIS report(s) with position not available (181/91)",
            "no_time_point": "GPX point(s) without time",
            "bad_time_point": "GPX point(s) with an unreadable time",
            "not_nmea": "non-NMEA line(s)",
            "not_ais": "non-AIS line(s)",
        }
        for src, c in self.counts.items():
            bad = [f"{c[k]} {labels[k]}" for k in labels if c[k]]
            if bad:
                out.append(f"{src}: skipped " + ", ".join(bad))
            types = self.ais_types.get(src)
            if types:
                listed = ", ".join(f"type {k}: {v}" for k, v in sorted(types.items()))
                out.append(
                    f"{src}: ignored {sum(types.values())} AIS message(s) of unsupported types ({listed}); "
                    f"only position reports (types 1, 2, 3 and 18) give tracks"
                )
            if c["other_vessel"]:
                out.append(f"{src}: ignored {c['other_vessel']} position report(s) of vessels not in the exercise")
        return out + self.notes


def summary(log: IngestLog, src: str) -> str:
    """What was counted in ``src`` by outcome; "empty file" only when nothing at all was read (AIS types included)."""
    c = log.counts.get(src, Counter())
    parts = [f"{k} {v}" for k, v in sorted(c.items())]
    if not parts and log.ais_types.get(src):
        return "no other lines"
    return ", ".join(parts) or "empty file"
