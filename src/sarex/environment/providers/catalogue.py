"""The forcing catalogue (``sarex/data/forcing_catalogue.toml``): which source for which region and variable.

Per region (a lon/lat box) and variable, the sources in priority order with their
resolution, time step, run cycle, publication delay, horizon and archive. :func:`plan`
says for a position and a span which sources can serve it and why the others cannot;
:func:`fetch_with_fallback` tries them in order, a failing source handing over to the
next with a warning.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from sarex.environment.providers import FetchRequest, FetchResult, ProviderError
from sarex.errors import SarexInputError
from sarex.tomlfile import read_toml

KINDS = ("wind", "current")


@dataclass(frozen=True)
class CatalogueSource:
    """One source of one variable in one region."""

    source: str
    product: str
    resolution_deg: float
    step_h: float
    runs_h: float
    delay_h: float
    horizon_h: float
    archive_days: float
    note: str = ""


@dataclass(frozen=True)
class Region:
    name: str
    box: tuple[float, float, float, float]
    sources: dict[str, list[CatalogueSource]]

    def holds(self, lon: float, lat: float) -> bool:
        return self.box[0] <= lon <= self.box[2] and self.box[1] <= lat <= self.box[3]


@dataclass(frozen=True)
class Choice:
    """A source as the plan sees it: usable or not, and why."""

    kind: str
    region: str
    source: CatalogueSource
    usable: bool
    why: str


def load_catalogue(path: str | Path | None = None) -> list[Region]:
    """The regions of a catalogue file (default: the shipped one), in file order."""
    if path is None:
        path = Path(str(resources.files("sarex.data") / "forcing_catalogue.toml"))
    raw = read_toml(Path(path))
    regions = []
    for i, r in enumerate(raw.get("region", [])):
        try:
            box = tuple(float(x) for x in r["box"])
            srcs = {k: [CatalogueSource(**s) for s in r.get(k, [])] for k in KINDS}
            regions.append(Region(str(r["name"]), box, srcs))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise SarexInputError(f"{path}: region[{i}]: {exc}") from None
    return regions


def plan(lon: float, lat: float, start_s: float, hours: float, now_s: float | None = None, regions: list[Region] | None = None) -> list[Choice]:
    """Every catalogue source of the first region holding (lon, lat), per variable, in priority order, usable or not and why."""
    now_s = time.time() if now_s is None else now_s
    regions = load_catalogue() if regions is None else regions
    region = next((r for r in regions if r.holds(lon, lat)), None)
    if region is None:
        raise SarexInputError(f"--lon/--lat: ({lon:g}, {lat:g}) is in no region of the forcing catalogue")
    out = []
    end_s = start_s + hours * 3600.0
    for kind in KINDS:
        for s in region.sources[kind]:
            usable, why = _judge(s, start_s, end_s, now_s)
            out.append(Choice(kind, region.name, s, usable, why))
    return out


def _judge(s: CatalogueSource, start_s: float, end_s: float, now_s: float) -> tuple[bool, str]:
    res = f"{s.resolution_deg:g}° every {s.step_h:g} h, runs every {s.runs_h:g} h published ~{s.delay_h:g} h later"
    latest_run = ((now_s - s.delay_h * 3600.0) // (s.runs_h * 3600.0)) * s.runs_h * 3600.0
    if start_s < now_s - s.archive_days * 86400.0:
        return False, f"{res}; the provider keeps only {s.archive_days:g} days, the start is older"
    if end_s > latest_run + s.horizon_h * 3600.0:
        return False, f"{res}; the latest published run reaches {(latest_run + s.horizon_h * 3600.0 - now_s) / 3600.0:+.0f} h from now, the span ends {(end_s - now_s) / 3600.0:+.0f} h"
    return True, f"{res}; covers the span{' — ' + s.note if s.note else ''}"


def fetch_with_fallback(kind: str, choices: list[Choice], fetch_one: Callable[[CatalogueSource], FetchResult], warn: Callable[[str], None]) -> FetchResult:
    """Fetch ``kind`` from the first usable source that delivers; each failure is a warning, then the next.

    Raises the last :class:`ProviderError` (one line) when every source failed.
    """
    last: ProviderError | None = None
    for c in choices:
        if c.kind != kind or not c.usable:
            continue
        try:
            res = fetch_one(c.source)
        except ProviderError as exc:
            warn(f"{kind}: {exc}; falling back to the next source")
            last = exc
            continue
        res.warnings.extend([] if last is None else [f"{kind}: fell back to {c.source.source} after: {last}"])
        return res
    if last is not None:
        raise last
    raise ProviderError("catalogue", kind, "no usable source for this position and span (see 'sarex env plan')")


__all__ = ["Choice", "CatalogueSource", "Region", "fetch_with_fallback", "load_catalogue", "plan", "FetchRequest"]
