"""PNG of a forecast-skill comparison: observed and forecast-centroid tracks, and separation over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sarex.io.atomic import atomic_path  # noqa: E402


def plot_skill(results, path: str | Path, members: tuple[np.ndarray, np.ndarray] | None = None) -> Path:
    """Map of the observed tracks and forecast centroids (left) and centroid separation, km, vs lead time, h (right).

    ``results`` is a list of :class:`~sarex.search.skill.TrajectorySkill`; ``members`` an
    optional (lon, lat) pair of member tracks ``(M, T)`` drawn faintly.
    """
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 5.2))
    if members is not None:
        mlon, mlat = members
        for i in range(min(mlon.shape[0], 200)):
            ax.plot(mlon[i], mlat[i], color="0.8", lw=0.4, zorder=1)
    for k, r in enumerate(results):
        c = f"C{k % 10}"
        ax.plot(r.obs_lon, r.obs_lat, "-", color=c, lw=2, label=f"{r.observed_id} observed", zorder=3)
        ax.plot(r.centroid_lon, r.centroid_lat, "--", color="k", lw=1.2, label="forecast centroid" if k == 0 else None, zorder=3)
        ax.plot(r.obs_lon[:1], r.obs_lat[:1], "o", color=c, zorder=4)
        ss = r.liu_weisberg["ss"]
        bx.plot(r.lead_h, r.separation_km, "-", color=c, label=f"{r.observed_id} (Liu–Weisberg ss {ss:.2f})")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect(1.0 / max(np.cos(np.radians(np.nanmean(results[0].obs_lat))), 0.1))
    ax.legend(fontsize=7, loc="best")
    ax.set_title("tracks")
    bx.set_xlabel("lead time (h)")
    bx.set_ylabel("centroid separation (km)")
    bx.grid(alpha=0.3)
    bx.legend(fontsize=8)
    bx.set_title("separation from the observation")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return Path(path)
