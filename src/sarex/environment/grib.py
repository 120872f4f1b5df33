"""GRIB2 10 m winds (GFS, ECMWF, JMA) through cfgrib/eccodes (optional ``grib`` extra).

Only the 10 m u/v components (``10u``/``10v``; ``typeOfLevel=heightAboveGround``,
``level=10``) are read, on regular lat/lon or Gaussian grids, where u/v are
east/north whether or not the file flags them grid-relative (the grid axes are
east and north). Forecast steps become the time axis (``valid_time``). The data
stay lazy: cfgrib reads a message when a window needs it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from sarex.environment.regular import RegularGridField
from sarex.errors import SarexInputError

GRIB_SUFFIXES = (".grib", ".grib2", ".grb", ".grb2", ".grib1", ".grb1")
USABLE_GRID_TYPES = ("regular_ll", "regular_gg")


def is_grib(path: str | Path) -> bool:
    """True if the file starts with the GRIB magic bytes (or has a GRIB suffix)."""
    p = Path(path)
    if p.suffix.lower() in GRIB_SUFFIXES:
        return True
    try:
        with open(p, "rb") as fh:
            return fh.read(4) == b"GRIB"
    except OSError:
        return False


def _cfgrib(path: Path):
    try:
        import cfgrib  # noqa: F401
    except Exception:  # noqa: BLE001 - missing package or missing eccodes library
        raise SarexInputError(
            f"{path}: reading GRIB needs the optional packages cfgrib and eccodes "
            "(pip install 'sarex[grib]'), which are not installed"
        ) from None
    return cfgrib


def open_grib_wind(path: str | Path) -> RegularGridField:
    """The 10 m wind of a GRIB file as a :class:`RegularGridField` (east/north, m/s)."""
    p = Path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    _cfgrib(p)
    # 10 m wind is heightAboveGround/10 in GRIB2 (GFS, ECMWF open data, JMA) but "surface" in
    # ECMWF GRIB1 (paramId 165/166); try both, keep the first holding 10u and 10v.
    un = vn = None
    for keys in ({"typeOfLevel": "heightAboveGround", "level": 10}, {"typeOfLevel": "surface"}):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = xr.open_dataset(p, engine="cfgrib", backend_kwargs={"filter_by_keys": keys, "indexpath": ""}, cache=False)
        except Exception as exc:  # noqa: BLE001 - any decoder failure is a user-file problem
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SarexInputError(f"{p}: cannot be read as GRIB ({msg})") from None
        names = {str(v.attrs.get("GRIB_shortName", k)): k for k, v in ds.data_vars.items()}
        un, vn = names.get("10u"), names.get("10v")
        if un is not None and vn is not None:
            break
    if un is None or vn is None:
        raise SarexInputError(
            f"{p}: variable 10u/10v: no 10 m wind in the GRIB file (looked for shortName 10u and 10v "
            f"at heightAboveGround 10 m or surface; found: {grib_variables(p) or 'nothing usable'})"
        )
    u, v = ds[un], ds[vn]
    gt = str(u.attrs.get("GRIB_gridType", "regular_ll"))
    if gt not in USABLE_GRID_TYPES:
        raise SarexInputError(
            f"{p}: variable {un}: GRIB grid type {gt!r} is not supported (only regular lat/lon and Gaussian grids)"
        )
    u, v = _time_axis(u, p), _time_axis(v, p)
    return RegularGridField(u, v, name=f"wind ({p.name}: GRIB {un}, {vn})")


def _time_axis(da: xr.DataArray, p: Path) -> xr.DataArray:
    """Make forecast steps / analysis times a ``time`` dimension of valid times."""
    for extra in ("heightAboveGround", "surface"):
        if extra in da.dims:
            da = da.isel({extra: 0}, drop=True)
        elif extra in da.coords:
            da = da.drop_vars(extra)
    tdims = [d for d in ("time", "step") if d in da.dims]
    if len(tdims) == 2:
        raise SarexInputError(f"{p}: variable {da.name}: both several analysis times and several forecast steps; split the file per analysis")
    if "valid_time" not in da.coords:
        return da.drop_vars([c for c in ("time", "step") if c in da.coords and c not in da.dims])
    drop = [c for c in ("time", "step") if c in da.coords and c not in da.dims]
    if tdims:
        d = tdims[0]
        vt = np.asarray(da["valid_time"].values)
        da = da.drop_vars([c for c in ("time", "step", "valid_time") if c in da.coords])
        da = da.rename({d: "time"}) if d != "time" else da
        da = da.assign_coords(time=("time", vt))
        da["time"].attrs["standard_name"] = "time"
        return da
    # A single valid time: constant in time (no time dimension).
    return da.drop_vars(drop + ["valid_time"])


def grib_variables(path: str | Path) -> str:
    """Short description of the GRIB messages' variables and levels, for messages and inspect."""
    p = Path(path)
    cfgrib = _cfgrib(p)
    try:
        parts = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            datasets = cfgrib.open_datasets(str(p), backend_kwargs={"indexpath": ""})
        for ds in datasets:
            for k, v in ds.data_vars.items():
                lvl = v.attrs.get("GRIB_typeOfLevel", "?")
                level = ds.coords[lvl].values if lvl in ds.coords else ""
                parts.append(f"{v.attrs.get('GRIB_shortName', k)}@{lvl}{'=' + str(level) if np.size(level) == 1 else ''}")
        return ", ".join(parts)
    except Exception:  # noqa: BLE001
        return ""
