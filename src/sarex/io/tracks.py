"""Timed unit tracks from the logs units actually sailed or flew: GPX, NMEA 0183 and AIS.

Each source becomes per-unit timed tracks (:class:`Track`: seconds since epoch,
lon, lat, sorted by time); :func:`read_track_dir` reads a folder of them. Real
logs are messy, so nothing here crashes on a bad line: corrupt NMEA sentences
(bad checksum, truncated, unparsable), position-less fixes, AIS messages of
types other than position reports and AIS lines without a receive time are
skipped and counted in an :class:`IngestLog`, whose :meth:`IngestLog.messages`
are one line each for the user. The readers: :mod:`sarex.io.gpx`,
:mod:`sarex.io.nmea`, :mod:`sarex.io.ais` (REFERENCES §7).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

import numpy as np

from sarex.errors import SarexInputError

NMEA_EXTENSIONS = {".nmea", ".nmea0183", ".gps"}


AIS_EXTENSIONS = {".ais", ".aivdm"}


SNIFF_EXTENSIONS = {".log", ".txt"}


@dataclass(frozen=True)
class Track:
    """A unit's timed track: ``time_s`` (s since epoch, increasing), ``lon``, ``lat`` (degrees)."""

    unit_id: str
    time_s: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    sources: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.time_s.size)

    @staticmethod
    def build(unit_id: str, time_s, lon, lat, sources: tuple[str, ...]) -> "Track":
        """Sort by time and drop repeated times (first fix wins)."""
        t = np.asarray(time_s, dtype=np.float64)
        order = np.argsort(t, kind="stable")
        t, x, y = t[order], np.asarray(lon, dtype=np.float64)[order], np.asarray(lat, dtype=np.float64)[order]
        keep = np.ones(t.size, dtype=bool)
        keep[1:] = np.diff(t) > 1e-3
        return Track(unit_id, t[keep], x[keep], y[keep], sources)


def merge_tracks(tracks: list[Track]) -> Track:
    """Merge several tracks of one unit (e.g. GPX and AIS) into one, sorted by time."""
    if not tracks:
        raise ValueError("nothing to merge")
    return Track.build(
        tracks[0].unit_id,
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


def classify(path: Path) -> str | None:
    """``"gpx"``, ``"nmea"``, ``"ais"`` or None (not a track file), by extension, else by content."""
    ext = path.suffix.lower()
    if ext == ".gpx":
        return "gpx"
    if ext in NMEA_EXTENSIONS:
        return "nmea"
    if ext in AIS_EXTENSIONS:
        return "ais"
    if ext in SNIFF_EXTENSIONS:
        try:
            head = path.read_text(encoding="ascii", errors="replace")[:4096]
        except OSError:
            return None
        if re.search(r"!(AI|AB|BS)VD[MO],", head):
            return "ais"
        if re.search(r"\$[A-Z]{2}(GGA|RMC),", head):
            return "nmea"
    return None


def read_track_dir(
    folder: str | Path,
    unit_names: dict[str, str] | None = None,
    mmsi_units: dict[int, str] | None = None,
    nmea_date: Date | str | None = None,
) -> tuple[dict[str, Track], IngestLog]:
    """Read every GPX, NMEA and AIS file in ``folder`` into one track per unit.

    Parameters
    ----------
    unit_names
        Track/file name → unit id (GPX track names and NMEA file stems). With a
        mapping, tracks whose name is not in it are skipped with a note.
    mmsi_units
        MMSI → unit id for AIS logs.
    nmea_date
        Date for NMEA logs that have GGA but no RMC.
    """
    from sarex.io.ais import read_ais
    from sarex.io.gpx import read_gpx_tracks
    from sarex.io.nmea import read_nmea

    d = Path(folder)
    if not d.is_dir():
        raise SarexInputError(f"--tracks: {str(d)!r} is not a folder")
    log = IngestLog()
    per_unit: dict[str, list[Track]] = {}

    def keep(tr: Track, name: str, src: str) -> None:
        unit = name if unit_names is None else unit_names.get(name)
        if unit is None:
            log.notes.append(f"{src}: track {name!r} is not an exercise unit (ids or track_name); ignored")
            return
        per_unit.setdefault(unit, []).append(Track(unit, tr.time_s, tr.lon, tr.lat, tr.sources))

    files = sorted(q for q in d.iterdir() if q.is_file())
    for q in files:
        kind = classify(q)
        try:
            # One bad or empty log (a recorder that never got a fix) must not void the other units' tracks:
            # it is skipped with a note that the evaluation prints.
            if kind == "gpx":
                for name, tr in read_gpx_tracks(q, log).items():
                    keep(tr, name, q.name)
            elif kind == "nmea":
                tr = read_nmea(q, None, nmea_date, log)
                keep(tr, q.stem, q.name)
            elif kind == "ais":
                for unit, tr in read_ais(q, mmsi_units, log).items():
                    per_unit.setdefault(unit, []).append(tr)
        except SarexInputError as exc:
            log.notes.append(f"{q.name}: skipped, no track read ({exc})")
    if not per_unit:
        why = "; ".join(log.notes)
        raise SarexInputError(f"--tracks: {str(d)!r} holds no GPX (.gpx), NMEA (.nmea) or AIS (.ais) track of an exercise unit"
                              + (f" ({why})" if why else ""))
    return {u: merge_tracks(v) for u, v in sorted(per_unit.items())}, log
