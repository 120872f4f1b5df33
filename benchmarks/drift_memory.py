"""Peak memory of a whole ``sarex drift`` process, and Dask scaling of a split drift (issue 14).

Each case runs ``sarex drift`` (synthetic Korea Strait forcing, no coast, RK2,
10-min steps) in a fresh process and reports that process's peak resident memory
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper that runs only it:
the largest descendant it waited for, i.e. the ``sarex`` process; Dask worker
processes are reported by the same call only when they are larger) and its wall
time. The drift file is written as the run goes (``sarex.io.driftstream``), so
memory should not grow with the number of outputs. The "in memory" case runs
:func:`sarex.drift.simulate` with the in-memory sink for comparison.

Usage: ``python benchmarks/drift_memory.py [--cases mem72,mem72-inmemory,ten-million,dask] [--scale 1.0]``
(``--scale`` multiplies the particle counts, for a quick check). Prints one table.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SARARGS = ["--lon", "128.9", "--lat", "34.4", "--outside", "deactivate", "--start", "2026-01-15T06:00Z", "--object", "LIFE-RAFT-NB-2", "--radius-m", "5000",
           "--synthetic", "--no-coast", "--force"]  # deactivate: the synthetic domain is 4° wide

WRAP = ("import resource, subprocess, sys, time; t = time.perf_counter(); rc = subprocess.run(sys.argv[1:]).returncode; "
        "print(rc, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")

IN_MEMORY = ("import sys; from sarex.drift import simulate; from sarex.environment.synthetic import korea_strait_environment; "
             "n, h, o = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]); "
             "env = korea_strait_environment('2026-01-15T06:00Z', days=4, outside='deactivate'); "
             "ds = simulate(env, 'LIFE-RAFT-NB-2', lon=128.9, lat=34.4, start='2026-01-15T06:00Z', radius_m=5000.0, hours=h, "
             "particles=n, output_s=o * 60.0, coast=False); print(ds.sizes)")


def run(cmd: list[str]) -> tuple[int, float, float]:
    """(exit code, wall s, peak RSS MB) of ``cmd`` run alone in a fresh wrapper process."""
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], capture_output=True, text=True)
    rc, wall, kb = out.stdout.strip().splitlines()[-1].split()
    if int(rc) != 0:
        print(out.stderr[-2000:], file=sys.stderr)
    return int(rc), float(wall), int(kb) / 1024.0


def sarex(out: Path, particles: int, hours: float, output_min: float, *extra: str) -> list[str]:
    exe = str(Path(sys.executable).with_name("sarex"))
    return [exe, "drift", *SARARGS, "--particles", str(particles), "--hours", f"{hours:g}", "--output-min", f"{output_min:g}",
            "--out", str(out), *extra]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="mem72,mem72-inmemory,ten-million,dask")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--big-step-min", type=float, default=10.0, help="time step of the 10-million case, min (memory does not depend on it)")
    args = ap.parse_args()
    cases = args.cases.split(",")
    n = lambda k: max(1, int(k * args.scale))  # noqa: E731
    rows = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("SAREX_BENCH_TMP")) as tmp:
        d = Path(tmp)
        if "mem72" in cases:
            rc, wall, mb = run(sarex(d / "a.nc", n(1_000_000), 72, 60))
            size = (d / "a.nc").stat().st_size / 1e9 if rc == 0 else float("nan")
            rows.append((f"{n(1_000_000):,} x 72 h, hourly output (73), streamed", rc, wall, mb, f"file {size:.2f} GB"))
        if "mem72-inmemory" in cases:
            rc, wall, mb = run([sys.executable, "-c", IN_MEMORY, str(n(1_000_000)), "72", "60"])
            rows.append((f"{n(1_000_000):,} x 72 h, hourly output, in memory (simulate())", rc, wall, mb, "no file"))
        if "ten-million" in cases:
            rc, wall, mb = run(sarex(d / "b.nc", n(10_000_000), 24, 360, "--step-min", f"{args.big_step_min:g}"))
            size = (d / "b.nc").stat().st_size / 1e9 if rc == 0 else float("nan")
            rows.append((f"{n(10_000_000):,} x 24 h, 6-hourly output (5), {args.big_step_min:g}-min steps, 1e6-particle parts in turn",
                         rc, wall, mb, f"file {size:.2f} GB"))
            (d / "b.nc").unlink(missing_ok=True)
        if "dask" in cases:
            rc, wall, mb = run(sarex(d / "w0.nc", n(1_000_000), 24, 360, "--part-particles", str(n(250_000))))
            rows.append((f"{n(1_000_000):,} x 24 h, 4 parts in turn, no Dask", rc, wall, mb, "one process"))
            for w in (1, 2):
                rc, wall, mb = run(sarex(d / f"w{w}.nc", n(1_000_000), 24, 360, "--workers", str(w), "--part-particles", str(n(250_000))))
                rows.append((f"{n(1_000_000):,} x 24 h, 4 parts, Dask LocalCluster {w} worker(s)", rc, wall, mb, "client process RSS"))
    print(f"{'case':<80} {'rc':>3} {'wall s':>8} {'peak RSS MB':>12}  note")
    for name, rc, wall, mb, note in rows:
        print(f"{name:<80} {rc:>3} {wall:>8.1f} {mb:>12.0f}  {note}")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(benchmark total {time.perf_counter() - t0:.0f} s; {os.cpu_count()} CPUs; peak RSS of {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB in this script)")
