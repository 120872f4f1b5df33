"""The forcing cache: one CF-NetCDF file per request, written atomically, with provenance.

A file is written under a temporary name in the cache folder and renamed into place
(``os.replace``, atomic on POSIX within one file system), so a failure at any point
leaves the cache as it was: no partial file under a name a reader would take.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from sarex.environment.providers import FetchRequest, FetchResult
from sarex.times import iso


def cache_name(source: str, product: str, req: FetchRequest, run: str | None) -> str:
    """File name for a request: readable parts and a short hash of the whole request."""
    key = json.dumps([source, product, req.kind, list(req.area), req.start_s, req.hours, run], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in product)[:60]
    return f"{source}_{safe}_{req.kind}_{iso(req.start_s)[:13].replace(':', '')}_{req.hours:g}h_{digest}.nc"


def provenance(source: str, product: str, req: FetchRequest, run: str | None, url: str) -> dict[str, str]:
    """The attributes a cached file carries: where it came from and what was asked."""
    request = {"kind": req.kind, "area_lon0_lat0_lon1_lat1": list(req.area), "start": iso(req.start_s), "hours": req.hours}
    return {
        "Conventions": "CF-1.8",
        "sarex_source": source,
        "sarex_product": product,
        "sarex_run_time": run or "n/a",
        "sarex_request": json.dumps(request, sort_keys=True),
        "sarex_url": url,
        "history": f"fetched by sarex env fetch from {source} ({product})",
    }


def write_atomic(ds: xr.Dataset, cache_dir: str | Path, name: str) -> Path:
    """Write ``ds`` as ``cache_dir/name``: to a temporary file first, then renamed into place."""
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="netcdf4")
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final


def result_for(path: Path, ds: xr.Dataset, source: str, product: str, run: str | None, nbytes: int, reused: bool = False) -> FetchResult:
    """The :class:`FetchResult` describing a cached file."""
    t = ds["time"].values
    t0 = iso(float(np.datetime64(t[0], "s").astype(np.int64))) if t.size else "-"
    t1 = iso(float(np.datetime64(t[-1], "s").astype(np.int64))) if t.size else "-"
    return FetchResult(str(path), source, product, run, [str(v) for v in ds.data_vars], {str(k): int(v) for k, v in ds.sizes.items()},
                       t0, t1, nbytes, reused)
