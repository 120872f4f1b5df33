"""Validated requests: pydantic models whose errors become one-line :class:`SarexInputError`.

Every use case of :mod:`sarex.app` takes one of these, so the Python API refuses
``particles=10.5``, ``seed=1.5`` or a string where a number belongs at the door
instead of failing deep inside (or truncating silently).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, ValidationError

from sarex.errors import SarexInputError
from sarex.seeds import MAX_SEED
from sarex.times import to_epoch_s


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError(f"{v} must be a finite number")
    return v


def _time(v: str) -> str:
    try:
        to_epoch_s(v, "time")
    except SarexInputError as exc:  # keep the reason only: build() puts the option and the value in front
        raise ValueError(str(exc).removeprefix(f"time: {v!r} ").removeprefix("time: ")) from None
    return v


def _forcing_error(v: str) -> str:
    from sarex.drift.forcing_error import parse_forcing_error

    try:
        parse_forcing_error(v, "forcing error")
    except SarexInputError as exc:
        raise ValueError(str(exc).removeprefix(f"forcing error: {v!r} ")) from None
    return v


#: The forcing error of SAR products (drift, case, exercise and server forecasts) unless told otherwise.
DEFAULT_FORCING_ERROR = "sar"
#: A forcing-error choice (:func:`sarex.drift.forcing_error.parse_forcing_error`): 'none', a preset, or 'σc,τh[,σw]'.
ForcingErrorSpec = Annotated[str, AfterValidator(_forcing_error)]
#: A seed: a whole number in [0, 2^63 - 1] (bool and float refused).
Seed = Annotated[StrictInt, Field(ge=0, le=MAX_SEED)]
#: A count that must be a whole number > 0.
Count = Annotated[StrictInt, Field(gt=0)]
#: A finite float.
Finite = Annotated[float, AfterValidator(_finite)]
#: A time: ISO 8601 with a zone, or a date-time group.
Time = Annotated[str, AfterValidator(_time)]
PathLike = Annotated[os.PathLike, Field()]


def _forcing_source(v: Any) -> Any:

    from sarex.environment.remote import is_url

    if is_url(v):
        return str(v)  # a Path would fold the URL's '//'
    if isinstance(v, (str, os.PathLike)):
        return Path(v)
    raise ValueError("expected a file path or an http(s):// or file:// URL")


#: A forcing file or URL (OPeNDAP ``http(s)://``, ``file://``): a Path, or the URL as given.
ForcingSource = Annotated[Any, BeforeValidator(_forcing_source)]


class Request(BaseModel):
    """Base of every use-case request: frozen, no unknown fields, numbers not coerced from text."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


R = TypeVar("R", bound=Request)


def _value(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _reason(e: Mapping[str, Any]) -> str:
    t, ctx = e["type"], e.get("ctx") or {}
    for key, op in _BOUNDS.items():
        if t == key:
            bound = next(iter(ctx.values()), "")
            return f"must be {op} {bound}"
    if t in ("int_type", "int_from_float", "int_parsing"):
        return f"must be a whole number (got {type(e.get('input')).__name__})"
    if t in ("float_type", "float_parsing", "finite_number"):
        return "must be a number"
    if t == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace("'", "")
    if t == "too_short":
        return "must not be empty"
    if t == "extra_forbidden":
        return "is not a known field"
    msg = e["msg"]
    return str(msg[len("Value error, "):] if msg.startswith("Value error, ") else msg)


def build(cls: type[R], **fields: Any) -> R:
    """``cls(**fields)``, with a validation error turned into one line ``--field: value reason``.

    Fields are named as the command-line options that set them (``--particles``).
    """
    try:
        return cls(**fields)
    except ValidationError as exc:
        e = exc.errors()[0]
        names = [str(x) for x in e["loc"] if not isinstance(x, int)]
        if not names:  # a whole-model check: its message names the fields itself
            raise SarexInputError(_reason(e)) from None
        flag = "--" + names[-1].replace("_", "-")
        if e["type"] == "missing":
            raise SarexInputError(f"{flag}: missing") from None
        raise SarexInputError(f"{flag}: {_value(e.get('input'))} {_reason(e)}") from None


def optional_positive(v: Optional[float], what: str) -> None:
    """Refuse a given value that is not a finite number > 0."""
    if v is not None and not (math.isfinite(v) and v > 0):
        raise SarexInputError(f"{what}: {v} must be > 0")
