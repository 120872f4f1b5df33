"""Nations: one model and one registry of codes, names and map colours.

Codes are ISO 3166-1 alpha-3 (``KOR``, ``JPN``), the canonical form in every
file sarex writes. On input the alpha-2 code (``KR``) and the common military
abbreviation (``ROK``) are accepted and normalised on load, so a unit catalogue
written with ``KR`` and a scenario written with ``ROK`` name the same nation and
get the same colour in plans, KML, GeoJSON and reports. Any other three-letter
code is taken as an alpha-3 code not in the registry (neutral colour); an
unknown two-letter code is refused, since it cannot be normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

#: Colour of nations without one of their own (#rrggbb).
DEFAULT_COLOUR = "#6a3d9a"


@dataclass(frozen=True)
class _Entry:
    alpha3: str
    alpha2: str
    name: str
    colour: str
    aliases: tuple[str, ...] = ()


_REGISTRY = (
    _Entry("KOR", "KR", "Republic of Korea", "#1f4e9c", ("ROK",)),
    _Entry("JPN", "JP", "Japan", "#c8102e"),
    _Entry("USA", "US", "United States", "#3c8d2f"),
    _Entry("CHN", "CN", "China", "#e07b00", ("PRC",)),
    _Entry("RUS", "RU", "Russian Federation", "#2a9d8f"),
    _Entry("TWN", "TW", "Taiwan", "#8c564b"),
    _Entry("PHL", "PH", "Philippines", "#d4a017"),
)
_BY_CODE = {e.alpha3: e for e in _REGISTRY}
_ALIASES = {k: e.alpha3 for e in _REGISTRY for k in (e.alpha3, e.alpha2, *e.aliases)}


def nation_code(code: str) -> str:
    """Canonical (ISO 3166 alpha-3) code of ``code``; raises ``ValueError`` if it cannot be one."""
    key = str(code).strip().upper()
    if key in _ALIASES:
        return _ALIASES[key]
    if re.fullmatch(r"[A-Z]{3}", key):
        return key
    raise ValueError(f"{code!r} is not an ISO 3166 alpha-3 nation code (or a known alpha-2 code/alias: {', '.join(sorted(_ALIASES))})")


def nation_colour(code: str) -> str:
    """Map colour (#rrggbb) of a nation, by any of its codes; neutral for codes not in the registry."""
    try:
        entry = _BY_CODE.get(nation_code(code))
    except ValueError:
        entry = None
    return entry.colour if entry is not None else DEFAULT_COLOUR


def _code_field(v: object) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a nation code string")
    return nation_code(v)


#: A nation code field of any pydantic model: validated and normalised to ISO 3166 alpha-3 on load.
NationCode = Annotated[str, BeforeValidator(_code_field)]


class Nation(BaseModel):
    """A nation taking part in a search or an exercise.

    ``code`` is normalised to ISO 3166 alpha-3; ``name`` defaults to the
    registry's; ``rescue_centre`` is its JRCC/MRCC/RCC (exercises). The map colour
    comes from the registry only, so every output draws a nation alike.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: NationCode
    name: str = ""
    rescue_centre: str = ""

    @model_validator(mode="after")
    def _defaults(self) -> "Nation":
        entry = _BY_CODE.get(self.code)
        if not self.name:
            object.__setattr__(self, "name", entry.name if entry else self.code)
        return self

    @property
    def colour(self) -> str:
        """Map colour, #rrggbb."""
        return nation_colour(self.code)
