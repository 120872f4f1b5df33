"""Speed of the probability grid, containment and POD along a track (issue 4 bars).

Prints one table. Bars: grid + containment from 1M particles < 0.5 s; POD of a
200-waypoint track against 1M particles with 24 hourly positions < 2 s.
Timings are the best of ``--repeat`` runs after a warm-up (numba compiled).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import xarray as xr
from rich.console import Console
from rich.table import Table

from sarex.io.driftfile import STATUS_ACTIVE
from sarex.search.containment import containment_areas
from sarex.search.detection import SearchUnit, pod_along_tracks
from sarex.search.grid import ProbabilityGrid
from sarex.geo import LocalProjection
from sarex.io.track import Track
from sarex.times import epoch_s_to_datetime64, to_epoch_s


def drifting_cloud(n: int, hours: int, seed: int = 0) -> xr.Dataset:
    """n particles, Gaussian cloud (σ = 3 nm) growing and drifting east at 0.5 m/s, hourly outputs."""
    rng = np.random.default_rng(seed)
    proj = LocalProjection(129.5, 34.5)
    t0 = to_epoch_s("2026-01-15T00:00Z")
    tout = t0 + 3600.0 * np.arange(hours + 1)
    x0 = rng.standard_normal(n) * 3 * 1852.0
    y0 = rng.standard_normal(n) * 3 * 1852.0
    ux = 0.5 + 0.1 * rng.standard_normal(n)
    uy = 0.1 * rng.standard_normal(n)
    lon = np.empty((n, tout.size))
    lat = np.empty((n, tout.size))
    for j, t in enumerate(tout - t0):
        lon[:, j], lat[:, j] = proj.inverse(x0 + ux * t, y0 + uy * t)
    return xr.Dataset(
        {
            "lon": (("trajectory", "time"), lon),
            "lat": (("trajectory", "time"), lat),
            "status": (("trajectory", "time"), np.full(lon.shape, STATUS_ACTIVE, np.int8)),
            "weight": (("trajectory",), np.full(n, 1.0 / n)),
        },
        coords={"time": epoch_s_to_datetime64(tout)},
    )


def parallel_sweep(ds: xr.Dataset, waypoints: int) -> Track:
    """A parallel sweep over the whole drift span with ``waypoints`` points (legs 40 nm, spacing 1 nm)."""
    proj = LocalProjection(129.5, 34.5)
    t = np.linspace(float(ds["time"].values[0].astype("datetime64[s]").astype(np.int64)) + 60.0,
                    float(ds["time"].values[-1].astype("datetime64[s]").astype(np.int64)) - 60.0, waypoints)
    k = np.arange(waypoints)
    x = ((k // 2) - waypoints / 4) * 1852.0 + 20000.0
    y = np.where((k % 4 == 1) | (k % 4 == 2), 20.0, -20.0) * 1852.0
    lon, lat = proj.inverse(x, y)
    return Track(lon, lat, t, "benchmark sweep")


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall time and the CPU time (all threads) of that run, s."""
    runs = []
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--particles", type=int, default=1_000_000)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--waypoints", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    ds = drifting_cloud(a.particles, a.hours)
    t_mid = float(ds["time"].values[a.hours // 2].astype("datetime64[s]").astype(np.int64))
    track = parallel_sweep(ds, a.waypoints)
    units = {m: [SearchUnit(track, 1852.0, m)] for m in ("inverse-cube", "definite", "exponential")}

    def grid_and_containment():
        g = ProbabilityGrid.from_drift(ds, t_mid + 1800.0, cell_nm=1.0)
        containment_areas(g, (0.5, 0.9, 0.95))

    grid_and_containment()
    for u in units.values():
        pod_along_tracks(ds, u)
    rows = [("probability grid + containment (0.5/0.9/0.95, outlines)", f"{a.particles:,} particles, 1 nm cells", *best(grid_and_containment, a.repeat), 0.5)]
    for m, u in units.items():
        rows.append((f"POD along track, {m}", f"{a.waypoints} waypoints x {a.particles:,} particles x {a.hours} h", *best(lambda u=u: pod_along_tracks(ds, u), a.repeat), 2.0))
    import numba

    load = os.getloadavg()[0]
    tab = Table(title=f"sarex search speed ({os.cpu_count()} CPUs, numba threads {numba.get_num_threads()}, load average {load:.1f})")
    for col in ("case", "size", "best wall (s)", "CPU of that run (s)", "bar (s)", "pass"):
        tab.add_column(col)
    for name, size, t, cpu, bar in rows:
        tab.add_row(name, size, f"{t:.3f}", f"{cpu:.3f}", f"{bar:g}", "yes" if t < bar else "NO")
    Console().print(tab)


if __name__ == "__main__":
    main()
