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


def _levels(text: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SarexInputError(f"--levels: {text!r} must be fractions separated by commas, e.g. 0.5,0.9,0.95") from None
    if not vals or any(not (0.0 < v <= 1.0) for v in vals):
        raise SarexInputError(f"--levels: {text!r} must be fractions in (0, 1], e.g. 0.5,0.9,0.95")
    return sorted(set(vals))


@app.command("probability")
@user_errors
def probability(
    drift_file: Path = typer.Argument(..., help="Drift file (CF trajectory NetCDF)."),
    time: str = typer.Option(..., "--time", help="Time of the map, ISO 8601 UTC (inside the drift output)."),
    cell_nm: float = typer.Option(1.0, help="Cell size, nautical miles."),
    out: Path = typer.Option(..., help="Output probability grid (CF-NetCDF)."),
    geojson: Optional[Path] = typer.Option(None, help="Also write containment areas and the IAMSAR datum area as GeoJSON."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map."),
    levels: str = typer.Option("0.5,0.9,0.95", help="Containment levels, fractions separated by commas."),
    extent_nm: Optional[float] = typer.Option(None, help="Half-width of the grid around the centroid, nm (default: fit the cloud)."),
    smooth_nm: Optional[float] = typer.Option(None, help="Smooth the map with a normal kernel of this standard deviation, nm (small ensembles)."),
    nearest: bool = typer.Option(False, "--nearest", help="Use the nearest output time instead of interpolating."),
    x_nm: Optional[float] = typer.Option(None, help="Datum method: initial position error X, nm (default: the LKP radius)."),
    y_nm: float = typer.Option(0.1, help="Datum method: navigational error Y of the search unit, nm."),
    fs: Optional[float] = typer.Option(None, help="Datum method: search factor (default 1.1, first search)."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Do not draw land on the map."),
) -> None:
    """Probability map, containment areas and the IAMSAR datum area at one time."""
    import contextlib

    from sarex.io.atomic import atomic_path
    from sarex.io.driftfile import read_drift
    from sarex.search.containment import containment_areas, containment_features, geojson_feature, write_geojson
    from sarex.search.datum import iamsar_datum
    from sarex.search.grid import ProbabilityGrid

    lv = _levels(levels)
    ds = read_drift(drift_file)
    grid = ProbabilityGrid.from_drift(ds, time, cell_nm=cell_nm, extent_nm=extent_nm, interpolate=not nearest, source=str(drift_file))
    if smooth_nm is not None:
        grid = grid.smoothed(smooth_nm)
    areas = containment_areas(grid, lv)
    datum = iamsar_datum(ds, grid.time_s, x_nm=x_nm, y_nm=y_nm, fs=fs)
    lkp = (float(ds.attrs["lkp_lon"]), float(ds.attrs["lkp_lat"])) if "lkp_lon" in ds.attrs else None
    with contextlib.ExitStack() as stack:
        tmp_out = stack.enter_context(atomic_path(out))
        grid.write_netcdf(tmp_out)
        if geojson is not None:
            feats = containment_features(areas)
            props = {"kind": "iamsar-datum", **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in datum.summary().items()}}
            feats.append(geojson_feature(datum.square, {**props, "kind": "iamsar-square"}))
            feats.append(geojson_feature(datum.circle, {**props, "kind": "iamsar-circle"}))
            from shapely.geometry import Point

            feats.append(geojson_feature(Point(datum.datum_lon, datum.datum_lat), props))
            write_geojson(stack.enter_context(atomic_path(geojson)), feats)
        if plot is not None:
            from sarex.report.probmap import plot_probability

            plot_probability(grid, stack.enter_context(atomic_path(plot)), areas, datum, lkp, coast=not no_coast)
    table = Table(title=f"probability map of {drift_file.name} at {datum.summary()['time']}", show_header=True)
    table.add_column("quantity")
    table.add_column("value")
    table.add_row("grid", f"{grid.shape[1]} x {grid.shape[0]} cells of {grid.cell_nm:g} nm")
    table.add_row("afloat / stranded / left domain", f"{100 * grid.afloat_probability:.1f} % / {100 * grid.stranded_probability:.1f} % / {100 * grid.left_weight:.1f} %")
    for a in areas:
        table.add_row(f"{100 * a.level:g} % containment", f"{a.area_nm2:.1f} nm² ({a.parts} part{'s' if a.parts != 1 else ''}, {a.holes} hole{'s' if a.holes != 1 else ''})")
    table.add_row("IAMSAR datum", f"{datum.datum_lon:.4f} E {datum.datum_lat:.4f} N, drift {datum.drift_distance_nm:.1f} nm")
    table.add_row("E = sqrt(X²+Y²+De²)", f"sqrt({datum.x_nm:.2f}² + {datum.y_nm:.2f}² + {datum.de_nm:.2f}²) = {datum.e_nm:.2f} nm")
    table.add_row("R = fs·E, square", f"{datum.fs:g} x {datum.e_nm:.2f} = {datum.radius_nm:.2f} nm, {datum.area_nm2:.1f} nm²")
    table.add_row("written", ", ".join(str(p) for p in (out, geojson, plot) if p is not None))
    console.print(table)


def _sweep_width_from_category(text: str, ds, visibility_nm: float, fatigue: bool, weather_factor: float, speed_kn: Optional[float]) -> float:
    from sarex.search.sweepwidth import SEARCH_OBJECTS, search_object_for_leeway, sweep_width_nm

    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise SarexInputError(f"--sweep-width-category: {text!r} must be OBJECT:PLATFORM[:ALT_M], e.g. raft-4:helicopter:300")
    obj, platform = parts[0], parts[1]
    if obj == "auto":
        obj = search_object_for_leeway(str(ds.attrs.get("object_class", "")))
    elif obj not in SEARCH_OBJECTS:
        obj = search_object_for_leeway(obj)
    try:
        alt = float(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise SarexInputError(f"--sweep-width-category: altitude {parts[2]!r} must be a number of metres") from None
    return sweep_width_nm(obj, platform, alt, visibility_nm, weather_factor, fatigue, speed_kn)


@app.command("search-update")
@user_errors
def search_update(
    drift_file: Path = typer.Argument(..., help="Drift file (CF trajectory NetCDF)."),
    track: list[Path] = typer.Option(..., "--track", help="GPX file of a search unit's timed track (repeat for more units)."),
    sweep_width_nm: Optional[float] = typer.Option(None, help="Sweep width W, nautical miles."),
    sweep_width_category: Optional[str] = typer.Option(
        None, help="OBJECT:PLATFORM[:ALT_M] from the IAMSAR tables (OBJECT a search object, a Leeway class or 'auto')."
    ),
    model: str = typer.Option("inverse-cube", help="Detection model: inverse-cube, random (exponential) or definite."),
    visibility_nm: float = typer.Option(10.0, help="Visibility for --sweep-width-category, nm."),
    weather_factor: float = typer.Option(1.0, help="Weather correction fw for --sweep-width-category."),
    fatigue: bool = typer.Option(False, help="Apply the fatigue correction 0.9 for --sweep-width-category."),
    speed_kn: Optional[float] = typer.Option(None, help="Aircraft search speed for the velocity correction, kn."),
    label: str = typer.Option("", help="Name of this search in the record."),
    out: Path = typer.Option(..., help="Output drift file with updated weights."),
) -> None:
    """Apply an unsuccessful search to a drift file (Bayesian update); print POS and cumulative POS."""
    from sarex.io.driftfile import read_drift, write_drift
    from sarex.search.bayes import apply_search
    from sarex.search.detection import SearchUnit, model_name
    from sarex.search.track import read_gpx_tracks

    model = model_name(model)
    if (sweep_width_nm is None) == (sweep_width_category is None):
        raise SarexInputError("give exactly one of --sweep-width-nm W or --sweep-width-category OBJECT:PLATFORM[:ALT_M]")
    if sweep_width_nm is not None and not (sweep_width_nm > 0.0 and math.isfinite(sweep_width_nm)):
        raise SarexInputError(f"--sweep-width-nm: {sweep_width_nm} must be > 0")
    ds = read_drift(drift_file)
    w_nm = sweep_width_nm if sweep_width_nm is not None else _sweep_width_from_category(
        sweep_width_category, ds, visibility_nm, fatigue, weather_factor, speed_kn
    )
    units = [SearchUnit(tr, w_nm * 1852.0, model) for path in track for tr in read_gpx_tracks(path)]
    outcome = apply_search(ds, units, label=label, source=str(drift_file))
    write_drift(outcome.dataset, out)
    table = Table(title=f"search update of {drift_file.name}")
    for col in ("unit", "points", "start", "end", "W (nm)", "model"):
        table.add_column(col)
    for u in outcome.record["units"]:
        table.add_row(u["name"], str(u["waypoints"]), u["start"], u["end"], f"{u['sweep_width_nm']:.2f}", u["model"])
    console.print(table)
    res = Table(show_header=False)
    res.add_row("POS of this search", f"{100 * outcome.pos:.2f} %")
    res.add_row("cumulative POS", f"{100 * outcome.cumulative_pos:.2f} %  (search {outcome.record['search']})")
    res.add_row("written", str(out))
    console.print(res)


# --- planning (issue 5) -----------------------------------------------------------------


# --- exercise (issue 6) -----------------------------------------------------------------


# --- environment inspection (issue 7) -----------------------------------------------------


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
