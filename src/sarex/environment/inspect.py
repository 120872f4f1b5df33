"""What sarex finds in a forcing file, and what it cannot use and why (``sarex env inspect``)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sarex.environment.curvilinear import CurvilinearGridField
from sarex.environment.grib import grib_variables, is_grib
from sarex.environment.levels import level_note
from sarex.environment.projected import ProjectedGridField
from sarex.environment.regular import RegularGridField
from sarex.errors import SarexInputError
from sarex.times import iso
from sarex.environment.cf import STANDARD_NAMES, open_dataset, open_vector_field
from sarex.environment.remote import is_remote, local_path

KINDS = ("wind", "current")


@dataclass
class VectorReport:
    """One usable vector quantity of a file."""

    kind: str  #: "wind" or "current"
    variables: str  #: e.g. "u10, v10"
    standard_names: str
    grid: str  #: grid type in words
    crs: str
    lon_range: tuple[float, float]
    lat_range: tuple[float, float]
    time_start: str | None  #: ISO, None when constant in time
    time_end: str | None
    time_step_s: float | None
    rotated: bool  #: grid-relative components rotated to east/north
    level: str | None = None  #: vertical level used, where the file has several


@dataclass
class FileReport:
    """Everything ``sarex env inspect`` prints about one file."""

    path: str
    format: str
    standard_names: dict[str, list[str]] = field(default_factory=dict)  #: standard_name -> variables
    vectors: list[VectorReport] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)  #: "what: why" lines


def _vector_report(kind: str, fld) -> VectorReport:
    name = fld.name
    variables = name[name.find(": ") + 2 : name.rfind(")")].strip() if ": " in name else name  # a URL label has a port colon
    times = getattr(fld, "times", np.array([0.0]))
    t0, t1 = fld.time_range()
    step = float(np.median(np.diff(times))) if times.size > 1 else None
    rotated = getattr(fld, "orientation", "east_north") != "east_north"
    if isinstance(fld, ProjectedGridField):
        lo0, lo1, la0, la1 = fld.lonlat_box()
        gm = fld.crs.to_cf().get("grid_mapping_name", "?")
        grid = f"projected ({gm}), {fld.ys.size}x{fld.xs.size}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            crs = fld.crs.to_proj4()
    elif isinstance(fld, CurvilinearGridField):
        lo0, lo1 = float(np.nanmin(fld.lon)), float(np.nanmax(fld.lon))
        la0, la1 = float(np.nanmin(fld.lat)), float(np.nanmax(fld.lat))
        grid = f"curvilinear (2-D lon/lat), {fld.lon.shape[0]}x{fld.lon.shape[1]}"
        crs = "geographic lon/lat (WGS84 assumed)"
    elif isinstance(fld, RegularGridField):
        lo0, lo1, la0, la1 = float(fld.xs[0]), float(fld.xs[-1]), float(fld.ys[0]), float(fld.ys[-1])
        grid = f"regular lon/lat, {fld.ys.size}x{fld.xs.size}"
        crs = "geographic lon/lat (WGS84 assumed)"
    else:  # pragma: no cover - other fields are not opened from files
        lo0 = lo1 = la0 = la1 = math.nan
        grid, crs = type(fld).__name__, "-"
    return VectorReport(
        kind=kind,
        variables=variables,
        standard_names="",
        grid=grid,
        crs=crs,
        lon_range=(lo0, lo1),
        lat_range=(la0, la1),
        time_start=iso(t0) if math.isfinite(t0) else None,
        time_end=iso(t1) if math.isfinite(t1) else None,
        time_step_s=step,
        rotated=rotated,
        level=level_note(fld),
    )


def inspect_file(path: str | Path) -> FileReport:
    """Inspect a NetCDF or GRIB forcing file, or an OPeNDAP/``file://`` URL.

    Raises :class:`SarexInputError` only where the file cannot be opened at all;
    every other problem is reported in :attr:`FileReport.unusable`.
    """
    if is_remote(path):
        return _inspect_netcdf(str(path), open_dataset(str(path)))
    p = local_path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    if p.is_file() and is_grib(p):
        rep = FileReport(str(p), "GRIB")
        found = grib_variables(p)
        rep.standard_names = {"(GRIB messages)": found.split(", ") if found else []}
        try:
            fld = open_vector_field(p, "wind")
            rep.vectors.append(_vector_report("wind", fld))
        except SarexInputError as exc:
            rep.unusable.append(f"wind: {exc}")
        rep.unusable.append("current: GRIB files are read for the 10 m wind only")
        return rep
    return _inspect_netcdf(p, open_dataset(p))


def _inspect_netcdf(p: Path | str, ds) -> FileReport:
    """The report of an opened NetCDF dataset (a file, or an OPeNDAP URL ``p``)."""
    rep = FileReport(str(p), "NetCDF" if isinstance(p, Path) else "OPeNDAP")
    for name, var in ds.data_vars.items():
        sn = str(var.attrs.get("standard_name", ""))
        if sn:
            rep.standard_names.setdefault(sn, []).append(str(name))
    for kind in KINDS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fld = open_vector_field(p, kind, ds=ds)
        except SarexInputError as exc:
            rep.unusable.append(f"{kind}: {exc}")
            continue
        vr = _vector_report(kind, fld)
        un, vn = [s.strip() for s in vr.variables.split(",")]
        vr.standard_names = f"{ds[un].attrs.get('standard_name', '-')}, {ds[vn].attrs.get('standard_name', '-')}"
        rep.vectors.append(vr)
    known = {sn for pairs in STANDARD_NAMES.values() for pair in pairs for sn in pair}
    for sn, names in rep.standard_names.items():
        if sn not in known and sn not in ("longitude", "latitude", "time", "projection_x_coordinate", "projection_y_coordinate"):
            rep.unusable.append(f"{', '.join(names)} ({sn}): not a wind or current component, ignored")
    return rep


def format_time_step(step_s: float | None) -> str:
    """'3 h', '15 min' or '-' for a time step in seconds."""
    if step_s is None:
        return "- (constant in time)"
    if step_s % 3600 == 0:
        return f"{step_s / 3600:g} h"
    return f"{step_s / 60:g} min"
