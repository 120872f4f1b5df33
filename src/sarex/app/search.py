"""Use cases of the search stage: the probability map at a time, and the Bayesian update after a search."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import xarray as xr
from pydantic import Field, field_validator

from sarex.app._validate import Finite, Request, Time
from sarex.app.output import OutputTarget, run_into
from sarex.app.resources import require_memory
from sarex.errors import SarexInputError
from sarex.geo import NM_M

if TYPE_CHECKING:
    from sarex.search.podmodel import DetectionModel


class ProbabilityRequest(Request):
    """``sarex probability``: probability grid, containment areas and the IAMSAR datum at one time."""

    drift_file: Path
    time: Time
    cell_nm: Finite = 1.0  # checked by the grid ("cell size ...")
    levels: tuple[float, ...] = (0.5, 0.9, 0.95)
    extent_nm: Optional[Finite] = Field(None, gt=0)
    smooth_nm: Optional[Finite] = Field(None, gt=0)
    nearest: bool = False
    x_nm: Optional[Finite] = Field(None, ge=0)
    y_nm: Finite = Field(0.1, ge=0)
    fs: Optional[Finite] = Field(None, gt=0)
    coast: bool = True
    geojson: bool = False
    plot: bool = False
    #: the map of persons alive (weight × survival probability; a case with a survival model)
    alive: bool = False

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(not (0.0 < x <= 1.0) for x in v):
            raise ValueError("levels must be fractions in (0, 1], e.g. 0.5,0.9,0.95")
        return tuple(sorted(set(v)))


def parse_levels(text: str) -> tuple[float, ...]:
    """'0.5,0.9' to containment levels."""
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SarexInputError(f"--levels: {text!r} must be fractions separated by commas, e.g. 0.5,0.9,0.95") from None
    if not vals or any(not (0.0 < v <= 1.0) for v in vals):
        raise SarexInputError(f"--levels: {text!r} must be fractions in (0, 1], e.g. 0.5,0.9,0.95")
    return tuple(sorted(set(vals)))


@dataclass
class ProbabilityResult:
    grid: Any
    areas: list[Any]
    datum: Any
    files: list[str]
    #: containment and datum warnings (much probability off the grid or stranded)
    warnings: list[str] = field(default_factory=list)


def _check_smoothing(grid: Any, sigma_nm: float) -> None:
    pad = int(math.ceil(4.0 * sigma_nm / grid.cell_nm)) + 1
    cells = (grid.shape[0] + 2 * pad) * (grid.shape[1] + 2 * pad)
    require_memory(cells * 8.0 * 4, f"--smooth-nm {sigma_nm:g} (a {grid.shape[1] + 2 * pad} x {grid.shape[0] + 2 * pad}-cell grid)",
                   "give a smaller --smooth-nm")


def probability(req: ProbabilityRequest, target: OutputTarget, ds: Any = None) -> ProbabilityResult:
    """Write ``probability.nc`` and, if asked, ``areas.geojson`` and ``probability.png`` as one result.

    ``ds`` may carry the drift dataset already in memory (the demo); else ``req.drift_file`` is read.
    """
    from sarex.io.driftfile import open_drift
    from sarex.search.containment import containment_areas, containment_features, containment_warnings, geojson_feature, write_geojson
    from sarex.search.datum import iamsar_datum
    from sarex.search.grid import ProbabilityGrid

    if ds is None:
        ds = open_drift(req.drift_file)  # lazily: the map reads the one or two outputs around its time
    grid = ProbabilityGrid.from_drift(ds, req.time, cell_nm=req.cell_nm, extent_nm=req.extent_nm, interpolate=not req.nearest,
                                      source=str(req.drift_file), alive=req.alive)
    if req.smooth_nm is not None:
        _check_smoothing(grid, req.smooth_nm)
        grid = grid.smoothed(req.smooth_nm)
    areas = containment_areas(grid, list(req.levels))
    datum = iamsar_datum(ds, grid.time_s, x_nm=req.x_nm, y_nm=req.y_nm, fs=req.fs)
    lkp = (float(ds.attrs["lkp_lon"]), float(ds.attrs["lkp_lat"])) if "lkp_lon" in ds.attrs else None

    def body() -> None:
        target.write_file("probability.nc", grid.write_netcdf)
        if req.geojson:
            feats = containment_features(areas)
            props = {"kind": "iamsar-datum", **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in datum.summary().items()}}
            feats.append(geojson_feature(datum.square, {**props, "kind": "iamsar-square"}))
            feats.append(geojson_feature(datum.circle, {**props, "kind": "iamsar-circle"}))
            from shapely.geometry import Point

            feats.append(geojson_feature(Point(datum.datum_lon, datum.datum_lat), props))
            target.write_file("areas.geojson", lambda p: write_geojson(p, feats))
        if req.plot:
            from sarex.report.probmap import plot_probability

            target.write_file("probability.png", lambda p: plot_probability(grid, p, areas, datum, lkp, coast=req.coast))

    return ProbabilityResult(grid, areas, datum, run_into(target, body), containment_warnings(grid) + datum.warnings)


class SearchUpdateRequest(Request):
    """``sarex search-update``: apply an unsuccessful search (GPX tracks) to a drift file."""

    drift_file: Path
    tracks: tuple[Path, ...] = Field(min_length=1)
    sweep_width_nm: Optional[Finite] = Field(None, gt=0)
    sweep_width_category: Optional[str] = None
    model: str = "exponential"
    visibility_nm: Finite = Field(10.0, gt=0)
    weather_factor: Finite = Field(1.0, gt=0)
    fatigue: bool = False
    speed_kn: Optional[Finite] = Field(None, gt=0)
    label: str = ""
    #: count transit legs of planned routes as search too (default: only the legs marked search)
    all_legs: bool = False


@dataclass(frozen=True)
class SailedTrack:
    """A track a unit sailed (or reported) while on task, with its sweep width (NM) for the search object."""

    track: Any  # sarex.io.track.Track
    sweep_width_nm: float
    #: (Leeway class key, W in m) pairs: a case's particles of that class are searched for with that W
    class_widths_m: tuple[tuple[str, float], ...] = ()


def update_with_tracks(ds: xr.Dataset, tracks: "list[SailedTrack]", model: "str | DetectionModel" = "exponential", label: str = "",
                       source: str = "drift") -> Any:
    """Bayesian update of a drift ensemble after an unsuccessful search along ``tracks`` (in memory).

    Each particle's weight is multiplied by (1 − POD) of all the tracks together (their
    exposures add) and renormalised (:func:`sarex.search.bayes.apply_search`). Returns the
    :class:`~sarex.search.bayes.SearchOutcome` (updated dataset, POD per particle, POS).
    """
    from sarex.search.bayes import apply_search
    from sarex.search.detection import SearchUnit
    from sarex.search.podmodel import DetectionModel

    m = DetectionModel.parse(model, "--detection")
    units = [SearchUnit(t.track, t.sweep_width_nm * NM_M, m, t.track.name, class_widths_m=t.class_widths_m) for t in tracks]
    return apply_search(ds, units, label=label, source=source)


@dataclass
class SearchUpdateResult:
    outcome: Any
    dataset: xr.Dataset
    files: list[str]


def _sweep_width_from_category(text: str, ds: xr.Dataset, visibility_nm: float, fatigue: bool, weather_factor: float,
                               speed_kn: Optional[float], leeway_class: Optional[str] = None) -> float:
    """W (NM) of OBJECT:PLATFORM[:ALT_M]; OBJECT ``auto``: of ``leeway_class`` (default the drift's object class)."""
    from sarex.search.sweepwidth import SEARCH_OBJECTS, search_object_for_leeway, sweep_width_nm

    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise SarexInputError(f"--sweep-width-category: {text!r} must be OBJECT:PLATFORM[:ALT_M], e.g. raft-4:helicopter:300")
    obj, platform = parts[0], parts[1]
    if obj == "auto":
        obj = search_object_for_leeway(leeway_class or str(ds.attrs.get("object_class", "")))
    elif obj not in SEARCH_OBJECTS:
        obj = search_object_for_leeway(obj)
    try:
        alt = float(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise SarexInputError(f"--sweep-width-category: altitude {parts[2]!r} must be a number of metres") from None
    return sweep_width_nm(obj, platform, alt, visibility_nm, weather_factor, fatigue, speed_kn)


def search_update(req: SearchUpdateRequest, target: OutputTarget) -> SearchUpdateResult:
    """Bayesian update of the drift's weights; writes ``drift.nc``."""
    from sarex.io.driftfile import read_drift, write_drift
    from sarex.search.podmodel import DetectionModel
    from sarex.io.gpx import read_gpx_tracks

    model = DetectionModel.parse(req.model, "--detection")
    if (req.sweep_width_nm is None) == (req.sweep_width_category is None):
        raise SarexInputError("give exactly one of --sweep-width-nm W or --sweep-width-category OBJECT:PLATFORM[:ALT_M]")
    ds = read_drift(req.drift_file)
    w_nm = req.sweep_width_nm if req.sweep_width_nm is not None else _sweep_width_from_category(
        str(req.sweep_width_category), ds, req.visibility_nm, req.fatigue, req.weather_factor, req.speed_kn
    )
    widths: tuple[tuple[str, float], ...] = ()
    if req.sweep_width_category is not None and req.sweep_width_category.startswith("auto:") and "object" in ds:
        # a mixture of classes (a case): each particle is searched for with its own class's W
        from sarex.drift.case.classes import particle_classes

        widths = tuple((k, NM_M * _sweep_width_from_category(req.sweep_width_category, ds, req.visibility_nm, req.fatigue,
                                                                req.weather_factor, req.speed_kn, k)) for k in particle_classes(ds)[0])
    tracks = [SailedTrack(tr.renamed(f"{Path(path).name}:{tr.name}"), w_nm, widths)
              for path in req.tracks for tr in read_gpx_tracks(path, strict=True, routes=True, all_legs=req.all_legs)]
    outcome = update_with_tracks(ds, tracks, model.label, req.label, str(req.drift_file))
    files = run_into(target, lambda: target.write_file("drift.nc", lambda p: write_drift(outcome.dataset, p)))
    return SearchUpdateResult(outcome, outcome.dataset, files)
