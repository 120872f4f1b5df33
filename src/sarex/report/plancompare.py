"""Two search plans side by side (e.g. before and after the SMC's edits): a PNG map and an HTML table.

Each plan is a plan folder written by ``sarex plan`` (plan.json, areas.geojson,
routes/*.gpx), named by its folder or its plan.json. The map draws plan A's areas
and tracks dashed and plan B's solid, over the probability of the drift (the
particles through plan A's period) when the drift file is given. The table lists
per unit area, pattern, track spacing, coverage and marginal POS in both plans,
and the plans' total (and, for multi-period plans, cumulative) POS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sarex.errors import SarexInputError  # noqa: E402
from sarex.io.atomic import atomic_path  # noqa: E402
from sarex.io.gpx import read_gpx_routes  # noqa: E402
from sarex.report.driftmap import draw_land  # noqa: E402
from sarex.report.html import Figure, Paragraph, Report, Section, Table, write_html  # noqa: E402
from sarex.report.style import draw_scale_bar  # noqa: E402


@dataclass
class PlanFolder:
    """What the comparison reads from one plan folder."""

    name: str
    summary: dict
    areas: dict[str, np.ndarray]  # unit → (k, 2) lon/lat ring
    routes: dict[str, np.ndarray]  # unit → (k, 2) lon/lat route


def read_plan_folder(path: str | Path, label: str) -> PlanFolder:
    """Read ``path`` (a plan folder or its plan.json); a missing or foreign file is a one-line error."""
    p = Path(path)
    folder = p.parent if p.is_file() or p.suffix == ".json" else p
    js = p if p.is_file() or p.suffix == ".json" else p / "plan.json"
    if not js.is_file():
        raise SarexInputError(f"{label}: {js}: no plan.json (give a folder written by 'sarex plan' or its plan.json)")
    try:
        summary = json.loads(js.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SarexInputError(f"{label}: {js}: not a plan.json ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("units"), list) or "pos_planner" not in summary:
        raise SarexInputError(f"{label}: {js}: not a plan.json of 'sarex plan' (no 'units' and 'pos_planner'; for several periods give period-k/plan.json)")
    areas: dict[str, np.ndarray] = {}
    g = folder / "areas.geojson"
    if g.is_file():
        for f in json.loads(g.read_text(encoding="utf-8")).get("features", []):
            if f.get("geometry", {}).get("type") == "Polygon" and "area" in f.get("properties", {}):
                areas[f["properties"]["unit"]] = np.asarray(f["geometry"]["coordinates"][0], dtype=float)
    routes = {}
    for r in sorted((folder / "routes").glob("*.gpx")) if (folder / "routes").is_dir() else []:
        for rt in read_gpx_routes(r):
            routes[rt.name] = np.column_stack([rt.lon, rt.lat])
    return PlanFolder(str(folder), summary, areas, routes)


def _pct(v: Any) -> str:
    return "–" if v is None else f"{100 * float(v):.1f}"


def comparison_rows(a: PlanFolder, b: PlanFolder) -> list[list[str]]:
    """One row per unit in either plan: area, pattern, spacing, coverage, marginal POS in A and in B."""
    ua = {u["unit"]: u for u in a.summary["units"]}
    ub = {u["unit"]: u for u in b.summary["units"]}
    ids = list(ua) + [u for u in ub if u not in ua]
    ids += [u for u in list(a.summary.get("reserve", {})) + list(b.summary.get("reserve", {})) if u not in ids]
    ids = list(dict.fromkeys(ids))

    def cells(s: dict, u: dict | None, uid: str) -> list[str]:
        if u is None:
            state = "reserve" if uid in s.get("reserve", {}) else "unassigned" if uid in s.get("unassigned", {}) else "–"
            return [state, "", "", "", ""]
        return [u["area"], u["pattern"], f"{u['spacing_nm']:.2f}", f"{u['coverage']:.2f}", _pct(u.get("marginal_pos"))]

    return [[uid] + cells(a.summary, ua.get(uid), uid) + cells(b.summary, ub.get(uid), uid) for uid in ids]


def totals_rows(a: PlanFolder, b: PlanFolder) -> list[list[str]]:
    """Total POS (planner estimate, planned tracks) and, for multi-period plans, the cumulative POS, A → B."""
    rows = []
    for key, label in (("pos_planner", "planner estimate POS %"), ("pos_planned", "planned-tracks POS %"), ("stone_reference_pos", "Stone static optimum %")):
        va, vb = a.summary.get(key), b.summary.get(key)
        d = "–" if va is None or vb is None else f"{100 * (vb - va):+.1f}"
        rows.append([label, _pct(va), _pct(vb), d])
    ma, mb = a.summary.get("multi_period"), b.summary.get("multi_period")
    if ma or mb:
        va, vb = (ma or {}).get("cumulative_pos"), (mb or {}).get("cumulative_pos")
        rows.append(["cumulative POS after this period %", _pct(va), _pct(vb), "–" if va is None or vb is None else f"{100 * (vb - va):+.1f}"])
    rows.append(["units tasked", str(len(a.summary["units"])), str(len(b.summary["units"])), f"{len(b.summary['units']) - len(a.summary['units']):+d}"])
    return rows


def comparison_figure(a: PlanFolder, b: PlanFolder, cloud_lonlat: Optional[tuple[np.ndarray, np.ndarray, np.ndarray]] = None, coast: bool = True):
    """The map: A dashed, B solid (one colour per unit), over the probability of ``cloud_lonlat`` = (lon, lat, weight)."""
    fig, ax = plt.subplots(figsize=(8.5, 7.5), dpi=110)
    pts = [r for p in (a, b) for r in list(p.areas.values()) + list(p.routes.values())]
    allp = np.concatenate(pts) if pts else np.zeros((1, 2))
    if cloud_lonlat is not None:
        allp = np.concatenate([allp, np.column_stack(cloud_lonlat[:2])])
    lo0, la0 = np.nanpercentile(allp, 0.5, axis=0)
    lo1, la1 = np.nanpercentile(allp, 99.5, axis=0)
    px, py = max(0.05, 0.08 * (lo1 - lo0)), max(0.05, 0.08 * (la1 - la0))
    extent = (lo0 - px, lo1 + px, la0 - py, la1 + py)
    draw_land(ax, extent, coast)
    if cloud_lonlat is not None:
        lon, lat, w = cloud_lonlat
        ok = np.isfinite(lon) & np.isfinite(lat)
        h, xe, ye = np.histogram2d(lon[ok], lat[ok], bins=60, range=[extent[:2], extent[2:]], weights=w[ok])
        h = np.where(h > 0, h / h.sum(), np.nan)
        im = ax.pcolormesh(xe, ye, h.T, cmap="Reds", shading="flat", zorder=1)
        fig.colorbar(im, ax=ax, shrink=0.7, label="probability per cell")
    ids = list(dict.fromkeys(list(a.areas) + list(a.routes) + list(b.areas) + list(b.routes)))
    colours = {u: plt.cm.tab10(k % 10) for k, u in enumerate(ids)}
    for p, style, tag in ((a, "--", "A"), (b, "-", "B")):
        for u, ring in p.areas.items():
            ax.plot(ring[:, 0], ring[:, 1], style, color=colours[u], lw=1.6, zorder=3, label=f"{tag} {u}")
        for u, r in p.routes.items():
            ax.plot(r[:, 0], r[:, 1], style, color=colours[u], lw=0.6, alpha=0.7, zorder=2)
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_aspect(1.0 / max(np.cos(np.radians(0.5 * (extent[2] + extent[3]))), 0.1))
    ax.set_xlabel("longitude °E")
    ax.set_ylabel("latitude °N")
    draw_scale_bar(ax, extent)
    if ids:
        ax.legend(fontsize=7, loc="upper right", ncol=2)
    ax.set_title("plan A (dashed) and plan B (solid): areas and routes")
    return fig


def write_comparison(folder: str | Path, a: PlanFolder, b: PlanFolder, cloud_lonlat=None, coast: bool = True) -> list[Path]:
    """Write compare.png and compare.html (table and map) into ``folder`` (a staging folder)."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    fig = comparison_figure(a, b, cloud_lonlat, coast)
    with atomic_path(d / "compare.png") as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    rep = Report("Search plan comparison", f"A: {a.name}   B: {b.name}")
    s = Section("Units")
    head = ["unit"] + [f"{t} {c}" for t in ("A", "B") for c in ("area", "pattern", "S nm", "coverage", "marginal POS %")]
    s.blocks.append(Table(head, comparison_rows(a, b), "per unit: area, pattern, track spacing, coverage and marginal POS in each plan"))
    rep.sections.append(s)
    t = Section("Totals")
    t.blocks.append(Table(["", "A", "B", "B − A"], totals_rows(a, b), "probability of success before (A) and after (B)"))
    rep.sections.append(t)
    m = Section("Map")
    m.blocks.append(Figure(fig, "A dashed, B solid; shading: the drift's probability through plan A's period" if cloud_lonlat is not None
                           else "A dashed, B solid (no drift file given: no probability shading)"))
    if cloud_lonlat is None:
        m.blocks.append(Paragraph("Give the drift file (--drift) to draw the probability under the plans."))
    rep.sections.append(m)
    html = write_html(rep, d / "compare.html")
    plt.close(fig)
    return [d / "compare.png", html]
