"""PNG map of a probability grid: cell probabilities, containment outlines, datum area, LKP, land."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from shapely.geometry import MultiPolygon, Polygon  # noqa: E402

from sarex.io.atomic import atomic_path  # noqa: E402
from sarex.times import iso  # noqa: E402

_LEVEL_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")


def _rings(geom):
    polys = geom.geoms if isinstance(geom, MultiPolygon) else ([geom] if isinstance(geom, Polygon) and not geom.is_empty else [])
    for p in polys:
        yield np.asarray(p.exterior.coords)
        for r in p.interiors:
            yield np.asarray(r.coords)


def plot_probability(grid, path: str | Path, areas=(), datum=None, lkp: tuple[float, float] | None = None, coast: bool = True) -> Path:
    """Write a PNG map of ``grid`` (a ProbabilityGrid) with containment ``areas`` and the IAMSAR ``datum``."""
    ny, nx = grid.shape
    xe = grid.x0_m + np.arange(nx + 1) * grid.cell_m
    ye = grid.y0_m + np.arange(ny + 1) * grid.cell_m
    xx, yy = np.meshgrid(xe, ye)
    lon_e, lat_e = grid.projection.inverse(xx, yy)
    lon_e = lon_e.reshape(xx.shape)
    lat_e = lat_e.reshape(xx.shape)
    lons = [lon_e.min(), lon_e.max()]
    lats = [lat_e.min(), lat_e.max()]
    if datum is not None:
        sq = np.asarray(datum.square.exterior.coords)
        lons += [sq[:, 0].min(), sq[:, 0].max()]
        lats += [sq[:, 1].min(), sq[:, 1].max()]
    if lkp is not None:
        lons.append(lkp[0])
        lats.append(lkp[1])
    pad_x = 0.08 * (max(lons) - min(lons)) + 0.02
    pad_y = 0.08 * (max(lats) - min(lats)) + 0.02
    extent = (min(lons) - pad_x, max(lons) + pad_x, min(lats) - pad_y, max(lats) + pad_y)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    dens = np.where(grid.probability > 0, grid.probability / grid.cell_area_nm2, np.nan)
    mesh = ax.pcolormesh(lon_e, lat_e, dens, cmap="viridis", shading="flat", zorder=2)
    fig.colorbar(mesh, ax=ax, shrink=0.8, label="probability per NM²")
    draw_land_safe(ax, extent, coast)
    for k, a in enumerate(areas):
        c = _LEVEL_COLOURS[k % len(_LEVEL_COLOURS)]
        first = True
        for ring in _rings(a.polygon):
            ax.plot(ring[:, 0], ring[:, 1], "-", color=c, lw=1.4, zorder=4,
                    label=f"{100 * a.level:g} % of afloat on grid = {100 * a.probability_total:.0f} % of total ({a.area_nm2:.0f} NM²)" if first else None)
            first = False
    if datum is not None:
        sq = np.asarray(datum.square.exterior.coords)
        ci = np.asarray(datum.circle.exterior.coords)
        ax.plot(sq[:, 0], sq[:, 1], "--", color="k", lw=1.2, zorder=4, label=f"IAMSAR square, R = {datum.radius_nm:.1f} NM ({datum.area_nm2:.0f} NM²)")
        ax.plot(ci[:, 0], ci[:, 1], ":", color="k", lw=1.0, zorder=4)
        ax.plot([datum.datum_lon], [datum.datum_lat], "P", color="w", mec="k", ms=10, zorder=5, label="datum")
    if grid.stranded_lon.size:
        ax.scatter(grid.stranded_lon, grid.stranded_lat, s=3, c="#d62728", zorder=5, label=f"stranded ({100 * grid.stranded_probability:.1f} %)")
    if lkp is not None:
        ax.plot([lkp[0]], [lkp[1]], "*", color="gold", mec="k", ms=14, zorder=6, label="LKP")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (extent[2] + extent[3]))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(f"probability map {iso(grid.time_s)}, {grid.cell_nm:g} NM cells, afloat {100 * grid.afloat_probability:.1f} %", fontsize=10)
    ax.grid(True, lw=0.3, alpha=0.5)
    from sarex.report.style import draw_scale_bar

    draw_scale_bar(ax, extent)
    ax.legend(loc="best", fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def draw_land_safe(ax, extent, coast: bool) -> None:
    """Land fill from :func:`sarex.report.driftmap.draw_land` above the probability cells."""
    if not coast:
        return
    from sarex.report.driftmap import draw_land

    n_before = len(ax.collections)
    draw_land(ax, extent, coast)
    for coll in ax.collections[n_before:]:
        coll.set_zorder(3)
