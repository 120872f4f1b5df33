"""Time conversions at the edges: everything inside sarex is float seconds since
1970-01-01T00:00:00Z (UTC); datetimes are timezone-aware UTC."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np

from sarex.errors import SarexInputError


#: Military time-zone letters of a date-time group (ACP 121): hours east of UTC. J (local) has none.
_ZONE_LETTERS = {"Z": 0, **{c: i + 1 for i, c in enumerate("ABCDEFGHI")}, **{c: i + 10 for i, c in enumerate("KLM")},
                 **{c: -(i + 1) for i, c in enumerate("NOPQRSTUVWXY")}}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DTG = re.compile(r"^(\d{2})(\d{2})(\d{2})([A-IK-Z])\s*([A-Z]{3})\s*(\d{2}|\d{4})$")


def parse_dtg(text: str, what: str = "time") -> datetime | None:
    """Parse a date-time group such as ``151200Z JAN 2026`` (or ``151200ZJAN26``); None if ``text`` is not one.

    DDHHMM, a zone letter (Z = UTC, I = UTC+9 as in Korea and Japan, ...; J, local time,
    is refused), the month's three letters and the year (two or four digits).
    """
    m = _DTG.match(text.strip().upper())
    if m is None:
        if re.match(r"^\d{6}J\b", text.strip().upper()):
            raise SarexInputError(f"{what}: {text!r} is a local-time (J) date-time group; give the zone letter, e.g. Z for UTC or I for UTC+9")
        return None
    day, hour, minute, zone, mon, year = m.groups()
    if mon not in _MONTHS:
        raise SarexInputError(f"{what}: {text!r}: {mon!r} is not a month (JAN ... DEC)")
    y = int(year) + (2000 if len(year) == 2 else 0)
    try:
        local = datetime(y, _MONTHS.index(mon) + 1, int(day), int(hour), int(minute), tzinfo=timezone(timedelta(hours=_ZONE_LETTERS[zone])))
    except ValueError as exc:
        raise SarexInputError(f"{what}: {text!r} is not a valid date-time group ({exc})") from None
    return local.astimezone(timezone.utc)


def parse_utc(value: str | datetime | np.datetime64, what: str = "time", *, assume_utc: bool = False) -> datetime:
    """Parse an ISO 8601 string, a date-time group or a datetime into a timezone-aware UTC datetime.

    A time must say its zone (``Z``, ``+09:00``, a DTG zone letter): one without is
    refused, since a watch officer's local time taken as UTC is hours off. Readers of
    formats whose times are UTC by definition (GPX, NMEA 0183) pass ``assume_utc=True``.
    numpy ``datetime64`` values are UTC by the CF convention sarex writes.
    """
    if isinstance(value, np.datetime64):
        return from_epoch_s(to_epoch_s(value))
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        text = value.strip()
        dtg = parse_dtg(text, what)
        if dtg is not None:
            return dtg
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise SarexInputError(f"{what}: {value!r} is not an ISO 8601 time or a date-time group (e.g. 2026-01-15T06:00Z, 150600Z JAN 2026)") from None
    else:
        raise SarexInputError(f"{what}: {value!r} must be a time (ISO 8601 text), not {type(value).__name__}")
    if dt.tzinfo is None:
        if not assume_utc:
            raise SarexInputError(f"{what}: {str(value)!r} has no time zone; add Z for UTC or an offset such as +09:00")
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    if not _NS_YEARS[0] <= dt.year <= _NS_YEARS[1]:
        raise SarexInputError(f"{what}: {str(value)!r} is outside the years {_NS_YEARS[0]}–{_NS_YEARS[1]} "
                              "that drift and plan files can hold (nanosecond times)")
    return dt


#: Years a datetime64[ns] holds whole (1677-09-21 .. 2262-04-11), as CF files written through xarray do.
_NS_YEARS = (1678, 2261)


def to_epoch_s(value: str | datetime | np.datetime64 | float, what: str = "time", *, assume_utc: bool = False) -> float:
    """Seconds since the Unix epoch (UTC) as float; numbers are taken as such seconds."""
    if isinstance(value, bool):
        raise SarexInputError(f"{what}: {value!r} is not a time")
    if isinstance(value, (int, float, np.floating, np.integer)):
        return float(value)
    if isinstance(value, np.datetime64):
        return float(value.astype("datetime64[ns]").astype(np.int64)) / 1e9
    return parse_utc(value, what, assume_utc=assume_utc).timestamp()


def from_epoch_s(seconds: float) -> datetime:
    """Timezone-aware UTC datetime from seconds since the Unix epoch."""
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc)


def epoch_s_to_datetime64(seconds: np.ndarray | float) -> np.ndarray:
    """Seconds since epoch to numpy datetime64[ns] (naive, understood as UTC)."""
    sec = np.asarray(seconds, dtype=np.float64)
    if not np.all(np.isfinite(sec)) or np.any(np.abs(sec) > 9.2e9):
        raise ValueError(f"times {sec.min()!r}..{sec.max()!r} s since 1970 are outside what datetime64[ns] holds (1678–2261)")
    ns = np.round(sec * 1e9).astype(np.int64)
    return ns.astype("datetime64[ns]")


def datetime64_to_epoch_s(values: np.ndarray) -> np.ndarray:
    """numpy datetime64 (naive UTC) to float seconds since epoch."""
    return np.asarray(values).astype("datetime64[ns]").astype(np.int64) / 1e9


def iso(seconds: float) -> str:
    """ISO 8601 UTC string with a Z suffix, to the second."""
    return from_epoch_s(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")
