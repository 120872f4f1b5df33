"""Use cases of observations in the loop (issue 16): forecast skill against observed trajectories."""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sarex.app.objects import use_object_files
from sarex.app.output import OutputTarget, run_into
from sarex.environment import open_environment
from sarex.errors import SarexInputError
from sarex.io.driftfile import read_drift, write_drift
from sarex.io.trajectories import read_trajectories
from sarex.search.containment import containment_areas, containment_features, geojson_feature
from sarex.search.skill import DEFAULT_LEAD_HOURS, TrajectorySkill, forecast_skill, tracks_to_forecast
from sarex.times import datetime64_to_epoch_s, iso, to_epoch_s


def load_forecast(path: str | Path) -> xr.Dataset:
    """A forecast ensemble as a drift dataset: a sarex drift file, an OpenDrift file or any CF trajectory file."""
    p = Path(path)
    try:
        return read_drift(p)
    except SarexInputError as exc:
        if "not a drift file" not in str(exc) and "must have dims" not in str(exc):
            raise
    return tracks_to_forecast(read_trajectories(p))


@dataclass
class SkillReport:
    """Skill of one forecast against each observed trajectory, and the files written."""

    forecast: str
    observed: str
    results: list[TrajectorySkill]
    written: list[Path]

    def as_dict(self) -> dict[str, Any]:
        return {"forecast": self.forecast, "observed": self.observed, "trajectories": [r.as_dict() for r in self.results]}


def skill(
    forecast: str | Path,
    observed: str | Path,
    target: OutputTarget | None = None,
    lead_hours: tuple[float, ...] = DEFAULT_LEAD_HOURS,
    n: float = 1.0,
    plot: bool = True,
) -> SkillReport:
    """Score a forecast file against the observed trajectories of a file.

    Writes ``skill.json`` (and, with ``plot``, ``skill.png``) to ``target``
    and commits it once; on any error nothing is written. Returns the same numbers
    as ``skill.json``.
    """
    ds = load_forecast(forecast)
    tracks = read_trajectories(observed)
    results = forecast_skill(ds, tracks, lead_hours=lead_hours, n=n, source=str(forecast))
    report = SkillReport(str(forecast), str(observed), results, [])
    if target is not None:
        text = json.dumps(json_ready(report.as_dict()), indent=2, allow_nan=False) + "\n"

        def body() -> None:
            target.write_text("skill.json", text)
            if plot and target.wants("skill.png"):
                from sarex.report.skillplot import plot_skill

                target.write_file("skill.png", lambda p: plot_skill(results, p, members=(ds["lon"].values, ds["lat"].values)))

        report.written = [Path(x) for x in run_into(target, body)]
    return report


def json_ready(obj: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python numbers, recursively (strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (float, np.floating, int, np.integer)):
        x = float(obj) if isinstance(obj, (float, np.floating)) else int(obj)
        return None if isinstance(x, float) and not math.isfinite(x) else x
    return obj


def open_forcing(env: str | Path | None, synthetic: bool, start_s: float, end_s: float, outside: str = "error") -> Any:
    """The forcing for a command: a CF-NetCDF file with wind and current, or the synthetic Korea Strait field over [start, end]."""
    if synthetic:
        from sarex.environment.synthetic import korea_strait_environment

        return korea_strait_environment(iso(math.floor(start_s / 3600.0) * 3600.0), days=max(1.0, math.ceil((end_s - start_s) / 86400.0 + 0.1)), outside=outside)
    if env is None:
        raise SarexInputError("give --env FILE (wind and current) or --synthetic")

    return open_environment(env, None, None, outside=outside)


@dataclass
class FitReport:
    """A fitted object class, the tracks it came from and the file written."""

    fit: object
    tracks: int
    toml: str
    written: Path | None


def fit_object_file(
    observed: str | Path,
    env: str | Path | None = None,
    synthetic: bool = False,
    kind: str = "windage",
    key: str = "FITTED",
    target: OutputTarget | None = None,
) -> FitReport:
    """Fit an object class to the observed trajectories of a file (pooled); optionally write it as an object TOML."""
    from sarex.drift.fit import fit_object

    tracks = read_trajectories(observed)
    t0 = min(float(t.time_s[0]) for t in tracks)
    t1 = max(float(t.time_s[-1]) for t in tracks)
    environment = open_forcing(env, synthetic, t0, t1)
    fit = fit_object(tracks, environment, kind)
    text = fit.toml(key.upper(), f"fitted by sarex fit-object to {len(tracks)} track(s) of {Path(observed).name}")
    # the written file must load back as an object file

    from sarex.drift.custom_objects import ObjectSpec

    ObjectSpec.model_validate(tomllib.loads(text)["object"][0])
    written = None
    if target is not None:
        written = Path(run_into(target, lambda: target.write_text("object.toml", text))[0])
    return FitReport(fit, len(tracks), text, written)


@dataclass
class BacktrackReport:
    """Origin of a find (or a case re-weighted by it) and the files written."""

    summary: dict[str, Any]
    written: list[Path]


def backtrack_find(
    find_lon: float,
    find_lat: float,
    find_time: str,
    find_error_m: float = 500.0,
    *,
    drift: str | Path | None = None,
    origin_time: str | None = None,
    object_class: str = "PIW-1",
    origin_lon: float | None = None,
    origin_lat: float | None = None,
    origin_radius_km: float | None = None,
    particles: int = 20000,
    seed: int = 0,
    env: str | Path | None = None,
    synthetic: bool = False,
    coast: bool = True,
    target: OutputTarget | None = None,
    objects: tuple[Path, ...] = (),
) -> BacktrackReport:
    """Origin probability map of a found object, and a drift file whose weights include the find's likelihood.

    Without ``drift``: a forward ensemble seeded uniformly over the origin area at
    ``origin_time`` (:func:`sarex.search.backtrack.backtrack`). With ``drift``: that case's
    particles are re-weighted by the find (SAROPS-style debris update) and the origin
    map is of their positions at the case's first output time. Writes ``origin.nc``,
    ``origin.geojson`` (50 % and 90 % origin areas), ``origin.png``, ``drift.nc`` and
    ``backtrack.json``.
    """
    from sarex.search.backtrack import Backtrack, Find, backtrack, reweight_by_find

    use_object_files(objects)
    find = Find(float(find_lon), float(find_lat), to_epoch_s(find_time), float(find_error_m))
    if drift is not None:
        from sarex.io.driftfile import read_drift

        ds = read_drift(drift)
        t_out = datetime64_to_epoch_s(ds["time"].values)
        if not (t_out[0] <= find.time_s <= t_out[-1]):
            raise SarexInputError(f"--find-time: {iso(find.time_s)} is outside the drift file's span {iso(t_out[0])} to {iso(t_out[-1])}")
        upd = reweight_by_find(ds, find, str(drift))
        bt = Backtrack(upd, np.asarray(ds["lon"].values[:, 0], float), np.asarray(ds["lat"].values[:, 0], float),
                       float(ds.attrs.get("lkp_lon", np.nan)), float(ds.attrs.get("lkp_lat", np.nan)), float(ds.attrs.get("lkp_radius_m", np.nan)), float(t_out[0]))
    else:
        if origin_time is None:
            raise SarexInputError("give --origin-time (when the object went adrift) or --drift CASE.nc")
        t0 = to_epoch_s(origin_time)
        environment = open_forcing(env, synthetic, t0, find.time_s)
        bt = backtrack(environment, object_class, find, t0, origin_lon=origin_lon, origin_lat=origin_lat,
                       origin_radius_m=None if origin_radius_km is None else 1000.0 * origin_radius_km,
                       particles=particles, seed_value=seed, coast=coast)
    grid = bt.origin_grid()
    areas = containment_areas(grid, (0.5, 0.9))
    clon, clat = bt.origin_centroid()
    summary = {
        "find": find.as_dict(),
        "origin_time": iso(bt.origin_time_s),
        "prior": {"lon": bt.prior_lon, "lat": bt.prior_lat, "radius_m": bt.prior_radius_m},
        "effective_particles": bt.update.effective_particles,
        "evidence": bt.update.evidence,
        "origin_centroid": {"lon": clon, "lat": clat},
        "origin_areas_nm2": {f"{a.level:g}": a.area_nm2 for a in areas},
    }
    written: list[Path] = []
    if target is not None:
        from shapely.geometry import Point

        feats = containment_features(areas) + [geojson_feature(Point(find.lon, find.lat), {"kind": "find", "time": iso(find.time_s)})]

        def body() -> None:
            from sarex.report.probmap import plot_probability

            target.write_file("origin.nc", grid.write_netcdf)
            target.write_text("origin.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))
            target.write_file("origin.png", lambda p: plot_probability(grid, p, areas=areas, lkp=(find.lon, find.lat), coast=coast))
            target.write_file("drift.nc", lambda p: write_drift(bt.update.dataset, p))
            target.write_text("backtrack.json", json.dumps(json_ready(summary), indent=2) + "\n")

        written = [Path(x) for x in run_into(target, body)]
    return BacktrackReport(summary, written)
