"""What the server accepts, checked where it enters (issue 27): the request models and the value checks.

The request models (pydantic) bound every body field: ids within 1..2^63-1 (an SQL ``BIGINT``),
finite numbers within their range, times as ISO 8601 text or epoch seconds (never ``true``),
strings bounded and free of control and bidirectional-override characters. The same rules are
plain functions (:func:`check_id`, :func:`check_time`, :func:`check_lonlat`, :func:`check_string`)
that the use cases call, so that a value that reaches a use case by another way (the position
fast path, the NMEA listener, the CLI, a form) is checked by the same rule. A refusal is a
:class:`~sarex.errors.SarexInputError` whose one line starts with the field's name.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from sarex.errors import SarexInputError

#: the largest id: a signed 64-bit integer (SQLite INTEGER, PostgreSQL BIGINT)
MAX_ID = 2**63 - 1
#: plausible times, s since the epoch: 1970-01-01T00:00:00Z .. 2100-01-01T00:00:00Z
TIME_MIN_S, TIME_MAX_S = 0.0, 4102444800.0
#: reports may lie this far outside the exercise's periods (departures, the LKP before STARTEX)
REPORT_MARGIN_S = 86400.0
#: the deepest nesting of tables and arrays accepted in a scenario TOML
MAX_TOML_DEPTH = 12
MAX_SEED = MAX_ID

# Control characters (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates
# (U+202A..202E, U+2066..2069) that make a name read differently from what it is (Trojan Source).
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def _bad_char(value: str, multiline: bool) -> str | None:
    for ch in value:
        if ch in _BIDI or (unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t")):
            return ch
    return None


def check_id(value: object, field: str) -> int:
    """An id of a stored thing: an integer in 1..2^63-1 (else the SQL driver cannot even look it up)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise SarexInputError(f"{field}: {value!r} is not an id (an integer 1..{MAX_ID})")
    return value


def check_after_id(value: object, field: str = "after_id") -> int:
    """A cursor: 0 (from the start) or an id."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise SarexInputError(f"{field}: {value!r} is not 0 or an id (an integer 0..{MAX_ID})")
    return value


def check_time(value: object, field: str, window: tuple[float, float] | None = None) -> float:
    """A time as s since the epoch from ISO 8601 text or a number; finite, in 1970..2100, and in
    ``window`` (s, s) if given. ``true``/``false`` are not times."""
    from sarex.times import iso, to_epoch_s

    if isinstance(value, bool) or value is None:
        raise SarexInputError(f"{field}: {value!r} is not a time (ISO 8601 UTC text, e.g. 2026-02-11T01:00:00Z, or epoch seconds)")
    if isinstance(value, (int, float)):
        t = float(value)
    else:
        text = str(value)
        if len(text) > 40:
            raise SarexInputError(f"{field}: {len(text)} characters is not a time (ISO 8601 UTC text, at most 40 characters)")
        try:
            t = to_epoch_s(text)
        except (SarexInputError, ValueError, OverflowError):
            raise SarexInputError(f"{field}: {value!r} is not an ISO 8601 UTC time (e.g. 2026-02-11T01:00:00Z)") from None
    if not (math.isfinite(t) and TIME_MIN_S <= t <= TIME_MAX_S):
        raise SarexInputError(f"{field}: {value!r} is outside 1970-01-01..2100-01-01 (s since the epoch {TIME_MIN_S:.0f}..{TIME_MAX_S:.0f})")
    if window is not None and not window[0] <= t <= window[1]:
        raise SarexInputError(f"{field}: {iso(t)} is outside the exercise's periods and a day either side ({iso(window[0])} to {iso(window[1])})")
    return t


def check_lonlat(lon: Any, lat: Any, field: str) -> tuple[float, float]:
    """A position in degrees: finite, longitude in [-180, 360], latitude in [-90, 90]."""
    for name, v, lo, hi in (("lon", lon, -180.0, 360.0), ("lat", lat, -90.0, 90.0)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and lo <= v <= hi):
            raise SarexInputError(f"{field}.{name}: {v!r} is outside [{lo:g}, {hi:g}] degrees" if field else
                                  f"{name}: {v!r} is outside [{lo:g}, {hi:g}] degrees")
    return float(lon), float(lat)


def check_string(value: object, field: str, max_len: int, multiline: bool = False) -> str:
    """Text of at most ``max_len`` characters without control or bidirectional-override characters
    (``multiline``: line feeds and tabs allowed)."""
    if not isinstance(value, str):
        raise SarexInputError(f"{field}: {value!r} is not text")
    if len(value) > max_len:
        raise SarexInputError(f"{field}: {len(value)} characters, at most {max_len}")
    ch = _bad_char(value, multiline)
    if ch is not None:
        raise SarexInputError(f"{field}: holds the control character U+{ord(ch):04X}; not accepted")
    return value


def toml_depth(data: Any) -> int:
    """How deeply tables and arrays nest in parsed TOML data (a flat table: 1)."""
    depth, stack = 0, [(data, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            depth = max(depth, d)
            stack += [(x, d + 1) for x in v.values()]
        elif isinstance(v, list):
            depth = max(depth, d)
            stack += [(x, d + 1) for x in v]
    return depth


# --- pydantic types for the request models ---------------------------------------------------------


def _time_in(v: object) -> str | float:
    """A time as sent: ISO 8601 text (at most 40 characters) or finite epoch seconds in 1970..2100;
    never true/false. One validator, so that a refusal names the field, not a member of the union."""
    if isinstance(v, bool):
        raise ValueError("true/false is not a time")
    if isinstance(v, str):
        if len(v) > 40:
            raise ValueError(f"{len(v)} characters is not a time (at most 40)")
        return v
    if isinstance(v, (int, float)):
        if not (math.isfinite(v) and TIME_MIN_S <= v <= TIME_MAX_S):
            raise ValueError(f"{v!r} is outside 1970-01-01..2100-01-01 (s since the epoch {TIME_MIN_S:.0f}..{TIME_MAX_S:.0f})")
        return float(v)
    raise ValueError("a time is ISO 8601 text or epoch seconds")


def _clean(v: str) -> str:
    ch = _bad_char(v, False)
    if ch is not None:
        raise ValueError(f"holds the control character U+{ord(ch):04X}")
    return v


def _clean_ml(v: str) -> str:
    ch = _bad_char(v, True)
    if ch is not None:
        raise ValueError(f"holds the control character U+{ord(ch):04X}")
    return v


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
AfterId = Annotated[int, Field(ge=0, le=MAX_ID)]
Lon = Annotated[float, Field(ge=-180.0, le=360.0, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
TimeIn = Annotated[Union[str, float], BeforeValidator(_time_in)]
Name = Annotated[str, Field(max_length=64), AfterValidator(_clean)]
Code = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Text = Annotated[str, Field(max_length=2000), AfterValidator(_clean_ml)]


class StrictIn(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class LoginIn(StrictIn):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class JobIn(StrictIn):
    # kind and particles are checked by the use case, after the role check (a participant who may
    # not start jobs learns no more than 403 from a body it sends)
    kind: str = Field(max_length=16)
    particles: int = Field(2000, ge=-MAX_ID, le=MAX_ID)
    period: Optional[int] = Field(None, ge=-MAX_ID, le=MAX_ID, description="update: the last period done (its reported tracks update the forecast)")


class DraftIn(StrictIn):
    period: int = Field(ge=1, le=1000)
    nation: Code
    org: Optional[Code] = Field(None, description="the organisation whose units it tasks; default: the planner's own "
                                "(the coordinator's default: the nation, all its units)")


class PositionIn(StrictIn):
    time: TimeIn
    lon: Lon
    lat: Lat
    unit: Optional[Name] = None
    report_id: Optional[Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean)]] = None
    alt_m: Optional[float] = Field(default=None, ge=-500.0, le=20000.0, allow_inf_nan=False,
                                   description="altitude above mean sea level, m (aircraft; separation alerts)")


class PositionsIn(StrictIn):
    reports: list[PositionIn] = Field(min_length=1, max_length=1000)


class SightingIn(StrictIn):
    time: TimeIn
    lon: Lon
    lat: Lat
    note: Annotated[str, Field(max_length=500), AfterValidator(_clean_ml)] = ""
    report_id: Optional[Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean)]] = Field(
        default=None, description="the client's id of this sighting: sent again, it is acknowledged and stored once")


class InjectIn(StrictIn):
    kind: Literal["sighting", "breakdown", "datum", "message"]
    text: Text = ""
    to: list[Annotated[str, Field(max_length=16)]] = Field(min_length=1, max_length=6,
                                                           description="roles addressed: coordinator, planner, unit, observer, ...")
    orgs: list[Code] = Field(default_factory=list, max_length=50, description="organisations addressed (empty: all)")
    at: Optional[TimeIn] = Field(None, description="delivery time in exercise time (UTC, ISO 8601); default: exercise now")
    time: Optional[TimeIn] = Field(None, description="exercise time of the event reported (UTC)")
    lon: Optional[Lon] = None
    lat: Optional[Lat] = None
    unit: Optional[Name] = None
    reveal_truth: bool = Field(False, description="director's explicit, audited override: the inject may carry the truth (a scripted reveal)")
