"""sarex's Leeway drift engine against OpenDrift's Leeway model (issue 3 speed bar).

The case of the agreement test (tests/test_peer_opendrift.py): the synthetic Korea
Strait environment written as CF-NetCDF, LIFE-RAFT-NB-2, LKP 129.2 E 34.6 N, radius
1000 m, start 06:00 on the file's first day, 24 h in 10-min forward Euler steps,
hourly output kept in memory, no coastline. 1k, 10k and 100k particles in both
models, 1M in sarex alone (Euler and its default explicit midpoint scheme "rk2").

Times are wall-clock seconds of the whole call: seeding, stepping, hourly output
(sarex: ``simulate()`` returning its Dataset; OpenDrift: ``Leeway()`` + reader +
``seed_elements`` + ``run``). sarex is timed after a warm-up call, so numba
compilation is excluded; the first-call compile time is measured separately in
fresh processes: with an empty numba cache (``NUMBA_CACHE_DIR`` pointing to a new
directory) and again with that cache filled.

    python benchmarks/drift_vs_opendrift.py [--sizes 1000,10000,100000] [--sarex-only 1000000]
        [--od-short-hours H]   # OpenDrift runs >= 100k particles for H hours only, time scaled to 24 h

Prints one table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HOURS = 24
STEP_S = 600
N_STEPS = HOURS * 3600 // STEP_S
LKP = (129.2, 34.6)
RADIUS_M = 1000.0
OBJECT = "LIFE-RAFT-NB-2"
FILE_START = "2026-01-15T00:00Z"
RUN_START = datetime(2026, 1, 15, 6, 0)


def write_env(path: Path) -> None:
    from sarex.environment.synthetic import korea_strait_dataset

    ds = korea_strait_dataset(FILE_START, days=2)
    ds.to_netcdf(path)
    ds.close()


def run_sarex(env_path: Path, n: int, scheme: str = "euler") -> float:
    """Wall seconds of one sarex run (its CPU seconds, all threads, go to ``CPU_S``)."""
    from sarex.drift import simulate
    from sarex.environment.cf import open_environment

    c = time.process_time()
    t = time.perf_counter()
    env = open_environment(env_path)
    ds = simulate(
        env, OBJECT, lon=LKP[0], lat=LKP[1], start=RUN_START.isoformat() + "Z", radius_m=RADIUS_M,
        hours=HOURS, particles=n, seed_value=1, step_s=STEP_S, output_s=3600, scheme=scheme, coast=False,
        forcing_error=None,  # a model comparison: no forcing error on either side
    )
    dt = time.perf_counter() - t
    CPU_S[(n, scheme)] = time.process_time() - c
    assert ds.sizes["trajectory"] == n and int((ds.status.values[:, -1] == 0).sum()) == n
    return dt


CPU_S: dict[tuple[int, str], float] = {}


def run_opendrift(env_path: Path, n: int, hours: float = HOURS) -> float:
    import logging

    import numpy as np
    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_constant, reader_netCDF_CF_generic

    logging.getLogger("opendrift").setLevel(logging.ERROR)
    t = time.perf_counter()
    o = Leeway(loglevel=50)
    o.set_config("general:use_auto_landmask", False)
    o.add_reader([reader_netCDF_CF_generic.Reader(str(env_path)), reader_constant.Reader({"land_binary_mask": 0})])
    object_type = next(k for k, p in o.leewayprop.items() if p["OBJKEY"] == OBJECT)
    np.random.seed(1)
    o.seed_elements(lon=LKP[0], lat=LKP[1], radius=RADIUS_M, number=n, time=RUN_START, object_type=object_type)
    o.run(duration=timedelta(hours=hours), time_step=STEP_S, time_step_output=3600)
    dt = time.perf_counter() - t
    assert o.num_elements_active() == n
    return dt


def jit_times(env_path: Path) -> dict[str, float]:
    """First-call times in fresh processes: empty numba cache, then the cache it filled.

    ``import``: importing sarex (numba, xarray, pyproj...); ``first``: the first two runs
    (compilation, or loading the cached machine code); ``warm``: the same two runs again.
    """
    code = (
        "import sys, time, json; t0 = time.perf_counter();"
        "from pathlib import Path; sys.path.insert(0, %r);"
        "import drift_vs_opendrift as b; import sarex.drift, sarex.environment.cf;"
        "t1 = time.perf_counter(); b.run_sarex(Path(%r), 100, 'euler'); b.run_sarex(Path(%r), 100, 'rk2');"
        "t2 = time.perf_counter(); b.run_sarex(Path(%r), 100, 'euler'); b.run_sarex(Path(%r), 100, 'rk2');"
        "t3 = time.perf_counter();"
        "print(json.dumps({'import': t1 - t0, 'first': t2 - t1, 'warm': t3 - t2}))"
    ) % (str(Path(__file__).parent), str(env_path), str(env_path), str(env_path), str(env_path))
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold", "cached"):
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            out[label] = json.loads(r.stdout.strip().splitlines()[-1])
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--sarex-only", default="1000000")
    ap.add_argument("--od-short-hours", type=float, default=None)
    ap.add_argument("--no-jit", action="store_true", help="skip the first-call compile measurement")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    big = [int(s) for s in args.sarex_only.split(",") if s]

    import numba

    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        env_path = Path(tmp) / "env.nc"
        write_env(env_path)
        jit = None if args.no_jit else jit_times(env_path)
        run_sarex(env_path, 100, "euler")  # warm-up: load compiled kernels
        run_sarex(env_path, 100, "rk2")
        rows = []
        for n in sizes:
            s_eu = run_sarex(env_path, n, "euler")
            s_rk = run_sarex(env_path, n, "rk2")
            note = ""
            if args.od_short_hours and n >= 100_000:
                od = run_opendrift(env_path, n, args.od_short_hours) * HOURS / args.od_short_hours
                note = f"* OpenDrift ran {args.od_short_hours:g} h, time scaled to 24 h"
            else:
                od = run_opendrift(env_path, n)
            rows.append((n, s_eu, s_rk, od, note))
        for n in big:
            rows.append((n, run_sarex(env_path, n, "euler"), run_sarex(env_path, n, "rk2"), None, ""))
    load1 = os.getloadavg()

    print(f"\nMachine: {cpu_model()}, {os.cpu_count()} cores, numba {numba.__version__} "
          f"({numba.config.NUMBA_NUM_THREADS} threads, layer {numba.threading_layer()}), Python {platform.python_version()}")
    print(f"Load average at start / end: {load0[0]:.1f} / {load1[0]:.1f} (other processes share the cores)")
    print(f"Case: {OBJECT}, {HOURS} h, {STEP_S // 60}-min steps ({N_STEPS} steps), hourly output in memory, coast off\n")
    hdr = (f"| {'particles':>9} | {'sarex Euler s':>13} | {'sarex rk2 s':>11} | {'OpenDrift s':>11} | "
           f"{'sarex Euler p-steps/s':>21} | {'sarex rk2 p-steps/s':>19} | {'OpenDrift p-steps/s':>19} | {'OpenDrift / sarex Euler':>23} |")
    print(hdr)
    print("|" + "|".join("-" * (len(c)) for c in hdr.split("|")[1:-1]) + "|")
    notes = []
    for n, s_eu, s_rk, od, note in rows:
        ps = lambda s, n=n: f"{n * N_STEPS / s:,.3g}" if s else "—"  # noqa: E731
        od_s = "—" if od is None else f"{od:.2f}" + ("*" if note else "")
        ratio = "—" if od is None else f"{od / s_eu:.0f}×"
        print(f"| {n:>9,} | {s_eu:>13.3f} | {s_rk:>11.3f} | {od_s:>11} | {ps(s_eu):>21} | {ps(s_rk):>19} | "
              f"{ps(od):>19} | {ratio:>23} |")
        if note:
            notes.append(note)
    for note in sorted(set(notes)):
        print(note)
    print("\nsarex CPU seconds (all threads; less sensitive to other load than wall time): "
          + "; ".join(f"{n:,}: Euler {CPU_S[(n, 'euler')]:.2f}, rk2 {CPU_S[(n, 'rk2')]:.2f}" for n, *_ in rows))
    if jit:
        c, w = jit["cold"], jit["cached"]
        print(f"\nFirst call (100 particles, Euler then rk2, fresh process): empty numba cache {c['first']:.1f} s "
              f"(compilation), cache filled {w['first']:.2f} s, warm {c['warm']:.3f} s; "
              f"import of sarex before them {c['import']:.1f} s / {w['import']:.1f} s")


if __name__ == "__main__":
    main()
