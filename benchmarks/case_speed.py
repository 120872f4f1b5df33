"""Speed of a five-scenario case against one point scenario (issue 12 bar: ≤ 1.2×).

Prints one table. Both drift the same number of particles (default 100 000) for the same
hours on the synthetic Korea Strait forcing, coast on. "point" is the plain single-class
``simulate`` from an LKP; "case, 5 scenarios" is :func:`sarex.drift.case.drift_case` of a
point, an area, a voyage, a beacon (A/B) and a bearings scenario with four object classes,
including its seeding and the case variables. Best of ``--repeat`` runs after a warm-up.
"""

from __future__ import annotations

import argparse
import time
import tomllib

from rich.console import Console
from rich.table import Table

from sarex.drift import Release, simulate
from sarex.drift.case import CaseDriftConfig, drift_case, parse_case
from sarex.environment.synthetic import korea_strait_environment

START = "2026-01-15T03:00:00Z"
CASE = f"""
[[scenario]]
name = "LKP"
weight = 0.3
type = "point"
lon = 129.72
lat = 34.86
time = "{START}"
cep_m = 1852
objects = [{{class = "PIW-1", weight = 0.6}}, {{class = "LIFE-RAFT-NB-2", weight = 0.4}}]

[[scenario]]
name = "fishing ground"
weight = 0.2
type = "area"
polygon = [[129.90, 34.90], [130.10, 34.90], [130.10, 35.10], [129.90, 35.10]]
time = "{START}"
objects = [{{class = "PIW-1", weight = 1.0}}]

[[scenario]]
name = "voyage"
weight = 0.2
type = "voyage"
departure = [129.30, 35.00]
departure_time = "{START}"
waypoints = [[129.80, 35.05], [130.20, 34.80]]
speed_min_kn = 6
speed_cruise_kn = 8
speed_max_kn = 10
objects = [{{class = "FISHING-VESSEL-1", weight = 0.5}}, {{class = "LIFE-RAFT-NB-2", weight = 0.5}}]

[[scenario]]
name = "EPIRB"
weight = 0.2
type = "beacon"
fixes = [{{lon = 129.80, lat = 34.95, probability = 0.8, ellipse = {{semi_major_m = 5000, semi_minor_m = 2000, orientation_deg = 40}}}},
         {{lon = 130.30, lat = 34.60, probability = 0.2, radius_m = 3000}}]
time = "{START}"
objects = [{{class = "LIFE-RAFT-DB-10", weight = 1.0}}]

[[scenario]]
name = "DF"
weight = 0.1
type = "bearings"
stations = [{{lon = 129.40, lat = 35.20, bearing_deg = 120, sd_deg = 2}}, {{lon = 130.30, lat = 35.30, bearing_deg = 220, sd_deg = 2}},
            {{lon = 129.60, lat = 34.50, bearing_deg = 40, sd_deg = 3}}]
time = "{START}"
objects = [{{class = "PIW-1", weight = 1.0}}]
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--hours", type=float, default=12.0)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    case = parse_case(tomllib.loads(CASE), "benchmark case")
    one = parse_case(tomllib.loads(CASE.split("[[scenario]]")[0] + "[[scenario]]" + CASE.split("[[scenario]]")[1].replace("weight = 0.3", "weight = 1.0")), "one")
    runs = {
        "point (simulate, 1 class)": lambda n: simulate(env, "PIW-1", Release.point(129.72, 34.86, START, 1852.0 / 1.1774), hours=a.hours, particles=n),
        "case, 1 point scenario, 2 classes": lambda n: drift_case(env, one, CaseDriftConfig(hours=a.hours, particles=n)),
        "case, 5 scenarios, 4 classes": lambda n: drift_case(env, case, CaseDriftConfig(hours=a.hours, particles=n)),
    }
    for fn in runs.values():
        fn(2000)  # warm-up: numba compiled, landmask loaded
    times = {name: [] for name in runs}
    for _ in range(a.repeat):  # interleaved, so that a busy machine slows all alike
        for name, fn in runs.items():
            t = time.perf_counter()
            fn(a.particles)
            times[name].append(time.perf_counter() - t)
    best = {name: min(v) for name, v in times.items()}
    base = best["point (simulate, 1 class)"]
    table = Table(title=f"case drift speed: {a.particles} particles, {a.hours:g} h, 10-min steps (best of {a.repeat})")
    for col in ("run", "time s", "ratio to point"):
        table.add_column(col)
    for name, t in best.items():
        table.add_row(name, f"{t:.2f}", f"{t / base:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
