"""Planner benchmark: 6 SRUs over 100k drifting particles, and plan quality against Stone's optimum.

Run: ``PYTHONPATH=src python benchmarks/planner_speed.py [--particles 100000]``.
Prints one table: timing of each stage of a 6-unit plan over a Leeway drift in
the synthetic Korea Strait environment, then the POS reached on a static
circular normal cloud (σ = 5 NM) against P* = 1 − (1+H)e^{−H}.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import xarray as xr
from rich.console import Console
from rich.table import Table

from sarex.drift import Release, simulate
from sarex.environment.synthetic import korea_strait_environment
from sarex.planning.cloud import period_cloud
from sarex.geo import LocalProjection
from sarex.planning.land import land_around_cloud
from sarex.planning.optimal import circular_normal_pos
from sarex.planning.planner import Planner, Sru
from sarex.planning.sru import make_sru
from sarex.planning.units import example_catalogue
from sarex.times import epoch_s_to_datetime64, to_epoch_s

NM = 1852.0
START = "2026-01-15T06:00Z"
#: Fixed sweep widths (NM) for a person in the water, by unit type (IAMSAR-like magnitudes),
#: so that the benchmark does not need the sweep-width tables.
WIDTHS = {"surface-large": 0.6, "surface-medium": 0.5, "surface-small": 0.4, "helicopter": 0.5, "fixed-wing": 0.3}
SIX = ["KR-DDG-991", "KR-HELO-991", "KR-KCG-3011", "KR-P3CK", "JP-DDG-173", "JP-P1"]


def _static_cloud(sigma_m: float, n: int, seed: int, t0: float, hours: int):
    rng = np.random.default_rng(seed)
    lon, lat = LocalProjection(129.5, 34.6).inverse(rng.normal(0, sigma_m, n), rng.normal(0, sigma_m, n))
    times = t0 + 3600.0 * np.arange(hours + 1)
    ds = xr.Dataset(
        {"lon": (("trajectory", "time"), np.repeat(lon[:, None], times.size, 1)), "lat": (("trajectory", "time"), np.repeat(lat[:, None], times.size, 1)),
         "weight": (("trajectory",), np.full(n, 1.0 / n))},
        coords={"time": epoch_s_to_datetime64(times)},
    )
    return period_cloud(ds, t0, t0 + hours * 3600)


def nine_units(table: Table, particles: int, drift_file: str | None = None) -> None:
    """Issue 32: the README case (LIFE-RAFT-NB-2 from 129.6E 34.9N at 06:00Z, plan 12:00–18:00Z) with all nine
    built-in ROK–Japan units and their sweep widths from the tables, over ``particles`` drifting particles."""
    from sarex.io.driftfile import open_drift
    from sarex.planning.sru import unit_sweep_width_nm

    if drift_file:
        ds = open_drift(drift_file)
    else:
        env = korea_strait_environment(START, days=2)
        ds = simulate(env, "LIFE-RAFT-NB-2", Release.point(129.60, 34.90, START, 1852.0), hours=24, particles=particles, seed_value=1, coast=True)
    p_start = to_epoch_s("2026-01-15T12:00Z")
    tic, cpu = time.perf_counter(), time.process_time()
    cloud = period_cloud(ds, p_start, p_start + 6 * 3600)
    cat = example_catalogue()
    srus = [make_sru(u, cloud.frame, p_start, unit_sweep_width_nm(u, "LIFE-RAFT-NB-2", 10.0, 1.0, False, None, "built-in")) for u in cat.units]
    land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    plan = Planner(cloud, "exponential", seed=0, land=land).plan(srus)
    t_plan, c_plan = time.perf_counter() - tic, time.process_time() - cpu
    n = cloud.x.shape[0]
    table.add_row(f"issue 32: {len(srus)} units x {n} particles, README case (cloud + land + plan)",
                  f"{t_plan:.1f} s wall, {c_plan:.1f} s CPU (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs)")
    table.add_row("  planner estimate / Stone static optimum (on-task effort)", f"{plan.total_pos:.4f} / {plan.bound_pos:.4f} ({100 * plan.total_pos / plan.bound_pos:.1f} %), "
                  f"effort {plan.total_effort_m2 / NM**2:.0f} NM²")
    table.add_row("  tasked / reserve / unassigned", f"{len(plan.assignments)} / {len(plan.reserve)} / {len(plan.unassigned)}")
    for a in plan.assignments:
        table.add_row(f"  {a.unit_id} {a.pattern.kind}", f"S {a.spacing_m / NM:.2f} NM, coverage {a.coverage:.2f}, POS in its area {100 * a.pos:.1f} %, "
                      f"on task {(a.search_end_s - a.arrive_s) / 3600:.1f} h")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--hours", type=float, default=12.0)
    ap.add_argument("--nine-only", action="store_true", help="only the issue-32 case: nine units over the README drift")
    ap.add_argument("--drift", default=None, help="with --nine-only: a drift file of the README case instead of simulating it")
    args = ap.parse_args()
    con = Console()
    table = Table(title=f"planner benchmark ({args.particles} particles)")
    for c in ("case", "value"):
        table.add_column(c)

    t0 = to_epoch_s(START)
    # Warm the numba kernels (compilation is cached on disk after the first run).
    Planner(_static_cloud(5 * NM, 500, 0, t0, 2), "exponential").plan([Sru("w", NM, 5.0, 10.0, 1e6, (0.0, 0.0), t0 - 3600)])
    nine_units(table, args.particles, args.drift)
    if args.nine_only:
        con.print(table)
        return

    env = korea_strait_environment(START, days=2)
    tic = time.perf_counter()
    ds = simulate(env, "PIW-1", Release.point(129.60, 34.90, START, 3 * 1852.0), hours=24, particles=args.particles, seed_value=1, coast=False)
    table.add_row("drift 24 h (not part of the plan)", f"{time.perf_counter() - tic:.1f} s")

    cat = example_catalogue()
    units = [u for u in cat.units if u.id in SIX]
    p_start = t0 + 12 * 3600
    tic = time.perf_counter()
    cloud = period_cloud(ds, p_start, p_start + args.hours * 3600)
    t_cloud = time.perf_counter() - tic
    srus = [make_sru(u, cloud.frame, p_start, WIDTHS[u.type]) for u in units]
    tic = time.perf_counter()
    land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    t_land = time.perf_counter() - tic
    tic, cpu = time.perf_counter(), time.process_time()
    plan = Planner(cloud, "exponential", seed=0, land=land).plan(srus)
    t_plan, c_plan = time.perf_counter() - tic, time.process_time() - cpu
    table.add_row("period cloud (interpolate + project)", f"{t_cloud:.2f} s ({cloud.x.shape[1]} samples)")
    table.add_row("land raster (GSHHG, 250 m)", f"{t_land:.2f} s ({land.land.shape[1]} x {land.land.shape[0]} cells)")
    table.add_row(f"plan {len(srus)} SRUs (greedy + strips + refinement, ships off land)", f"{t_plan:.1f} s wall, {c_plan:.1f} s CPU (load average {os.getloadavg()[0]:.1f})")
    table.add_row("  planner estimate / Stone static optimum", f"{plan.total_pos:.3f} / {plan.bound_pos:.3f} ({100 * plan.total_pos / plan.bound_pos:.0f} %)")
    table.add_row("  assigned / reserve / unassigned", f"{len(plan.assignments)} / {len(plan.reserve)} / {len(plan.unassigned)}")
    for a in plan.assignments:
        table.add_row(f"  {a.unit_id} {a.pattern.kind}", f"S {a.spacing_m / NM:.2f} NM (2R {2 * a.turn_radius_m / NM:.2f}), coverage {a.coverage:.2f}, adds {100 * a.marginal_pos:.1f} %")
    from sarex.planning.multiperiod import plan_periods

    clouds = [period_cloud(ds, p_start + k * 3 * 3600, p_start + (k + 1) * 3 * 3600) for k in range(4)]
    srus4 = [[make_sru(u, clouds[k].frame, clouds[k].start_s, WIDTHS[u.type]) for u in units] for k in range(4)]
    tic = time.perf_counter()
    mp = plan_periods(clouds, srus4, seed=0, lands=[land_around_cloud(c.frame, c.x, c.y) for c in clouds])
    table.add_row("four 3-h periods, six SRUs (incremental + Brown passes)", f"{time.perf_counter() - tic:.1f} s: cumulative POS {mp.cumulative_pos[-1]:.3f} "
                  f"vs incremental {mp.incremental_cumulative_pos[-1]:.3f}; per period {', '.join(f'{x:.3f}' for x in mp.added_pos)}")

    sigma = 5 * NM
    static = _static_cloud(sigma, 20000, 1, t0, 6)
    for k in (3, 6):
        for h in (0.5, 1.0, 2.0):
            z = math.pi * sigma**2 * h**2
            speed = z / NM / (6 * 3600) / k  # for W = 1 NM; the units below have W = 0.25 NM and 4× the speed
            srus = [Sru(f"u{i}", 0.25 * NM, speed * 4, 20 * NM / 3600, 1e6, (20 * NM * math.cos(2.1 * i + 0.3), 20 * NM * math.sin(2.1 * i + 0.3)), t0 - 7200, turn_radius_m=100.0) for i in range(k)]
            tic = time.perf_counter()
            p = Planner(static, "exponential", seed=0).plan(srus)
            dt = time.perf_counter() - tic
            ps = circular_normal_pos(z, sigma)
            table.add_row(f"static σ=5 NM, {k} unit(s), H={h:g}", f"POS {p.total_pos:.4f} vs P* {ps:.4f}: {100 * p.total_pos / ps:.1f} % ({dt:.1f} s)")
    # Wide cloud (issue 13): σ = 15 NM, three ships and three aircraft of two nations, no single unit suffices.
    sigma, kn = 15 * NM, NM / 3600
    wide = _static_cloud(sigma, 20000, 3, t0, 6)
    units6 = [Sru(f"KR-ship{i}", 0.6 * NM, 12 * kn, 18 * kn, 1e6, (40 * NM * math.cos(a), 40 * NM * math.sin(a)), t0 - 4 * 3600, turn_radius_m=500.0)
              for i, a in enumerate((0.3, 1.2, 2.1))]
    units6 += [Sru(f"JP-air{i}", 1.5 * NM, 150 * kn, 250 * kn, 3 * 3600.0, (-80 * NM, 20 * NM * (i - 1)), t0 - 1800, turn_radius_m=1200.0) for i in range(3)]
    tic, cpu = time.perf_counter(), time.process_time()
    p = Planner(wide, "exponential", seed=0).plan(units6)
    dt, dc = time.perf_counter() - tic, time.process_time() - cpu
    ps = circular_normal_pos(p.total_effort_m2, sigma)
    table.add_row("wide σ=15 NM, 3 ships + 3 aircraft", f"POS {p.total_pos:.4f} vs P* {ps:.4f}: {100 * p.total_pos / ps:.1f} %, {len(p.assignments)} tasked ({dt:.1f} s wall, {dc:.1f} s CPU)")
    con.print(table)


if __name__ == "__main__":
    main()
