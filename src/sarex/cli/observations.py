"""``sarex skill``, ``sarex fit-object``, ``sarex backtrack``: observations in the loop (issue 16)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from sarex.app.objects import OBJECTS_HELP
from sarex.cli.console import FORCE_HELP, console, note, user_errors
from sarex.errors import SarexInputError
from sarex.app.output import FileSetTarget, FolderTarget


def _floats(text: str, what: str) -> list[float]:
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SarexInputError(f"{what}: {text!r} must be numbers separated by commas, e.g. 6,12,24") from None
    if not vals or not all(math.isfinite(v) and v > 0 for v in vals):
        raise SarexInputError(f"{what}: {text!r} must be positive numbers separated by commas")
    return vals


def _fmt(x, nd=2) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def register(app: typer.Typer) -> None:
    """Add the commands to the ``sarex`` app."""
    app.command("skill")(user_errors(skill_cmd))
    app.command("fit-object")(user_errors(fit_object_cmd))
    app.command("backtrack")(user_errors(backtrack_cmd))


def skill_cmd(
    forecast: Path = typer.Argument(..., help="Forecast: a sarex drift file, an OpenDrift output or any CF trajectory file."),
    observed: Path = typer.Argument(..., help="Observed trajectories: CF trajectory NetCDF, GPX or CSV (time,lon,lat[,id])."),
    out: Optional[Path] = typer.Option(None, help="Folder for skill.json and skill.png (replaced as a whole)."),
    lead_hours: str = typer.Option("6,12,24", help="Lead times, h, separated by commas."),
    tolerance: float = typer.Option(1.0, help="Liu–Weisberg tolerance threshold n (ss = max(0, 1 - s/n))."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Do not write skill.png."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Score a drift forecast against observed trajectories (separation, Liu–Weisberg skill, containment)."""
    from sarex.app.observations import skill

    leads = _floats(lead_hours, "--lead-hours")
    target = None if out is None else FolderTarget(out, inputs=[forecast, observed], force=force)
    rep = skill(forecast, observed, target, lead_hours=leads, n=tolerance, plot=not no_plot)
    for r in rep.results:
        t = Table(title=f"{r.observed_id}: Liu–Weisberg ss {_fmt(r.liu_weisberg['ss'])} over {r.lead_h[-1]:g} h "
                        f"(members median {_fmt(r.liu_weisberg['members_ss']['p50'])})")
        for col in ("lead h", "centroid sep. km", "members sep. km p50 [p5–p95]", "LW ss centroid", "LW ss members p50", "containment", "in 50 %", "in 90 %"):
            t.add_column(col, justify="right")
        for h, e in r.at_lead.items():
            m = e["members_separation_km"]
            lev = e.get("containment_level")
            t.add_row(
                f"{h:g}", _fmt(e["separation_km"]), f"{_fmt(m['p50'])} [{_fmt(m['p5'])}–{_fmt(m['p95'])}]",
                _fmt(e["liu_weisberg"]["ss"]), _fmt(e["liu_weisberg"]["members_ss"]["p50"]),
                _fmt(lev), "yes" if e.get("inside_50") else "no", "yes" if e.get("inside_90") else "no",
            )
        console().print(t)
    if rep.written:
        console().print("wrote " + ", ".join(str(p) for p in rep.written))


def fit_object_cmd(
    observed: Path = typer.Argument(..., help="Observed trajectories of objects of one class: CF trajectory NetCDF, GPX or CSV."),
    env: Optional[str] = typer.Option(None, help="CF-NetCDF file or OPeNDAP/file:// URL with wind and current over the tracks."),
    synthetic: bool = typer.Option(False, help="Use the built-in synthetic Korea Strait environment."),
    kind: str = typer.Option("windage", help="'windage' (current + α·wind) or 'leeway' (downwind/crosswind slope and offset)."),
    key: str = typer.Option("FITTED", help="Class key for the object file."),
    out: Optional[Path] = typer.Option(None, help="Write the fitted class as an object TOML (use it with --objects)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Least-squares drift coefficients of an object class from observed tracks and the forcing."""
    from sarex.app.observations import fit_object_file

    target = None if out is None else FileSetTarget({"object.toml": out}, labels={"object.toml": "--out"}, inputs=[observed, _local(env)], force=force)
    rep = fit_object_file(observed, env, synthetic, kind, key, target)
    f = rep.fit
    t = Table(title=f"{f.kind} fit to {rep.tracks} track(s), {f.intervals} intervals")
    t.add_column("coefficient")
    t.add_column("estimate", justify="right")
    t.add_column("standard error", justify="right")
    for k, v in f.coefficients.items():
        se = f.standard_errors.get(k)
        t.add_row(k, f"{v:.4g}", "" if se is None else f"{se:.2g}")
    console().print(t)
    if rep.written:
        console().print(f"wrote {rep.written}")


def backtrack_cmd(
    find_lon: float = typer.Option(..., help="Where the object was found, longitude (degrees east)."),
    find_lat: float = typer.Option(..., help="Where the object was found, latitude (degrees north)."),
    find_time: str = typer.Option(..., help="When it was found, ISO 8601 with zone."),
    find_error_m: float = typer.Option(500.0, help="Position error of the find, m (1 standard deviation per axis)."),
    out: Path = typer.Option(..., help="Output folder: origin.nc, origin.geojson, origin.png, drift.nc, backtrack.json."),
    drift: Optional[Path] = typer.Option(None, help="Re-weight this case's drift file by the find instead of seeding a new ensemble."),
    origin_time: Optional[str] = typer.Option(None, help="When the object went adrift (origin map time), ISO 8601."),
    object_class: str = typer.Option("PIW-1", "--object", help="Object class key (built-in or from --objects)."),
    origin_lon: Optional[float] = typer.Option(None, help="Centre of the prior origin area (default: reverse-time mean track)."),
    origin_lat: Optional[float] = typer.Option(None, help="Centre of the prior origin area, latitude."),
    origin_radius_km: Optional[float] = typer.Option(None, help="Radius of the uniform prior origin disc, km (default from the leeway spread)."),
    particles: int = typer.Option(50000, help="Forward particles."),
    seed: int = typer.Option(0, help="Random seed."),
    env: Optional[str] = typer.Option(None, help="CF-NetCDF file or OPeNDAP/file:// URL with wind and current."),
    synthetic: bool = typer.Option(False, help="Use the built-in synthetic Korea Strait environment."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding off."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
) -> None:
    """Where did a found object come from? Origin probability map by forward ensembles and likelihood weighting."""
    from sarex.app.observations import backtrack_find

    target = FolderTarget(out, inputs=[drift, _local(env)], force=force)
    rep = backtrack_find(find_lon, find_lat, find_time, find_error_m, drift=drift, origin_time=origin_time, object_class=object_class,
                         origin_lon=origin_lon, origin_lat=origin_lat, origin_radius_km=origin_radius_km, particles=particles, seed=seed,
                         env=env, synthetic=synthetic, coast=not no_coast, target=target, objects=tuple(objects or ()))
    s = rep.summary
    t = Table(title=f"origin at {s['origin_time']} of the find at {s['find']['time']}", show_header=False)
    t.add_row("origin centroid", f"{s['origin_centroid']['lon']:.4f} E  {s['origin_centroid']['lat']:.4f} N")
    for k, v in s["origin_areas_nm2"].items():
        t.add_row(f"{float(k) * 100:.0f} % origin area", f"{v:.1f} NM²")
    t.add_row("effective particles", f"{s['effective_particles']:.0f}")
    t.add_row("written", ", ".join(str(p) for p in rep.written))
    console().print(t)
    if s["effective_particles"] < 100:
        note(f"only {s['effective_particles']:.0f} effective particles: the origin map is noisy; use more --particles, "
             "a smaller --origin-radius-km or a larger --find-error-m")


def _local(source: Optional[str]) -> Optional[Path]:
    """The local file a forcing source names (an output must not overwrite it); None for an http(s) URL."""
    from sarex.environment.remote import is_remote, local_path

    return None if source is None or is_remote(source) else local_path(source)
