"""PNG map of a drift ensemble: particle cloud, coastline (GSHHG) and the mean track."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from sarex.io.atomic import atomic_path  # noqa: E402
from sarex.io.driftfile import STATUS_ACTIVE, STATUS_LEFT_DOMAIN, STATUS_STRANDED, searches_applied  # noqa: E402


def mean_track(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean lon/lat of released particles at each output time."""
    from sarex.drift.summary import weighted_centroid

    w = ds["weight"].values
    lons, lats = [], []
    for j in range(ds.sizes["time"]):
        lo = ds["lon"].values[:, j]
        la = ds["lat"].values[:, j]
        ok = np.isfinite(lo) & np.isfinite(la)
        if not ok.any():
            lons.append(np.nan)
            lats.append(np.nan)
            continue
        c = weighted_centroid(lo[ok], la[ok], w[ok] / w[ok].sum())
        lons.append(c[0])
        lats.append(c[1])
    return np.array(lons), np.array(lats)


def draw_land(ax, extent: tuple[float, float, float, float], coast: bool = True, n: int = 500) -> None:
    """Fill land (GSHHG full resolution, rasterised for the view) on a lon/lat axis."""
    if not coast:
        return
    from sarex.environment.coast import Coastline

    lon0, lon1, lat0, lat1 = extent
    lon = np.linspace(lon0, lon1, n)
    lat = np.linspace(lat0, lat1, n)
    land = Coastline(bbox=(lon0, lat0, lon1, lat1)).land_raster(lon, lat)
    ax.contourf(lon, lat, land.astype(float), levels=[0.5, 1.5], colors=["#d9cfb8"], zorder=1)
    ax.contour(lon, lat, land.astype(float), levels=[0.5], colors=["#6b5d45"], linewidths=0.6, zorder=2)


#: One colour per search applied (drawn in order), apart from the particles' status colours (blue, red, grey).
SEARCH_COLOURS = ("#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def _draw_searches(ax, ds: xr.Dataset) -> None:
    """The searches applied to the ensemble (its ``searches`` record): each unit's track, one colour per search,
    labelled with the search's name and window; a record written before tracks were kept shows its window only."""
    for k, s in enumerate(searches_applied(ds)):
        col = SEARCH_COLOURS[k % len(SEARCH_COLOURS)]
        when = f"{s.get('start', '')[5:16].replace('T', ' ')}–{s.get('end', '')[11:16]} UTC"
        label = f"{s.get('label') or f'search {k + 1}'} ({when}), POS {100 * float(s.get('pos', 0.0)):.1f} %"
        drawn = False
        for u in s.get("units", []):
            pts = np.asarray(u.get("track") or [], dtype=float).reshape(-1, 2)
            if pts.shape[0] >= 2:
                ax.plot(pts[:, 0], pts[:, 1], "-", color=col, lw=0.8, alpha=0.9, zorder=3.5, label=None if drawn else label)
                ax.text(pts[0, 0], pts[0, 1], u.get("name", ""), fontsize=6, color=col, zorder=6)
                drawn = True
        if not drawn:
            ax.plot([], [], "-", color=col, label=f"{label} (track not recorded)")


def plot_drift(ds: xr.Dataset, path: str | Path, coast: bool = True, max_points: int = 50000) -> Path:
    """Write a PNG map: final cloud coloured by status, the mean track, the LKP and the searches applied
    (each unit's track, one colour per search), so a continued drift shows what was already searched."""
    lon = ds["lon"].values
    lat = ds["lat"].values
    st = ds["status"].values[:, -1]
    fin = np.isfinite(lon[:, -1])
    searched = np.asarray([p for s in searches_applied(ds) for u in s.get("units", []) for p in (u.get("track") or [])], float).reshape(-1, 2)
    alllon = np.concatenate([lon[np.isfinite(lon)], searched[:, 0]])
    alllat = np.concatenate([lat[np.isfinite(lat)], searched[:, 1]])
    pad_x = max(0.05, 0.15 * (alllon.max() - alllon.min()))
    pad_y = max(0.05, 0.15 * (alllat.max() - alllat.min()))
    extent = (alllon.min() - pad_x, alllon.max() + pad_x, alllat.min() - pad_y, alllat.max() + pad_y)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    draw_land(ax, extent, coast)
    rng = np.random.default_rng(0)
    idx = np.flatnonzero(fin)
    if idx.size > max_points:
        idx = np.sort(rng.choice(idx, max_points, replace=False))
    for code, color, label in (
        (STATUS_ACTIVE, "#1f77b4", "active"),
        (STATUS_STRANDED, "#d62728", "stranded"),
        (STATUS_LEFT_DOMAIN, "#7f7f7f", "left domain"),
    ):
        sel = idx[st[idx] == code]
        if sel.size:
            ax.scatter(lon[sel, -1], lat[sel, -1], s=1.5, c=color, alpha=0.35, lw=0, label=f"{label} ({sel.size})", zorder=3)
    _draw_searches(ax, ds)
    mlon, mlat = mean_track(ds)
    ax.plot(mlon, mlat, "-", color="k", lw=1.6, label="mean track", zorder=4)
    ax.plot(mlon[::1], mlat[::1], ".", color="k", ms=3, zorder=4)
    ax.plot([ds.attrs.get("lkp_lon", mlon[0])], [ds.attrs.get("lkp_lat", mlat[0])], "*", color="gold", mec="k", ms=14, label="LKP", zorder=5)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (extent[2] + extent[3]))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    t0 = str(ds["time"].values[0])[:16].replace("T", " ")
    t1 = str(ds["time"].values[-1])[:16].replace("T", " ")
    cont = json.loads(ds.attrs.get("continuations", "[]") or "[]")
    more = f"; continued from {', '.join(c['from'][:16].replace('T', ' ') for c in cont)}" if cont else ""
    ax.set_title(f"{ds.attrs.get('object_class', '')}: {t0} → {t1} UTC{more}\ncloud at {t1} UTC; searches applied: "
                 f"{len(searches_applied(ds))}", fontsize=10)
    ax.grid(True, lw=0.3, alpha=0.5)
    leg = ax.legend(loc="best", fontsize=8)
    for h in leg.legend_handles[: len(leg.legend_handles)]:
        if hasattr(h, "set_sizes"):
            h.set_sizes([20])
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)
