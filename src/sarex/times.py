"""Time conversions at the edges: everything inside sarex is float seconds since
1970-01-01T00:00:00Z (UTC); datetimes are timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from sarex.errors import SarexInputError


def parse_utc(value: str | datetime | np.datetime64, what: str = "time") -> datetime:
    """Parse an ISO 8601 string (or datetime) into a timezone-aware UTC datetime.

    A string without an offset is taken as UTC; one with an offset is converted.
    """
    if isinstance(value, np.datetime64):
        return from_epoch_s(to_epoch_s(value))
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise SarexInputError(f"{what}: {value!r} is not an ISO 8601 time (e.g. 2026-01-15T06:00Z)") from None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def to_epoch_s(value: str | datetime | np.datetime64 | float) -> float:
    """Seconds since the Unix epoch (UTC) as float."""
    if isinstance(value, (int, float, np.floating, np.integer)):
        return float(value)
    if isinstance(value, np.datetime64):
        return float(value.astype("datetime64[ns]").astype(np.int64)) / 1e9
    return parse_utc(value).timestamp()


def from_epoch_s(seconds: float) -> datetime:
    """Timezone-aware UTC datetime from seconds since the Unix epoch."""
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc)


def epoch_s_to_datetime64(seconds: np.ndarray | float) -> np.ndarray:
    """Seconds since epoch to numpy datetime64[ns] (naive, understood as UTC)."""
    ns = np.round(np.asarray(seconds, dtype=np.float64) * 1e9).astype(np.int64)
    return ns.astype("datetime64[ns]")


def datetime64_to_epoch_s(values: np.ndarray) -> np.ndarray:
    """numpy datetime64 (naive UTC) to float seconds since epoch."""
    return np.asarray(values).astype("datetime64[ns]").astype(np.int64) / 1e9


def iso(seconds: float) -> str:
    """ISO 8601 UTC string with a Z suffix, to the second."""
    return from_epoch_s(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")
