"""The Leeway search-object classes and their coefficients.

Each class has a downwind and two crosswind (right and left of downwind) linear
models ``L = a·U10 + b`` with slope ``a`` in percent of the 10 m wind speed, offset
``b`` and standard error ``S_yx`` in cm/s. Numbers: Allen & Plourde (1999)
CG-D-08-99 and Allen (2005) CG-D-05-05, in the order and with the keys of
OpenDrift's ``OBJECTPROP.DAT`` (the same table, re-typed as CSV data).

User classes (:mod:`sarex.drift.custom_objects`: Leeway coefficients, or a windage
object ``current + α·wind``) join the table through :func:`register_objects` or the
``SAREX_OBJECTS`` environment variable (files separated by ``os.pathsep``), and are
then usable wherever a class key is.
"""

from __future__ import annotations

import csv
import functools
import math
import os
from dataclasses import dataclass
from importlib import resources

from sarex.errors import SarexInputError


@dataclass(frozen=True)
class LeewayObject:
    """One Leeway object class (coefficients in the table's own units)."""

    key: str
    opendrift_id: int
    level: int
    description: str
    dw_slope_pct: float
    dw_offset_cm_s: float
    dw_std_cm_s: float
    cwr_slope_pct: float
    cwr_offset_cm_s: float
    cwr_std_cm_s: float
    cwl_slope_pct: float
    cwl_offset_cm_s: float
    cwl_std_cm_s: float
    kind: str = "leeway"  # "leeway" (Breivik & Allen 2008 perturbation) or "windage" (slope only)
    sweep_width_object: str | None = None  # IAMSAR sweep-width search object of a user class

    @property
    def eps_divisors(self) -> tuple[float, float]:
        """Divisors of the per-particle draw ε for the downwind slope and offset.

        Leeway classes: ``(a + ε/20)·U10 + b + ε/2`` (REFERENCES §1). A windage object
        perturbs its slope α only (ε ~ N(0, σ_α), offset untouched): ``(1, inf)``.
        """
        return (1.0, math.inf) if self.kind == "windage" else (20.0, 2.0)

    def mean_leeway_m_s(self, wind_speed_m_s: float) -> tuple[float, float, float]:
        """Mean downwind, right- and left-crosswind leeway (m/s) at a 10 m wind speed."""
        u = wind_speed_m_s
        return (
            (self.dw_slope_pct * u + self.dw_offset_cm_s) / 100.0,
            (self.cwr_slope_pct * u + self.cwr_offset_cm_s) / 100.0,
            (self.cwl_slope_pct * u + self.cwl_offset_cm_s) / 100.0,
        )

    @property
    def coefficients_si(self) -> tuple[float, ...]:
        """(a_dw, b_dw, S_dw, a_cwr, b_cwr, S_cwr, a_cwl, b_cwl, S_cwl) with slopes as fractions, others m/s."""
        return (
            self.dw_slope_pct / 100.0,
            self.dw_offset_cm_s / 100.0,
            self.dw_std_cm_s / 100.0,
            self.cwr_slope_pct / 100.0,
            self.cwr_offset_cm_s / 100.0,
            self.cwr_std_cm_s / 100.0,
            self.cwl_slope_pct / 100.0,
            self.cwl_offset_cm_s / 100.0,
            self.cwl_std_cm_s / 100.0,
        )


_USER: dict[str, LeewayObject] = {}
_ENV_LOADED: list[str] = []


def read_object_file(path) -> dict[str, LeewayObject]:
    """User object classes of a TOML/CSV object file (:mod:`sarex.drift.custom_objects`), by key."""
    from sarex.drift.custom_objects import read_object_specs

    return {k: LeewayObject(**kw) for k, kw in read_object_specs(path).items()}


def register_objects(objects: dict[str, LeewayObject]) -> None:
    """Add user object classes (they shadow built-in keys of the same name)."""
    _USER.update({k.upper(): o for k, o in objects.items()})


def leeway_objects() -> dict[str, LeewayObject]:
    """All object classes by key: the built-in table, then user classes."""
    paths = os.environ.get("SAREX_OBJECTS", "")
    if paths and paths not in _ENV_LOADED:
        for p in paths.split(os.pathsep):
            if p.strip():
                register_objects(read_object_file(p.strip()))
        _ENV_LOADED.append(paths)
    return {**builtin_objects(), **_USER}


@functools.lru_cache(maxsize=1)
def builtin_objects() -> dict[str, LeewayObject]:
    """The 85 built-in Leeway classes by key, in table order."""
    text = resources.files("sarex.data").joinpath("leeway_objects.csv").read_text(encoding="utf-8")
    rows = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out: dict[str, LeewayObject] = {}
    for r in csv.DictReader(rows):
        out[r["key"]] = LeewayObject(
            key=r["key"],
            opendrift_id=int(r["opendrift_id"]),
            level=int(r["level"]),
            description=r["description"],
            **{k: float(r[k]) for k in r if k.endswith(("_pct", "_cm_s"))},
        )
    return out


def get_object(key: str) -> LeewayObject:
    """Look up an object class by key (case-insensitive), with a helpful error."""
    objs = leeway_objects()
    k = key.strip().upper()
    if k in objs:
        return objs[k]
    near = [o for o in objs if k.split("-")[0] and o.startswith(k.split("-")[0])][:6]
    hint = f"; similar: {', '.join(near)}" if near else "; run 'sarex objects' for the list"
    raise SarexInputError(f"object: unknown Leeway object class {key!r}{hint}")
