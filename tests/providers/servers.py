"""Local servers speaking the providers' protocols, and forcing files for them (issue 33).

* :func:`opendap_server`: xpublish + xpublish-opendap (DAP2) under uvicorn, its own process
  (``opendap_server.py``), counting the bytes it serves.
* :class:`RangeServer`: python's ``http.server`` with single-range ``Range`` support in a
  thread, serving a folder in the providers' layout and logging every byte range sent.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sarex.environment.synthetic import korea_strait_fields

HERE = Path(__file__).parent


def wide_forcing_pair(folder: Path, hours: int = 36) -> tuple[Path, Path]:
    """A wind file (0.1°, 118-142E 24-46N, like a regional NWP) and a current file (1/12°,
    122-138E 28-42N, with a 1-level depth axis like CMEMS), hourly from 2026-05-01T00Z,
    the synthetic Korea Strait formulas; both much larger than a drift's neighbourhood."""
    times = pd.date_range("2026-05-01T00:00", periods=hours + 1, freq="1h")
    ts = (times.values.astype("datetime64[s]").astype(np.int64)).astype(np.float64)
    lon = np.round(np.arange(118.0, 142.0001, 0.1), 6)
    lat = np.round(np.arange(24.0, 46.0001, 0.1), 6)
    T, Y, X = np.meshgrid(ts, lat, lon, indexing="ij")
    wu, wv, _, _ = korea_strait_fields(X, Y, T)
    coords = {"time": ("time", times.values, {"standard_name": "time"}),
              "latitude": ("latitude", lat, {"standard_name": "latitude", "units": "degrees_north"}),
              "longitude": ("longitude", lon, {"standard_name": "longitude", "units": "degrees_east"})}
    dims = ("time", "latitude", "longitude")
    wind = xr.Dataset({"u10": (dims, wu.astype(np.float32), {"standard_name": "eastward_wind", "units": "m s-1"}),
                       "v10": (dims, wv.astype(np.float32), {"standard_name": "northward_wind", "units": "m s-1"})}, coords=coords)
    clon = np.round(np.arange(122.0, 138.0001, 1 / 12), 6)
    clat = np.round(np.arange(28.0, 42.0001, 1 / 12), 6)
    T, Y, X = np.meshgrid(ts, clat, clon, indexing="ij")
    _, _, cu, cv = korea_strait_fields(X, Y, T)
    cdims = ("time", "depth", "latitude", "longitude")
    cur = xr.Dataset({"uo": (cdims, cu[:, None].astype(np.float32), {"standard_name": "eastward_sea_water_velocity", "units": "m s-1"}),
                      "vo": (cdims, cv[:, None].astype(np.float32), {"standard_name": "northward_sea_water_velocity", "units": "m s-1"})},
                     coords={"time": coords["time"], "depth": ("depth", [0.494], {"standard_name": "depth", "units": "m", "positive": "down"}),
                             "latitude": ("latitude", clat, {"standard_name": "latitude", "units": "degrees_north"}),
                             "longitude": ("longitude", clon, {"standard_name": "longitude", "units": "degrees_east"})})
    wp, cp = folder / "wind.nc", folder / "current.nc"
    wind.to_netcdf(wp)
    cur.to_netcdf(cp)
    return wp, cp


@contextlib.contextmanager
def opendap_server(**files: Path):
    """Serve ``name=file`` pairs over DAP2; yields (base URL, a function returning the bytes served)."""
    args = [sys.executable, str(HERE / "opendap_server.py")] + [f"{k}={v}" for k, v in files.items()]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"OPeNDAP server did not start: {line!r} {proc.stderr.read()[-2000:]}")
        base = f"http://127.0.0.1:{int(line.split()[1])}"

        def served() -> int:
            with urllib.request.urlopen(base + "/_served_bytes", timeout=10) as r:
                return int(r.read())

        yield base, served
    finally:
        proc.terminate()
        proc.wait(10)


class _RangeHandler(SimpleHTTPRequestHandler):
    """GET with one ``Range: bytes=a-b`` (206), as NOMADS and data.ecmwf.int answer; logs ranges sent."""

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        srv = self.server
        if srv.hang_s:
            import time
            time.sleep(srv.hang_s)
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404, "Not Found")
            return
        data = path.read_bytes()
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if m:
            a, b = int(m.group(1)), int(m.group(2) or len(data) - 1)
            b = min(b, len(data) - 1)
            body = data[a : b + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {a}-{b}/{len(data)}")
        else:
            a, body = 0, data
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = body[: len(body) // 2] if srv.truncate and m else body
        self.wfile.write(sent)
        srv.log.append((self.path, a, a + len(sent), len(data)))


class RangeServer:
    """A folder served over HTTP with byte ranges, in a thread (``with RangeServer(root) as s: s.url``).

    ``truncate``: range answers stop half-way (a broken transfer); ``hang_s``: every answer waits.
    ``log``: (path, first byte, end byte, file size) of every answer sent.
    """

    def __init__(self, root: Path, truncate: bool = False, hang_s: float = 0.0) -> None:
        root = Path(root)

        class Handler(_RangeHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=str(root), **k)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.truncate, self.httpd.hang_s, self.httpd.log = truncate, hang_s, []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.log = self.httpd.log

    def __enter__(self) -> "RangeServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def tree_digest(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes (to assert a cache unchanged)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


__all__ = ["RangeServer", "opendap_server", "tree_digest", "wide_forcing_pair", "os"]
