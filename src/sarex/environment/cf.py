"""Open CF-NetCDF files as vector fields, finding variables by ``standard_name``.

Wind and current may come from the same file or different files, on different
grids and time steps. Files are opened lazily (xarray): nothing is read until a
window of data is needed.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from sarex.environment.base import Environment, OutsidePolicy, VectorField
from sarex.environment.regular import RegularGridField
from sarex.errors import SarexInputError

#: Candidate (east, north) standard_name pairs, in order of preference.
STANDARD_NAMES: dict[str, list[tuple[str, str]]] = {
    "wind": [
        ("eastward_wind", "northward_wind"),
        ("x_wind", "y_wind"),
    ],
    "current": [
        ("eastward_sea_water_velocity", "northward_sea_water_velocity"),
        ("surface_eastward_sea_water_velocity", "surface_northward_sea_water_velocity"),
        ("x_sea_water_velocity", "y_sea_water_velocity"),
    ],
}


def open_dataset(path: str | Path) -> xr.Dataset:
    """Open a NetCDF file lazily, with one-line errors for missing or unreadable files."""
    p = Path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    if p.is_dir():
        raise SarexInputError(f"{p}: is a directory, expected a NetCDF file")
    try:
        return xr.open_dataset(p, cache=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-file problem here
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(f"{p}: cannot be read as NetCDF ({msg})") from None


def find_vector_variables(ds: xr.Dataset, kind: str, source: str) -> tuple[str, str]:
    """Names of the (east, north) variables of ``kind`` ("wind" or "current") in ``ds``."""
    by_sn = {str(v.attrs.get("standard_name", "")): name for name, v in ds.data_vars.items()}
    for east, north in STANDARD_NAMES[kind]:
        if east in by_sn and north in by_sn:
            return by_sn[east], by_sn[north]
    wanted = " or ".join(f"{e}/{n}" for e, n in STANDARD_NAMES[kind])
    present = ", ".join(f"{n}({v.attrs.get('standard_name', '-')})" for n, v in ds.data_vars.items()) or "none"
    raise SarexInputError(
        f"{source}: no {kind} variables found (looked for standard_name {wanted}; "
        f"variables present: {present}); name them explicitly with --{kind}-vars U,V"
    )


def open_vector_field(
    path: str | Path,
    kind: str,
    variables: tuple[str, str] | None = None,
    ds: xr.Dataset | None = None,
) -> VectorField:
    """Open the ``kind`` ("wind" or "current") vector of a CF-NetCDF file.

    Parameters
    ----------
    path
        NetCDF file.
    kind
        ``"wind"`` (10 m wind) or ``"current"`` (surface current).
    variables
        Explicit (east, north) variable names; default: found by standard_name.
    ds
        An already opened dataset for ``path`` (avoids opening it twice).
    """
    if kind not in STANDARD_NAMES:
        raise ValueError(f"kind must be one of {sorted(STANDARD_NAMES)}")
    ds = open_dataset(path) if ds is None else ds
    if variables is None:
        un, vn = find_vector_variables(ds, kind, str(path))
    else:
        un, vn = variables
        for n in (un, vn):
            if n not in ds.data_vars:
                raise SarexInputError(f"{path}: variable {n!r} named for {kind} is not in the file")
    u, v = ds[un], ds[vn]
    u = _squeeze_singletons(u)
    v = _squeeze_singletons(v)
    return RegularGridField(u, v, name=f"{kind} ({Path(path).name}: {un}, {vn})")


def _squeeze_singletons(da: xr.DataArray) -> xr.DataArray:
    """Drop length-1 dimensions that are not time/lon/lat (e.g. a single height or depth level)."""
    keep = {"time", "lon", "lat", "longitude", "latitude"}
    for d in list(da.dims):
        c = da.coords.get(d)
        sn = c.attrs.get("standard_name", "") if c is not None else ""
        if da.sizes[d] == 1 and str(d).lower() not in keep and sn not in ("time", "longitude", "latitude"):
            da = da.isel({d: 0}, drop=True)
    return da


def open_environment(
    env: str | Path | None = None,
    wind: str | Path | None = None,
    current: str | Path | None = None,
    wind_vars: tuple[str, str] | None = None,
    current_vars: tuple[str, str] | None = None,
    outside: OutsidePolicy | str = OutsidePolicy.ERROR,
) -> Environment:
    """Build an :class:`Environment` from CF-NetCDF files.

    ``wind`` and ``current`` override ``env`` for that variable; at least one
    source must be given for each.
    """
    wpath = wind or env
    cpath = current or env
    if wpath is None:
        raise SarexInputError("no wind source: give --env FILE or --wind FILE")
    if cpath is None:
        raise SarexInputError("no current source: give --env FILE or --current FILE")
    cache: dict[str, xr.Dataset] = {}

    def ds_for(p):
        key = str(Path(p).resolve()) if Path(p).exists() else str(p)
        if key not in cache:
            cache[key] = open_dataset(p)
        return cache[key]

    wf = open_vector_field(wpath, "wind", wind_vars, ds_for(wpath))
    cf = open_vector_field(cpath, "current", current_vars, ds_for(cpath))
    return Environment(wind=wf, current=cf, outside=OutsidePolicy(outside))
