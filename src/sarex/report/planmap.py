"""PNG map of a search plan: areas and tracks over the period's probability picture."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Polygon as MplPolygon  # noqa: E402

from sarex.geo import NM_M
from sarex.io.atomic import atomic_path  # noqa: E402
from sarex.planning.cloud import PeriodCloud  # noqa: E402
from sarex.nations import nation_colour  # noqa: E402
from sarex.planning.planner import Plan  # noqa: E402
from sarex.planning.units import UnitCatalogue  # noqa: E402
from sarex.report.driftmap import draw_land  # noqa: E402


def plot_plan(plan: Plan, cloud: PeriodCloud, catalogue: UnitCatalogue, path: str | Path, coast: bool = True) -> Path:
    """Write the plan map: period-mean particle density, areas and tracks coloured by nation."""
    fr = plan.frame
    m = cloud.x.shape[1]
    cols = np.unique(np.linspace(0, m - 1, min(m, 7)).round().astype(int))
    lon, lat = fr.inverse(cloud.x[:, cols].ravel(), cloud.y[:, cols].ravel())
    w = np.repeat(cloud.weight, cols.size) / cols.size
    ok = np.isfinite(lon) & np.isfinite(lat)
    lons = [lon[ok]]
    lats = [lat[ok]]
    areas = []
    for a in plan.assignments:
        c = a.rect.corners()
        alon, alat = fr.inverse(c[:, 0], c[:, 1])
        tlon, tlat = fr.inverse(a.pattern.x, a.pattern.y)
        areas.append((a, alon, alat, tlon, tlat))
        lons += [alon]
        lats += [alat]
    allon, allat = np.concatenate(lons), np.concatenate(lats)
    lo0, lo1 = np.percentile(allon, [0.2, 99.8]) if allon.size else (0, 1)
    la0, la1 = np.percentile(allat, [0.2, 99.8]) if allat.size else (0, 1)
    for _, alon, alat, _, _ in areas:
        lo0, lo1 = min(lo0, alon.min()), max(lo1, alon.max())
        la0, la1 = min(la0, alat.min()), max(la1, alat.max())
    px, py = max(0.05, 0.1 * (lo1 - lo0)), max(0.05, 0.1 * (la1 - la0))
    extent = (lo0 - px, lo1 + px, la0 - py, la1 + py)
    fig, ax = plt.subplots(figsize=(8.5, 7.5), dpi=110)
    draw_land(ax, extent, coast)
    if ok.any():
        h = ax.hexbin(lon[ok], lat[ok], C=w[ok], reduce_C_function=np.sum, gridsize=60, cmap="Greys", mincnt=1, extent=extent, zorder=2, alpha=0.8)
        fig.colorbar(h, ax=ax, shrink=0.6, label="probability per cell (period mean)")
    units = {u.id: u for u in catalogue.units}
    seen = set()
    for k, (a, alon, alat, tlon, tlat) in enumerate(areas, start=1):
        u = units[a.unit_id]
        col = nation_colour(u.nation)
        label = f"{u.nation} ({u.service})" if u.service and (u.nation, u.service) not in seen else None
        seen.add((u.nation, u.service))
        ax.add_patch(MplPolygon(np.c_[alon, alat], closed=True, fc=col, ec=col, alpha=0.18, lw=0, zorder=3))
        ax.add_patch(MplPolygon(np.c_[alon, alat], closed=True, fill=False, ec=col, lw=1.6, zorder=4, label=label))
        ax.plot(tlon, tlat, "-", color=col, lw=0.7, zorder=5)
        ax.plot(tlon[0], tlat[0], "^", color=col, mec="k", ms=6, zorder=6)
        ax.text(alon.mean(), alat.mean(), f"A{k}\n{u.id}\nPOS {100 * a.pos:.0f}%", ha="center", va="center", fontsize=7, zorder=7)
    for uid in plan.unassigned:
        u = units.get(uid)
        if u is not None:
            ax.plot(*u.start, "x", color="k", ms=7, zorder=6)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.deg2rad(0.5 * (extent[2] + extent[3]))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    eff = plan.total_effort_m2 / NM_M**2
    ax.set_title(f"search plan: total POS {100 * plan.total_pos:.1f} % (optimum {100 * plan.bound_pos:.1f} %), effort {eff:.0f} NM²", fontsize=10)
    if seen:
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    p = Path(path)
    with atomic_path(p) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return p
