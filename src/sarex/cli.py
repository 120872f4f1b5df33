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
    wind: Optional[list[Path]] = typer.Option(None, help="CF-NetCDF or GRIB file for wind (overrides --env); repeat for fallbacks in priority order."),
    current: Optional[list[Path]] = typer.Option(None, help="CF-NetCDF file for current (overrides --env); repeat for fallbacks in priority order."),
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
        environment = korea_strait_environment(start, days=max(1.0, math.ceil((hours + 2) / 24.0)), outside=outside)
    else:
        if env is None and (not wind or not current):
            raise SarexInputError("give --env FILE (or both --wind FILE and --current FILE), or --synthetic")
        environment = open_environment(env, wind or None, current or None, _pair(wind_vars, "--wind-vars"), _pair(current_vars, "--current-vars"), outside)
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
    _drift_summary(ds, out, plot, environment)


@app.command("drift-continue")
@user_errors
def drift_continue(
    drift_file: Path = typer.Argument(..., help="Drift file to continue (possibly updated by searches)."),
    hours: float = typer.Option(..., help="Additional hours."),
    out: Path = typer.Option(..., help="Output drift file (the whole history plus the continuation)."),
    env: Optional[Path] = typer.Option(None, help="CF-NetCDF file with wind and current for the continuation."),
    wind: Optional[list[Path]] = typer.Option(None, help="Wind file(s) (overrides --env), in priority order."),
    current: Optional[list[Path]] = typer.Option(None, help="Current file(s) (overrides --env), in priority order."),
    synthetic: bool = typer.Option(False, help="Use the built-in synthetic Korea Strait environment."),
    outside: str = typer.Option("error", help="Outside a field's domain: 'error', 'deactivate' or 'fallback' (0 m/s)."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding off."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map of the cloud."),
) -> None:
    """Continue a drift past the end of its file (e.g. with a newer forecast), keeping weights and searches."""
    from sarex.drift.continuation import continue_drift
    from sarex.environment import OutsidePolicy, open_environment
    from sarex.environment.synthetic import korea_strait_environment
    from sarex.io.driftfile import read_drift, write_drift
    from sarex.times import datetime64_to_epoch_s, iso

    if outside not in [p.value for p in OutsidePolicy]:
        raise SarexInputError(f"--outside: {outside!r} must be one of error, deactivate, fallback")
    if not (hours > 0):
        raise SarexInputError(f"--hours: {hours} must be > 0")
    ds = read_drift(drift_file)
    if synthetic:
        t_last = float(datetime64_to_epoch_s(ds["time"].values[-1:])[0])
        environment = korea_strait_environment(iso(t_last), days=max(1.0, math.ceil((hours + 2) / 24.0)), outside=outside)
    else:
        if env is None and (not wind or not current):
            raise SarexInputError("give --env FILE (or both --wind FILE and --current FILE), or --synthetic")
        environment = open_environment(env, wind or None, current or None, outside=outside)
    with _progress() as prog:
        task = prog.add_task(f"continuing {ds.sizes['trajectory']} particles", total=1.0)
        res = continue_drift(environment, ds, hours, coast=not no_coast, progress=lambda i, n: prog.update(task, completed=i / n))
    write_drift(res, out)
    if plot is not None:
        from sarex.report.driftmap import plot_drift

        plot_drift(res, plot, coast=not no_coast)
    _drift_summary(res, out, plot, environment)


def _drift_summary(ds, out: Path, plot: Optional[Path], environment=None) -> None:
    from sarex.drift.summary import summarize
    from sarex.environment.stack import describe_counts

    s = summarize(ds)
    table = Table(title=f"drift of {ds.attrs['object_class']} to {s['time']}", show_header=False)
    table.add_row("particles", f"{s['particles']}")
    table.add_row("centroid", f"{s['centroid_lon']:.4f} E  {s['centroid_lat']:.4f} N")
    table.add_row("spread (1 sd)", f"{s['spread_km']:.2f} km  (east {s['sd_east_km']:.2f} km, north {s['sd_north_km']:.2f} km)")
    table.add_row("centroid drift", f"{s['drift_km']:.2f} km towards {s['drift_bearing_deg']:.0f}°")
    table.add_row("stranded", f"{100 * s['stranded_fraction']:.1f} %")
    table.add_row("left domain", f"{100 * s['left_fraction']:.1f} %")
    if environment is not None:
        for what, fld in (("wind", environment.wind), ("current", environment.current)):
            used = describe_counts(fld)
            if used is not None:
                table.add_row(f"{what} sources", used)
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


@app.command("plan")
@user_errors
def plan(
    drift_file: Path = typer.Argument(..., help="Drift file (CF trajectory NetCDF from 'sarex drift', possibly updated by searches)."),
    units: Optional[Path] = typer.Option(None, help="Unit catalogue (TOML); default: the built-in Korea–Japan example."),
    start: str = typer.Option(..., help="Start of the search period, ISO 8601 UTC."),
    hours: float = typer.Option(..., help="Length of the search period, h."),
    out: Path = typer.Option(..., help="Output folder (replaced as a whole when the plan is complete)."),
    seed: int = typer.Option(0, help="Seed of the planner's particle subsamples (same seed, same plan)."),
    detection: str = typer.Option("exponential", help="Detection model: exponential, inverse-cube or definite."),
    visibility_nm: float = typer.Option(10.0, help="Meteorological visibility for the sweep-width tables, NM."),
    weather_factor: float = typer.Option(1.0, help="IAMSAR weather correction fw for the sweep widths."),
    fatigue: bool = typer.Option(False, help="Apply the IAMSAR fatigue correction (0.9)."),
    search_object: Optional[str] = typer.Option(None, help="Sweep-width search object for units that give none (default: from the drift's object class)."),
    step_min: float = typer.Option(30.0, help="Time step for sampling the particles through the period, minutes."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Ignore the coastline: ship areas may touch land, no land on the map."),
) -> None:
    """Plan a multi-unit search: areas, patterns, routes (GPX/RTZ), KML, GeoJSON, SAP messages, map."""
    from sarex.io.driftfile import read_drift, searches_applied
    from sarex.planning.cloud import period_cloud
    from sarex.planning.coverage import DETECTION_MODELS
    from sarex.planning.output import write_plan_folder
    from sarex.planning.planner import Planner
    from sarex.planning.sru import make_sru, unit_sweep_width_nm
    from sarex.planning.units import NM_TO_M, example_catalogue_path, load_units
    from sarex.times import to_epoch_s

    if detection not in DETECTION_MODELS:
        raise SarexInputError(f"--detection: {detection!r} must be one of {', '.join(DETECTION_MODELS)}")
    if not hours > 0:
        raise SarexInputError(f"--hours: {hours!r} must be > 0")
    if not step_min > 0:
        raise SarexInputError(f"--step-min: {step_min!r} must be > 0")
    units_path = units if units is not None else example_catalogue_path()
    catalogue = load_units(units_path)
    t0 = to_epoch_s(start)
    ds = read_drift(drift_file)
    cloud = period_cloud(ds, t0, t0 + hours * 3600.0, step_min * 60.0, str(drift_file))
    obj = ds.attrs.get("object_class")
    srus = []
    widths = {}
    for u in catalogue.units:
        w = unit_sweep_width_nm(u, obj, visibility_nm, weather_factor, fatigue, search_object, str(units_path))
        widths[u.id] = w
        srus.append(make_sru(u, cloud.frame, t0, w))
    land = None
    if not no_coast:
        from sarex.planning.land import land_around_cloud

        land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    with _progress() as prog:
        task = prog.add_task(f"planning {len(srus)} units over {cloud.x.shape[0]} particles", total=None)
        result = Planner(cloud, detection, seed, land=land).plan(srus)
        prog.update(task, completed=1)
    situation = {"object": obj or "unknown", "particles": int(cloud.x.shape[0]), "searches": len(searches_applied(ds))}
    if "lkp_lon" in ds.attrs and "lkp_lat" in ds.attrs:
        situation.update(lkp_lon=float(ds.attrs["lkp_lon"]), lkp_lat=float(ds.attrs["lkp_lat"]), lkp_time=ds.attrs.get("lkp_time", ""))
    write_plan_folder(out, result, cloud, catalogue, situation, coast=not no_coast)
    by_id = {u.id: u for u in catalogue.units}
    from rich import box

    table = Table(title=f"search plan {start} + {hours:g} h ({detection} detection)", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("unit", "nat", "area", "pat", "S nm", "effort nm²", "on task Z", "POD", "POS"):
        table.add_column(col, justify="right" if col not in ("unit", "nat", "pat") else "left", no_wrap=True)
    for k, a in enumerate(result.assignments, start=1):
        u = by_id[a.unit_id]
        table.add_row(
            u.id,
            u.nation,
            f"A{k}",
            a.pattern.kind,
            f"{a.spacing_m / NM_TO_M:.2f}",
            f"{a.effort_m2 / NM_TO_M**2:.0f}",
            f"{_hm(a.arrive_s)}–{_hm(a.search_end_s)}",
            f"{100 * a.pod:.0f}%",
            f"{100 * a.pos:.1f}%",
        )
    for uid, why in result.unassigned.items():
        table.add_row(uid, by_id[uid].nation, "-", "-", "-", "-", "unassigned", "", "", style="yellow")
    share = f" ({100 * result.total_pos / result.bound_pos:.0f} % of the bound)" if result.bound_pos > 0 else ""
    table.caption = f"total POS {100 * result.total_pos:.1f} % vs optimal allocation {100 * result.bound_pos:.1f} %{share}; written to {out}/"
    console.print(table)
    for uid, why in result.unassigned.items():
        console.print(f"[yellow]{uid} not assigned:[/] {why}", highlight=False)


def _hm(t_s: float) -> str:
    from sarex.times import from_epoch_s

    return from_epoch_s(t_s).strftime("%H%M")


# --- exercise (issue 6) -----------------------------------------------------------------

exercise_app = typer.Typer(no_args_is_help=True, help="Exercises: scenario, hidden truth, replay evaluation.")
app.add_typer(exercise_app, name="exercise")

_SCENARIO_HELP = "Scenario TOML file, or 'korea-japan' for the built-in Korea–Japan SAREX."


@exercise_app.command("check")
@user_errors
def exercise_check(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    no_coast: bool = typer.Option(False, "--no-coast", help="Skip the check that positions are at sea."),
) -> None:
    """Validate a scenario file (fields, units, periods, environments) and summarise it (no truth shown)."""
    from sarex.exercise.scenario import check_environments, load_scenario
    from sarex.times import iso

    from sarex.exercise.run import scenario_catalogue

    sc = load_scenario(scenario)
    check_environments(sc, coast=not no_coast)
    scenario_catalogue(sc)  # the units as the planner will see them (types, speeds, endurance)
    pv = sc.participant_view()
    units = sc.resolved_units()
    table = Table(title=f"{pv.name}: valid", show_header=False)
    table.add_row("nations", ", ".join(f"{n.code} ({n.rescue_centre})" for n in pv.nations))
    table.add_row("on-scene coordinator", pv.on_scene_coordinator)
    table.add_row("reported LKP", f"{pv.reported.lon:.4f}E {pv.reported.lat:.4f}N at {iso(pv.reported.time)}, ±{pv.reported.radius_m / 1852:.1f} NM, {pv.reported.object_class}")
    table.add_row("forecast environment", pv.forecast.describe())
    table.add_row("units", ", ".join(f"{u.id} ({u.nation})" for u in units))
    table.add_row("periods", f"{len(pv.periods)} from {iso(pv.periods[0].start)}; ends by {iso(pv.end_time_s)}")
    console.print(table)


@exercise_app.command("brief")
@user_errors
def exercise_brief(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    out: Path = typer.Option(..., help="Output folder for the participants' brief (scenario.json, brief.html)."),
) -> None:
    """Write the participants' brief: the scenario without its truth (JSON and HTML)."""
    from sarex.exercise.brief import build_brief
    from sarex.exercise.scenario import load_scenario
    from sarex.io.atomic import write_text_atomic
    from sarex.report.html import render_html

    sc = load_scenario(scenario)
    pv = sc.participant_view()
    text = pv.model_dump_json(indent=2)
    page = render_html(build_brief(pv))
    write_text_atomic(out / "scenario.json", text)
    write_text_atomic(out / "brief.html", page)
    console.print(f"wrote {out / 'scenario.json'}, {out / 'brief.html'} (participants; no truth)")


@exercise_app.command("truth")
@user_errors
def exercise_truth(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    out: Path = typer.Option(..., help="Output drift file (one trajectory) with the truth track. EVALUATORS ONLY."),
    seed: int = typer.Option(0, help="Seed of the truth's leeway draws."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding on the coastline off."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map of the truth track."),
) -> None:
    """Drift the hidden truth object in the truth environment (evaluator-only output)."""
    from sarex.exercise.scenario import check_environments, load_scenario
    from sarex.exercise.truth import scenario_truth
    from sarex.io.driftfile import write_drift
    from sarex.times import iso

    sc = load_scenario(scenario)
    check_environments(sc, coast=not no_coast)
    track, ds = scenario_truth(sc, seed, coast=not no_coast)
    write_drift(ds, out)
    if plot is not None:
        from sarex.report.driftmap import plot_drift

        plot_drift(ds, plot, coast=not no_coast)
    console.print(
        f"wrote {out} (EVALUATORS ONLY): {track.object_class}, {track.time_s.size} positions "
        f"{iso(track.time_s[0])} to {iso(track.time_s[-1])}"
    )


@exercise_app.command("evaluate")
@user_errors
def exercise_evaluate(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    tracks: Path = typer.Option(..., help="Folder with the sailed tracks: GPX (.gpx), NMEA 0183 (.nmea), AIS (.ais)."),
    planned: Path = typer.Option(..., help="GPX file or folder with the planned patterns as routes, one per unit."),
    out: Path = typer.Option(..., help="Output folder (replay.html, replay.pdf, replay_units.csv, replay_nations.csv)."),
    nmea_date: Optional[str] = typer.Option(None, help="UTC date (YYYY-MM-DD) for NMEA logs with GGA but no RMC."),
    truth: Optional[Path] = typer.Option(None, help="Truth file from 'sarex exercise truth': adds the units' closest approaches to it (the report is then EVALUATORS ONLY)."),
    drift: Optional[Path] = typer.Option(None, help="The planners' drift file: adds the POS the sailed tracks achieved against it."),
    detection: str = typer.Option("inverse-cube", help="Detection model for --drift: inverse-cube, exponential or definite."),
) -> None:
    """Replay evaluation: effort, coverage, gaps/overlaps, track keeping and POS achieved, per unit and nation."""
    from sarex.exercise.planned import read_planned_dir
    from sarex.exercise.replay import evaluate_replay
    from sarex.exercise.replay_tables import nation_csv, unit_csv
    from sarex.exercise.scenario import load_scenario
    from sarex.io.atomic import write_text_atomic
    from sarex.io.tracks import read_track_dir
    from sarex.report.html import render_html, write_pdf
    from sarex.report.replay_report import build_replay_report, nation_table, unit_effort_table, unit_xte_table

    sc = load_scenario(scenario)
    units = sc.resolved_units()
    names = {u.id: u.id for u in units} | {u.track_name: u.id for u in units if u.track_name}
    mmsi = {u.mmsi: u.id for u in units if u.mmsi is not None}
    defaults = {u.id: {"sweep_width_nm": u.sweep_width_nm, "track_spacing_nm": u.track_spacing_nm} for u in units}
    plans = read_planned_dir(planned, defaults)
    unknown = [k for k in plans if k not in defaults]
    if unknown:
        raise SarexInputError(f"--planned: route(s) {', '.join(map(repr, unknown))} name no unit of the scenario ({', '.join(defaults)})")
    sailed, log = read_track_dir(tracks, names, mmsi, nmea_date)
    result = evaluate_replay(plans, sailed, {u.id: u.nation for u in units})
    truth_track = encounters = None
    if truth is not None:
        from sarex.exercise.replay import encounters_with_truth
        from sarex.io.driftfile import read_drift
        from sarex.times import datetime64_to_epoch_s

        tds = read_drift(truth)
        if tds.sizes["trajectory"] != 1:
            raise SarexInputError(f"--truth: {truth} has {tds.sizes['trajectory']} trajectories; expected the one truth track")
        truth_track = (datetime64_to_epoch_s(tds["time"].values), tds["lon"].values[0], tds["lat"].values[0])
        encounters = encounters_with_truth(result, sailed, *truth_track)
    report = build_replay_report(sc.participant_view(), result, log, truth_track, encounters)
    pos = None
    if drift is not None:
        from sarex.exercise.replay_pos import achieved_pos
        from sarex.io.driftfile import read_drift
        from sarex.report.html import Table as HtmlTable

        pos = achieved_pos(read_drift(drift), result, sailed, detection, f"--drift {drift}")
        sec = report.section("POS achieved")
        sec.blocks.append(HtmlTable(["unit", "POS achieved"], [[k, f"{100 * v:.1f} %"] for k, v in pos.by_unit.items()] + [["all units", f"{100 * pos.total:.1f} %"]],
                                    f"against {drift.name} ({detection} detection), sailed tracks on task"))
    page = render_html(report)
    out.mkdir(parents=True, exist_ok=True)
    write_pdf(report, out / "replay.pdf")
    write_text_atomic(out / "replay.html", page)
    write_text_atomic(out / "replay_units.csv", unit_csv(result))
    write_text_atomic(out / "replay_nations.csv", nation_csv(result))
    compact = (
        (unit_effort_table(result), ("unit", "nation", "on task NM", "delivered %", "C achieved", "swept planned %", "swept achieved %")),
        (unit_xte_table(result), ("unit", "mean |XTE| m", "p95 |XTE| m", "offset E m", "offset N m", "residual RMS m")),
        (nation_table(result), tuple(nation_table(result).columns)),
    )
    for t, cols in compact:
        idx = [t.columns.index(c) for c in cols]
        table = Table(title=t.caption)
        for c in cols:
            table.add_column(c)
        for r in t.rows:
            table.add_row(*[r[i] for i in idx])
        console.print(table)
    console.print(
        f"gaps {result.gap_area_m2 / 1852**2:.2f} NM², overlaps {result.overlap_area_m2 / 1852**2:.2f} NM², "
        f"{100 * result.coverage_fraction:.1f} % of {result.assigned_area_m2 / 1852**2:.1f} NM² assigned swept"
    )
    if pos is not None:
        console.print("POS achieved: " + ", ".join(f"{k} {100 * v:.1f} %" for k, v in pos.by_unit.items()) + f"; all units {100 * pos.total:.1f} %")
    for msg in log.messages() + result.notes:
        err_console.print(f"[yellow]note:[/] {msg}", highlight=False, soft_wrap=True)
    console.print(f"wrote {out / 'replay.html'}, {out / 'replay.pdf'}, {out / 'replay_units.csv'}, {out / 'replay_nations.csv'}")



@exercise_app.command("run")
@user_errors
def exercise_run(
    scenario: str = typer.Argument(..., help=_SCENARIO_HELP),
    out: Path = typer.Option(..., help="Output folder: participants/ (no truth) and evaluation/ (report, truth, scores)."),
    seed: int = typer.Option(0, help="Seed of the forecast, the truth's draws and the detection draws."),
    particles: int = typer.Option(5000, help="Particles of the planners' forecast ensemble."),
    replicates: int = typer.Option(0, help="Also run N replicates (independent truths and detection draws) on Dask."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (default: a local cluster)."),
    workers: int = typer.Option(2, help="Workers of the local Dask cluster."),
    detection: str = typer.Option("inverse-cube", help="Detection model: inverse-cube, exponential or definite."),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding off."),
) -> None:
    """Run a simulated exercise: forecast, plan, search, detect or update, replan; write the after-action report."""
    from sarex.exercise.engine import run_exercise, write_exercise
    from sarex.exercise.scenario import check_environments, load_scenario

    if particles <= 0:
        raise SarexInputError(f"--particles: {particles} must be > 0")
    if replicates < 0:
        raise SarexInputError(f"--replicates: {replicates} must be >= 0")
    sc = load_scenario(scenario)
    check_environments(sc)
    with _progress() as prog:
        task = prog.add_task("exercise", total=None)
        res = run_exercise(
            sc, seed, particles=particles, model=detection, replicates=replicates, scheduler=scheduler, workers=workers,
            coast=not no_coast, progress=lambda msg: prog.update(task, description=msg), replicate_progress=err_console.is_terminal,
        )
        prog.update(task, description="writing outputs")
        write_exercise(res, out, coast=not no_coast)
    s = res.scores()
    table = Table(title=f"{sc.name}: exercise (seed {seed})")
    for col in ("period", "units", "POS planned", "cumulative POS", "searched"):
        table.add_column(col, justify="right")
    for p in s["periods"]:
        table.add_row(str(p["period"]), str(p["units_assigned"]), f"{100 * p['pos_sailed']:.1f} %", f"{100 * p['cumulative_pos']:.1f} %", "yes" if p["searched"] else "no")
    if s["detected"]:
        d = s["detection"]
        table.caption = f"detected in period {d['period']} by {d['unit']} ({d['nation']}), {d['hours_since_alert']:.1f} h after the alert"
    else:
        table.caption = "not detected"
    if "replicates" in s:
        r = s["replicates"]
        table.caption += (f"; {r['n']} replicates: {100 * r['detected_fraction']:.0f} % detected, period 1 "
                          f"{100 * r['first_period_detected_fraction']:.1f} % vs planned {100 * r['first_period_planned_pos']:.1f} %")
    console.print(table)
    console.print(f"participants' outputs: {out / 'participants'}; evaluators' report: {out / 'evaluation' / 'report.html'}")


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


from sarex.server.cli import register as _register_server  # noqa: E402  (serve, server ...)

_register_server(app, user_errors, lambda m: console.print(m, highlight=False, markup=False, soft_wrap=True))


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
