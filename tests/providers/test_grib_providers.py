"""GFS and ECMWF open data through their index files: only the 10 m wind messages travel (issue 33).

A local HTTP server (python's http.server, byte ranges) holds small real GRIB2 files
written with eccodes in the providers' directory and index layout (tests/providers/gribsamples.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sarex.environment.providers import Area, FetchRequest
from sarex.environment.providers.grib_index import ECMWF, GFS, ecmwf_ranges, fetch_grib_wind, gfs_ranges
from sarex.times import to_epoch_s

from tests.providers.gribsamples import FIELDS, RUN, ecmwf_tree, gfs_tree
from tests.providers.servers import RangeServer

pytest.importorskip("cfgrib")
eccodes = pytest.importorskip("eccodes")
KOREA = Area(127.0, 32.0, 131.0, 36.0)


def _eccodes_field(path: Path, short: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, values) of the first message with ``shortName`` in ``path``, read by eccodes alone."""
    with open(path, "rb") as fh:
        while (gid := eccodes.codes_grib_new_from_file(fh)) is not None:
            try:
                if eccodes.codes_get(gid, "shortName") == short:
                    ni, nj = eccodes.codes_get(gid, "Ni"), eccodes.codes_get(gid, "Nj")
                    vals = eccodes.codes_get_values(gid).reshape(nj, ni)
                    lat = np.linspace(eccodes.codes_get(gid, "latitudeOfFirstGridPointInDegrees"), eccodes.codes_get(gid, "latitudeOfLastGridPointInDegrees"), nj)
                    lon = np.linspace(eccodes.codes_get(gid, "longitudeOfFirstGridPointInDegrees"), eccodes.codes_get(gid, "longitudeOfLastGridPointInDegrees"), ni)
                    return lon, lat, vals
            finally:
                eccodes.codes_release(gid)
    raise AssertionError(f"{short} not in {path}")


@pytest.mark.parametrize("product,tree,served,steps,hours", [(GFS, gfs_tree, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3], 3),
                                                             (ECMWF, ecmwf_tree, [0, 3, 6, 9], [0, 3, 6], 6)])
def test_only_wind_messages_travel_and_fields_equal_the_file(tmp_path, product, tree, served, steps, hours):
    root = tmp_path / "srv"
    files = tree(root, RUN, served)[: len(steps)]  # the server holds steps beyond the request too
    req = FetchRequest(KOREA, to_epoch_s("2026-05-01T00:00Z"), hours, "wind")
    with RangeServer(root) as srv:
        res = fetch_grib_wind(product, req, tmp_path / "cache", base_url=srv.url)
        log = list(srv.log)
    # every GRIB byte that travelled is one of the two 10 m wind messages of a needed step
    grib_log = [e for e in log if not e[0].endswith((".idx", ".index"))]
    assert len(grib_log) == 2 * len(steps)
    for path, a, b, size in grib_log:
        f = root / path.lstrip("/")
        idx = Path(str(f) + ".idx") if product is GFS else f.with_suffix(".index")
        text = idx.read_text()
        wanted = gfs_ranges(text) if product is GFS else ecmwf_ranges(text)
        assert (a, b - 1) in [(r0, size - 1 if r1 is None else r1) for r0, r1 in wanted]
    grib_bytes = sum(b - a for _, a, b, _ in grib_log)
    total = sum(f.stat().st_size for f in files)
    # 2 of the 7 messages of each file (all the same size here)
    assert grib_bytes == pytest.approx(total * 2 / len(FIELDS), rel=0.02)
    ds = xr.open_dataset(res.path)
    assert ds.attrs["sarex_source"] == product.source and ds.attrs["sarex_run_time"] == "2026-05-01T00:00:00Z"
    assert ds.u10.attrs["standard_name"] == "eastward_wind" and ds.sizes["time"] == len(steps)
    for k, step in enumerate(steps):
        for var, short in (("u10", "10u"), ("v10", "10v")):
            lon, lat, vals = _eccodes_field(files[k], short)
            jy = [int(np.argmin(np.abs(lat - y))) for y in ds.latitude.values]
            ix = [int(np.argmin(np.abs(lon - x))) for x in ds.longitude.values]
            np.testing.assert_array_equal(ds[var].values[k], vals[np.ix_(jy, ix)].astype(np.float32))
    assert ds.longitude.values[0] <= KOREA.lon0 and ds.longitude.values[-1] >= KOREA.lon1
    assert res.bytes_transferred == grib_bytes + sum(b - a for p, a, b, _ in log if p.endswith((".idx", ".index")))


def test_ecmwf_opendata_client_takes_the_same_messages(tmp_path):
    """Peer: ecmwf-opendata's own Client, pointed at the same server, asks the same byte ranges and decodes to the same wind."""
    opendata = pytest.importorskip("ecmwf.opendata")
    root = tmp_path / "srv"
    ecmwf_tree(root, RUN, [0, 3, 6, 9])
    req = FetchRequest(KOREA, to_epoch_s("2026-05-01T00:00Z"), 6, "wind")
    with RangeServer(root) as srv:
        ours = xr.open_dataset(fetch_grib_wind(ECMWF, req, tmp_path / "cache", base_url=srv.url).path)
        our_log = {(p, a, b) for p, a, b, _ in srv.log if p.endswith(".grib2")}
        del srv.log[:]
        client = opendata.Client(source=srv.url, maximum_retries=0, retry_after=0, source_accept_ranges=True, source_accept_multiple_ranges=False)
        client.retrieve(date="2026-05-01", time=0, step=[0, 3, 6], type="fc", param=["10u", "10v"], target=str(tmp_path / "peer.grib2"))
        peer_log = {(p, a, b) for p, a, b, _ in srv.log if p.endswith(".grib2")}
    # the client merges the two adjacent messages of a file into one range: compare the bytes covered
    def covered(log):
        merged = []
        for p, a, b in sorted(log):
            if merged and merged[-1][0] == p and merged[-1][2] == a:
                merged[-1] = (p, merged[-1][1], b)
            else:
                merged.append((p, a, b))
        return merged
    assert covered(our_log) == covered(peer_log)
    peer = xr.open_dataset(tmp_path / "peer.grib2", engine="cfgrib", backend_kwargs={"indexpath": ""})
    sub = peer.u10.sel(latitude=ours.latitude.values, longitude=ours.longitude.values)
    np.testing.assert_array_equal(ours.u10.values, sub.values)
