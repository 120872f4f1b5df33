"""Calibration of the forcing error (issue 16 item 6): do the truths fall inside the forecast's
50 % and 90 % areas 50 % and 90 % of the time when the forecast ocean is not the real one?

Forecast: the synthetic Korea Strait reference field (gridded 0.05°), 20 000 particles from the
LKP 129.9 E 34.0 N at 2026-01-15T00Z. Truths from the same LKP in variants of the field
(``variant=k``: current strength and axis, wind speed, direction and synoptic phase, tide phase
perturbed): "pooled" gives each truth its own variant (the truths sample the distribution of
forecast errors: this is the calibration), "variant k" puts all truths in one variant (one draw
of the error: coverage scatters around the calibration). Perfect model: truths in the reference
field itself. Prints one table; figures in docs/observations.md.

    python benchmarks/forcing_error_calibration.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import forcing_calibration as fc  # noqa: E402

from sarex.drift.forcing_error import SAR_DEFAULT  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="5 000 forecast particles, 300 truths, fewer rows")
    a = ap.parse_args()
    nf, nt = (5000, 300) if a.quick else (20000, 1000)
    table = Table(title=f"forcing-error calibration: % of truths inside the 50 % / 90 % areas ({nf} forecast particles)")
    for c in ("object", "truths", "forcing error", "6 h", "12 h", "24 h"):
        table.add_column(c)
    forecasts: dict = {}

    def fcast(obj, fe):
        key = (obj, fe)
        if key not in forecasts:
            forecasts[key] = fc.forecast_cloud(fe, particles=nf, obj=obj)
        return forecasts[key]

    def row(obj, label, truth, fes=(None, SAR_DEFAULT)):
        for fe in fes:
            cov = fc.coverage(fcast(obj, fe), truth)
            table.add_row(obj, label, "none" if fe is None else "sar", *(f"{cov[h][0]:.1f} / {cov[h][1]:.1f}" for h in fc.LEADS_H))
            print(obj, label, "none" if fe is None else "sar", cov, flush=True)

    t0 = time.perf_counter()
    row("PIW-1", f"perfect model ({nt})", fc.truths(None, particles=nt))
    row("PIW-1", f"pooled, variants 1–{nt}", fc.truths(list(range(1, nt + 1))))
    row("PIW-1", f"pooled, variants {nt + 1}–{2 * nt} (independent)", fc.truths(list(range(nt + 1, 2 * nt + 1)), seed=8), fes=(SAR_DEFAULT,))
    for v in (1, 2, 3):
        row("PIW-1", f"variant {v} ({nt})", fc.truths(v, particles=nt))
    if not a.quick:
        covs = np.array([[fc.coverage(fcast("PIW-1", SAR_DEFAULT), fc.truths(v, particles=300))[h] for h in fc.LEADS_H] for v in range(4, 24)])
        mean, sd = covs.mean(axis=0), covs.std(axis=0, ddof=1)
        table.add_row("PIW-1", "variants 4–23, 300 each: mean ± sd", "sar",
                      *(f"{mean[i, 0]:.1f}±{sd[i, 0]:.0f} / {mean[i, 1]:.1f}±{sd[i, 1]:.0f}" for i in range(3)))
        print("variants 4-23", mean.round(1).tolist(), sd.round(1).tolist(), flush=True)
        row("LIFE-RAFT-DB-14", f"pooled, variants 1–{nt}", fc.truths(list(range(1, nt + 1)), obj="LIFE-RAFT-DB-14"))
        row("LIFE-RAFT-DB-14", f"perfect model ({nt})", fc.truths(None, particles=nt, obj="LIFE-RAFT-DB-14"), fes=(SAR_DEFAULT,))
    Console(width=200).print(table)
    print(f"SAR default: {SAR_DEFAULT.describe()}; {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
