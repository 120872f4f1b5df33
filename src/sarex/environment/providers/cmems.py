"""Copernicus Marine (CMEMS) surface currents through the ``copernicusmarine`` toolbox (optional).

The request is the toolbox's own :class:`copernicusmarine.core_functions.request_structure.SubsetRequest`
(dataset id, variables, box, depth, times), built here and handed to
``copernicusmarine.subset`` field by field; the toolbox finds the credentials itself
(``COPERNICUSMARINE_SERVICE_USERNAME``/``_PASSWORD`` or the file ``copernicusmarine login``
writes), sarex never reads, prints or logs them. The toolbox's NetCDF output is read by the
ordinary path (:func:`sarex.environment.providers.opendap.cut_dataset`) and cached with provenance.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import xarray as xr

from sarex.environment.providers import FetchRequest, FetchResult, ProviderError
from sarex.environment.providers.cache import cache_name, provenance, result_for, write_atomic
from sarex.environment.providers.opendap import cut_dataset

#: Global ocean physics analysis and forecast, 1/12°, hourly surface (uo, vo); updated daily.
GLOBAL_HOURLY = "cmems_mod_glo_phy_anfc_0.083deg_PT1H-m"
VARIABLES = {"current": ["uo", "vo"]}


def _toolbox(product: str):
    try:
        import copernicusmarine
        from copernicusmarine.core_functions.request_structure import SubsetRequest
    except Exception:  # noqa: BLE001 - not installed or broken
        raise ProviderError("cmems", product, "needs the optional package copernicusmarine (pip install 'sarex[providers]'), which is not installed") from None
    return copernicusmarine, SubsetRequest


def cmems_request(req: FetchRequest, dataset_id: str = GLOBAL_HOURLY, output_directory: str | Path = "."):
    """The toolbox's ``SubsetRequest`` for ``req``: surface (0-1 m) ``uo``/``vo`` over the box and span."""
    if req.kind not in VARIABLES:
        raise ProviderError("cmems", dataset_id, f"product without the variable: {dataset_id} holds current, not {req.kind}")
    _, SubsetRequest = _toolbox(dataset_id)
    t0 = datetime.fromtimestamp(req.start_s, timezone.utc)
    a = req.area
    return SubsetRequest(
        dataset_id=dataset_id, username="", variables=list(VARIABLES[req.kind]),
        minimum_x=a.lon0, maximum_x=a.lon1, minimum_y=a.lat0, maximum_y=a.lat1, minimum_depth=0.0, maximum_depth=1.0,
        start_datetime=t0, end_datetime=t0 + timedelta(hours=req.hours), output_directory=Path(output_directory),
        output_filename="cmems.nc", file_format="netcdf", overwrite=True, disable_progress_bar=True,
    )


def has_credentials() -> bool:
    """Whether the toolbox will find credentials without prompting (environment or its configuration file)."""
    if os.environ.get("COPERNICUSMARINE_SERVICE_USERNAME") and os.environ.get("COPERNICUSMARINE_SERVICE_PASSWORD"):
        return True
    folder = Path(os.environ.get("COPERNICUSMARINE_CREDENTIALS_DIRECTORY") or Path.home() / ".copernicusmarine")
    return (folder / ".copernicusmarine-credentials").is_file()


def fetch_cmems(req: FetchRequest, cache_dir: str | Path, dataset_id: str = GLOBAL_HOURLY) -> FetchResult:
    """Fetch ``req`` from CMEMS dataset ``dataset_id`` into ``cache_dir``."""
    copernicusmarine, _ = _toolbox(dataset_id)
    name = cache_name("cmems", dataset_id, req, None)
    final = Path(cache_dir) / name
    if final.is_file():
        with xr.open_dataset(final) as ds:
            return result_for(final, ds, "cmems", dataset_id, None, 0, reused=True)
    if not has_credentials():
        raise ProviderError("cmems", dataset_id, "no credentials: run 'copernicusmarine login' or set COPERNICUSMARINE_SERVICE_USERNAME and COPERNICUSMARINE_SERVICE_PASSWORD")
    with tempfile.TemporaryDirectory(prefix="sarex-cmems-") as tmp:
        sr = cmems_request(req, dataset_id, tmp)
        try:
            copernicusmarine.subset(
                dataset_id=sr.dataset_id, variables=sr.variables, minimum_longitude=sr.minimum_x, maximum_longitude=sr.maximum_x,
                minimum_latitude=sr.minimum_y, maximum_latitude=sr.maximum_y, minimum_depth=sr.minimum_depth, maximum_depth=sr.maximum_depth,
                start_datetime=sr.start_datetime, end_datetime=sr.end_datetime, output_directory=str(sr.output_directory),
                output_filename=sr.output_filename, overwrite=True, disable_progress_bar=True,
            )
        except Exception as exc:  # noqa: BLE001 - the toolbox's errors name no secrets; keep their first line only
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise ProviderError("cmems", dataset_id, f"{type(exc).__name__}: {first}"[:300]) from None
        out_file = Path(sr.output_directory) / sr.output_filename
        return cache_toolbox_output(out_file, req, cache_dir, dataset_id, name)


def cache_toolbox_output(out_file: Path, req: FetchRequest, cache_dir: str | Path, dataset_id: str, name: str | None = None) -> FetchResult:
    """Read the toolbox's NetCDF (``uo``/``vo`` on time, depth, latitude, longitude) and cache it with provenance."""
    if not out_file.is_file():
        raise ProviderError("cmems", dataset_id, f"partial download: the toolbox wrote no {out_file.name}")
    with xr.open_dataset(out_file) as ds:
        out = cut_dataset(ds, req, "cmems", dataset_id)
    out.attrs.update(provenance("cmems", dataset_id, req, None, f"copernicusmarine subset --dataset-id {dataset_id}"))
    path = write_atomic(out, cache_dir, name or cache_name("cmems", dataset_id, req, None))
    return result_for(path, out, "cmems", dataset_id, None, out_file.stat().st_size)
