"""Bounded memory on a large operational-style forcing file (issue 7).

Writes a ~5 GB CF-NetCDF file in a temporary folder (Lambert conformal grid, hourly,
grid-relative 10 m wind and surface current, float32), then drifts 100 000 Leeway
particles through it for 24 h in a fresh process and reports that process's peak
resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``). The file is
deleted afterwards. Two releases: a compact one (20 km Gaussian radius) and a
cloud spread uniformly over 900 km, which makes every window span most of the grid
(the window then holds fewer time steps, :data:`sarex.environment.regular.MAX_WINDOW_BYTES`).

Usage: ``python benchmarks/forcing_memory.py [--size-gb 5] [--particles 100000] [--hours 24]``
Prints one table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NX, NY, DX = 1600, 1200, 2000.0  # 3200 km x 2400 km at 2 km
LAMBERT = dict(
    grid_mapping_name="lambert_conformal_conic",
    standard_parallel=[30.0, 60.0],
    longitude_of_central_meridian=127.0,
    latitude_of_projection_origin=38.0,
)
LKP = (128.0, 35.5)


def generate(path: Path, size_gb: float) -> dict:
    """Write the file step by step (never more than one time step in memory)."""
    import netCDF4

    per_step = NX * NY * 4 * 4
    nt = max(26, int(math.ceil(size_gb * 1e9 / per_step)))
    x = (np.arange(NX) - NX / 2) * DX
    y = (np.arange(NY) - NY / 2) * DX
    X, Y = np.meshgrid(x, y)
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("time", None)
        nc.createDimension("y", NY)
        nc.createDimension("x", NX)
        t = nc.createVariable("time", "f8", ("time",))
        t.units = "hours since 2026-05-01 00:00:00"
        t.standard_name = "time"
        vx = nc.createVariable("x", "f8", ("x",))
        vx.standard_name, vx.units, vx.axis = "projection_x_coordinate", "m", "X"
        vx[:] = x
        vy = nc.createVariable("y", "f8", ("y",))
        vy.standard_name, vy.units, vy.axis = "projection_y_coordinate", "m", "Y"
        vy[:] = y
        crs = nc.createVariable("crs", "i4")
        crs.setncatts(LAMBERT)
        names = {"wu": "x_wind", "wv": "y_wind", "cu": "x_sea_water_velocity", "cv": "y_sea_water_velocity"}
        vs = {}
        for k, sn in names.items():
            v = nc.createVariable(k, "f4", ("time", "y", "x"), chunksizes=(1, 200, 200))
            v.standard_name, v.units, v.grid_mapping = sn, "m s-1", "crs"
            vs[k] = v
        for i in range(nt):
            ph = 2 * np.pi * i / 24.0
            t[i] = i
            vs["wu"][i] = (8 + 3 * np.sin(X / 3e5 + ph)).astype("f4")
            vs["wv"][i] = (2 + 3 * np.cos(Y / 2e5 - ph)).astype("f4")
            vs["cu"][i] = (0.2 + 0.1 * np.sin(Y / 1e5 + ph)).astype("f4")
            vs["cv"][i] = (0.1 * np.cos(X / 1.5e5)).astype("f4")
    return {"nt": nt, "bytes": path.stat().st_size}


def drift(path: Path, particles: int, hours: float, spread_m: float, radius_type: str) -> dict:
    """Run in a fresh process: drift and report the peak RSS of this process."""
    from sarex.drift import Release, simulate
    from sarex.environment.cf import open_environment
    from sarex.times import to_epoch_s

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    env = open_environment(env=path, outside="deactivate")
    rel = Release(lon=LKP[0], lat=LKP[1], time_s=to_epoch_s("2026-05-01T00:00Z"), radius_m=spread_m, radius_type=radius_type)
    t0 = time.perf_counter()
    ds = simulate(env, "PIW-1", rel, hours=hours, particles=particles, seed_value=1, step_s=600, output_s=3600, coast=False)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    win = env.wind._win
    return {
        "wall_s": wall,
        "rss_import_mb": rss0 / 1024,
        "rss_peak_mb": peak / 1024,
        "loads": env.wind.loads + env.current.loads,
        "window": "x".join(str(n) for n in win.v.shape),
        "active_end": int((ds["status"].values[:, -1] == 0).sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=5.0)
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--_drift", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._drift:
        p, spread, rtype, hours = a._drift
        print(json.dumps(drift(Path(p), a.particles, float(hours), float(spread), rtype)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="sarex-forcing-mem-", dir="/tmp"))
    try:
        f = tmp / "lambert_5gb.nc"
        t0 = time.perf_counter()
        info = generate(f, a.size_gb)
        gen_s = time.perf_counter() - t0
        rows = []
        for label, spread, rtype in (("compact (20 km gaussian)", 20e3, "gaussian"), ("wide (900 km uniform disc)", 900e3, "uniform")):
            env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
            out = subprocess.run(
                [sys.executable, __file__, "--particles", str(a.particles), "--_drift", str(f), str(spread), rtype, str(a.hours)],
                check=True, capture_output=True, text=True, env=env,
            )
            rows.append((label, json.loads(out.stdout.strip().splitlines()[-1])))
        print(f"forcing file: {info['bytes'] / 1e9:.2f} GB, Lambert {NY}x{NX} at {DX / 1000:g} km, {info['nt']} hourly steps, "
              f"4 float32 variables (written in {gen_s:.0f} s)")
        print(f"{'release':<28} {'particles':>9} {'hours':>5} {'wall s':>7} {'RSS after import MB':>20} {'peak RSS MB':>12} {'window loads':>13} {'last window (t,y,x)':>20}")
        for label, r in rows:
            print(f"{label:<28} {a.particles:>9} {a.hours:>5g} {r['wall_s']:>7.1f} {r['rss_import_mb']:>20.0f} {r['rss_peak_mb']:>12.0f} {r['loads']:>13} {r['window']:>20}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
