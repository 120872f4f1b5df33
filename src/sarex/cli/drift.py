"""``sarex objects``, ``sarex drift``, ``sarex drift-continue``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from sarex.app.objects import OBJECTS_HELP, use_object_files
from sarex.cli.console import FORCE_HELP, console, progress, user_errors
from sarex.errors import SarexInputError
from sarex.app import FileSetTarget, build

_OUTSIDE_HELP = "Outside a field's domain: 'error', 'deactivate' or 'fallback' (0 m/s)."
FORCING_ERROR_HELP = ("Error of the forcing added to each particle: 'sar' (default: correlated current and wind errors, "
                      "see docs/observations.md), 'current-only', 'none' (model comparisons), or SIGMA_CURRENT_M_S,TAU_H[,SIGMA_WIND_M_S].")


def objects(search: Optional[str] = typer.Argument(None, help="Only classes whose key or description contains this."),
            objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP)) -> None:
    """List the Leeway object classes and their coefficients (and the custom classes of --objects)."""
    from sarex.drift.objects import leeway_objects

    use_object_files(objects)

    out = console()
    cols = ("DW a", "DW b", "DW S", "CWR a", "CWR b", "CWL a", "CWL b")
    rows = []
    for o in leeway_objects().values():
        if search and search.lower() not in (o.key + " " + o.description).lower():
            continue
        rows.append([o.key, ("  " * o.level) + o.description] + [f"{v:g}" for v in (
            o.dw_slope_pct, o.dw_offset_cm_s, o.dw_std_cm_s, o.cwr_slope_pct, o.cwr_offset_cm_s, o.cwl_slope_pct, o.cwl_offset_cm_s)])
    # Keys and coefficients never wrap; the description gets what is left of the width and is
    # cut with an ellipsis, so each class stays on one line even at 80 columns.
    fixed = [max([len("key")] + [len(r[0]) for r in rows])] + [max([len(c)] + [len(r[2 + i]) for r in rows]) for i, c in enumerate(cols)]
    desc_w = max(6, out.width - sum(fixed) - (len(cols) + 2) - 1)  # one pad right of each column
    table = Table(title="Leeway object classes (slopes % of U10, offsets and S_yx cm/s)", box=None, pad_edge=False,
                  padding=(0, 1, 0, 0), header_style="bold underline")
    table.add_column("key", no_wrap=True, width=fixed[0])
    table.add_column("description", no_wrap=True, overflow="ellipsis", max_width=desc_w)
    for c, w in zip(cols, fixed[1:]):
        table.add_column(c, no_wrap=True, justify="right", width=w)
    for r in rows:
        table.add_row(*r)
    out.print(table)


def _environment(env, wind, current, wind_vars, current_vars, synthetic, outside):
    from sarex.app.drift import EnvironmentChoice, pair

    return build(EnvironmentChoice, env=env, wind=tuple(wind or ()), current=tuple(current or ()), wind_vars=pair(wind_vars, "--wind-vars"),
                 current_vars=pair(current_vars, "--current-vars"), synthetic=synthetic, outside=outside)


def drift(
    lon: Optional[float] = typer.Option(None, help="Last known position, longitude (degrees east)."),
    lat: Optional[float] = typer.Option(None, help="Last known position, latitude (degrees north)."),
    start: Optional[str] = typer.Option(None, help="Time of the LKP, ISO 8601 with zone (2026-01-15T06:00Z) or a DTG (150600Z JAN 2026); with --case the drift start."),
    hours: float = typer.Option(24.0, help="Drift duration, h."),
    object_class: str = typer.Option("PIW-1", "--object", help="Leeway object class key (see 'sarex objects')."),
    out: Path = typer.Option(..., help="Output drift file (CF trajectory NetCDF)."),
    env: Optional[str] = typer.Option(None, help="CF-NetCDF file or OPeNDAP/file:// URL with wind and current."),
    wind: Optional[list[str]] = typer.Option(None, help="CF-NetCDF or GRIB file, or OPeNDAP URL, for wind (overrides --env); repeat for fallbacks in priority order."),
    current: Optional[list[str]] = typer.Option(None, help="CF-NetCDF file or OPeNDAP URL for current (overrides --env); repeat for fallbacks in priority order."),
    wind_vars: Optional[str] = typer.Option(None, help="Explicit wind variables 'U,V' (east,north)."),
    current_vars: Optional[str] = typer.Option(None, help="Explicit current variables 'U,V' (east,north)."),
    synthetic: bool = typer.Option(False, help="Use the built-in synthetic Korea Strait environment."),
    radius_m: float = typer.Option(0.0, help="LKP uncertainty radius, m."),
    radius_type: str = typer.Option("gaussian", help="'gaussian' (radius = std dev) or 'uniform' (disc)."),
    end_lon: Optional[float] = typer.Option(None, help="Cone release: end longitude."),
    end_lat: Optional[float] = typer.Option(None, help="Cone release: end latitude."),
    end_time: Optional[str] = typer.Option(None, help="Release until this time (cone or time window), ISO 8601 with zone or a DTG."),
    end_radius_m: Optional[float] = typer.Option(None, help="Cone release: radius at the end, m."),
    particles: int = typer.Option(5000, help="Number of particles."),
    seed: int = typer.Option(0, help="Random seed (same seed, same output)."),
    step_min: float = typer.Option(10.0, help="Time step, minutes."),
    output_min: float = typer.Option(60.0, help="Output interval, minutes."),
    scheme: str = typer.Option("rk2", help="'euler' or 'rk2'."),
    outside: str = typer.Option("error", help=_OUTSIDE_HELP),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding on the coastline off."),
    jibe_probability: float = typer.Option(0.04, help="Jibing probability per hour."),
    capsize: bool = typer.Option(False, help="Allow capsizing in strong wind."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map of the cloud."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    case: Optional[Path] = typer.Option(None, "--case", help="Case file (TOML scenarios) instead of --lon/--lat/--object/--radius-m/--end-*."),
    forcing_error: str = typer.Option("sar", help=FORCING_ERROR_HELP),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
    workers: Optional[int] = typer.Option(None, help="Drift the parts on a local Dask cluster of this many worker processes."),
    scheduler: Optional[str] = typer.Option(None, help="Drift the parts on the Dask scheduler at this address (tcp://host:8786); see docs/cluster.md."),
    part_particles: int = typer.Option(1_000_000, help="Particles per part of a split drift (the result depends on it, not on --workers)."),
    wind_member: Optional[list[Path]] = typer.Option(None, help="Ensemble wind forecast: one file per member (repeat); every member drifts the particles."),
) -> None:
    """Drift a search object from its last known position (Monte-Carlo Leeway), or the scenarios of a case."""
    from sarex.app.drift import DriftRequest, drift as run

    members = tuple(wind_member or ())
    if members and (wind or synthetic):
        raise SarexInputError("--wind-member: the members are the wind; drop --wind/--synthetic (give --current or --env for the current)")
    choice = _environment(env, wind or list(members[:1]), current, wind_vars, current_vars, synthetic, outside)
    if case is not None:
        if members:
            raise SarexInputError("--case: a case's ensemble is drifted in one forcing; drop --wind-member")
        if workers is not None or scheduler is not None:
            raise SarexInputError("--case: a case's ensemble is drifted in one process; drop --workers/--scheduler")
        return _drift_case(case, locals(), choice, out, plot, force)
    if lon is None or lat is None or start is None:
        raise SarexInputError("drift: give --lon, --lat and --start (or --case CASE.toml)")
    req = build(DriftRequest, lon=lon, lat=lat, start=start, hours=hours, object_class=object_class, environment=choice,
                radius_m=radius_m, radius_type=radius_type, end_lon=end_lon, end_lat=end_lat, end_time=end_time,
                end_radius_m=end_radius_m, particles=particles, seed=seed, step_min=step_min, output_min=output_min,
                scheme=scheme, coast=not no_coast, jibe_probability=jibe_probability, capsize=capsize, plot=plot is not None,
                workers=workers, scheduler=scheduler, part_particles=part_particles, wind_members=members,
                forcing_error=forcing_error, objects=tuple(objects or ()))
    target = FileSetTarget({"drift.nc": out, "drift.png": plot}, labels={"drift.nc": "--out", "drift.png": "--plot"},
                           inputs=[*choice.inputs(), *members], force=force)
    with progress() as prog:
        task = prog.add_task(f"drifting {particles} x {object_class}", total=1.0)
        res = run(req, target, progress=lambda i, n: prog.update(task, completed=i / n))
    _drift_summary(res.dataset, out, plot, res.environment)


def _drift_case(case: Path, opts: dict, choice, out: Path, plot: Optional[Path], force: bool) -> None:
    from sarex.app.case import CaseDriftRequest, drift as run
    from sarex.cli.case import scenario_rows

    given = [f"--{k.replace('_', '-')}" for k in ("lon", "lat", "end_lon", "end_lat", "end_time", "end_radius_m") if opts[k] is not None]
    given += ["--object"] * (opts["object_class"] != "PIW-1") + ["--radius-m"] * (opts["radius_m"] != 0.0)
    if given:
        raise SarexInputError(f"--case: the case file gives positions and objects; drop {', '.join(given)}")
    req = build(CaseDriftRequest, case=case, start=opts["start"], hours=opts["hours"], environment=choice, particles=opts["particles"],
                seed=opts["seed"], step_min=opts["step_min"], output_min=opts["output_min"], scheme=opts["scheme"], coast=not opts["no_coast"],
                jibe_probability=opts["jibe_probability"], capsize=opts["capsize"], plot=plot is not None,
                forcing_error=opts["forcing_error"], objects=tuple(opts["objects"] or ()))
    target = FileSetTarget({"drift.nc": out, "drift.png": plot}, labels={"drift.nc": "--out", "drift.png": "--plot"},
                           inputs=[case, *choice.inputs()], force=force)
    with progress() as prog:
        task = prog.add_task(f"drifting case {case.name}, {opts['particles']} particles", total=1.0)
        res = run(req, target, progress=lambda i, n: prog.update(task, completed=i / n))
    _drift_summary(res.dataset, out, plot, res.environment)
    console().print(scenario_rows(res.dataset))


def drift_continue(
    drift_file: Path = typer.Argument(..., help="Drift file to continue (possibly updated by searches)."),
    hours: float = typer.Option(..., help="Additional hours."),
    out: Path = typer.Option(..., help="Output drift file (the whole history plus the continuation)."),
    env: Optional[str] = typer.Option(None, help="CF-NetCDF file or OPeNDAP URL with wind and current for the continuation."),
    wind: Optional[list[str]] = typer.Option(None, help="Wind file(s) or URL(s) (overrides --env), in priority order."),
    current: Optional[list[str]] = typer.Option(None, help="Current file(s) or URL(s) (overrides --env), in priority order."),
    synthetic: bool = typer.Option(False, help="Use the built-in synthetic Korea Strait environment."),
    outside: str = typer.Option("error", help=_OUTSIDE_HELP),
    no_coast: bool = typer.Option(False, "--no-coast", help="Switch stranding off."),
    plot: Optional[Path] = typer.Option(None, help="Also write a PNG map of the cloud."),
    dmb: Optional[list[Path]] = typer.Option(None, "--dmb", help="DMB track file(s) (CF/GPX/CSV): correct the current by the on-scene DMB motion."),
    dmb_windage_pct: float = typer.Option(0.0, help="Windage of the DMBs, % of the wind (their motion minus current + windage is the error)."),
    objects: Optional[list[Path]] = typer.Option(None, "--objects", help=OBJECTS_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    """Continue a drift past the end of its file (e.g. with a newer forecast), keeping weights and searches."""
    from sarex.app.drift import DriftContinueRequest, drift_continue as run

    choice = _environment(env, wind, current, None, None, synthetic, outside)
    req = build(DriftContinueRequest, drift_file=drift_file, hours=hours, environment=choice, coast=not no_coast, plot=plot is not None,
                dmb=tuple(dmb or ()), dmb_windage_pct=dmb_windage_pct, objects=tuple(objects or ()))
    target = FileSetTarget({"drift.nc": out, "drift.png": plot}, labels={"drift.nc": "--out", "drift.png": "--plot"},
                           inputs=[drift_file, *choice.inputs(), *(dmb or ())], force=force)
    with progress() as prog:
        task = prog.add_task("continuing the drift", total=1.0)
        res = run(req, target, progress=lambda i, n: prog.update(task, completed=i / n))
    _drift_summary(res.dataset, out, plot, res.environment)


def _drift_summary(ds, out: Path, plot: Optional[Path], environment=None) -> None:
    from sarex.drift.summary import summarize
    from sarex.environment.stack import describe_counts

    s = summarize(ds)
    table = Table(title=f"drift of {ds.attrs['object_class']} to {s['time']}", show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("particles", f"{s['particles']}")
    table.add_row("centroid", f"{s['centroid_lon']:.4f} E  {s['centroid_lat']:.4f} N")
    table.add_row("spread (1 sd)", f"{s['spread_km']:.2f} km  (east {s['sd_east_km']:.2f} km, north {s['sd_north_km']:.2f} km)")
    table.add_row("centroid drift", f"{s['drift_km']:.2f} km towards {s['drift_bearing_deg']:.0f}°")
    table.add_row("stranded", f"{100 * s['stranded_fraction']:.1f} %")
    table.add_row("left domain", f"{100 * s['left_fraction']:.1f} %")
    table.add_row("forcing error", _forcing_error_line(ds.attrs.get("forcing_error", "none")))
    if environment is not None:
        for what, fld in (("wind", environment.wind), ("current", environment.current)):
            used = describe_counts(fld)
            if used is not None:
                table.add_row(f"{what} sources", used)
    table.add_row("written", str(out) + (f", {plot}" if plot else ""))
    console().print(table)


def _forcing_error_line(raw: str) -> str:
    from sarex.drift.forcing_error import forcing_error_from_attrs

    fe = forcing_error_from_attrs({"forcing_error": raw})
    return "none" if fe is None else fe.describe()


def register(app: typer.Typer) -> None:
    app.command("objects")(user_errors(objects))
    app.command("drift")(user_errors(drift))
    app.command("drift-continue")(user_errors(drift_continue))
