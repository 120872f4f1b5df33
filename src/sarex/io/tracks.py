"""Ingest the tracks units actually sailed or flew: GPX, NMEA 0183 (GGA/RMC) and AIS (AIVDM/AIVDO).

Each source becomes per-unit timed tracks (:class:`Track`: seconds since epoch,
lon, lat, sorted by time). Real logs are messy, so nothing here crashes on a bad
line: corrupt NMEA sentences (bad checksum, truncated, unparsable), position-less
fixes, AIS messages of types other than position reports and AIS lines without a
receive time are skipped and counted in an :class:`IngestLog`, whose
:meth:`IngestLog.messages` are one line each for the user.

Formats (REFERENCES §7):

* GPX 1.1 tracks (gpxpy): the unit is the track's ``<name>`` (else the file stem).
* NMEA 0183 ``$--GGA`` and ``$--RMC``: the unit is the file stem. GGA has no date;
  it takes the date of the RMC sentences around it, or ``date`` if given.
  Midnight roll-over is detected (time of day going back by more than 12 h).
* AIS (decoded with pyais): position reports of types 1, 2, 3 (class A) and 18
  (class B); multi-sentence messages are reassembled. AIS carries only the UTC
  second, so each line needs a receive time: an NMEA 4.10 tag block ``c:`` field
  (Unix seconds, ``\\c:1770768000*hh\\!AIVDM,...``) or an ISO 8601 time before the
  sentence (``2026-02-11T00:00:00Z !AIVDM,...``). The unit comes from the MMSI
  (``mmsi_units`` mapping; vessels not in it are other traffic and ignored).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sarex.errors import SarexInputError
from sarex.times import parse_utc

AIS_POSITION_TYPES = (1, 2, 3, 18)
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


# --- NMEA 0183 ---------------------------------------------------------------------------


def nmea_checksum(body: str) -> int:
    """XOR of the characters between the start delimiter and ``*``."""
    value = 0
    for ch in body:
        value ^= ord(ch)
    return value


def split_sentence(line: str, start: str = "$") -> tuple[str | None, str]:
    """Return (fields text, status) of one NMEA sentence found in ``line``.

    Status is ``"ok"``, ``"truncated"`` (no ``*hh`` checksum) or ``"bad_checksum"``.
    """
    i = line.find(start)
    if i < 0:
        return None, "none"
    s = line[i:].strip()
    star = s.rfind("*")
    if star < 0 or len(s) < star + 3:
        return None, "truncated"
    body = s[1:star]
    try:
        given = int(s[star + 1 : star + 3], 16)
    except ValueError:
        return None, "truncated"
    if nmea_checksum(body) != given:
        return None, "bad_checksum"
    return body, "ok"


def _latlon(value: str, hemi: str, degree_digits: int) -> float:
    if not value or not hemi:
        raise ValueError("empty position")
    deg = float(value[:degree_digits])
    minutes = float(value[degree_digits:])
    if not (0.0 <= minutes < 60.0):
        raise ValueError("minutes out of range")
    x = deg + minutes / 60.0
    if hemi in ("S", "W"):
        return -x
    if hemi not in ("N", "E"):
        raise ValueError(f"hemisphere {hemi!r}")
    return x


def _tod(value: str) -> float:
    if len(value) < 6:
        raise ValueError("time of day")
    h, m, s = int(value[0:2]), int(value[2:4]), float(value[4:])
    if not (0 <= h < 24 and 0 <= m < 60 and 0.0 <= s < 61.0):
        raise ValueError("time of day out of range")
    return h * 3600.0 + m * 60.0 + s


def _day_epoch(d: Date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp()


def read_nmea(path: str | Path, unit_id: str | None = None, date: Date | str | None = None, log: IngestLog | None = None) -> Track:
    """Read GGA and RMC fixes of one NMEA 0183 log as a :class:`Track`.

    Parameters
    ----------
    path
        Log file; one sentence per line (text before the ``$`` is ignored).
    unit_id
        Unit id (default: the file stem).
    date
        UTC date for GGA sentences when the log has no RMC (``YYYY-MM-DD``).
    log
        Counts of skipped sentences are added here.
    """
    p = Path(path)
    log = log if log is not None else IngestLog()
    src = p.name
    given_day = None
    if date is not None:
        given_day = _day_epoch(date if isinstance(date, Date) else parse_utc(str(date), "date").date())
    times: list[float] = []
    lons: list[float] = []
    lats: list[float] = []
    pending: list[tuple[float, float, float]] = []  # GGA before the first RMC: (tod, lon, lat)
    day: float | None = given_day
    last_t: float | None = None

    def place(tod: float) -> float:
        nonlocal day, last_t
        t = day + tod
        if last_t is not None and t < last_t - 43200.0:  # crossed midnight
            day += 86400.0
            t += 86400.0
        last_t = t
        return t

    try:
        text = p.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise SarexInputError(f"{p}: cannot be read ({exc.strerror})") from None
    for line in text.splitlines():
        if not line.strip():
            continue
        body, status = split_sentence(line, "$")
        if status == "none":
            log.add(src, "not_nmea")
            continue
        if status != "ok":
            log.add(src, status)
            continue
        f = body.split(",")
        kind = f[0][2:] if len(f[0]) == 5 else f[0][-3:]
        if kind not in ("GGA", "RMC"):
            log.add(src, "other_sentence")
            continue
        try:
            if kind == "GGA":
                if len(f) < 7:
                    raise ValueError("too few fields")
                if f[6] in ("", "0") or not f[2]:
                    log.add(src, "no_fix")
                    continue
                tod = _tod(f[1])
                lat = _latlon(f[2], f[3], 2)
                lon = _latlon(f[4], f[5], 3)
                if day is None:
                    pending.append((tod, lon, lat))
                    continue
                t = place(tod)
            else:
                if len(f) < 10:
                    raise ValueError("too few fields")
                if f[2] != "A" or not f[3]:
                    log.add(src, "no_fix")
                    continue
                tod = _tod(f[1])
                lat = _latlon(f[3], f[4], 2)
                lon = _latlon(f[5], f[6], 3)
                d = f[9]
                if len(d) != 6:
                    raise ValueError("date")
                dd = Date(2000 + int(d[4:6]) if int(d[4:6]) < 80 else 1900 + int(d[4:6]), int(d[2:4]), int(d[0:2]))
                day = _day_epoch(dd)
                t = day + tod
                last_t = t
                if pending:
                    for ptod, plon, plat in pending:
                        # A GGA logged before this RMC with a later time of day belongs to the day before.
                        pday = day - 86400.0 if ptod > tod + 1.0 else day
                        times.append(pday + ptod)
                        lons.append(plon)
                        lats.append(plat)
                    log.add(src, "used", len(pending))
                    pending.clear()
        except (ValueError, IndexError):
            log.add(src, "malformed")
            continue
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            log.add(src, "malformed")
            continue
        times.append(t)
        lons.append(lon)
        lats.append(lat)
        log.add(src, "used")
    if pending:
        log.add(src, "no_date", len(pending))
        if not times:
            raise SarexInputError(
                f"{p}: {len(pending)} GGA fixes but no date (no RMC sentence); give the date of the log (YYYY-MM-DD)"
            )
    if not times:
        raise SarexInputError(f"{p}: no usable GGA or RMC fix ({_summary(log, src)})")
    return Track.build(unit_id or p.stem, times, lons, lats, (src,))


def _summary(log: IngestLog, src: str) -> str:
    c = log.counts.get(src, Counter())
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "empty file"


# --- AIS ---------------------------------------------------------------------------------

_TAG_BLOCK = re.compile(r"^\s*\\([^\\]*)\\(.*)$")


def _receive_time(line: str) -> tuple[float | None, str]:
    """Receive time of an AIS log line and the sentence text after it."""
    m = _TAG_BLOCK.match(line)
    if m:
        tags = m.group(1).split("*")[0]
        for item in tags.split(","):
            if item.startswith("c:"):
                try:
                    v = float(item[2:])
                except ValueError:
                    return None, m.group(2)
                return (v / 1000.0 if v > 1e11 else v), m.group(2)
        return None, m.group(2)
    i = line.find("!")
    if i <= 0:
        return None, line[max(i, 0) :]
    prefix = line[:i].strip().rstrip(",;|").strip()
    try:
        return parse_utc(prefix).timestamp(), line[i:]
    except SarexInputError:
        return None, line[i:]


def read_ais(
    path: str | Path, mmsi_units: dict[int, str] | None = None, log: IngestLog | None = None
) -> dict[str, Track]:
    """Read an AIS log (AIVDM/AIVDO sentences with receive times) into tracks per unit.

    Parameters
    ----------
    path
        Log file, one sentence per line, each with a tag block ``c:`` time or an ISO time prefix.
    mmsi_units
        MMSI → unit id. Vessels not listed are other traffic and ignored; without
        a mapping every MMSI becomes a unit named by its number.
    log
        Counts of skipped lines and unsupported message types are added here.
    """
    from pyais import decode
    from pyais.exceptions import AISBaseException

    p = Path(path)
    log = log if log is not None else IngestLog()
    src = p.name
    fixes: dict[str, tuple[list[float], list[float], list[float]]] = {}
    partial: dict[tuple[str, str], tuple[float, int, list[str]]] = {}
    try:
        text = p.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise SarexInputError(f"{p}: cannot be read ({exc.strerror})") from None
    for line in text.splitlines():
        if not line.strip():
            continue
        t, rest = _receive_time(line)
        body, status = split_sentence(rest, "!")
        if status == "none":
            log.add(src, "not_ais")
            continue
        if status != "ok":
            log.add(src, status)
            continue
        f = body.split(",")
        if len(f) < 7 or not f[0].endswith(("VDM", "VDO")):
            log.add(src, "malformed" if len(f) < 7 else "other_sentence")
            continue
        sentence = rest[rest.find("!") :].strip()
        try:
            count, num = int(f[1]), int(f[2])
        except ValueError:
            log.add(src, "malformed")
            continue
        if count > 1:
            key = (f[3], f[4])
            if num == 1:
                if key in partial:
                    log.add(src, "incomplete")
                partial[key] = (t, count, [sentence])
                continue
            if key not in partial or len(partial[key][2]) != num - 1 or partial[key][1] != count:
                log.add(src, "incomplete")
                partial.pop(key, None)
                continue
            partial[key][2].append(sentence)
            if num < count:
                continue
            t, _, parts = partial.pop(key)
        else:
            parts = [sentence]
        try:
            msg = decode(*parts)
        except (AISBaseException, ValueError, IndexError, KeyError):
            log.add(src, "malformed")
            continue
        mtype = int(msg.msg_type)
        if mtype not in AIS_POSITION_TYPES:
            log.ais_types.setdefault(src, Counter())[mtype] += 1
            continue
        if t is None:
            log.add(src, "no_time")
            continue
        lon, lat = msg.lon, msg.lat
        if lon is None or lat is None or abs(lon) > 180.0 or abs(lat) > 90.0:
            log.add(src, "no_position")
            continue
        mmsi = int(msg.mmsi)
        if mmsi_units is not None:
            unit = mmsi_units.get(mmsi)
            if unit is None:
                log.add(src, "other_vessel")
                continue
        else:
            unit = str(mmsi)
        ts, xs, ys = fixes.setdefault(unit, ([], [], []))
        ts.append(t)
        xs.append(float(lon))
        ys.append(float(lat))
        log.add(src, "used")
    if partial:
        log.add(src, "incomplete", len(partial))
    if not fixes:
        types = log.ais_types.get(src)
        seen = f"; saw only unsupported types {dict(sorted(types.items()))}" if types else ""
        raise SarexInputError(
            f"{p}: no AIS position report (types 1, 2, 3, 18) of an exercise unit{seen} ({_summary(log, src)})"
        )
    return {u: Track.build(u, *v, (src,)) for u, v in fixes.items()}


# --- GPX ---------------------------------------------------------------------------------


def _gpx(path: Path):
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
    g = _gpx(p)
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


def read_gpx_routes(path: str | Path) -> list[Route]:
    """Read the routes (``<rte>``) of a GPX file (planned search patterns, one per unit)."""
    p = Path(path)
    g = _gpx(p)
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
        routes.append(Route(name, lon, lat, (rte.description or "").strip(), times))
    if not routes:
        raise SarexInputError(f"{p}: no <rte> route in the file (planned patterns are GPX routes, one per unit)")
    return routes


# --- folders -----------------------------------------------------------------------------


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
        if kind == "gpx":
            for name, tr in read_gpx_tracks(q, log).items():
                keep(tr, name, q.name)
        elif kind == "nmea":
            tr = read_nmea(q, None, nmea_date, log)
            keep(tr, q.stem, q.name)
        elif kind == "ais":
            for unit, tr in read_ais(q, mmsi_units, log).items():
                per_unit.setdefault(unit, []).append(tr)
    if not per_unit:
        raise SarexInputError(f"--tracks: {str(d)!r} holds no GPX (.gpx), NMEA (.nmea) or AIS (.ais) track of an exercise unit")
    return {u: merge_tracks(v) for u, v in sorted(per_unit.items())}, log

