"""Drift throughput on real-shaped forcing and start-up, sarex against OpenDrift in one run (issue 14).

Cases (whole processes, as a user runs them; ``sarex drift`` writes its drift file):

* **start-up**: ``sarex drift`` of 1 000 particles for 1 hour (warm numba cache), and
  separately the import of the CLI and the first drift call inside one process;
* **two grids**: wind and current from different files on regular grids of different
  resolution and time step: wind 0.25°, 3-hourly, latitudes stored north to south;
  current 1/12°, hourly (the synthetic Korea Strait field); 24 h, 10-min steps,
  6-hourly output, coast off; RK2 and Euler;
* **Lambert + curvilinear**: wind on a Lambert conformal grid (20 km, grid-relative
  components), current on a ROMS-style curvilinear grid (staggered u/v, angle, masks).
* **nested**: the two-grid wind, and a ROMS-style current (2.5 km, rotated and bent)
  nested in the 1/12° regional current (``--current roms --current regional``: the
  first source covering a point serves it); released 4 km inside the ROMS grid's edge,
  so the particles drift out of it into the regional grid, many of them inside the ROMS
  grid's longitude/latitude box. OpenDrift gets the same two current readers in the same order.

OpenDrift (Leeway, forward Euler; ``pip install .[bench]``) drifts the same particles
from the same files for the same 24 hours in its own process (``--od-hours`` shortens
its run for a quick look: its start-up, ~7-10 s of imports and readers, then weighs on
fewer steps and the ratio comes out too high); its particle-steps/s are compared with
sarex's. "p-steps/s" = particles × steps / wall s of the whole process.

    python benchmarks/drift_forcing_speed.py [--sizes 100000] [--big 1000000] [--od-hours 24]

Prints one table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
START = "2026-01-15T06:00Z"
FILE_START = "2026-01-15T00:00Z"
LKP = (129.2, 34.6)
STEP_S = 600
SARE = [str(Path(sys.executable).parent / "sarex")]  # the installed entry point, as a user starts it


def write_two_grids(tmp: Path) -> tuple[Path, Path]:
    """Wind 0.25° 3-hourly (descending latitudes) and current 1/12° hourly, as two CF files."""
    from sarex.environment.synthetic import korea_strait_dataset

    w = korea_strait_dataset(FILE_START, days=2, resolution_deg=0.25).isel(time=slice(None, None, 3))
    w = w[["x_wind", "y_wind"]].isel(lat=slice(None, None, -1))
    c = korea_strait_dataset(FILE_START, days=2, resolution_deg=1 / 12)[["x_sea_water_velocity", "y_sea_water_velocity"]]
    wp, cp = tmp / "wind.nc", tmp / "current.nc"
    w.to_netcdf(wp)
    c.to_netcdf(cp)
    return wp, cp


def write_lambert_roms(tmp: Path) -> tuple[Path, Path, dict]:
    """Lambert wind (grid-relative) and ROMS-style curvilinear current over the same area."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import forcing_data as fd  # the issue-7 test generators (independent grid-relative components)

    x = np.arange(-500_000.0, 500_001.0, 20_000.0)
    y = np.arange(-600_000.0, 0.1, 20_000.0)
    w = fd.uniform_east_projected(fd.LAMBERT, x, y, speed=9.0, kind="wind", nt=10)
    r = fd.roms_dataset(ny=120, nx=150, nt=25)
    r["ocean_time"] = np.array([np.datetime64("2026-05-01T00:00") + np.timedelta64(h, "h") for h in range(25)])
    wp, cp = tmp / "lambert_wind.nc", tmp / "roms_current.nc"
    w.to_netcdf(wp)
    r.to_netcdf(cp)
    return wp, cp, {"lon": 129.97, "lat": 36.0, "start": "2026-05-01T00:00Z"}


def write_nested(tmp: Path) -> Path:
    """A ROMS-style current over part of the two-grid case's area, hourly over its days."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import forcing_data as fd

    r = fd.roms_dataset(ny=120, nx=150, nt=49)
    r["ocean_time"] = np.array([np.datetime64(FILE_START[:-1]) + np.timedelta64(h, "h") for h in range(49)])
    path = tmp / "nested_roms_current.nc"  # the name picks OpenDrift's ROMS reader
    r.to_netcdf(path)
    return path


NESTED_LKP = (129.7, 34.6)


def _run_timed(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s (user + sys, from the child's own rusage) and peak RSS MB of a child process, and its stdout."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed: {err.strip().splitlines()[-3:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, out


def sarex_drift(out: Path, n: int, hours: float, scheme: str, forcing: list[str], lon=LKP[0], lat=LKP[1], start=START,
                output_min: int = 360) -> tuple[float, float, float]:
    cmd = SARE + ["drift", "--lon", str(lon), "--lat", str(lat), "--start", start, "--hours", str(hours),
                  "--particles", str(n), "--scheme", scheme, "--no-coast", "--output-min", str(output_min),
                  "--object", "LIFE-RAFT-NB-2", "--radius-m", "1000", "--out", str(out), "--force", *forcing]
    w, c, m, _ = _run_timed(cmd)
    return w, c, m


_OD = r"""
import json, logging, sys, time
from datetime import datetime, timedelta
t0 = time.perf_counter()
import numpy as np
from opendrift.models.leeway import Leeway
from opendrift.readers import reader_constant, reader_netCDF_CF_generic
logging.getLogger("opendrift").setLevel(logging.ERROR)
a = json.loads(sys.argv[1])
o = Leeway(loglevel=50)
o.set_config("general:use_auto_landmask", False)
readers = []
for f in a["files"]:
    if f.endswith("roms_current.nc"):
        from opendrift.readers import reader_ROMS_native
        readers.append(reader_ROMS_native.Reader(f))
    else:
        readers.append(reader_netCDF_CF_generic.Reader(f))
o.add_reader(readers + [reader_constant.Reader({"land_binary_mask": 0})])
otype = next(k for k, p in o.leewayprop.items() if p["OBJKEY"] == "LIFE-RAFT-NB-2")
np.random.seed(1)
o.seed_elements(lon=a["lon"], lat=a["lat"], radius=1000.0, number=a["n"], time=datetime.fromisoformat(a["start"]), object_type=otype)
t1 = time.perf_counter()
o.run(duration=timedelta(hours=a["hours"]), time_step=600, time_step_output=21600 if a["hours"] >= 6 else 3600)
t2 = time.perf_counter()
print(json.dumps({"setup": t1 - t0, "run": t2 - t1, "active": int(o.num_elements_active())}))
"""


def opendrift(files: list[Path], n: int, hours: float, lon=LKP[0], lat=LKP[1], start="2026-01-15T06:00") -> dict:
    arg = json.dumps({"files": [str(f) for f in files], "n": n, "hours": hours, "lon": lon, "lat": lat, "start": start})
    w, c, m, out = _run_timed([sys.executable, "-c", _OD, arg])
    r = json.loads(out.strip().splitlines()[-1])
    r.update(wall=w, cpu=c, rss=m)
    return r


def startup(tmp: Path, forcing: list[str]) -> dict:
    """Whole-process start-up (best and median of 5) and, inside one process, import vs first call."""
    runs = sorted(sarex_drift(tmp / "s.nc", 1000, 1, "rk2", forcing, output_min=60) for _ in range(5))
    best = runs[0]
    code = (
        "import time, sys; t0 = time.perf_counter(); import sarex.cli, sarex.cli.drift, sarex.app.drift; t1 = time.perf_counter();"
        "sys.argv = sys.argv[:1] + %r;\n"
        "try:\n sarex.cli.main()\nexcept SystemExit:\n pass\n"
        "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
    ) % (["drift", "--lon", str(LKP[0]), "--lat", str(LKP[1]), "--start", START, "--hours", "1", "--particles", "1000",
          "--no-coast", "--out", str(tmp / "s2.nc"), "--force", *forcing],)
    _, _, _, out = _run_timed([sys.executable, "-c", code])
    imp, first = (float(v) for v in out.strip().splitlines()[-1].split())
    return {"wall": best[0], "cpu": best[1], "rss": best[2], "import": imp, "first": first, "median": runs[2][0]}


def _median_by(items: list[dict], key: str) -> dict:
    return sorted(items, key=lambda d: d[key])[len(items) // 2]


def _range(values) -> str:
    v = sorted(values)
    return f"{v[0]:.1f}" if len(v) == 1 else f"{v[0]:.1f}–{v[-1]:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="particle counts run by sarex (RK2, Euler) and OpenDrift")
    ap.add_argument("--big", default="1000000", help="particle counts run by sarex alone (RK2)")
    ap.add_argument("--od-hours", type=float, default=24.0,
                    help="hours OpenDrift drifts (its p-steps/s are compared); 24 = the same job as sarex's")
    ap.add_argument("--cases", default="startup,two,lambert,nested")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the two-grid case (OpenDrift and sarex back to back each)")
    ap.add_argument("--lambert-particles", type=int, default=None, help="particles of the Lambert+ROMS case (default: the first of --sizes)")
    args = ap.parse_args()
    cases = args.cases.split(",")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    big = [int(s) for s in args.big.split(",") if s]
    load0 = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        wp, cp = write_two_grids(tmp)
        two = ["--wind", str(wp), "--current", str(cp)]
        sarex_drift(tmp / "warm.nc", 100, 1, "rk2", two)  # fill the numba cache if it is empty
        sarex_drift(tmp / "warm.nc", 100, 1, "euler", two)
        if "startup" in cases:
            s = startup(tmp, two)
            rows.append(("start-up: sarex drift 1 000 p × 1 h (best of 5)", f"{s['wall']:.2f}", f"{s['cpu']:.2f}", f"{s['rss']:.0f}", "—", "—", "< 1.5 s",
                         f"median {s['median']:.2f} s; import {s['import']:.2f} s, first call {s['first']:.2f} s (one process)"))
        if "two" in cases:
            # The machine's speed drifts by 15-30 % over minutes: each round runs OpenDrift and
            # sarex back to back and gives its own ratio; the table shows the median round
            # and the range.
            for n in sizes:
                rounds = []
                for _ in range(args.rounds):
                    od = opendrift([wp, cp], n, args.od_hours)
                    od["ps"] = n * args.od_hours * 3600 / STEP_S / od["wall"]
                    od["ps_run"] = n * args.od_hours * 3600 / STEP_S / od["run"]
                    rounds.append((od, {scheme: sarex_drift(tmp / "d.nc", n, 24, scheme, two) for scheme in ("rk2", "euler")}))
                od = _median_by([r[0] for r in rounds], "wall")
                rows.append((f"two grids: OpenDrift {n:,} p × {args.od_hours:g} h", f"{od['wall']:.1f}", f"{od['cpu']:.1f}", f"{od['rss']:.0f}",
                             f"{od['ps']:.3g}", "1×", "", f"median of {len(rounds)}: walls {_range(r[0]['wall'] for r in rounds)} s; "
                             f"run() alone {od['run']:.1f} s = {od['ps_run']:.3g} p-steps/s"))
                for scheme in ("rk2", "euler"):
                    per = [(o, sx[scheme]) for o, sx in rounds]
                    ratios = [n * 144 / w / o["ps"] for o, (w, _, _) in per]
                    k = sorted(range(len(per)), key=lambda i: ratios[i])[len(per) // 2]
                    o, (w, c, m) = per[k]
                    rows.append((f"two grids: sarex {n:,} p × 24 h {scheme}", f"{w:.1f}", f"{c:.1f}", f"{m:.0f}", f"{n * 144 / w:.3g}",
                                 f"{ratios[k]:.0f}×", "≥ 50×", f"rounds {', '.join(f'{x:.0f}×' for x in ratios)} (walls "
                                 f"{_range(w for _, (w, _, _) in per)} s); {n * 144 / w / o['ps_run']:.1f}× OpenDrift's run() alone"))
            for n in big:
                runs = sorted(sarex_drift(tmp / "d.nc", n, 24, "rk2", two) for _ in range(args.rounds))
                w, c, m = runs[len(runs) // 2]
                rows.append((f"two grids: sarex {n:,} p × 24 h rk2", f"{w:.1f}", f"{c:.1f}", f"{m:.0f}", f"{n * 144 / w:.3g}", "", "< 10 s",
                             f"median of {len(runs)}: walls {', '.join(f'{r[0]:.1f}' for r in runs)} s"))
        if "lambert" in cases:
            lw, lc, where = write_lambert_roms(tmp)
            lam = ["--wind", str(lw), "--current", str(lc)]
            n = args.lambert_particles or sizes[0]
            # fill the numba cache for these grids' kernels too (the projected and curvilinear path)
            sarex_drift(tmp / "warm.nc", 100, 1, "rk2", lam, where["lon"], where["lat"], where["start"])
            od = opendrift([lw, lc], n, args.od_hours, where["lon"], where["lat"], where["start"][:-1])
            od_ps = n * args.od_hours * 3600 / STEP_S / od["wall"]
            od_run = n * args.od_hours * 3600 / STEP_S / od["run"]
            rows.append((f"Lambert+ROMS: OpenDrift {n:,} p × {args.od_hours:g} h", f"{od['wall']:.1f}", f"{od['cpu']:.1f}", f"{od['rss']:.0f}",
                         f"{od_ps:.3g}", "1×", "", f"run() alone {od['run']:.1f} s = {od_run:.3g} p-steps/s"))
            w, c, m = sarex_drift(tmp / "l.nc", n, 24, "rk2", lam, where["lon"], where["lat"], where["start"])
            ps = n * 144 / w
            rows.append((f"Lambert+ROMS: sarex {n:,} p × 24 h rk2", f"{w:.1f}", f"{c:.1f}", f"{m:.0f}", f"{ps:.3g}", f"{ps / od_ps:.0f}×", "≥ 30×",
                         f"{ps / od_run:.1f}× OpenDrift's run() alone"))
        if "nested" in cases:
            rp = write_nested(tmp)
            nest = ["--wind", str(wp), "--current", str(rp), "--current", str(cp)]
            n = sizes[0]
            sarex_drift(tmp / "warm.nc", 100, 1, "rk2", nest, *NESTED_LKP)
            od = opendrift([wp, rp, cp], n, args.od_hours, *NESTED_LKP)
            od_ps = n * args.od_hours * 3600 / STEP_S / od["wall"]
            od_run = n * args.od_hours * 3600 / STEP_S / od["run"]
            rows.append((f"nested: OpenDrift {n:,} p × {args.od_hours:g} h", f"{od['wall']:.1f}", f"{od['cpu']:.1f}", f"{od['rss']:.0f}",
                         f"{od_ps:.3g}", "1×", "", f"run() alone {od['run']:.1f} s = {od_run:.3g} p-steps/s"))
            w, c, m = sarex_drift(tmp / "n.nc", n, 24, "rk2", nest, *NESTED_LKP)
            ps = n * 144 / w
            rows.append((f"nested: sarex {n:,} p × 24 h rk2", f"{w:.1f}", f"{c:.1f}", f"{m:.0f}", f"{ps:.3g}", f"{ps / od_ps:.0f}×", "",
                         f"{ps / od_run:.1f}× OpenDrift's run() alone"))
    load1 = os.getloadavg()
    print(f"\n{os.cpu_count()} cores, load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end (other processes share the cores)")
    hdr = ("case", "wall s", "CPU s", "peak RSS MB", "p-steps/s", "vs OpenDrift", "bar", "note")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join("---" for _ in hdr) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
