"""``sarex env synth|inspect|sample|fetch|plan``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from sarex.cli.console import FORCE_HELP, console, note, user_errors
from sarex.errors import SarexInputError

env_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Environment (wind and current) files.")


@env_app.command("synth")
@user_errors
def env_synth(
    start: str = typer.Option(..., help="First time, ISO 8601 with zone or a DTG (floored to the hour)."),
    days: float = typer.Option(3.0, help="Length in days."),
    out: Path = typer.Option(..., help="Output CF-NetCDF file."),
    resolution_deg: float = typer.Option(0.05, help="Grid spacing, degrees."),
    variant: Optional[int] = typer.Option(None, help="Perturbed variant number (e.g. for an exercise's truth)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Write the built-in synthetic Korea Strait wind and current as CF-NetCDF."""
    from sarex.app import FileSetTarget, build
    from sarex.app.env import EnvSynthRequest, env_synth as run

    req = build(EnvSynthRequest, start=start, days=days, resolution_deg=resolution_deg, variant=variant)
    res = run(req, FileSetTarget({"env.nc": out}, labels={"env.nc": "--out"}, force=force))
    console().print(f"wrote {out} ({res.steps} hourly steps, {res.nlat}x{res.nlon} grid)")


@env_app.command("inspect")
@user_errors
def env_inspect(file: str = typer.Argument(..., help="NetCDF or GRIB forcing file, or an OPeNDAP/file:// URL.")) -> None:
    """Show what sarex finds in a forcing file: variables, grid, CRS, domain, times, and what it cannot use."""
    from sarex.app import build
    from sarex.app.env import EnvInspectRequest, env_inspect as run
    from sarex.environment.inspect import format_time_step

    rep = run(build(EnvInspectRequest, file=file))
    out = console()
    out.print(Text(f"{rep.path}", style="bold") + Text(f" ({rep.format})"))
    sn = Table(title="variables by standard_name", show_header=True)
    sn.add_column("standard_name")
    sn.add_column("variables")
    for name, vars_ in rep.standard_names.items():
        sn.add_row(name, ", ".join(vars_))
    out.print(sn)
    for v in rep.vectors:
        t = Table(title=f"{v.kind}: usable", show_header=False)
        t.add_row("variables", v.variables + (f"  ({v.standard_names})" if v.standard_names else ""))
        t.add_row("grid", v.grid)
        t.add_row("CRS", v.crs)
        t.add_row("orientation", "grid-relative, rotated to east/north" if v.rotated else "east/north")
        if v.level:
            t.add_row("vertical level", v.level)
        t.add_row("domain", f"lon {v.lon_range[0]:.4f} to {v.lon_range[1]:.4f}, lat {v.lat_range[0]:.4f} to {v.lat_range[1]:.4f}")
        t.add_row("time", "constant" if v.time_start is None else f"{v.time_start} to {v.time_end}")
        t.add_row("time step", format_time_step(v.time_step_s))
        out.print(t)
    for line in rep.unusable:
        out.print(Text("cannot use ", style="yellow") + Text(line), soft_wrap=True)


@env_app.command("sample")
@user_errors
def env_sample(
    files: list[Path] = typer.Argument(..., help="Forcing files, highest priority first."),
    points: Path = typer.Option(..., help="CSV with lon,lat columns (degrees)."),
    time: str = typer.Option(..., help="Time, ISO 8601 with zone or a DTG."),
    out: Path = typer.Option(..., help="Output CSV: east/north wind and current (m/s) per point, blank where absent."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Write the wind and current each point would get from FILES at TIME (check the forcing at the LKP)."""
    from sarex.app import FileSetTarget, build
    from sarex.app.env import EnvSampleRequest, env_sample as run

    req = build(EnvSampleRequest, files=list(files), points=points, time=time)
    target = FileSetTarget({"samples.csv": out}, labels={"samples.csv": "--out"}, inputs=[*files, points], force=force)
    res = run(req, target)
    console().print(f"wrote {out}: {res.points} points, wind at {res.wind_points}, current at {res.current_points}")


def _area(text: Optional[str]) -> Optional[tuple[float, ...]]:

    if text is None:
        return None
    parts = text.split(",")
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        vals = ()
    if len(vals) != 4:
        raise SarexInputError(f"--area: {text!r} must be four numbers lon0,lat0,lon1,lat1 (degrees)")
    return vals


@env_app.command("fetch")
@user_errors
def env_fetch(
    source: Optional[str] = typer.Option(None, help="cmems, hycom, gfs, ecmwf or opendap:URL; default: the forcing catalogue's sources in priority order, falling back."),
    variable: str = typer.Option("both", "--variable", help="wind, current or both."),
    area: Optional[str] = typer.Option(None, help="Box lon0,lat0,lon1,lat1 (degrees); default: around --lon/--lat, reachable in --hours."),
    lon: Optional[float] = typer.Option(None, help="Last known position, longitude (degrees east): the box follows from it and --hours."),
    lat: Optional[float] = typer.Option(None, help="Last known position, latitude (degrees north)."),
    start: str = typer.Option(..., help="First time, ISO 8601 with zone or a DTG."),
    hours: float = typer.Option(48.0, help="Span, h."),
    run: Optional[str] = typer.Option(None, help="Model run (GFS/ECMWF); default: the latest at or before --start."),
    cache: Path = typer.Option(..., help="Cache folder: one CF-NetCDF file per request, written atomically."),
    base_url: Optional[str] = typer.Option(None, help="The provider's address (a mirror); for hycom the OPeNDAP URL."),
    product: Optional[str] = typer.Option(None, help="CMEMS dataset id (default: the global hourly physics)."),
) -> None:
    """Fetch wind and/or current for an area and span from a provider into a cache folder (CF-NetCDF, provenance attributes)."""
    from sarex.app import build
    from sarex.app.env import EnvFetchRequest, env_fetch as run_fetch

    req = build(EnvFetchRequest, source=source, kind=variable, area=_area(area), lon=lon, lat=lat, start=start, hours=hours,
                run=run, cache=cache, base_url=base_url, product=product)
    out = console()
    for r in run_fetch(req, warn=lambda m: note(m, "warning:")):
        dims = " x ".join(f"{k} {v}" for k, v in r.shape.items())
        how = "already in the cache" if r.reused else f"{r.bytes_transferred / 1e6:.2f} MB transferred"
        run_txt = f" run {r.run}," if r.run else ""
        out.print(Text(f"{r.source} {r.product}:{run_txt} {', '.join(r.variables)} ({dims}), {r.time_start} to {r.time_end}, {how} -> {r.path}"), soft_wrap=True)
        for w in r.warnings:
            note(w, "warning:")


@env_app.command("plan")
@user_errors
def env_plan(
    lon: float = typer.Option(..., help="Longitude (degrees east)."),
    lat: float = typer.Option(..., help="Latitude (degrees north)."),
    start: str = typer.Option(..., help="First time, ISO 8601 with zone or a DTG."),
    hours: float = typer.Option(48.0, help="Span, h."),
    catalogue: Optional[Path] = typer.Option(None, help="Forcing catalogue TOML (default: the shipped one)."),
) -> None:
    """Say which forcing sources the catalogue would use for a position and span, in priority order, and why."""
    from sarex.app import build
    from sarex.app.env import EnvPlanRequest, env_plan as run_plan

    choices = run_plan(build(EnvPlanRequest, lon=lon, lat=lat, start=start, hours=hours, catalogue=catalogue))
    out = console()
    for kind in ("wind", "current"):
        rows = [c for c in choices if c.kind == kind]
        first = next((c for c in rows if c.usable), None)
        t = Table(title=f"{kind} ({rows[0].region if rows else '-'})", show_header=True)
        for col in ("", "source", "product", "why"):
            t.add_column(col)
        for c in rows:
            mark = "use" if c is first else ("fallback" if c.usable else "no")
            t.add_row(mark, c.source.source, c.source.product, c.why)
        out.print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
