"""Forcing fetched from the providers rescue centres use (issue 33, REFERENCES §16).

One adapter per provider, each taking a :class:`FetchRequest` (area, start, hours,
optionally the model run) and writing one CF-NetCDF file with provenance attributes
into a cache folder, atomically (:mod:`.cache`):

* :mod:`.grib_index` – GFS (NOMADS ``.idx``) and ECMWF open data (``.index`` JSON lines):
  only the 10 m wind messages, by HTTP byte ranges;
* :mod:`.opendap` – any OPeNDAP/THREDDS URL, HYCOM's included: subset on the server;
* :mod:`.cmems` – Copernicus Marine through the ``copernicusmarine`` toolbox's own request;
* :mod:`.catalogue` – which source to use for a region and variable, in priority order.

Every failure is a :class:`ProviderError`: one line naming the source, the product
and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from sarex.errors import SarexInputError


class ProviderError(SarexInputError):
    """A provider could not deliver: ``"<source> <product>: <reason>"``."""

    def __init__(self, source: str, product: str, reason: str) -> None:
        super().__init__(f"{source} {product}: {reason}")
        self.source, self.product, self.reason = source, product, reason


class Area(NamedTuple):
    """A lon/lat box, degrees (longitude before latitude)."""

    lon0: float
    lat0: float
    lon1: float
    lat1: float

    def text(self) -> str:
        return f"{self.lon0:g},{self.lat0:g},{self.lon1:g},{self.lat1:g}"


def area_around(lon: float, lat: float, hours: float, speed_kn: float = 3.0, margin_deg: float = 0.5) -> Area:
    """A box around a last known position that a drift of ``hours`` at up to ``speed_kn`` stays in.

    3 kn covers the strongest Korea Strait surface currents (Tsushima Warm Current
    ≤ 1 m/s, REFERENCES §10) plus a few % leeway; ``margin_deg`` is added for the
    interpolation stencil and the drift's spread.
    """
    reach_deg = speed_kn * hours / 60.0  # 1 nmi = 1 arc-minute of latitude
    dlon = reach_deg / max(0.2, math.cos(math.radians(lat)))
    return Area(round(lon - dlon - margin_deg, 3), round(max(-90.0, lat - reach_deg - margin_deg), 3),
                round(lon + dlon + margin_deg, 3), round(min(90.0, lat + reach_deg + margin_deg), 3))


@dataclass(frozen=True)
class FetchRequest:
    """What to fetch: ``kind`` ("wind" or "current") over ``area`` from ``start_s`` for ``hours``."""

    area: Area
    start_s: float
    hours: float
    kind: str = "wind"
    run_s: float | None = None  #: the model run (cycle) to take; None: the latest at or before start


@dataclass
class FetchResult:
    """What an adapter wrote into the cache."""

    path: str
    source: str
    product: str
    run: str | None
    variables: list[str]
    shape: dict[str, int]
    time_start: str
    time_end: str
    bytes_transferred: int
    reused: bool = False
    warnings: list[str] = field(default_factory=list)


__all__ = ["Area", "FetchRequest", "FetchResult", "ProviderError", "area_around"]
