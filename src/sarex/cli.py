"""The ``sarex`` command line.

Every user mistake (:class:`~sarex.errors.SarexInputError`) ends as one line on
stderr and exit code 2, with no traceback and no half-written output.
Commands are grouped by domain below; each group lives in its own section.
"""

from __future__ import annotations

import functools
import math
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sarex.errors import SarexInputError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="sarex: maritime SAR planning and exercise evaluation.")
env_app = typer.Typer(no_args_is_help=True, help="Environment (wind and current) files.")
app.add_typer(env_app, name="env")

console = Console()
err_console = Console(stderr=True)


def user_errors(fn):
    """Turn SarexInputError into a one-line message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except SarexInputError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


def _pair(text: Optional[str], what: str) -> Optional[tuple[str, str]]:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise SarexInputError(f"{what}: {text!r} must be two variable names separated by a comma, e.g. u10,v10")
    return parts[0], parts[1]


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


# --- environment -------------------------------------------------------------------------


@env_app.command("synth")
@user_errors
def env_synth(
    start: str = typer.Option(..., help="First time, ISO 8601 UTC (floored to the hour)."),
    days: float = typer.Option(3.0, help="Length in days."),
    out: Path = typer.Option(..., help="Output CF-NetCDF file."),
    resolution_deg: float = typer.Option(0.05, help="Grid spacing, degrees."),
    variant: Optional[int] = typer.Option(None, help="Perturbed variant number (e.g. for an exercise's truth)."),
) -> None:
    """Write the built-in synthetic Korea Strait wind and current as CF-NetCDF."""
    from sarex.environment.synthetic import korea_strait_dataset
    from sarex.io.atomic import atomic_path

    ds = korea_strait_dataset(start, days, resolution_deg, variant)
    with atomic_path(out) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    console.print(f"wrote {out} ({ds.sizes['time']} hourly steps, {ds.sizes['lat']}x{ds.sizes['lon']} grid)")


# --- drift -------------------------------------------------------------------------------


@app.command("objects")
@user_errors
def objects(search: Optional[str] = typer.Argument(None, help="Only classes whose key or description contains this.")) -> None:
    """List the Leeway object classes and their coefficients."""
    from sarex.drift.objects import leeway_objects

    table = Table(title="Leeway object classes (slopes % of U10, offsets and S_yx cm/s)")
    for col in ("key", "description", "DW a", "DW b", "DW S", "CWR a", "CWR b", "CWL a", "CWL b"):
        table.add_column(col, overflow="fold")
    for o in leeway_objects().values():
        if search and search.lower() not in (o.key + " " + o.description).lower():
            continue
        table.add_row(
            o.key,
            ("  " * o.level) + o.description,
            f"{o.dw_slope_pct:g}",
            f"{o.dw_offset_cm_s:g}",
            f"{o.dw_std_cm_s:g}",
            f"{o.cwr_slope_pct:g}",
            f"{o.cwr_offset_cm_s:g}",
            f"{o.cwl_slope_pct:g}",
            f"{o.cwl_offset_cm_s:g}",
        )
    console.print(table)


@app.command("drift")
@user_errors
def drift(
    lon: float = typer.Option(..., help="Last known position, longitude (degrees east)."),
    lat: float = typer.Option(..., help="Last known position, latitude (degrees north)."),
    start: str = typer.Option(..., help="Time of the LKP, ISO 8601 UTC."),
    hours: float = typer.Option(24.0, help="Drift duration, h."),
    object_class: str = typer.Option("PIW-1", "--object", help="Leeway object class key (see 'sarex objects')."),
    out: Path = typer.Option(..., help="Output drift file (CF trajectory NetCDF)."),
    env: Optional[Path] = typer.Option(None, help="CF-NetCDF file with wind and current."),
    wind: Optional[Path] = typer.Option(None, help="CF-NetCDF file for wind (overrides --env)."),
    current: Optional[Path] = typer.Option(None, help="CF-NetCDF file for current (overrides --env)."),
    wind_vars: Optional[str] = typer.Option(None, help="Explicit wind variables 'U,V' (east,north)."),
    current_vars: Optional[str] = typer.Option(None, help="Explicit current variables 'U,V' (east,north)."),
    synthetic: bool = typer.Option(False, help="Use the built-in synthetic Korea Strait environment."),
    radius_m: float = typer.Option(0.0, help="LKP uncertainty radius, m."),
    radius_type: str = typer.Option("gaussian", help="'gaussian' (radius = std dev) or 'uniform' (disc)."),
    end_lon: Optional[float] = typer.Option(None, help="Cone release: end longitude."),
    end_lat: Optional[float] = typer.Option(None, help="Cone release: end latitude."),
    end_time: Optional[str] = typer.Option(None, help="Release until this time (cone or time window), ISO 8601."),
    end_radius_m: Optional[float] = typer.Option(None, help="Cone release: radius at the end, m."),
    particles: int = typer.Option(5000, help="Number of particles."),
    seed: int = typer.Option(0, help="Random seed (same seed, same output)."),
    step_min: float = typer.Option(10.0, help="Time step, minutes."),
    output_min: float = typer.Option(60.0, help="Output interval, minutes."),
    scheme: str = typer.Option("rk2", help="'euler' or 'rk2'."),
    outside: str = typer.Option("error", help="Outside a field's domain: 'error', 'deactivate' or 'fallback' (0 m/s)."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding on the coastline off."),
    jibe_probability: float = typer.Option(0.04, help="Jibing probability per hour."),
    capsize: bool = typer.Option(False, help="Allow capsizing in strong wind."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map of the cloud."),
) -> None:
    """Drift a search object from its last known position (Monte-Carlo Leeway)."""
    from sarex.drift import Release, simulate
    from sarex.environment import OutsidePolicy, open_environment
    from sarex.environment.synthetic import korea_strait_environment
    from sarex.io.driftfile import write_drift
    from sarex.times import to_epoch_s

    if outside not in [p.value for p in OutsidePolicy]:
        raise SarexInputError(f"--outside: {outside!r} must be one of error, deactivate, fallback")
    if synthetic:
        t0 = to_epoch_s(start)
        environment = korea_strait_environment(start, days=max(1.0, math.ceil((hours + 2) / 24.0)), outside=outside)
        del t0
    else:
        if env is None and (wind is None or current is None):
            raise SarexInputError("give --env FILE (or both --wind FILE and --current FILE), or --synthetic")
        environment = open_environment(env, wind, current, _pair(wind_vars, "--wind-vars"), _pair(current_vars, "--current-vars"), outside)
    release = Release(
        lon=lon,
        lat=lat,
        time_s=to_epoch_s(start),
        radius_m=radius_m,
        end_lon=end_lon,
        end_lat=end_lat,
        end_time_s=None if end_time is None else to_epoch_s(end_time),
        end_radius_m=end_radius_m,
        radius_type=radius_type,
    )
    with _progress() as prog:
        task = prog.add_task(f"drifting {particles} x {object_class}", total=1.0)
        ds = simulate(
            environment,
            object_class,
            release,
            hours=hours,
            particles=particles,
            seed_value=seed,
            step_s=step_min * 60.0,
            output_s=output_min * 60.0,
            scheme=scheme,
            coast=not no_coast,
            jibe_probability_per_hour=jibe_probability,
            capsize=capsize,
            progress=lambda i, n: prog.update(task, completed=i / n),
        )
    write_drift(ds, out)
    if plot is not None:
        from sarex.report.driftmap import plot_drift

        plot_drift(ds, plot, coast=not no_coast)
    _drift_summary(ds, out, plot)


def _drift_summary(ds, out: Path, plot: Optional[Path]) -> None:
    from sarex.drift.summary import summarize

    s = summarize(ds)
    table = Table(title=f"drift of {ds.attrs['object_class']} to {s['time']}", show_header=False)
    table.add_row("particles", f"{s['particles']}")
    table.add_row("centroid", f"{s['centroid_lon']:.4f} E  {s['centroid_lat']:.4f} N")
    table.add_row("spread (1 sd)", f"{s['spread_km']:.2f} km  (east {s['sd_east_km']:.2f} km, north {s['sd_north_km']:.2f} km)")
    table.add_row("centroid drift", f"{s['drift_km']:.2f} km towards {s['drift_bearing_deg']:.0f}°")
    table.add_row("stranded", f"{100 * s['stranded_fraction']:.1f} %")
    table.add_row("left domain", f"{100 * s['left_fraction']:.1f} %")
    table.add_row("written", str(out) + (f", {plot}" if plot else ""))
    console.print(table)


# --- probability, detection, search update (issue 4) -----------------------------------


# --- planning (issue 5) -----------------------------------------------------------------


# --- exercise (issue 6) -----------------------------------------------------------------


# --- environment inspection (issue 7) -----------------------------------------------------


@env_app.command("inspect")
@user_errors
def env_inspect(file: Path = typer.Argument(..., help="NetCDF or GRIB forcing file.")) -> None:
    """Show what sarex finds in a forcing file: variables, grid, CRS, domain, times, and what it cannot use."""
    from sarex.environment.inspect import format_time_step, inspect_file

    rep = inspect_file(file)
    console.print(f"[bold]{rep.path}[/] ({rep.format})", highlight=False)
    sn = Table(title="variables by standard_name", show_header=True)
    sn.add_column("standard_name")
    sn.add_column("variables")
    for name, vars_ in rep.standard_names.items():
        sn.add_row(name, ", ".join(vars_))
    console.print(sn)
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
        console.print(t)
    for line in rep.unusable:
        console.print(f"[yellow]cannot use[/] {line}", highlight=False, soft_wrap=True)


@env_app.command("sample")
@user_errors
def env_sample(
    files: list[Path] = typer.Argument(..., help="Forcing files, highest priority first."),
    points: Path = typer.Option(..., help="CSV with lon,lat columns (degrees)."),
    time: str = typer.Option(..., help="Time, ISO 8601 UTC."),
    out: Path = typer.Option(..., help="Output CSV: east/north wind and current (m/s) per point, blank where absent."),
) -> None:
    """Write the wind and current each point would get from FILES at TIME (check the forcing at the LKP)."""
    import numpy as np

    from sarex.environment.probe import format_csv, probe
    from sarex.io.atomic import write_text_atomic
    from sarex.io.pointscsv import read_points_csv
    from sarex.times import to_epoch_s

    try:
        t = to_epoch_s(time)
    except (ValueError, TypeError) as exc:
        raise SarexInputError(f"--time: {time!r} is not an ISO 8601 time ({exc})") from None
    pts = read_points_csv(points)
    res = probe(list(files), pts.lon, pts.lat, t)
    write_text_atomic(out, format_csv(pts.lon, pts.lat, res))
    nw = int(np.isfinite(res.wind_u).sum())
    nc = int(np.isfinite(res.current_u).sum())
    console.print(f"wrote {out}: {pts.lon.size} points, wind at {nw}, current at {nc}")



# --- demo -------------------------------------------------------------------------------


@app.command("demo")
@user_errors
def demo(out: Path = typer.Option(Path("out"), help="Output folder.")) -> None:
    """Run the built-in Korea Strait case end to end into OUT."""
    from sarex.demo import run_demo

    run_demo(out, console)


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
