"""Map of a case: each scenario's start distribution in its own colour."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_case(ce, path: str | Path, title: str = "case") -> Path:
    """Scatter the start positions of a :class:`~sarex.drift.case.CaseEnsemble` by scenario, write a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e = ce.ensemble
    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    colours = plt.get_cmap("tab10")
    for i, name in enumerate(ce.scenario_names):
        sel = ce.scenario == i
        w = float(e.weight[sel].sum())
        ax.scatter(e.lon[sel], e.lat[sel], s=2, alpha=0.5, color=colours(i % 10), label=f"{name} ({100 * w:.0f} %)", rasterized=True)
    lat0 = float(np.nanmean(e.lat))
    ax.set_aspect(1.0 / max(np.cos(np.radians(lat0)), 0.05))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(f"{title}: start positions by scenario")
    ax.grid(True, lw=0.3)
    ax.legend(loc="best", markerscale=6, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return Path(path)
