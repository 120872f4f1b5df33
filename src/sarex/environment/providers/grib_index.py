"""GFS and ECMWF open-data 10 m wind: the index files say where each message is; only those bytes travel.

* GFS (NCEP, NOMADS and its cloud mirrors): ``gfs.YYYYMMDD/HH/atmos/gfs.tHHz.pgrb2.0p25.fFFF``,
  one file per forecast hour, beside ``.idx`` lines ``n:offset:d=YYYYMMDDHH:VAR:LEVEL:FCST:``;
  a message ends where the next begins (the last at the end of the file). The same
  layout and index Herbie reads (https://herbie.readthedocs.io, "index files").
* ECMWF open data (IFS 0.25°, https://www.ecmwf.int/en/forecasts/datasets/open-data):
  ``YYYYMMDD/HHz/ifs/0p25/{oper|scda}/YYYYMMDDHH0000-{step}h-{stream}-fc.grib2`` beside
  ``.index`` JSON lines with ``param``, ``levtype``, ``step``, ``_offset``, ``_length``
  (the layout ecmwf-opendata's ``Client.retrieve`` reads; 06/18 UTC runs are stream
  ``scda`` before IFS cycle 50r1, 2026-05-12, ``oper`` since).

Wanted: ``UGRD``/``VGRD`` at ``10 m above ground`` (GFS), ``10u``/``10v`` ``sfc`` (ECMWF).
The messages are decoded with cfgrib/eccodes (optional extra ``grib``), cut to the area
and written as CF-NetCDF (``eastward_wind``/``northward_wind``, time = valid time).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from sarex.environment.providers import FetchRequest, FetchResult, ProviderError
from sarex.environment.providers.cache import cache_name, provenance, result_for, write_atomic
from sarex.environment.providers.http import Transfer
from sarex.times import iso


@dataclass(frozen=True)
class GribProduct:
    """A GRIB2 forecast product published with index files."""

    source: str  #: "gfs" or "ecmwf"
    product: str
    base_url: str
    cycle_h: int  #: hours between runs
    step_h: int  #: forecast step used, h
    max_step_h: int  #: longest forecast, h


GFS = GribProduct("gfs", "GFS 0.25 deg pgrb2", "https://nomads.ncep.noaa.gov/pub/data/nccf/com/gfs/prod", 6, 1, 120)
ECMWF = GribProduct("ecmwf", "IFS open data 0.25 deg oper", "https://data.ecmwf.int/forecasts", 12, 3, 144)
PRODUCTS = {"gfs": GFS, "ecmwf": ECMWF}
#: 2026-05-12T00Z: IFS cycle 50r1; ECMWF open data's 06/18 UTC runs moved from stream scda to oper.
IFS_50R1_S = 1778544000.0


def data_url(p: GribProduct, run_s: float, step: int, base: str | None = None) -> tuple[str, str]:
    """(GRIB file URL, its index URL) of forecast ``step`` h of the run at ``run_s``."""
    r = datetime.fromtimestamp(run_s, timezone.utc)
    base = (base or p.base_url).rstrip("/")
    if p.source == "gfs":
        url = f"{base}/gfs.{r:%Y%m%d}/{r:%H}/atmos/gfs.t{r:%H}z.pgrb2.0p25.f{step:03d}"
        return url, url + ".idx"
    # 06/18 UTC runs: stream scda until IFS cycle 50r1 (2026-05-12), oper since (as ecmwf-opendata maps them)
    stream = "scda" if r.hour in (6, 18) and run_s < IFS_50R1_S else "oper"
    url = f"{base}/{r:%Y%m%d}/{r:%H}z/ifs/0p25/{stream}/{r:%Y%m%d%H}0000-{step}h-{stream}-fc.grib2"
    return url, url[: -len(".grib2")] + ".index"


def gfs_ranges(idx_text: str, wanted: tuple[tuple[str, str], ...] = (("UGRD", "10 m above ground"), ("VGRD", "10 m above ground"))) -> list[tuple[int, int | None]]:
    """Byte ranges (first, last inclusive; last None: to the end) of the wanted messages of a NOMADS ``.idx``."""
    rows = []
    for line in idx_text.splitlines():
        parts = line.split(":")
        if len(parts) >= 6 and parts[1].isdigit():
            rows.append((int(parts[1]), parts[3], parts[4]))
    out = []
    for i, (off, var, level) in enumerate(rows):
        if (var, level) in wanted:
            out.append((off, rows[i + 1][0] - 1 if i + 1 < len(rows) else None))
    return out


def ecmwf_ranges(index_text: str, wanted: tuple[str, ...] = ("10u", "10v")) -> list[tuple[int, int | None]]:
    """Byte ranges of the wanted surface parameters of an ECMWF ``.index`` (JSON lines)."""
    out = []
    for line in index_text.splitlines():
        if line.strip():
            e = json.loads(line)
            if e.get("param") in wanted and e.get("levtype") == "sfc":
                out.append((int(e["_offset"]), int(e["_offset"]) + int(e["_length"]) - 1))
    return sorted(out)


def default_run(p: GribProduct, start_s: float) -> float:
    """The latest run (cycle) at or before ``start_s``."""
    c = p.cycle_h * 3600.0
    return math.floor(start_s / c) * c


def steps_for(p: GribProduct, run_s: float, req: FetchRequest) -> list[int]:
    """Forecast steps of the run covering ``start .. start + hours`` (one step beyond each end)."""
    a = (req.start_s - run_s) / 3600.0
    b = a + req.hours
    first = int(math.floor(a / p.step_h)) * p.step_h
    last = int(math.ceil(b / p.step_h)) * p.step_h
    if last > p.max_step_h:
        raise ProviderError(p.source, p.product, f"the run of {iso(run_s)} reaches +{p.max_step_h} h, the request needs +{last} h (start {iso(req.start_s)}, {req.hours:g} h)")
    return list(range(max(0, first), last + 1, p.step_h))


def fetch_grib_wind(p: GribProduct, req: FetchRequest, cache_dir: str | Path, base_url: str | None = None) -> FetchResult:
    """Fetch the 10 m wind of ``req`` from product ``p`` into ``cache_dir`` (byte ranges of the needed messages only)."""
    if req.kind != "wind":
        raise ProviderError(p.source, p.product, f"product without the variable: it holds 10 m wind, not {req.kind}")
    if not (-90 <= req.area.lat0 < req.area.lat1 <= 90):
        raise ProviderError(p.source, p.product, f"area outside the product: latitudes {req.area.lat0:g} to {req.area.lat1:g} are not within -90 to 90")
    run_s = default_run(p, req.start_s) if req.run_s is None else req.run_s
    run = iso(run_s)
    name = cache_name(p.source, p.product, req, run)
    final = Path(cache_dir) / name
    if final.is_file():
        with xr.open_dataset(final) as ds:
            return result_for(final, ds, p.source, p.product, run, 0, reused=True)
    tr = Transfer()
    chunks = []
    for step in steps_for(p, run_s, req):
        url, idx_url = data_url(p, run_s, step, base_url)
        text = tr.get(idx_url, p.source, p.product, missing=f"run {run} not yet published (no index {idx_url})").decode("utf-8", "replace")
        ranges = gfs_ranges(text) if p.source == "gfs" else ecmwf_ranges(text)
        if len(ranges) != 2:
            raise ProviderError(p.source, p.product, f"product without the variable: {idx_url} lists no 10 m u/v wind messages")
        chunks.extend(tr.get(url, p.source, p.product, byte_range=r) for r in ranges)
    ds = decode_wind(b"".join(chunks), req, p)
    ds.attrs.update(provenance(p.source, p.product, req, run, data_url(p, run_s, 0, base_url)[0]))
    path = write_atomic(ds, cache_dir, name)
    return result_for(path, ds, p.source, p.product, run, tr.bytes)


def decode_wind(grib: bytes, req: FetchRequest, p: GribProduct) -> xr.Dataset:
    """The 10 m wind of the GRIB messages ``grib``, cut to ``req.area``, as a CF Dataset."""
    try:
        import cfgrib  # noqa: F401
    except Exception:  # noqa: BLE001 - missing package or missing eccodes library
        raise ProviderError(p.source, p.product, "decoding GRIB needs the optional packages cfgrib and eccodes (pip install 'sarex[grib]')") from None
    fd, tmp = tempfile.mkstemp(suffix=".grib2")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(grib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = xr.open_dataset(tmp, engine="cfgrib", backend_kwargs={"filter_by_keys": {"typeOfLevel": "heightAboveGround", "level": 10}, "indexpath": ""})
            ds = ds.load()
    except Exception as exc:  # noqa: BLE001 - a message the decoder refuses is a broken download
        raise ProviderError(p.source, p.product, f"downloaded messages cannot be decoded ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    names = {str(v.attrs.get("GRIB_shortName", k)): k for k, v in ds.data_vars.items()}
    if "10u" not in names or "10v" not in names:
        raise ProviderError(p.source, p.product, "product without the variable: the messages hold no 10u/10v")
    return _cut(ds[names["10u"]], ds[names["10v"]], req, p)


def _cut(u: xr.DataArray, v: xr.DataArray, req: FetchRequest, p: GribProduct) -> xr.Dataset:
    lon = np.asarray(u["longitude"].values, dtype=np.float64)
    lat = np.asarray(u["latitude"].values, dtype=np.float64)
    a = req.area
    lon0, lon1 = (a.lon0 % 360.0, a.lon1 % 360.0) if lon.max() > 180.0 else (a.lon0, a.lon1)
    if lon1 < lon0:
        raise ProviderError(p.source, p.product, f"area outside the product: {a.text()} crosses the grid's longitude seam at 0°")
    ix = np.nonzero((lon >= lon0 - 1e-9) & (lon <= lon1 + 1e-9))[0]
    iy = np.nonzero((lat >= a.lat0 - 1e-9) & (lat <= a.lat1 + 1e-9))[0]
    if ix.size < 2 or iy.size < 2:
        raise ProviderError(p.source, p.product, f"area outside the product: {a.text()} holds fewer than 2x2 grid points")
    # one grid point beyond each edge, so that bilinear sampling covers the whole box
    xs = slice(max(0, ix[0] - 1), min(lon.size, ix[-1] + 2))
    ys = slice(max(0, iy[0] - 1), min(lat.size, iy[-1] + 2))
    vt = np.atleast_1d(u["valid_time"].values)

    def var(da, sn):
        arr = np.asarray(da.values, dtype=np.float32)
        arr = arr.reshape((vt.size,) + arr.shape[-2:])[:, ys, xs]
        return (("time", "latitude", "longitude"), arr, {"standard_name": sn, "units": "m s-1", "long_name": f"10 m wind ({sn})"})

    x = lon[xs]
    ds = xr.Dataset({"u10": var(u, "eastward_wind"), "v10": var(v, "northward_wind")},
                    coords={"time": ("time", vt, {"standard_name": "time"}),
                            "latitude": ("latitude", lat[ys], {"standard_name": "latitude", "units": "degrees_north"}),
                            "longitude": ("longitude", np.where(x > 180.0, x - 360.0, x) if a.lon0 < 0 or a.lon1 <= 180 else x,
                                          {"standard_name": "longitude", "units": "degrees_east"}),
                            "height": ((), 10.0, {"standard_name": "height", "units": "m", "positive": "up"})})
    return ds.sortby("latitude")
