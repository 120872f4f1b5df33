"""User drifting-object classes from TOML or CSV: Leeway coefficients, or a windage object.

Two kinds (REFERENCES §1, §11):

* ``leeway``: the downwind and right/left crosswind linear models of the built-in table
  (slopes in % of U10, offsets and standard errors ``S_yx`` in cm/s), e.g. a Leeway
  experiment of one's own object.
* ``windage``: ``velocity = current + α·wind`` (downwind only), with α in % and its spread
  ``windage_std_pct`` (each particle draws α + ε, ε ~ N(0, σ_α), once): drifters and datum
  marker buoys. Typical published values: a drogued SVP drifter (drogue at 15 m) slips
  about 0.1 % of the wind; an undrogued CODE/SVP-type drifter 1–2 %; an iSphere ~1.5–2 %
  (literature ranges; fit your own buoys with ``sarex fit-object``).

TOML::

    [[object]]
    key = "SVP-DROGUED"
    kind = "windage"
    description = "SVP drifter, drogued at 15 m"
    windage_pct = 0.1
    windage_std_pct = 0.05
    sweep_width_object = "piw"      # optional: IAMSAR sweep-width object for planning

CSV: a header with ``key,kind,description`` and either the windage columns or the
Leeway table's columns (``dw_slope_pct, dw_offset_cm_s, dw_std_cm_s, cwr_…, cwl_…``).
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sarex.errors import SarexInputError

LEEWAY_FIELDS = tuple(f"{p}_{q}" for p in ("dw", "cwr", "cwl") for q in ("slope_pct", "offset_cm_s", "std_cm_s"))


class ObjectSpec(BaseModel):
    """One user object class as written in the file."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    kind: Literal["leeway", "windage"] = "leeway"
    description: str = ""
    windage_pct: float | None = None
    windage_std_pct: float | None = Field(default=None, ge=0.0)
    dw_slope_pct: float | None = None
    dw_offset_cm_s: float | None = None
    dw_std_cm_s: float | None = Field(default=None, ge=0.0)
    cwr_slope_pct: float | None = None
    cwr_offset_cm_s: float | None = None
    cwr_std_cm_s: float | None = Field(default=None, ge=0.0)
    cwl_slope_pct: float | None = None
    cwl_offset_cm_s: float | None = None
    cwl_std_cm_s: float | None = Field(default=None, ge=0.0)
    sweep_width_object: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> "ObjectSpec":
        if self.kind == "windage":
            if self.windage_pct is None:
                raise ValueError("windage_pct: missing (a windage object needs α in % of the wind)")
            if self.windage_pct < 0:
                raise ValueError(f"windage_pct: {self.windage_pct} is negative; an object cannot drift against the wind")
        else:
            missing = [f for f in LEEWAY_FIELDS if getattr(self, f) is None]
            if missing:
                raise ValueError(f"{missing[0]}: missing (a leeway object needs {', '.join(LEEWAY_FIELDS)})")
            if self.dw_slope_pct < 0:
                raise ValueError(f"dw_slope_pct: {self.dw_slope_pct} is negative; the downwind slope must be >= 0")
        return self

    def to_fields(self) -> dict:
        """Keyword arguments of :class:`sarex.drift.objects.LeewayObject` for this class."""
        base = {"key": self.key.upper(), "opendrift_id": -1, "level": 1, "kind": self.kind, "sweep_width_object": self.sweep_width_object}
        if self.kind == "windage":
            zero = {f: 0.0 for f in LEEWAY_FIELDS}
            zero.update(dw_slope_pct=float(self.windage_pct), dw_std_cm_s=float(self.windage_std_pct or 0.0))
            return {**base, "description": self.description or f"windage object α = {self.windage_pct:g} %", **zero}
        return {**base, "description": self.description or self.key, **{f: float(getattr(self, f)) for f in LEEWAY_FIELDS}}


def read_object_specs(path: str | Path) -> dict[str, dict]:
    """Read user object classes from a ``.toml`` or ``.csv`` file (see the module docstring) as
    :class:`~sarex.drift.objects.LeewayObject` keyword arguments by key (use
    :func:`sarex.drift.objects.read_object_file` for the objects).

    Raises :class:`SarexInputError` naming the file, object, field and value for
    anything invalid (a negative downwind slope or windage, a negative standard error,
    a missing coefficient, a duplicate key).
    """
    p = Path(path)
    if not p.is_file():
        raise SarexInputError(f"{p}: no such object file")
    if p.suffix.lower() == ".toml":
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SarexInputError(f"{p}: not valid TOML ({exc})") from None
        rows = raw.get("object")
        if not isinstance(rows, list) or not rows:
            raise SarexInputError(f"{p}: no [[object]] tables")
        labelled = [(f"object {i + 1}", r) for i, r in enumerate(rows)]
    elif p.suffix.lower() == ".csv":
        text = p.read_text(encoding="utf-8-sig")
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        labelled = []
        for i, r in enumerate(csv.DictReader(lines)):
            row = {k.strip(): v.strip() for k, v in r.items() if k and v is not None and v.strip() != ""}
            labelled.append((f"row {i + 2}", row))
    else:
        raise SarexInputError(f"{p}: object file must be .toml or .csv, not {p.suffix!r}")
    out: dict[str, dict] = {}
    for where, row in labelled:
        name = row.get("key", "?") if isinstance(row, dict) else "?"
        try:
            obj = ObjectSpec.model_validate(row).to_fields()
        except ValidationError as exc:
            e = exc.errors()[0]
            field = ".".join(str(x) for x in e["loc"]) or "object"
            msg = e["msg"].removeprefix("Value error, ")
            raise SarexInputError(f"{p}: {where} ({name!r}) {field + ': ' if field != 'object' and not msg.startswith(field) else ''}{msg}") from None
        if obj["key"] in out:
            raise SarexInputError(f"{p}: {where} key {obj['key']!r} appears twice")
        out[obj["key"]] = obj
    return out
