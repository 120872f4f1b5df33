"""Benchmark: exercise building blocks that do not need planning yet.

* the truths of N replicates of the built-in Korea–Japan scenario, drifted as one
  ensemble (``truth_ensemble_dataset``), coast off and on;
* N cheap scoring replicates (closest approach to a fixed search + one detection
  draw) serial and on a Dask LocalCluster with 2 workers (threads, processes);
* replay ingest and evaluation of a synthetic 3-unit GPX/NMEA/AIS set.

Prints one table. Run: ``PYTHONPATH=src python benchmarks/exercise_replicates.py [N]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


# a fixed search for the scoring replicates: one unit steaming a ladder through the drift area
_T = np.arange(0.0, 6 * 3600.0 + 1, 300.0)


def score(i: int, ss: np.random.SeedSequence, truths, t_search0: float) -> np.ndarray:
    """Closest approach of replicate i's truth to the fixed search, and one detection draw (inverse-cube law, W = 3 km)."""
    tr = truths[i]
    t = t_search0 + _T
    lon, lat = tr.position_at(t)
    ulat = 34.80 + np.interp(_T, [0.0, 3 * 3600.0, 6 * 3600.0], [0.0, 0.25, 0.0])
    ulon = np.interp(_T, [0.0, 3 * 3600.0, 6 * 3600.0], [130.00, 130.00, 130.06])
    r = np.hypot((lon - ulon) * 111320.0 * np.cos(np.radians(lat)), (lat - ulat) * 110574.0)
    j = int(np.argmin(r))
    pod = 1.0 - np.exp(-(3000.0**2) / (4.0 * np.pi * max(r[j], 1.0) ** 2))
    return np.array([r[j], float(np.random.default_rng(ss).random() < pod)])


def main(n: int = 1000) -> None:
    from rich.console import Console
    from rich.table import Table

    from sarex.exercise.replicates import run_replicates, run_serial
    from sarex.exercise.scenario import load_scenario
    from sarex.exercise.truth import TruthTrack, truth_ensemble_dataset

    def truth_ensemble(sc, n, seed, coast):
        ds = truth_ensemble_dataset(sc, n, seed, coast=coast)
        times = ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
        lon, lat, st = ds["lon"].values, ds["lat"].values, ds["status"].values
        return [TruthTrack(lon[i].copy(), lat[i].copy(), times, st[i].copy(), sc.truth.object_class, int(ds.attrs["seed"])) for i in range(n)]

    rows = []
    sc = load_scenario("korea-japan")
    truth_ensemble(sc, 4, 0, coast=False)  # JIT compile and environment build outside the timing
    for coast in (False, True):
        t = time.perf_counter()
        truths = truth_ensemble(sc, n, 1, coast=coast)
        dt = time.perf_counter() - t
        hours = (truths[0].time_s[-1] - truths[0].time_s[0]) / 3600.0
        rows.append((f"{n} truths of the built-in scenario ({hours:.0f} h, coast {'on' if coast else 'off'})", f"{dt:.2f} s", "one vectorised drift"))
    t0 = sc.periods[0].start
    t = time.perf_counter()
    a = run_serial(score, n, 1, truths, t0)
    dt = time.perf_counter() - t
    rows.append((f"{n} scoring replicates, serial", f"{dt:.2f} s", f"detected {int(sum(x[1] for x in a))}"))
    for procs in (False, True):
        t = time.perf_counter()
        b = run_replicates(score, n, 1, truths, t0, workers=2, processes=procs, progress=False)
        dt = time.perf_counter() - t
        same = all(np.array_equal(x, y) for x, y in zip(a, b))
        kind = "processes" if procs else "threads"
        rows.append((f"{n} scoring replicates, Dask 2 {kind} (incl. cluster start)", f"{dt:.2f} s", f"identical to serial: {same}"))

    import replay_data as rd

    from sarex.exercise.planned import read_planned_dir
    from sarex.exercise.replay import evaluate_replay
    from sarex.io.tracks import read_track_dir

    with tempfile.TemporaryDirectory() as d:
        rd.make_set(Path(d), corrupt=2)
        n_lines = sum(len(p.read_text().splitlines()) for p in (Path(d) / "tracks").iterdir())
        t = time.perf_counter()
        tracks, _ = read_track_dir(Path(d) / "tracks", None, {rd.MMSI_C: "JPN-C"})
        dt_in = time.perf_counter() - t
        t = time.perf_counter()
        evaluate_replay(read_planned_dir(Path(d) / "planned.gpx"), tracks)
        dt_ev = time.perf_counter() - t
    fixes = sum(len(x) for x in tracks.values())
    rows.append(("ingest GPX + NMEA + AIS (3 units)", f"{dt_in:.2f} s", f"{n_lines} lines, {fixes} fixes"))
    rows.append(("replay evaluation (3 units, 136 NM of pattern)", f"{dt_ev:.2f} s", "effort, coverage, gaps, XTE"))

    table = Table(title="sarex exercise building blocks")
    for c in ("case", "time", "note"):
        table.add_column(c)
    for r in rows:
        table.add_row(*r)
    Console().print(table)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
