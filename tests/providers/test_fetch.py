"""``sarex env fetch`` against local servers in the providers' protocols, its faults, CMEMS's request, the catalogue (issue 33)."""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sarex.cli import app
from sarex.environment.providers import Area, FetchRequest, ProviderError
from sarex.times import to_epoch_s

from tests.providers.gribsamples import RUN, gfs_tree
from tests.providers.servers import RangeServer, opendap_server, tree_digest, wide_forcing_pair

pytest.importorskip("cfgrib")
runner = CliRunner()
GFS_ARGS = ["env", "fetch", "--source", "gfs", "--variable", "wind", "--area", "127,32,131,36", "--start", "2026-05-01T00:00Z", "--hours", "3"]


@pytest.fixture(scope="module")
def gfs_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("gfs")
    gfs_tree(root, RUN, [0, 1, 2, 3])
    return root


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return wide_forcing_pair(tmp_path_factory.mktemp("pair"), hours=12)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _cache_with_old_file(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "earlier.nc").write_bytes(b"CDF\x01 an earlier fetch")
    return cache


def _fault(args, cache, *words):
    before = tree_digest(cache)
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    line = r.output.strip()
    assert "\n" not in line and line.startswith("error: "), line
    for w in words:
        assert w in line, line
    assert tree_digest(cache) == before  # nothing half-written, nothing removed
    return line


def test_fetch_gfs_writes_cf_with_provenance_and_reuses_it(tmp_path, gfs_root):
    cache = tmp_path / "cache"
    with RangeServer(gfs_root) as srv:
        r = runner.invoke(app, GFS_ARGS + ["--cache", str(cache), "--base-url", srv.url], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        r2 = runner.invoke(app, GFS_ARGS + ["--cache", str(cache), "--base-url", srv.url], catch_exceptions=False)
        n_after_second = len(srv.log)
    files = list(cache.glob("*.nc"))
    assert len(files) == 1 and not list(cache.glob(".*part"))
    assert "gfs GFS 0.25 deg pgrb2: run 2026-05-01T00:00:00Z, u10, v10" in " ".join(r.output.split()) and "MB transferred" in r.output
    assert "already in the cache" in r2.output and n_after_second == 4 * 3  # second call asked nothing (4 steps: idx + 2 ranges)
    ds = xr.open_dataset(files[0])
    assert ds.attrs["sarex_source"] == "gfs" and ds.attrs["sarex_product"] == "GFS 0.25 deg pgrb2"
    assert json.loads(ds.attrs["sarex_request"]) == {"kind": "wind", "area_lon0_lat0_lon1_lat1": [127.0, 32.0, 131.0, 36.0],
                                                      "start": "2026-05-01T00:00:00Z", "hours": 3.0}
    # the cached file is a forcing sarex reads by the ordinary path
    from sarex.environment.cf import open_vector_field

    f = open_vector_field(files[0], "wind")
    assert f.times.size == 4 and f.xs[0] <= 127.0 and f.xs[-1] >= 131.0


def test_fetch_hycom_over_opendap_is_the_files_subset(tmp_path, pair):
    _, current = pair
    cache = tmp_path / "cache"
    with opendap_server(current=current) as (base, served):
        b0 = served()
        r = runner.invoke(app, ["env", "fetch", "--source", "hycom", "--variable", "current", "--area", "129,34,130,35", "--start", "2026-05-01T01:00Z",
                                "--hours", "6", "--cache", str(cache), "--base-url", f"{base}/datasets/current/opendap"], catch_exceptions=False)
        sent = served() - b0
    assert r.exit_code == 0, r.output
    ds = xr.open_dataset(next(cache.glob("*.nc")))
    ref = xr.open_dataset(current).uo.isel(depth=0).sel(longitude=ds.longitude.values, latitude=ds.latitude.values, time=ds.time.values)
    np.testing.assert_array_equal(ds.uo.values, ref.values)  # bit for bit
    assert ds.longitude.values[0] <= 129 and ds.longitude.values[-1] >= 130 and ds.sizes["time"] == 7
    assert sent < 0.05 * current.stat().st_size, sent


def test_fault_unreachable_server(tmp_path):
    cache = _cache_with_old_file(tmp_path)
    _fault(GFS_ARGS + ["--cache", str(cache), "--base-url", f"http://127.0.0.1:{_closed_port()}"], cache, "gfs GFS 0.25 deg pgrb2", "unreachable")


def test_fault_timeout(tmp_path, gfs_root, monkeypatch):
    monkeypatch.setenv("SAREX_HTTP_TIMEOUT_S", "0.3")
    cache = _cache_with_old_file(tmp_path)
    with RangeServer(gfs_root, hang_s=1.5) as srv:
        _fault(GFS_ARGS + ["--cache", str(cache), "--base-url", srv.url], cache, "gfs GFS 0.25 deg pgrb2", "timed out after 0.3 s")


def test_fault_product_without_the_variable(tmp_path, pair):
    wind, _ = pair
    cache = _cache_with_old_file(tmp_path)
    with opendap_server(wind=wind) as (base, _):
        url = f"{base}/datasets/wind/opendap"
        _fault(["env", "fetch", "--source", f"opendap:{url}", "--variable", "current", "--area", "129,34,130,35", "--start", "2026-05-01T01:00Z",
                "--hours", "6", "--cache", str(cache)], cache, f"opendap {url}", "product without the variable")


def test_fault_area_outside_the_product(tmp_path, pair):
    _, current = pair
    cache = _cache_with_old_file(tmp_path)
    with opendap_server(current=current) as (base, _):
        _fault(["env", "fetch", "--source", "hycom", "--variable", "current", "--area", "10,50,12,52", "--start", "2026-05-01T01:00Z",
                "--hours", "6", "--cache", str(cache), "--base-url", f"{base}/datasets/current/opendap"], cache, "hycom HYCOM ESPC-D-V02 uv3z", "area outside the product")


def test_fault_run_not_yet_published(tmp_path, gfs_root):
    cache = _cache_with_old_file(tmp_path)
    with RangeServer(gfs_root) as srv:
        _fault(GFS_ARGS + ["--run", "2026-05-01T06:00Z", "--start", "2026-05-01T06:00Z", "--cache", str(cache), "--base-url", srv.url], cache,
               "gfs GFS 0.25 deg pgrb2", "run 2026-05-01T06:00:00Z not yet published")


def test_fault_partial_download(tmp_path, gfs_root):
    cache = _cache_with_old_file(tmp_path)
    with RangeServer(gfs_root, truncate=True) as srv:
        _fault(GFS_ARGS + ["--cache", str(cache), "--base-url", srv.url], cache, "gfs GFS 0.25 deg pgrb2", "partial download")


def test_cmems_request_is_the_toolboxs_own(tmp_path):
    pytest.importorskip("copernicusmarine")
    from copernicusmarine.core_functions.request_structure import SubsetRequest

    from sarex.environment.providers.cmems import GLOBAL_HOURLY, cmems_request

    req = FetchRequest(Area(128.5, 33.25, 130.75, 35.5), to_epoch_s("2026-05-01T06:00Z"), 48, "current")
    sr = cmems_request(req, output_directory=tmp_path)
    assert isinstance(sr, SubsetRequest)
    assert sr.dataset_id == GLOBAL_HOURLY == "cmems_mod_glo_phy_anfc_0.083deg_PT1H-m"
    assert sr.variables == ["uo", "vo"]
    assert (sr.minimum_x, sr.minimum_y, sr.maximum_x, sr.maximum_y) == (128.5, 33.25, 130.75, 35.5)
    assert (sr.minimum_depth, sr.maximum_depth) == (0.0, 1.0)
    assert sr.start_datetime.isoformat() == "2026-05-01T06:00:00+00:00" and sr.end_datetime.isoformat() == "2026-05-03T06:00:00+00:00"
    with pytest.raises(ProviderError, match="product without the variable"):
        cmems_request(FetchRequest(req.area, req.start_s, 48, "wind"))


def test_cmems_output_is_read_by_the_ordinary_path(tmp_path, pair):
    pytest.importorskip("copernicusmarine")
    from sarex.environment.cf import open_vector_field
    from sarex.environment.providers.cmems import cache_toolbox_output

    _, current = pair  # uo/vo on (time, depth, latitude, longitude), CF names: the toolbox's NetCDF layout
    req = FetchRequest(Area(129.0, 34.0, 130.0, 35.0), to_epoch_s("2026-05-01T00:00Z"), 6, "current")
    res = cache_toolbox_output(current, req, tmp_path / "cache", "cmems_mod_glo_phy_anfc_0.083deg_PT1H-m")
    f = open_vector_field(res.path, "current")  # found by standard_name, the depth level dropped
    assert f.times.size == 7 and f.xs[0] <= 129.0 and f.xs[-1] >= 130.0 and "uo, vo" in f.name
    ds = xr.open_dataset(res.path)
    ref = xr.open_dataset(current).uo.isel(depth=0).sel(longitude=ds.longitude.values, latitude=ds.latitude.values, time=ds.time.values)
    np.testing.assert_array_equal(ds.uo.values, ref.values)
    assert xr.open_dataset(res.path).attrs["sarex_source"] == "cmems"


def test_cmems_without_credentials_is_one_line(tmp_path, monkeypatch):
    pytest.importorskip("copernicusmarine")
    for k in ("COPERNICUSMARINE_SERVICE_USERNAME", "COPERNICUSMARINE_SERVICE_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("COPERNICUSMARINE_CREDENTIALS_DIRECTORY", str(tmp_path / "nothing"))
    monkeypatch.setenv("COPERNICUSMARINE_SERVICE_USERNAME", "")
    cache = _cache_with_old_file(tmp_path)
    _fault(["env", "fetch", "--source", "cmems", "--variable", "current", "--area", "129,34,130,35", "--start", "2026-05-01T00:00Z", "--hours", "6",
            "--cache", str(cache)], cache, "cmems cmems_mod_glo_phy_anfc_0.083deg_PT1H-m", "no credentials", "copernicusmarine login")
