"""Benchmark: the built-in Korea–Japan SAREX as a simulated exercise with 1 000 replicates.

Prints one table: the stages of `run_exercise` (forecast drift, planning every period with the
units sailing their routes, the truth, and the replicates on a local Dask cluster) with their
wall times. Bar (issue 6): 1 000 replicates in under 60 s on 2 cores.

    python benchmarks/exercise_run.py [--replicates 1000] [--particles 3000] [--processes]
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--particles", type=int, default=3000)
    ap.add_argument("--processes", action="store_true", help="Dask workers as processes (default threads)")
    args = ap.parse_args()

    from sarex.exercise.engine import run_replicate_set
    from sarex.exercise.run import forecast_drift, plan_periods, scenario_catalogue
    from sarex.exercise.scenario import load_scenario
    from sarex.exercise.truth import scenario_truth

    rows = []
    t = time.perf_counter()
    sc = load_scenario("korea-japan")
    cat = scenario_catalogue(sc)
    drift = forecast_drift(sc, args.particles, seed=1)
    rows.append(("forecast drift", f"{args.particles} particles, {(sc.end_time_s - sc.reported.time) / 3600:.0f} h", time.perf_counter() - t))
    t = time.perf_counter()
    periods = plan_periods(sc, cat, drift, seed=1)
    rows.append(("plan + sail + Bayes update", f"{len(periods)} periods x {len(cat.units)} units", time.perf_counter() - t))
    t = time.perf_counter()
    scenario_truth(sc, 1)
    rows.append(("scenario truth", "1 object", time.perf_counter() - t))
    t = time.perf_counter()
    stats = run_replicate_set(sc, periods, args.replicates, seed=1, workers=2, processes=args.processes)
    t_rep = time.perf_counter() - t
    rows.append(("replicates (truth ensemble + detection draws, Dask)", f"{args.replicates}, {'processes' if args.processes else 'threads'}", t_rep))
    total = sum(r[2] for r in rows)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{'stage':<52} {'size':<28} {'wall s':>8}")
    for name, size, s in rows:
        print(f"{name:<52} {size:<28} {s:8.2f}")
    print(f"{'total':<52} {'':<28} {total:8.2f}")
    print(f"detected {stats.detected}/{stats.n}; period 1: {100 * stats.first_period_fraction:.1f} % detected vs planned POS "
          f"{100 * stats.first_period_pos_sailed:.1f} % (truth differs from the forecast)")


if __name__ == "__main__":
    main()
