"""A drift through OPeNDAP URLs equals the drift from the files, and only the subset travels (issue 33)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from sarex.cli import app

from tests.providers.servers import opendap_server, wide_forcing_pair

pytest.importorskip("xpublish_opendap")
runner = CliRunner()
BASE = ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-05-01T02:00Z", "--hours", "12", "--particles", "300",
        "--object", "LIFE-RAFT-NB-2", "--seed", "7", "--forcing-error", "sar", "--no-coast"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return wide_forcing_pair(tmp_path_factory.mktemp("opendap"))


@pytest.mark.slow  # 80 s: in make test-slow, which CI runs too
def test_drift_through_opendap_equals_drift_from_files(pair, tmp_path):
    wind, current = pair
    r = runner.invoke(app, BASE + ["--wind", str(wind), "--current", str(current), "--out", str(tmp_path / "files.nc")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    with opendap_server(wind=wind, current=current) as (base, served):
        before = served()
        urls = [f"{base}/datasets/wind/opendap", f"{base}/datasets/current/opendap"]
        r = runner.invoke(app, BASE + ["--wind", urls[0], "--current", urls[1], "--out", str(tmp_path / "dap.nc")], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        sent = served() - before
    a, b = xr.open_dataset(tmp_path / "files.nc"), xr.open_dataset(tmp_path / "dap.nc")
    for name in ("lon", "lat", "status"):
        np.testing.assert_array_equal(a[name].values, b[name].values)  # bit for bit
    total = wind.stat().st_size + current.stat().st_size
    print(f"OPeNDAP drift: served {sent} bytes of {total} ({100 * sent / total:.2f} %)")
    assert sent < 0.10 * total, f"served {sent} bytes of {total} ({100 * sent / total:.1f} %)"


def test_file_url_is_the_file(pair, tmp_path):
    wind, current = pair
    r = runner.invoke(app, BASE + ["--hours", "2", "--wind", wind.as_uri(), "--current", current.as_uri(), "--out", str(tmp_path / "u.nc")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r2 = runner.invoke(app, BASE + ["--hours", "2", "--wind", str(wind), "--current", str(current), "--out", str(tmp_path / "f.nc")], catch_exceptions=False)
    assert r2.exit_code == 0, r2.output
    np.testing.assert_array_equal(xr.open_dataset(tmp_path / "u.nc").lon.values, xr.open_dataset(tmp_path / "f.nc").lon.values)


def test_unreachable_opendap_server_is_one_line_exit_2(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    url = f"http://127.0.0.1:{port}/thredds/dodsC/x"
    r = runner.invoke(app, BASE + ["--env", url, "--out", str(tmp_path / "x.nc")])
    assert r.exit_code == 2
    line = r.output.strip()
    assert "\n" not in line and url in line and "unreachable" in line
    assert not (tmp_path / "x.nc").exists()


def test_inspect_an_opendap_url(pair):
    wind, current = pair
    with opendap_server(current=current) as (base, _):
        url = f"{base}/datasets/current/opendap"
        r = runner.invoke(app, ["env", "inspect", url], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "(OPeNDAP)" in text and "uo, vo" in text and "lon 122.0000 to 138.0000" in text and "2026-05-01T00:00:00Z to 2026-05-02T12:00:00Z" in text
