"""One entry point for every provider: ``fetch(source, request, cache)`` (``sarex env fetch``)."""

from __future__ import annotations

from pathlib import Path

from sarex.environment.providers import FetchRequest, FetchResult, ProviderError

SOURCES = ("cmems", "hycom", "gfs", "ecmwf", "opendap:URL")


def fetch(source: str, req: FetchRequest, cache_dir: str | Path, base_url: str | None = None, product: str | None = None) -> FetchResult:
    """Fetch ``req`` from ``source`` (one of :data:`SOURCES`) into ``cache_dir``.

    ``base_url`` replaces the provider's address (a mirror, or a test server); for
    ``hycom`` it is the whole OPeNDAP URL. ``product`` overrides the CMEMS dataset id.
    """
    if source in ("gfs", "ecmwf"):
        from sarex.environment.providers.grib_index import PRODUCTS, fetch_grib_wind

        return fetch_grib_wind(PRODUCTS[source], req, cache_dir, base_url)
    if source == "cmems":
        from sarex.environment.providers.cmems import GLOBAL_HOURLY, fetch_cmems

        return fetch_cmems(req, cache_dir, product or GLOBAL_HOURLY)
    if source == "hycom":
        from sarex.environment.providers.opendap import HYCOM_URL, fetch_opendap

        if req.kind != "current":
            raise ProviderError("hycom", "HYCOM ESPC-D-V02 uv3z", f"product without the variable: it holds current, not {req.kind}")
        return fetch_opendap(base_url or HYCOM_URL, req, cache_dir, source="hycom", product="HYCOM ESPC-D-V02 uv3z")
    if source.startswith("opendap:"):
        from sarex.environment.providers.opendap import fetch_opendap

        url = source[len("opendap:"):]
        if not url.lower().startswith(("http://", "https://", "file://")):
            raise ProviderError("opendap", url or "(no URL)", "give opendap:http(s)://... or opendap:file://...")
        return fetch_opendap(url, req, cache_dir)
    raise ProviderError(source, "-", f"unknown source (expected one of {', '.join(SOURCES)})")
