"""Any OPeNDAP/THREDDS dataset (HYCOM's included) cut to an area and time span on the server.

The variables are found by CF ``standard_name`` (:data:`sarex.environment.cf.STANDARD_NAMES`),
the level nearest the surface (current) or 10 m (wind) is kept, and one contiguous
hyperslab per component is asked (``var[t0:t1][k][j0:j1][i0:i1]``): the server cuts, only
the box travels. Longitudes 0..360 (HYCOM) or -180..180 are both handled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from sarex.environment.providers import FetchRequest, FetchResult, ProviderError
from sarex.environment.providers.cache import cache_name, provenance, result_for, write_atomic
from sarex.errors import SarexInputError
from sarex.times import iso
from sarex.environment.cf import _squeeze_singletons, find_vector_variables, open_dataset
from sarex.environment.levels import select_level
from sarex.environment.regular import _identify_dims

#: HYCOM's global 1/12° ESPC-D-V02 surface-to-depth currents, best time series (THREDDS).
HYCOM_URL = "https://tds.hycom.org/thredds/dodsC/FMRC_ESPC-D-V02_uv3z/FMRC_ESPC-D-V02_uv3z_best.ncd"


def fetch_opendap(url: str, req: FetchRequest, cache_dir: str | Path, source: str = "opendap", product: str | None = None) -> FetchResult:
    """Fetch ``req`` from the OPeNDAP dataset at ``url`` into ``cache_dir``."""
    product = product or url
    name = cache_name(source, product, req, None)
    final = Path(cache_dir) / name
    if final.is_file():
        with xr.open_dataset(final) as ds:
            return result_for(final, ds, source, product, None, 0, reused=True)
    try:
        ds = open_dataset(url)
    except SarexInputError as exc:
        raise ProviderError(source, product, str(exc).replace(f"{url}: ", "", 1)) from None
    out = cut_dataset(ds, req, source, product)
    out.attrs.update(provenance(source, product, req, None, url))
    nbytes = sum(int(v.nbytes) for v in out.data_vars.values())
    path = write_atomic(out, cache_dir, name)
    return result_for(path, out, source, product, None, nbytes)


def cut_dataset(ds: xr.Dataset, req: FetchRequest, source: str, product: str) -> xr.Dataset:
    """The ``req.kind`` vector of ``ds`` over ``req.area`` and its time span, read (CF names, surface level)."""
    try:
        un, vn = find_vector_variables(ds, req.kind, product)
    except SarexInputError:
        names = ", ".join(f"{n}({v.attrs.get('standard_name', '-')})" for n, v in ds.data_vars.items()) or "none"
        raise ProviderError(source, product, f"product without the variable: no {req.kind} components by standard_name (variables: {names})") from None
    target = 10.0 if req.kind == "wind" else 0.0
    try:
        u = select_level(ds[un], target, f"{product}: {un}")
        v = select_level(ds[vn], target, f"{product}: {vn}")
        u, v = _squeeze_singletons(u), _squeeze_singletons(v)
        tdim, ydim, xdim = _identify_dims(u, product)
    except SarexInputError as exc:
        raise ProviderError(source, product, str(exc)) from None
    if tdim is None:
        raise ProviderError(source, product, f"variable {un} has no time axis")
    lon = np.asarray(ds[xdim].values, dtype=np.float64)
    lat = np.asarray(ds[ydim].values, dtype=np.float64)
    a = req.area
    lon0, lon1 = (a.lon0 % 360.0, a.lon1 % 360.0) if lon.max() > 180.0 else (a.lon0, a.lon1)
    ix = np.nonzero((lon >= lon0) & (lon <= lon1))[0]
    iy = np.nonzero((lat >= min(a.lat0, a.lat1)) & (lat <= max(a.lat0, a.lat1)))[0]
    if ix.size < 2 or iy.size < 2 or lon1 < lon0:
        raise ProviderError(source, product, f"area outside the product: {a.text()} is not inside lon {lon.min():g} to {lon.max():g}, lat {lat.min():g} to {lat.max():g}")
    xs = slice(max(0, ix.min() - 1), min(lon.size, ix.max() + 2))
    ys = slice(max(0, iy.min() - 1), min(lat.size, iy.max() + 2))
    t = np.asarray(ds[tdim].values).astype("datetime64[s]").astype(np.int64).astype(np.float64)
    t0, t1 = req.start_s, req.start_s + req.hours * 3600.0
    if t.size == 0 or t[0] > t0 or t[-1] < t1:
        span = f"{iso(t[0])} to {iso(t[-1])}" if t.size else "no times"
        raise ProviderError(source, product, f"time outside the product: {iso(t0)} to {iso(t1)} is not inside {span}")
    i0 = int(np.searchsorted(t, t0, side="right")) - 1
    i1 = int(np.searchsorted(t, t1, side="left"))
    ts = slice(max(0, i0), min(t.size, i1 + 1))
    # one contiguous hyperslab per component (no strides: some DAP servers answer those wrongly)
    data = {}
    for name, da in ((un, u), (vn, v)):
        sub = da.isel({tdim: ts, ydim: ys, xdim: xs})
        data[name] = (("time", "latitude", "longitude"), np.asarray(sub.transpose(tdim, ydim, xdim).values, dtype=np.float32),
                      {"standard_name": str(da.attrs.get("standard_name")), "units": "m s-1"})
    x = lon[xs]
    out = xr.Dataset(data, coords={
        "time": ("time", np.asarray(ds[tdim].values)[ts], {"standard_name": "time"}),
        "latitude": ("latitude", lat[ys], {"standard_name": "latitude", "units": "degrees_north"}),
        "longitude": ("longitude", np.where(x > 180.0, x - 360.0, x), {"standard_name": "longitude", "units": "degrees_east"}),
    })
    return out.sortby("latitude")
