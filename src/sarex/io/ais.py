r"""AIS logs (AIVDM/AIVDO sentences, decoded with pyais) into tracks per unit.

Position reports of types 1, 2, 3 (class A) and 18 (class B) give fixes;
multi-sentence messages are reassembled; other types are counted as
unsupported. AIS carries only the UTC second, so each line needs a receive time:
an NMEA 4.10 tag block ``c:`` field (Unix seconds, ``\\c:1770768000*hh\\!AIVDM,...``),
an ISO 8601 time or Unix seconds before the sentence (``2026-02-11T00:00:00Z !AIVDM,...``,
``1770768600.000 !AIVDM,...``), or a Gatehouse ``$PGHP`` wrapper line before it
(:class:`ReceiveTimes`).
The unit comes from the MMSI (vessels not in the mapping are other traffic and ignored).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timezone
from pathlib import Path

from sarex.errors import SarexInputError
from sarex.io.nmea import iter_sentences
from sarex.io.track import IngestLog, Track, summary
from sarex.times import parse_utc

AIS_POSITION_TYPES = (1, 2, 3, 18)


_TAG_BLOCK = re.compile(r"^\s*\\([^\\]*)\\(.*)$")


def _epoch(text: str) -> float | None:
    """Unix seconds (or milliseconds) written as a number, e.g. ``1770768600.000``; None if it is none."""
    try:
        v = float(text)
    except ValueError:
        return None
    if 1e8 <= v < 1e11:
        return v
    return v / 1000.0 if 1e11 <= v < 1e14 else None


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
    v = _epoch(prefix)
    if v is not None:
        return v, line[i:]
    try:
        return parse_utc(prefix, "AIS time stamp", assume_utc=True).timestamp(), line[i:]
    except SarexInputError:
        return None, line[i:]


class ReceiveTimes:
    """The receive time of each line of an AIS log, as :func:`sarex.io.nmea.iter_sentences` asks.

    Besides a line's own time (tag block ``c:``, an ISO 8601 or Unix-seconds prefix), a
    Gatehouse wrapper line ``$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,...*hh`` (decoded by pyais's
    ``GatehouseSentence``) gives the time of the AIS sentence after it; the wrapper line
    itself is taken whole. A wrapper with a bad checksum gives no time.
    """

    def __init__(self) -> None:
        self.pending: float | None = None

    def __call__(self, line: str) -> tuple[float | None, str | None]:
        """(time s since epoch, message) of one log line; (None, None) for a line without a time prefix."""
        s = line.strip()
        if s.startswith("$PGHP"):
            self.pending = _gatehouse_time(s)
            return None, None
        t, rest = _receive_time(line)
        if t is None and self.pending is not None and "!" in line:
            t = self.pending
        if "!" in line:
            self.pending = None
        return t, rest


def _gatehouse_time(sentence: str) -> float | None:

    from pyais.messages import GatehouseSentence, NMEASentenceFactory

    try:
        g = NMEASentenceFactory.produce(sentence.encode("ascii", "replace"))
    except Exception:  # noqa: BLE001 - pyais raises its own kinds for a malformed wrapper
        return None
    if not isinstance(g, GatehouseSentence) or not g.is_valid:
        return None
    return g.timestamp.replace(tzinfo=timezone.utc).timestamp()


class Assembler:
    """Reassembles multi-sentence AIVDM/AIVDO messages (by sequential message id and channel)."""

    def __init__(self) -> None:
        self.partial: dict[tuple[str, str], tuple[float | None, int, list[str]]] = {}

    def add(self, body: str, sentence: str, t: float | None) -> tuple[float | None, list[str]] | str | None:
        """Add a checked sentence: (receive time, sentences) once a message is whole, None while it
        is not, or why the sentence is skipped (``"malformed"``, ``"other_sentence"``, ``"incomplete"``)."""
        f = body.split(",")
        if len(f) < 7 or not f[0].endswith(("VDM", "VDO")):
            return "malformed" if len(f) < 7 else "other_sentence"
        try:
            count, num = int(f[1]), int(f[2])
        except ValueError:
            return "malformed"
        if count <= 1:
            return t, [sentence]
        key = (f[3], f[4])
        if num == 1:
            old = key in self.partial
            self.partial[key] = (t, count, [sentence])
            return "incomplete" if old else None
        if key not in self.partial or len(self.partial[key][2]) != num - 1 or self.partial[key][1] != count:
            self.partial.pop(key, None)
            return "incomplete"
        self.partial[key][2].append(sentence)
        if num < count:
            return None
        t0, _, parts = self.partial.pop(key)
        return t0, parts


def decode_position(parts: list[str]) -> tuple[int, float, float] | int | str:
    """(MMSI, lon, lat) of a whole AIS position report (types 1, 2, 3, 18); else its message
    type (int) if another type, or ``"malformed"`` / ``"no_position"``."""
    from pyais import decode
    from pyais.exceptions import AISBaseException

    try:
        msg = decode(*parts)
    except (AISBaseException, ValueError, IndexError, KeyError):
        return "malformed"
    mtype = int(msg.msg_type)
    if mtype not in AIS_POSITION_TYPES:
        return mtype
    lon, lat = msg.lon, msg.lat
    if lon is None or lat is None or abs(lon) > 180.0 or abs(lat) > 90.0:
        return "no_position"
    return int(msg.mmsi), float(lon), float(lat)


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
    p = Path(path)
    log = log if log is not None else IngestLog()
    src = p.name
    fixes: dict[str, tuple[list[float], list[float], list[float]]] = {}
    asm = Assembler()
    for t, sentence, body in iter_sentences(p, "!", log, "not_ais", prefix=ReceiveTimes()):
        got = asm.add(body, sentence, t)
        if isinstance(got, str):
            log.add(src, got)
            continue
        if got is None:
            continue
        t, parts = got
        pos = decode_position(parts)
        if isinstance(pos, str):
            log.add(src, pos)
            continue
        if isinstance(pos, int):
            log.ais_types.setdefault(src, Counter())[pos] += 1
            continue
        if t is None:
            log.add(src, "no_time")
            continue
        mmsi, lon, lat = pos
        if mmsi_units is not None:
            unit = mmsi_units.get(mmsi)
            if unit is None:
                log.add(src, "other_vessel")
                continue
        else:
            unit = str(mmsi)
        ts, xs, ys = fixes.setdefault(unit, ([], [], []))
        ts.append(t)
        xs.append(lon)
        ys.append(lat)
        log.add(src, "used")
    partial = asm.partial
    if partial:
        log.add(src, "incomplete", len(partial))
    if not fixes:
        types = log.ais_types.get(src)
        seen = f"; saw only unsupported types {dict(sorted(types.items()))}" if types else ""
        raise SarexInputError(f"{p}: no AIS position report (types 1, 2, 3, 18) of an exercise unit{seen} ({summary(log, src)})")
    return {u: Track.build(u, *v, (src,)) for u, v in fixes.items()}
