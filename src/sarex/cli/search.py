"""``sarex probability`` and ``sarex search-update``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from sarex.cli.console import FORCE_HELP, console, note, user_errors


def probability(
    drift_file: Path = typer.Argument(..., help="Drift file (CF trajectory NetCDF)."),
    time: str = typer.Option(..., "--time", help="Time of the map, ISO 8601 with zone or a DTG (inside the drift output)."),
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
    alive: bool = typer.Option(False, "--alive", help="Map persons alive: weight x survival probability (a case with survival)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Probability map, containment areas and the IAMSAR datum area at one time."""
    from sarex.app import FileSetTarget, build
    from sarex.app.search import ProbabilityRequest, parse_levels, probability as run

    req = build(ProbabilityRequest, drift_file=drift_file, time=time, cell_nm=cell_nm, levels=parse_levels(levels), extent_nm=extent_nm,
                smooth_nm=smooth_nm, nearest=nearest, x_nm=x_nm, y_nm=y_nm, fs=fs, coast=not no_coast,
                geojson=geojson is not None, plot=plot is not None, alive=alive)
    target = FileSetTarget({"probability.nc": out, "areas.geojson": geojson, "probability.png": plot},
                           labels={"probability.nc": "--out", "areas.geojson": "--geojson", "probability.png": "--plot"},
                           inputs=[drift_file], force=force)
    res = run(req, target)
    grid, areas, datum = res.grid, res.areas, res.datum
    table = Table(title=f"probability map of {drift_file.name} at {datum.summary()['time']}", show_header=True)
    table.add_column("quantity", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_row("grid", f"{grid.shape[1]} x {grid.shape[0]} cells of {grid.cell_nm:g} nm")
    table.add_row("afloat on grid / off grid / stranded / left domain",
                  f"{100 * float(grid.probability.sum()):.1f} % / {100 * grid.outside_weight:.1f} % / {100 * grid.stranded_probability:.1f} % / {100 * grid.left_weight:.1f} %")
    for a in areas:
        table.add_row(f"{100 * a.level:g} % containment", f"{a.area_nm2:.1f} NM² ({a.parts} part{'s' if a.parts != 1 else ''}, {a.holes} hole{'s' if a.holes != 1 else ''}); "
                      f"{100 * a.probability_total:.1f} % of the total probability")
    table.add_row("IAMSAR datum", f"{datum.datum_lon:.4f} E {datum.datum_lat:.4f} N, drift {datum.drift_distance_nm:.1f} nm")
    table.add_row("E = sqrt(X²+Y²+De²)", f"sqrt({datum.x_nm:.2f}² + {datum.y_nm:.2f}² + {datum.de_nm:.2f}²) = {datum.e_nm:.2f} nm")
    table.add_row("R = fs·E, square", f"{datum.fs:g} x {datum.e_nm:.2f} = {datum.radius_nm:.2f} nm, {datum.area_nm2:.1f} nm²")
    table.add_row("written", ", ".join(str(p) for p in (out, geojson, plot) if p is not None))
    console().print(table)
    for msg in res.warnings:
        note(msg, "warning:")


def search_update(
    drift_file: Path = typer.Argument(..., help="Drift file (CF trajectory NetCDF)."),
    track: list[Path] = typer.Option(..., "--track", help="GPX file of a search unit's timed track (repeat for more units)."),
    sweep_width_nm: Optional[float] = typer.Option(None, help="Sweep width W, nautical miles."),
    sweep_width_category: Optional[str] = typer.Option(
        None, help="OBJECT:PLATFORM[:ALT_M] from the IAMSAR tables (OBJECT a search object, a Leeway class or 'auto')."
    ),
    detection: str = typer.Option("exponential", help="Detection model: exponential (alias random), inverse-cube or definite."),
    model: Optional[str] = typer.Option(None, "--model", hidden=True, help="Old name of --detection."),
    visibility_nm: float = typer.Option(10.0, help="Visibility for --sweep-width-category, nm."),
    weather_factor: float = typer.Option(1.0, help="Weather correction fw for --sweep-width-category."),
    fatigue: bool = typer.Option(False, help="Apply the fatigue correction 0.9 for --sweep-width-category."),
    speed_kn: Optional[float] = typer.Option(None, help="Aircraft search speed for the velocity correction, kn."),
    label: str = typer.Option("", help="Name of this search in the record."),
    all_legs: bool = typer.Option(False, "--all-legs", help="Count every leg of a planned route as search, transits included (default: only the legs the route marks as search)."),
    out: Path = typer.Option(..., help="Output drift file with updated weights."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Apply an unsuccessful search to a drift file (Bayesian update); print POS and cumulative POS."""
    from sarex.app import FileSetTarget, build
    from sarex.app.search import SearchUpdateRequest, search_update as run

    req = build(SearchUpdateRequest, drift_file=drift_file, tracks=tuple(track), sweep_width_nm=sweep_width_nm,
                sweep_width_category=sweep_width_category, model=model if model is not None else detection, visibility_nm=visibility_nm, weather_factor=weather_factor,
                fatigue=fatigue, speed_kn=speed_kn, label=label, all_legs=all_legs)
    target = FileSetTarget({"drift.nc": out}, labels={"drift.nc": "--out"}, inputs=[drift_file, *track], force=force)
    res = run(req, target)
    outcome = res.outcome
    table = Table(title=f"search update of {drift_file.name}")
    for col in ("unit", "points", "start", "end", "W (nm)", "model"):
        # times are never cut ("2026-01-15T…"): their columns keep their full width
        table.add_column(col, no_wrap=True, min_width=20 if col in ("start", "end") else None, overflow="fold")
    for u in outcome.record["units"]:
        table.add_row(u["name"], str(u["waypoints"]), u["start"], u["end"], f"{u['sweep_width_nm']:.2f}", u["model"])
    out_ = console()
    out_.print(table)
    summary = Table(show_header=False)
    summary.add_column(no_wrap=True)
    summary.add_column(overflow="fold")
    summary.add_row("POS of this search", f"{100 * outcome.pos:.2f} %")
    summary.add_row("cumulative POS", f"{100 * outcome.cumulative_pos:.2f} %  (search {outcome.record['search']})")
    summary.add_row("written", str(out))
    out_.print(summary)


def register(app: typer.Typer) -> None:
    app.command("probability")(user_errors(probability))
    app.command("search-update")(user_errors(search_update))
