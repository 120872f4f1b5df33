"""The one TOML loader and the one error formatter for every sarex input file.

Every TOML input (unit catalogue, exercise scenario, units file) is read by
:func:`read_toml` and validated by a pydantic model through :func:`validate`;
every validation failure becomes one line ``FILE: FIELD: VALUE WHY``, the field
written as a dotted path with list indices (``units[3].nation``) and, inside a
table that has an ``id``, that id named at the end (``(unit 'JP-PL')``).
Validators that know better which field and value are wrong raise
:class:`FieldError`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sarex.errors import SarexInputError
from sarex.times import iso

M = TypeVar("M", bound=BaseModel)


class FieldError(ValueError):
    """Raised inside validators so that the message names field and value exactly."""

    def __init__(self, field: str, value: Any, why: str, relative: bool = False) -> None:
        super().__init__(why)
        self.field = field
        self.value = value
        self.why = why
        #: ``field`` is relative to the location of the model that raised it
        self.relative = relative


def read_toml(path: str | Path, what: str = "file") -> dict[str, Any]:
    """Parse a TOML file; a missing or invalid file is a one-line :class:`SarexInputError`."""
    p = Path(path)
    if not p.is_file():
        raise SarexInputError(f"{p}: no such {what}")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SarexInputError(f"{p}: not valid TOML ({str(exc).splitlines()[0]})") from None


def show(value: Any) -> str:
    """A value as the user wrote it (epoch seconds shown as ISO times)."""
    if isinstance(value, float) and value > 1e8:
        return repr(iso(value))
    return repr(value)


#: How the element of an array of tables is named at the end of a message: by its ``id``
#: (``(unit 'JP-PL')``), or, for the arrays listed here, by its ``name`` (``(scenario 'LKP')``).
NAMED_TABLES = {"scenario": "scenario"}


def field_message(source: Any, field: str, value: Any, why: str, raw: dict[str, Any] | None = None) -> str:
    """``FILE: FIELD: VALUE WHY (unit 'ID')``: the one format of every input error."""
    line = f"{source}: {field}: {why}" if value is None else f"{source}: {field}: {show(value)} {why}".rstrip()
    return line + (_table_label(raw, field) if raw is not None else "")


def table_label(kind: str, name: Any) -> str:
    """The `` (unit 'ID')`` tail naming the table an error is in."""
    return f" ({kind} {str(name)!r})"


def _table_label(raw: dict[str, Any], field: str) -> str:
    """`` (unit 'ID')`` (or `` (scenario 'NAME')``) of the array-of-tables element a field path points into, or ''."""
    head, _, rest = field.partition("[")
    if not rest or head not in raw or not isinstance(raw[head], list):
        return ""
    try:
        i = int(rest.split("]", 1)[0])
    except ValueError:
        return ""
    item = raw[head][i] if 0 <= i < len(raw[head]) else None
    if not isinstance(item, dict):
        return ""
    if "id" in item:
        return table_label("unit", item["id"])
    if head in NAMED_TABLES and "name" in item:
        return table_label(NAMED_TABLES[head], item["name"])
    return ""


def _field_path(loc: tuple, raw: Any, missing: bool = False) -> str:
    """Dotted path of a pydantic location, without the tags pydantic adds for (discriminated) unions."""
    field = ""
    node = raw
    for k, part in enumerate(loc):
        if isinstance(part, int):
            field += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            continue
        if isinstance(node, dict) and part not in node and not (missing and k == len(loc) - 1):
            continue  # a union tag ('point', 'VoyageScenario'), not a key of the file
        field += ("." if field else "") + str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return field


def describe(source: Any, exc: ValidationError | FieldError, raw: dict[str, Any], prefix: tuple = ()) -> str:
    """One line for the first error of a validation: file, dotted field, offending value, why.

    ``prefix`` is prepended to the error's location (when a part of ``raw`` was validated).
    """
    if isinstance(exc, FieldError):
        return field_message(source, exc.field, exc.value, exc.why, raw)
    err = exc.errors(include_url=False)[0]
    field = _field_path((*prefix, *err["loc"]), raw, err["type"] == "missing")
    inner = (err.get("ctx") or {}).get("error")
    if isinstance(inner, FieldError):
        name = (f"{field}.{inner.field}" if field else inner.field) if inner.relative else inner.field
        return field_message(source, name, inner.value, inner.why, raw)
    tail = _table_label(raw, field)
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{source}: {field}: unknown field (value {err['input']!r}); check the spelling{tail}"
    if kind == "missing":
        return f"{source}: {field}: missing (required){tail}"
    why = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, dict):
        return f"{source}: {field or 'file'}: {why}{tail}"
    return f"{source}: {field}: {value!r} {why[0].lower() + why[1:] if why else ''}".rstrip() + tail


def validate(model: type[M], raw: dict[str, Any], source: Any) -> M:
    """``model.model_validate(raw)`` with every failure as one :class:`SarexInputError` line."""
    try:
        return model.model_validate(raw)
    except (ValidationError, FieldError) as exc:
        raise SarexInputError(describe(source, exc, raw)) from None
