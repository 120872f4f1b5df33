"""NMEA 0183 logs: ``$--GGA`` and ``$--RMC`` fixes into a :class:`~sarex.io.tracks.Track`.

GGA has no date; it takes the date of the RMC sentences around it (a GGA logged
before the first RMC with a later time of day belongs to the day before), or a
given date. Midnight roll-over is detected (time of day going back by more than
12 h). Sentences with a bad or missing checksum or unparsable fields are skipped
and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sarex.errors import SarexInputError
from sarex.io.track import IngestLog, Track, summary
from sarex.times import parse_utc


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


def iter_sentences(path: str | Path, start: str, log: IngestLog, none_key: str,
                   prefix: Callable[[str], tuple[object, str | None]] | None = None) -> Iterator[tuple[object, str, str]]:
    """The checksum-valid sentences of a log file, one per line: (prefix value, text from ``start``, body).

    Blank lines are skipped; a line without a sentence is counted as ``none_key``, a truncated
    one or one with a bad checksum under its status, all in ``log`` under the file's name.
    ``prefix(line)`` splits off what comes before the sentence (e.g. an AIS receive time), or
    returns ``(value, None)`` for a header line it took whole (not counted)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise SarexInputError(f"{p}: cannot be read ({exc.strerror})") from None
    src = p.name
    for line in text.splitlines():
        if not line.strip():
            continue
        value, rest = prefix(line) if prefix is not None else (None, line)
        if rest is None:  # a header line the prefix took (e.g. an AIS log's Gatehouse $PGHP time)
            continue
        body, status = split_sentence(rest, start)
        if status == "none":
            log.add(src, none_key)
        elif status != "ok":
            log.add(src, status)
        else:
            yield value, rest[rest.find(start):].strip(), body


@dataclass(frozen=True)
class Fix:
    """One GGA or RMC fix: time of day (s), position (degrees) and, for RMC, the day's epoch (s)."""

    kind: str
    tod: float
    lon: float
    lat: float
    day: float | None


def parse_fix(body: str) -> Fix | str:
    """The fix of a checked GGA or RMC sentence body, or why it has none:
    ``"other_sentence"``, ``"no_fix"`` or ``"malformed"``."""
    f = body.split(",")
    kind = f[0][2:] if len(f[0]) == 5 else f[0][-3:]
    if kind not in ("GGA", "RMC"):
        return "other_sentence"
    try:
        if kind == "GGA":
            if len(f) < 7:
                raise ValueError("too few fields")
            if f[6] in ("", "0") or not f[2]:
                return "no_fix"
            fix = Fix(kind, _tod(f[1]), _latlon(f[4], f[5], 3), _latlon(f[2], f[3], 2), None)
        else:
            if len(f) < 10:
                raise ValueError("too few fields")
            if f[2] != "A" or not f[3]:
                return "no_fix"
            d = f[9]
            if len(d) != 6:
                raise ValueError("date")
            dd = Date(2000 + int(d[4:6]) if int(d[4:6]) < 80 else 1900 + int(d[4:6]), int(d[2:4]), int(d[0:2]))
            fix = Fix(kind, _tod(f[1]), _latlon(f[5], f[6], 3), _latlon(f[3], f[4], 2), _day_epoch(dd))
    except (ValueError, IndexError):
        return "malformed"
    if not (-180.0 <= fix.lon <= 180.0 and -90.0 <= fix.lat <= 90.0):
        return "malformed"
    return fix


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
        given_day = _day_epoch(date if isinstance(date, Date) else parse_utc(str(date), "date", assume_utc=True).date())
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

    for _, _, body in iter_sentences(p, "$", log, "not_nmea"):
        fix = parse_fix(body)
        if isinstance(fix, str):
            log.add(src, fix)
            continue
        tod, lon, lat = fix.tod, fix.lon, fix.lat
        if fix.kind == "GGA":
            if day is None:
                pending.append((tod, lon, lat))
                continue
            t = place(tod)
        else:
            day = fix.day
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
        raise SarexInputError(f"{p}: no usable GGA or RMC fix ({summary(log, src)})")
    return Track.build(unit_id or p.stem, times, lons, lats, (src,))
