"""Open CF-NetCDF files as vector fields, finding variables by ``standard_name``.

Wind and current may come from the same file or different files, on different
grids and time steps. Files are opened lazily (xarray): nothing is read until a
window of data is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sarex.environment.base import Environment, OutsidePolicy, VectorField
from sarex.environment.curvilinear import CurvilinearGridField
from sarex.environment.grib import is_grib, open_grib_wind
from sarex.environment.levels import select_level
from sarex.environment.orientation import GRID_RELATIVE, orientation_of
from sarex.environment.projected import ProjectedGridField, crs_from_grid_mapping, grid_mapping_variable, projected_dims
from sarex.environment.regular import RegularGridField, _identify_dims
from sarex.environment.remote import is_remote, local_path, open_remote_dataset, source_label
from sarex.environment.stack import StackedField
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
        ("sea_water_x_velocity", "sea_water_y_velocity"),
        ("sea_water_x_velocity_at_u_location", "sea_water_y_velocity_at_v_location"),
        ("surface_sea_water_x_velocity", "surface_sea_water_y_velocity"),
    ],
}


def open_dataset(path: str | Path) -> xr.Dataset:
    """Open a NetCDF file (or an OPeNDAP/``file://`` URL) lazily, with one-line errors for missing or unreadable files."""
    if is_remote(path):
        return open_remote_dataset(str(path))
    p = local_path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    if p.is_dir():
        raise SarexInputError(f"{p}: is a directory, expected a NetCDF file")
    _small_chunk_cache()
    size = p.stat().st_size
    if size == 0:
        raise SarexInputError(f"{p}: cannot be read as NetCDF (the file is empty, 0 bytes)")
    with open(p, "rb") as fh:
        head = fh.read(8)
    if not (head[:3] == b"CDF" or head[:8] == b"\x89HDF\r\n\x1a\n"):
        raise SarexInputError(f"{p}: cannot be read as NetCDF (not a NetCDF file: it does not start with the NetCDF-3 'CDF' or NetCDF-4/HDF5 signature)")
    try:
        # netcdf4 reads both signatures checked above; naming it spares xarray's engine guess,
        # which imports every installed backend (cfgrib and eccodes: ~0.3 s) to ask each
        return xr.open_dataset(p, engine="netcdf4", cache=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-file problem here
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(f"{p}: cannot be read as NetCDF ({msg})") from None


#: HDF5 chunk cache per variable for forcing files. sarex keeps its own window of each
#: field in memory, so the library's default (64 MiB per variable, filled as windows
#: move) would only add to the resident memory.
CHUNK_CACHE_BYTES = 4 * 2**20


def _small_chunk_cache() -> None:
    try:
        import netCDF4
    except ImportError:  # pragma: no cover - netCDF4 is a dependency
        return
    size, nelems, preemption = netCDF4.get_chunk_cache()
    if size > CHUNK_CACHE_BYTES:
        netCDF4.set_chunk_cache(CHUNK_CACHE_BYTES, nelems, preemption)


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
    """Open the ``kind`` ("wind" or "current") vector of a CF-NetCDF (or GRIB) file.

    The grid type is detected from the file: regular lon/lat axes
    (:class:`RegularGridField`), projected x/y axes with a CF ``grid_mapping``
    (:class:`~sarex.environment.projected.ProjectedGridField`), 2-D lon/lat
    (:class:`~sarex.environment.curvilinear.CurvilinearGridField`, ROMS included),
    or GRIB2 10 m wind (:func:`~sarex.environment.grib.open_grib_wind`). Depth or
    s-levels are reduced to the surface (wind: the level nearest 10 m).

    Parameters
    ----------
    path
        NetCDF or GRIB file.
    kind
        ``"wind"`` (10 m wind) or ``"current"`` (surface current).
    variables
        Explicit (east, north) variable names; default: found by standard_name.
    ds
        An already opened dataset for ``path`` (avoids opening it twice).
    """
    if kind not in STANDARD_NAMES:
        raise ValueError(f"kind must be one of {sorted(STANDARD_NAMES)}")
    remote = is_remote(path)
    if ds is None and not remote and local_path(path).is_file() and is_grib(local_path(path)):
        if kind != "wind":
            raise SarexInputError(f"{path}: GRIB files are read for the 10 m wind only, not for {kind}")
        return open_grib_wind(local_path(path))
    ds = open_dataset(path) if ds is None else ds
    if variables is None:
        un, vn = find_vector_variables(ds, kind, str(path))
    else:
        un, vn = variables
        for n in (un, vn):
            if n not in ds.data_vars:
                raise SarexInputError(f"{path}: variable {n!r} named for {kind} is not in the file")
    target_m = 10.0 if kind == "wind" else 0.0
    u = _squeeze_singletons(select_level(ds[un], target_m, f"{path}: variable {un}"))
    v = _squeeze_singletons(select_level(ds[vn], target_m, f"{path}: variable {vn}"))
    name = f"{kind} ({source_label(path)}: {un}, {vn})"
    # over OPeNDAP every value read travels: look at a strided sample of the checked slices
    check_values(u, v, kind, str(path), stride_points=REMOTE_CHECK_POINTS if remote else None)
    grid = classify_grid(ds, u, str(path))
    orientation = orientation_of(str(u.attrs.get("standard_name", "")))
    if grid.kind == "regular":
        # Axes of a lon/lat grid point east and north: x_/y_ components need no rotation.
        return RegularGridField(u, v, name=name)
    if orientation is None:
        raise SarexInputError(
            f"{path}: variable {un}: cannot tell whether the components are east/north or along the grid axes "
            f"on this {grid.kind} grid (standard_name {u.attrs.get('standard_name', 'missing')!r}; expected "
            "eastward_*/northward_* or x_*/y_*)"
        )
    if grid.kind == "projected":
        return ProjectedGridField(u, v, grid.crs, name=name, orientation=orientation, dims=grid.dims)
    angle = None
    if orientation == GRID_RELATIVE:
        if "angle" not in ds.variables:
            raise SarexInputError(
                f"{path}: variable {un}: grid-relative components ({u.attrs.get('standard_name')}) on a curvilinear grid "
                "but no 'angle' variable, so their orientation cannot be determined"
            )
        angle = np.asarray(ds["angle"].values, dtype=np.float64)
        if str(ds["angle"].attrs.get("units", "radians")).lower().startswith("deg"):
            angle = np.deg2rad(angle)
    masks = {k: (np.asarray(ds[k].values) if k in ds.variables else None) for k in ("mask_rho", "mask_u", "mask_v")}
    lon2d = np.asarray(ds[grid.lon_name].values, dtype=np.float64)
    lat2d = np.asarray(ds[grid.lat_name].values, dtype=np.float64)
    return CurvilinearGridField(
        u, v, lon2d, lat2d, name=name, orientation=orientation, angle=angle,
        mask_rho=masks["mask_rho"], mask_u=masks["mask_u"], mask_v=masks["mask_v"],
    )


#: Largest plausible magnitude of each quantity, m/s (strongest tropical cyclone winds ~ 90 m/s,
#: fastest ocean currents ~ 3 m/s); larger values are fill values or wrong units, not weather.
PLAUSIBLE_MS = {"wind": 150.0, "current": 20.0}


#: Points per checked slice of a remote (OPeNDAP) field: :func:`check_values` reads a central block.
REMOTE_CHECK_POINTS = 4096


def check_values(u: xr.DataArray, v: xr.DataArray, kind: str, source: str, max_slices: int = 3, stride_points: int | None = None) -> None:
    """Refuse a field whose values are all missing or physically impossible, naming the variable.

    Looks at up to ``max_slices`` time slices (first, middle, last) so that a large
    file is not read whole. Partly missing values (land in a current) are fine. With
    ``stride_points`` (remote sources, where every value read travels) a central block
    of about that many points of each slice is read first (a fill value or wrong units
    fill a whole field, so a block finds them), the whole slices only if that block
    holds no value at all. Blocks, one contiguous request per step, not a strided
    sample: strided DAP2 requests are answered wrongly by some servers
    (xpublish-opendap 0.2 sends garbage such as 1e33 for ``var[0:18:36]``).
    """
    tdim = next((d for d in u.dims if d not in u.dims[-2:]), None)
    for da in (u, v):
        n = da.sizes[tdim] if tdim is not None else 1
        steps = sorted({0, n // 2, n - 1}) if n > max_slices else list(range(n))
        sel = da.isel({tdim: steps}) if tdim is not None and n > max_slices else da
        if stride_points is not None and da.ndim >= 2:
            # contiguous requests only: one per checked step, a central block of each
            ny, nx = da.shape[-2:]
            h = max(1, int(np.sqrt(stride_points)) // 2)
            space = {da.dims[-2]: slice(max(0, ny // 2 - h), ny // 2 + h), da.dims[-1]: slice(max(0, nx // 2 - h), nx // 2 + h)}
            blocks = [np.asarray((da.isel({tdim: slice(i, i + 1)}) if tdim is not None else da).isel(space).values, dtype=np.float64) for i in steps]
            if any(np.isfinite(b).any() for b in blocks):
                sel = xr.DataArray(np.concatenate([b.ravel() for b in blocks]), name=da.name, attrs=da.attrs)
            else:
                sel = xr.concat([da.isel({tdim: slice(i, i + 1)}) for i in steps], tdim) if tdim is not None else da
        vals = np.asarray(sel.values, dtype=np.float64)
        finite = np.isfinite(vals)
        if not finite.any():
            raise SarexInputError(f"{source}: variable {da.name} ({kind}): every value is missing (NaN or _FillValue); the file holds no {kind}")
        big = float(np.max(np.abs(vals[finite])))
        if big > PLAUSIBLE_MS[kind]:
            units = da.attrs.get("units", "no units")
            raise SarexInputError(
                f"{source}: variable {da.name} ({kind}): value {big:.3g} ({units}) is not a physical {kind} speed "
                f"(> {PLAUSIBLE_MS[kind]:g} m/s); a fill value without _FillValue, or wrong units?"
            )


@dataclass
class GridInfo:
    """What kind of horizontal grid a variable lives on."""

    kind: str  #: "regular", "projected" or "curvilinear"
    dims: tuple[str | None, str, str] | None = None  #: (time, y, x) for regular/projected
    crs: Any = None  #: pyproj CRS for projected grids
    grid_mapping: str | None = None  #: name of the CF grid-mapping variable
    lon_name: str | None = None  #: 2-D longitude variable (curvilinear)
    lat_name: str | None = None  #: 2-D latitude variable (curvilinear)


def classify_grid(ds: xr.Dataset, da: xr.DataArray, source: str) -> GridInfo:
    """Detect the grid of ``da``: regular lon/lat, projected (CF grid_mapping) or curvilinear.

    Raises a one-line :class:`SarexInputError` naming ``source`` and the variable for
    projected x/y axes without a grid mapping (and without 2-D lon/lat), for an
    unknown projection, and for variables with no usable horizontal coordinates.
    """
    where = f"{source}: variable {da.name}"
    gm = grid_mapping_variable(ds, da)
    pdims = projected_dims(da)
    gm_name = str(gm.attrs.get("grid_mapping_name", "")) if gm is not None else ""
    if pdims is not None and gm is not None and gm_name != "latitude_longitude":
        return GridInfo("projected", dims=pdims, crs=crs_from_grid_mapping(gm, where), grid_mapping=str(gm.name))
    try:
        dims = _identify_dims(da, where)
        return GridInfo("regular", dims=dims)
    except SarexInputError:
        pass
    lon2d, lat2d = _find_2d_lonlat(ds, da)
    if lon2d is not None:
        return GridInfo("curvilinear", lon_name=lon2d, lat_name=lat2d)
    if pdims is not None:
        if gm is None and (da.attrs.get("grid_mapping") or da.encoding.get("grid_mapping")):
            raise SarexInputError(f"{where}: its grid_mapping {da.attrs.get('grid_mapping')!r} is not a variable of the file")
        raise SarexInputError(
            f"{where}: projected x/y axes {pdims[2]!r}/{pdims[1]!r} but no grid_mapping attribute "
            "(and no 2-D longitude/latitude), so positions cannot be located on the grid"
        )
    raise SarexInputError(
        f"{where}: dims {tuple(da.dims)} have no usable horizontal coordinates "
        "(need 1-D lon/lat, projected x/y with a grid_mapping, or 2-D lon/lat)"
    )


def _find_2d_lonlat(ds: xr.Dataset, da: xr.DataArray) -> tuple[str | None, str | None]:
    """Names of 2-D longitude/latitude variables for ``da``'s grid (rho points for ROMS)."""
    if "lon_rho" in ds.variables and "lat_rho" in ds.variables:
        return "lon_rho", "lat_rho"
    space = da.shape[-2:]
    cands = []
    for n in str(da.attrs.get("coordinates", da.encoding.get("coordinates", ""))).split() + list(ds.variables):
        if n in ds.variables and ds[n].ndim == 2 and ds[n].shape == space:
            cands.append(n)
    lon = lat = None
    for n in cands:
        a = ds[n].attrs
        sn, units, low = a.get("standard_name", ""), str(a.get("units", "")), n.lower()
        if lon is None and (sn == "longitude" or units.startswith("degrees_e") or low in ("lon", "longitude", "nav_lon")):
            lon = n
        elif lat is None and (sn == "latitude" or units.startswith("degrees_n") or low in ("lat", "latitude", "nav_lat")):
            lat = n
    if lon is None or lat is None:
        return None, None
    return lon, lat


def _squeeze_singletons(da: xr.DataArray) -> xr.DataArray:
    """Drop length-1 dimensions that are not time/lon/lat (e.g. a single height or depth level)."""
    keep = {"time", "lon", "lat", "longitude", "latitude"}
    for d in list(da.dims):
        c = da.coords.get(d)
        sn = c.attrs.get("standard_name", "") if c is not None else ""
        if da.sizes[d] == 1 and str(d).lower() not in keep and sn not in ("time", "longitude", "latitude"):
            da = da.isel({d: 0}, drop=True)
    return da


PathOrPaths = str | Path | Sequence[str | Path] | None


def open_environment(
    env: PathOrPaths = None,
    wind: PathOrPaths = None,
    current: PathOrPaths = None,
    wind_vars: tuple[str, str] | None = None,
    current_vars: tuple[str, str] | None = None,
    outside: OutsidePolicy | str = OutsidePolicy.ERROR,
) -> Environment:
    """Build an :class:`Environment` from CF-NetCDF (and GRIB wind) files.

    ``wind`` and ``current`` override ``env`` for that variable; at least one
    source must be given for each. Each may be a list of files in priority order
    (e.g. a coastal model, then a global one): the variable then is a
    :class:`~sarex.environment.stack.StackedField` (first file covering a point wins).
    """
    wpaths = _as_list(wind) or _as_list(env)
    cpaths = _as_list(current) or _as_list(env)
    if not wpaths:
        raise SarexInputError("no wind source: give --env FILE or --wind FILE")
    if not cpaths:
        raise SarexInputError("no current source: give --env FILE or --current FILE")
    cache: dict[str, xr.Dataset] = {}

    def ds_for(p):
        if is_remote(p):
            key = str(p)
        elif local_path(p).is_file() and is_grib(local_path(p)):
            return None
        else:
            lp = local_path(p)
            key = str(lp.resolve()) if lp.exists() else str(p)
        if key not in cache:
            cache[key] = open_dataset(p)
        return cache[key]

    def build(paths, kind, names) -> VectorField:
        fields = [open_vector_field(p, kind, names, ds_for(p)) for p in paths]
        return fields[0] if len(fields) == 1 else StackedField(fields, name=f"{kind} (" + " > ".join(source_label(p) for p in paths) + ")")

    wf = build(wpaths, "wind", wind_vars)
    cf = build(cpaths, "current", current_vars)
    return Environment(wind=wf, current=cf, outside=OutsidePolicy(outside))


def _as_list(p: PathOrPaths) -> list[str | Path]:
    if p is None:
        return []
    if isinstance(p, (str, Path)):
        return [p]
    return list(p)
