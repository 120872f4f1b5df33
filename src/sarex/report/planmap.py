"""PNG map of a search plan: areas and tracks over the period's probability picture."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Polygon as MplPolygon  # noqa: E402

from sarex.geo import NM_M
from sarex.io.atomic import atomic_path  # noqa: E402
from sarex.planning.cloud import PeriodCloud  # noqa: E402
from sarex.planning.planner import Plan  # noqa: E402
from sarex.planning.units import UnitCatalogue  # noqa: E402
from sarex.report.driftmap import draw_land  # noqa: E402
from sarex.report.style import ServicePalette, draw_scale_bar, window_text  # noqa: E402


def plot_plan(plan: Plan, cloud: PeriodCloud, catalogue: UnitCatalogue, path: str | Path, coast: bool = True,
              label: Optional[str] = None) -> Path:
    """Write the plan map: period-mean probability per NM², areas and tracks coloured by nation and service.

    Each area is labelled with its number, unit and POS on a white box (legible over the tracks);
    triangles mark each unit's commence search point, crosses the start of units that could not be
    assigned; a scale bar gives nautical miles. The title says which period (``label``, e.g.
    "period 2") and which window of time (UTC) the plan covers.
    """
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
        # Square cells of the (equal-distance) planning plane, so the shade is a density per NM²
        # like the probability map's, not a per-cell share that changes with the cell size.
        px_, py_ = cloud.x[:, cols].ravel()[ok], cloud.y[:, cols].ravel()[ok]
        cell = max(float(np.ptp(px_)), float(np.ptp(py_)), 1.0) / 60.0
        nx, ny = int(np.ptp(px_) // cell) + 1, int(np.ptp(py_) // cell) + 1
        x0, y0 = float(px_.min()), float(py_.min())
        hist, _, _ = np.histogram2d(px_, py_, bins=[nx, ny], range=[[x0, x0 + nx * cell], [y0, y0 + ny * cell]], weights=w[ok])
        dens = np.where(hist.T > 0, hist.T / (cell / NM_M) ** 2, np.nan)
        gx, gy = np.meshgrid(x0 + cell * np.arange(nx + 1), y0 + cell * np.arange(ny + 1))
        glon, glat = fr.inverse(gx.ravel(), gy.ravel())
        h = ax.pcolormesh(np.reshape(glon, gx.shape), np.reshape(glat, gx.shape), dens, cmap="Greys", shading="flat", zorder=2, alpha=0.8)
        fig.colorbar(h, ax=ax, shrink=0.6, label="probability per NM² (period mean)")
    units = {u.id: u for u in catalogue.units}
    seen = set()
    palette = ServicePalette()
    for k, (a, alon, alat, tlon, tlat) in enumerate(areas, start=1):
        u = units[a.unit_id]
        col = palette(u.nation, u.service)
        legend = f"{u.nation} ({u.service})" if u.service and (u.nation, u.service) not in seen else None
        seen.add((u.nation, u.service))
        ax.add_patch(MplPolygon(np.c_[alon, alat], closed=True, fc=col, ec=col, alpha=0.18, lw=0, zorder=3))
        ax.add_patch(MplPolygon(np.c_[alon, alat], closed=True, fill=False, ec=col, lw=1.6, zorder=4, label=legend))
        ax.plot(tlon, tlat, "-", color=col, lw=0.7, zorder=5)
        ax.plot(tlon[0], tlat[0], "^", color=col, mec="k", ms=6, zorder=6)
        ax.text(alon.mean(), alat.mean(), f"A{k} {u.id}\nPOS {100 * a.pos:.0f} %", ha="center", va="center", fontsize=7, zorder=7,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": col, "lw": 0.6, "alpha": 0.85})
    for uid in plan.unassigned:
        u = units.get(uid)
        if u is not None:
            ax.plot(*u.start, "x", color="k", ms=7, zorder=6)
    if areas:
        ax.plot([], [], "^", color="w", mec="k", ms=6, ls="none", label="commence search point (CSP)")
    if plan.unassigned:
        ax.plot([], [], "x", color="k", ms=7, ls="none", label="start of an unassigned unit")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.deg2rad(0.5 * (extent[2] + extent[3]))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    eff = plan.total_effort_m2 / NM_M**2
    what = f"{label}: " if label else ""
    ax.set_title(f"search plan, {what}{window_text(plan.start_s, plan.end_s)}\n"
                 f"planner estimate POS {100 * plan.total_pos:.1f} % (Stone static optimum {100 * plan.bound_pos:.1f} %), effort {eff:.0f} NM²",
                 fontsize=10)
    draw_scale_bar(ax, extent)
    if seen or areas:
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    p = Path(path)
    with atomic_path(p) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return p
