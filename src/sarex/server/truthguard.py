"""The truth guard: does a text or a value that exercise control sends to participants give away the truth?

An exercise's truth is the search object's position, the time it went into the water and its
Leeway class. Before the director releases it, nothing sent to a participant (an inject, a
message) may carry it, in any of the forms a watch officer writes a position or a time. So the
text is not searched for the truth's own spelling: every position, time and class written in
it is read, whatever its form, and compared with the truth within a stated tolerance.

Forms read
    positions: decimal degrees (``34.8412``, ``-129.75``, ``129.753E``), degrees and decimal
    minutes (``34°50.47'N``, ``34 50.47N``, ``34-50.47N``, NMEA's ``3450.47N``), degrees, minutes
    and seconds (``34°50'28"N``, ``34 50 28N``, ``345028N``), any case, any of ° º ' ′ ’ " ″;
    times: ISO 8601 (``2026-02-10T20:47Z``, with a space, without separators), date-time groups
    (``102047Z FEB 2026``, ``102047ZFEB26``, any zone letter), ``10 FEB 2026 2047Z``, Unix epoch
    seconds or milliseconds, and a time of day marked as UTC (``2047Z``, ``20:47Z``, ``20:47 UTC``);
    classes: the Leeway class's words and numbers in order, any case and separator (``piw-2``,
    ``PIW 2``, ``piw2``).

Tolerances (:data:`TOL_DEG`, :data:`TOL_S`)
    a coordinate within 0.01° of the truth's latitude or longitude (about 0.6 NM north-south,
    0.5 NM east-west at 35°N) is the truth's position: a single coordinate is enough, as it halves
    the search; a time within 10 minutes of the truth's (on its day for a time of day alone).
    The reported datum (LKP) of a scenario is normally further off than that (Korea–Japan:
    1.2 NM, 43 min), so the participants' own information passes. Numbers are read generously:
    a number that is not a coordinate at all but happens to lie within 0.01° of one is refused
    too, and the director can override an inject explicitly (audited).

Pure functions of text and numbers; no store, no framework.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Iterable, NamedTuple, Optional

#: a coordinate within this many degrees of the truth's is the truth's position
TOL_DEG = 0.01
#: a time within this many seconds of the truth's is the truth's time
TOL_S = 600.0


class Truth(NamedTuple):
    """The secret: position (degrees), time (s since the epoch, UTC) and Leeway object class."""

    lon: float
    lat: float
    time_s: float
    object_class: str


class Leak(NamedTuple):
    """One piece of the truth found: ``what`` (position, time, object class) and the text that carries it."""

    what: str
    found: str


_PRIMES = str.maketrans({"°": " ", "º": " ", "˚": " ", "′": "'", "’": "'", "‘": "'", "″": '"', "”": '"', "“": '"', "\u00a0": " "})
_NUM = re.compile(r"(?<![\d.])[-+]?\d+(?:\.\d+)?")
# degrees, minutes [, seconds] [hemisphere]: 34 50.47N, 34-50.47N, 34 50 28N, 34 50' 28" N, 129 45.18 E
_DMS = re.compile(r"(?<![\d.])(\d{1,3})\s*[\s:'-]\s*(\d{1,2}(?:\.\d+)?)\s*'?(?:\s*[\s:-]?\s*(\d{1,2}(?:\.\d+)?)\s*\"?)?\s*([NSEW])?(?![A-Z])")
# compact NMEA-style DDMM.mm / DDDMM.mm and DDMMSS / DDDMMSS with a hemisphere letter
_COMPACT = re.compile(r"(?<![\d.])(\d{4,7})(\.\d+)?\s*([NSEW])(?![A-Z])")
_ISO = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[T ]?(\d{2}):?(\d{2})(?::?(\d{2}))?")
_DTG = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})\s*([A-IK-Z])\s*(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\s*(\d{4}|\d{2})(?!\d)")
_DAY_MON = re.compile(r"(?<!\d)(\d{1,2})\s*(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?,?\s*(\d{4})\s*,?\s*(\d{2}):?(\d{2})")
_TOD = re.compile(r"(?<![\d:])(\d{2}):?(\d{2})(?::\d{2})?\s*(Z\b|UTC\b|GMT\b)")
_EPOCH = re.compile(r"(?<![\d.])(\d{9,14})(?:\.\d+)?(?![\d])")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_ZONES = {"Z": 0, **{c: i + 1 for i, c in enumerate("ABCDEFGHI")}, **{c: i + 10 for i, c in enumerate("KLM")},
          **{c: -(i + 1) for i, c in enumerate("NOPQRSTUVWXY")}}


def _normal(text: str) -> str:
    """Upper case, the degree and prime signs of every keyboard as spaces and ASCII quotes."""
    return str(text).translate(_PRIMES).upper()


def coordinates(text: str) -> list[tuple[float, str]]:
    """Every value in ``text`` that could be a coordinate, in absolute degrees, with the text it came from."""
    t = _normal(text)
    out = [(abs(float(m.group())), m.group()) for m in _NUM.finditer(t)]
    for m in _DMS.finditer(t):
        d, mi, se = float(m.group(1)), float(m.group(2)), float(m.group(3) or 0.0)
        if mi < 60 and se < 60:
            out.append((d + mi / 60.0 + se / 3600.0, m.group().strip()))
    for m in _COMPACT.finditer(t):
        digits, frac = m.group(1), m.group(2) or ""
        deg_w = 2 if m.group(3) in "NS" else 3
        rest = digits[deg_w:]
        if len(rest) == 2:  # DDMM(.mm): minutes
            v = int(digits[:deg_w]) + float(rest + frac) / 60.0
        elif len(rest) == 4 and not frac:  # DDMMSS: minutes and seconds
            v = int(digits[:deg_w]) + int(rest[:2]) / 60.0 + int(rest[2:]) / 3600.0
        else:
            continue
        out.append((v, m.group().strip()))
    return out


def _utc(y: int, mo: int, d: int, h: int, mi: int, s: int = 0, offset_h: int = 0) -> Optional[float]:
    try:
        return (datetime(y, mo, d, h, mi, s, tzinfo=timezone(timedelta(hours=offset_h)))).timestamp()
    except ValueError:
        return None


def times(text: str, near_s: float) -> list[tuple[float, str]]:
    """Every absolute time written in ``text`` (s since the epoch), with the text it came from; a time
    of day alone is put on the UTC day of ``near_s`` (and the days beside it)."""
    t = _normal(text)
    out: list[tuple[float, str]] = []
    for m in _ISO.finditer(t):
        v = _utc(*(int(g) for g in m.groups()[:5]), int(m.group(6) or 0))
        if v is not None:
            out.append((v, m.group()))
    for m in _DTG.finditer(t):
        day, hh, mm, zone, mon, year = m.groups()
        y = int(year) + (2000 if len(year) == 2 else 0)
        v = _utc(y, _MONTHS.index(mon) + 1, int(day), int(hh), int(mm), 0, _ZONES[zone])
        if v is not None:
            out.append((v, m.group()))
    for m in _DAY_MON.finditer(t):
        day, mon, year, hh, mm = m.groups()
        v = _utc(int(year), _MONTHS.index(mon) + 1, int(day), int(hh), int(mm))
        if v is not None:
            out.append((v, m.group()))
    day0 = math.floor(near_s / 86400.0) * 86400.0
    for m in _TOD.finditer(t):
        hh, mm = int(m.group(1)), int(m.group(2))
        if hh < 24 and mm < 60:
            out += [(day0 + k * 86400.0 + hh * 3600.0 + mm * 60.0, m.group()) for k in (-1, 0, 1)]
    for m in _EPOCH.finditer(t):
        n = int(m.group(1))
        out.append((n / 1000.0 if len(m.group(1)) >= 12 else float(n), m.group()))
    return out


def _class_words(value: str) -> list[str]:
    return re.findall(r"[a-z]+|[0-9]+", str(value).lower())


def _has_words(text: str, words: list[str]) -> str:
    """The text of the first run of ``words`` (in order, nothing else between them but separators), or ''."""
    if not words:
        return ""
    toks = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[a-z]+|[0-9]+", text.lower())]
    n = len(words)
    for i in range(len(toks) - n + 1):
        if [w for w, _, _ in toks[i:i + n]] == words:
            return text[toks[i][1]:toks[i + n - 1][2]]
    return ""


def check_text(text: str, truth: Truth, *, public_classes: Iterable[str] = (), tol_deg: float = TOL_DEG,
               tol_s: float = TOL_S) -> list[Leak]:
    """The pieces of the truth that ``text`` carries, in whatever form (empty: none).

    Parameters
    ----------
    text : str
        What participants would read.
    truth : Truth
        The exercise's truth.
    public_classes : iterable of str
        Object classes the participants are told anyway (the reported class): not a leak.
    tol_deg : float
        Degrees within which a coordinate is the truth's latitude or longitude.
    tol_s : float
        Seconds within which a time is the truth's time.
    """
    leaks: list[Leak] = []
    if not text:
        return leaks
    for v, src in coordinates(text):
        if abs(v - abs(truth.lat)) <= tol_deg or abs(v - abs(truth.lon)) <= tol_deg:
            leaks.append(Leak("position", src))
            break
    for v, src in times(text, truth.time_s):
        if abs(v - truth.time_s) <= tol_s:
            leaks.append(Leak("time", src))
            break
    public = {tuple(_class_words(c)) for c in public_classes}
    words = _class_words(truth.object_class)
    if tuple(words) not in public:
        found = _has_words(text, words)
        if found:
            leaks.append(Leak("object class", found))
    return leaks


def check_fields(truth: Truth, lon: Optional[float] = None, lat: Optional[float] = None, time_s: Optional[float] = None,
                 *, tol_deg: float = TOL_DEG, tol_s: float = TOL_S) -> list[Leak]:
    """The pieces of the truth that structured values carry: a position both of whose coordinates are
    within ``tol_deg`` of the truth's, a time within ``tol_s`` of the truth's."""
    leaks: list[Leak] = []
    if lon is not None and lat is not None and abs(abs(lon) - abs(truth.lon)) <= tol_deg and abs(abs(lat) - abs(truth.lat)) <= tol_deg:
        leaks.append(Leak("position", f"{lon}, {lat}"))
    if time_s is not None and abs(time_s - truth.time_s) <= tol_s:
        leaks.append(Leak("time", repr(time_s)))
    return leaks


WITHHELD = "[withheld]"


def redact(text: str, truth: Truth, *, tol_deg: float = TOL_DEG, tol_s: float = TOL_S) -> str:
    """``text`` with every written coordinate, time and class that :func:`check_text` would find
    replaced by ``[withheld]`` (for messages such as a failed job's, which may quote the scenario)."""
    if not text or len(_normal(text)) != len(text):  # a case change that changes the length: withhold all
        return WITHHELD if text and check_text(text, truth, tol_deg=tol_deg, tol_s=tol_s) else text
    t = _normal(text)
    spans: list[tuple[int, int]] = []
    for rx in (_NUM, _DMS, _COMPACT):
        for m in rx.finditer(t):
            vals = [v for v, _ in coordinates(m.group())]
            if any(abs(v - abs(truth.lat)) <= tol_deg or abs(v - abs(truth.lon)) <= tol_deg for v in vals):
                spans.append(m.span())
    for rx in (_ISO, _DTG, _DAY_MON, _TOD, _EPOCH):
        for m in rx.finditer(t):
            if any(abs(v - truth.time_s) <= tol_s for v, _ in times(m.group(), truth.time_s)):
                spans.append(m.span())
    words = _class_words(truth.object_class)
    low = text.lower()
    toks = [(m.group(), m.start(), m.end()) for m in re.finditer(r"[a-z]+|[0-9]+", low)]
    for i in range(len(toks) - len(words) + 1):
        if words and [w for w, _, _ in toks[i:i + len(words)]] == words:
            spans.append((toks[i][1], toks[i + len(words) - 1][2]))
    out, last = [], 0
    for a, b in sorted(spans):
        if a < last:  # overlapping finds: extend the one withheld
            continue
        out += [text[last:a], WITHHELD]
        last = b
    return "".join(out) + text[last:]
