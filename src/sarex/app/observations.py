"""Use cases of observations in the loop (issue 16): forecast skill against observed trajectories."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from sarex.app.output import OutputTarget, run_into
from sarex.errors import SarexInputError
from sarex.io.trajectories import read_trajectories
from sarex.search.skill import DEFAULT_LEAD_HOURS, TrajectorySkill, forecast_skill, tracks_to_forecast


def load_forecast(path: str | Path) -> xr.Dataset:
    """A forecast ensemble as a drift dataset: a sarex drift file, an OpenDrift file or any CF trajectory file."""
    from sarex.io.driftfile import read_drift

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

    def as_dict(self) -> dict:
        return {"forecast": self.forecast, "observed": self.observed, "trajectories": [r.as_dict() for r in self.results]}


def skill(
    forecast: str | Path,
    observed: str | Path,
    target: OutputTarget | None = None,
    lead_hours=DEFAULT_LEAD_HOURS,
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


def json_ready(obj):
    """Replace NaN/inf by None and numpy scalars by Python numbers, recursively (strict JSON)."""
    import math

    import numpy as np

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


def open_forcing(env: str | Path | None, synthetic: bool, start_s: float, end_s: float, outside: str = "error"):
    """The forcing for a command: a CF-NetCDF file with wind and current, or the synthetic Korea Strait field over [start, end]."""
    import math

    from sarex.times import iso

    if synthetic:
        from sarex.environment.synthetic import korea_strait_environment

        return korea_strait_environment(iso(math.floor(start_s / 3600.0) * 3600.0), days=max(1.0, math.ceil((end_s - start_s) / 86400.0 + 0.1)), outside=outside)
    if env is None:
        raise SarexInputError("give --env FILE (wind and current) or --synthetic")
    from sarex.environment import open_environment

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
    import tomllib

    from sarex.drift.custom_objects import ObjectSpec

    ObjectSpec.model_validate(tomllib.loads(text)["object"][0])
    written = None
    if target is not None:
        written = Path(run_into(target, lambda: target.write_text("object.toml", text))[0])
    return FitReport(fit, len(tracks), text, written)
