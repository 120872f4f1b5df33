"""The replay evaluation report: effort, coverage, gaps and overlaps, and track keeping per unit and nation.

Built from a :class:`~sarex.exercise.replay.ReplayResult`; written as HTML and
PDF by :mod:`sarex.report.html`. It uses only the participants' view of the
scenario (no truth): the replay measures execution against the plan.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure as MplFigure

from sarex.geo import NM_M
from sarex.exercise.replay import ReplayResult
from sarex.exercise.scenario import ParticipantScenario
from sarex.io.track import IngestLog
from sarex.report.html import Figure, Paragraph, Report, Table
from sarex.times import iso

NM2 = NM_M * NM_M


def _f(x: float, nd: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    s = f"{x:.{nd}f}"
    return s.lstrip("-") if float(s) == 0.0 else s


def _hhmm(t: float) -> str:
    return "-" if not math.isfinite(t) else iso(t)[5:16].replace("T", " ")


def unit_effort_table(res: ReplayResult) -> Table:
    """Effort and coverage per unit."""
    rows = []
    for u in res.units:
        rows.append(
            [
                u.unit_id,
                u.nation,
                _f(u.sweep_width_m / NM_M, 2),
                _f(u.track_spacing_m / NM_M, 2),
                _f(u.planned_length_m / NM_M),
                _f(u.on_task_length_m / NM_M),
                (f"{_hhmm(u.on_task_start_s)} – {_hhmm(u.on_task_end_s)}" + (f" ({u.status})" if u.status else "")) if u.has_track else u.status,
                _f(u.planned_effort_m2 / NM2),
                _f(u.delivered_effort_m2 / NM2),
                _f(100 * u.effort_ratio),
                _f(u.assigned_area_m2 / NM2),
                _f(u.coverage_factor_planned, 2),
                _f(u.coverage_factor_achieved, 2),
                _f(100 * u.planned_coverage_fraction),
                _f(100 * u.coverage_fraction),
            ]
        )
    return Table(
        ["unit", "nation", "W NM", "S NM", "planned NM", "on task NM", "on task (UTC)", "Z planned NM²", "Z delivered NM²",
         "delivered %", "area NM²", "C planned", "C achieved", "swept planned %", "swept achieved %"],
        rows,
        "Effort (Z = W·L) and coverage per unit",
    )


def unit_xte_table(res: ReplayResult) -> Table:
    """Track keeping per unit."""
    rows = []
    for u in res.units:
        if not u.has_track:
            rows.append([u.unit_id, u.nation, u.status] + ["-"] * 6)
            continue
        rows.append(
            [u.unit_id, u.nation, _f(u.xte_mean_m, 0), _f(u.xte_p95_m, 0), _f(u.xte_max_m, 0), _f(u.offset_east_m, 0),
             _f(u.offset_north_m, 0), _f(u.offset_m, 0), _f(u.xte_residual_rms_m, 0)]
        )
    return Table(
        ["unit", "nation", "mean |XTE| m", "p95 |XTE| m", "max |XTE| m", "offset E m", "offset N m", "|offset| m", "residual RMS m"],
        rows,
        "Track keeping: cross-track error against the planned pattern",
    )


def nation_table(res: ReplayResult) -> Table:
    """Totals per nation."""
    rows = [
        [n.nation, str(n.units), _f(n.planned_effort_m2 / NM2), _f(n.delivered_effort_m2 / NM2), _f(100 * n.effort_ratio),
         _f(n.assigned_area_m2 / NM2), _f(100 * n.coverage_fraction), _f(n.xte_mean_m, 0), _f(n.xte_p95_m, 0)]
        for n in res.nations
    ]
    return Table(
        ["nation", "units", "Z planned NM²", "Z delivered NM²", "delivered %", "area NM²", "swept %", "mean |XTE| m", "p95 |XTE| m"],
        rows,
        "Per nation",
    )


def coverage_map(res: ReplayResult, truth_lonlat: tuple[np.ndarray, np.ndarray] | None = None) -> MplFigure:
    """Coverage map: number of units sweeping each cell, assigned areas, planned patterns and sailed tracks
    (and the truth's path, evaluators only)."""
    fig = MplFigure(figsize=(8.0, 7.0))
    ax = fig.add_subplot(1, 1, 1)
    g = res.grid
    cnt = np.where(g.inside | (g.count > 0), g.count, -1).astype(float)
    cmap = ListedColormap(["#ffffff", "#f4d6d6", "#bfe3c0", "#f3b25b", "#c0392b"])
    km = 1000.0
    ax.pcolormesh(g.x / km, g.y / km, np.clip(cnt, -1, 3) + 1, cmap=cmap, vmin=0, vmax=4, shading="auto")
    colors = ["#1f4e79", "#8e44ad", "#16a085", "#d35400", "#2c3e50", "#7f8c8d"]
    for k, (uid, area) in enumerate(res.areas.items()):
        c = colors[k % len(colors)]
        x, y = area.exterior.xy
        ax.plot(np.asarray(x) / km, np.asarray(y) / km, color=c, lw=1.2)
        px, py = res.patterns_xy[uid]
        ax.plot(px / km, py / km, color=c, lw=0.8, ls="--")
        if uid in res.tracks_xy:
            tx, ty = res.tracks_xy[uid]
            ax.plot(tx / km, ty / km, color="#999999", lw=0.5)
        if uid in res.on_task_xy:
            ox, oy = res.on_task_xy[uid]
            ax.plot(ox / km, oy / km, color=c, lw=1.0, label=uid)
    if truth_lonlat is not None:
        ok = np.isfinite(truth_lonlat[0])
        tx, ty = res.frame.forward(truth_lonlat[0][ok], truth_lonlat[1][ok])
        ax.plot(tx / km, ty / km, color="black", lw=1.6, ls=":", label="truth (evaluators only)")
        ax.plot(tx[:1] / km, ty[:1] / km, marker="*", color="gold", mec="black", ms=12, ls="none")
    ax.set_aspect("equal")
    ax.set_xlabel(f"km east of {res.frame.lon0:.3f}°E")
    ax.set_ylabel(f"km north of {res.frame.lat0:.3f}°N")
    ax.set_title("Coverage: white/pink = unswept (pink inside assigned areas), green = 1 unit, orange/red = 2+ units")
    ax.title.set_fontsize(8.5)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def xte_figure(res: ReplayResult) -> MplFigure:
    """Distribution of |XTE| per unit."""
    fig = MplFigure(figsize=(8.0, 3.6))
    ax = fig.add_subplot(1, 1, 1)
    for u in res.units:
        if u.has_track and u.xte_abs.size:
            a = np.sort(u.xte_abs)
            ax.plot(a, np.arange(1, a.size + 1) / a.size, label=u.unit_id)
    ax.set_xlabel("|cross-track error| (m)")
    ax.set_ylabel("fraction of track on task")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def encounter_table(res: ReplayResult, encounters: dict[str, list]) -> Table:
    """Closest approaches of each unit to the truth."""
    rows = []
    for u in res.units:
        enc = encounters.get(u.unit_id)
        if enc is None:
            rows.append([u.unit_id, u.nation, u.status or "no track", "-", "-", "-"])
            continue
        if not enc:
            rows.append([u.unit_id, u.nation, "0", "-", "-", "-"])
            continue
        best = min(enc, key=lambda e: e.range_m)
        rows.append(
            [u.unit_id, u.nation, str(len(enc)), _f(best.range_m / NM_M, 2), _hhmm(best.time_s), _f(best.range_m / u.sweep_width_m, 2)]
        )
    return Table(["unit", "nation", "CPAs within 5 NM", "closest NM", "at (UTC)", "closest / W"], rows, "Closest approaches to the truth")


def build_replay_report(
    sc: ParticipantScenario,
    res: ReplayResult,
    log: IngestLog | None = None,
    truth: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    encounters: dict[str, list] | None = None,
) -> Report:
    """The replay evaluation report of an exercise.

    Without ``truth`` (times, lon, lat) it contains no truth; with it, the truth's
    path is drawn on the coverage map and a section lists each unit's closest
    approaches to it (evaluators only).
    """
    sub = "Effort, coverage and track keeping of the units against their planned patterns"
    if truth is not None:
        sub += " — CONTAINS THE TRUTH: EVALUATORS ONLY"
    rep = Report(f"{sc.name} — replay evaluation", sub)
    s = rep.section("Exercise")
    s.blocks.append(
        Paragraph(
            f"On-scene coordinator: {sc.on_scene_coordinator}. {len(res.units)} planned pattern(s), "
            f"{sum(u.has_track for u in res.units)} with a sailed track. Search periods: "
            + ", ".join(f"{_hhmm(p.start)} for {p.duration_h:g} h" for p in sc.periods)
            + "."
        )
    )
    s.blocks.append(Table(["nation", "name", "rescue centre"], [[n.code, n.name, n.rescue_centre] for n in sc.nations], "Nations"))
    s = rep.section("Effort and coverage per unit")
    s.blocks.append(
        Paragraph(
            "Effort Z = W·L (sweep width times track length on task; on task from the closest approach to the commence "
            "search point to the closest approach to the last waypoint). Coverage factor C = Z/A over the assigned area "
            "(pattern hull widened by S/2). 'Swept' is the share of the assigned area within W/2 of the track "
            "(definite-range sensor); the planned route's own value is shown for comparison."
        )
    )
    s.blocks.append(unit_effort_table(res))
    s = rep.section("Per nation")
    s.blocks.append(nation_table(res))
    s = rep.section("Gaps and overlaps")
    s.blocks.append(
        Paragraph(
            f"Assigned areas: {res.assigned_area_m2 / NM2:.1f} NM², of which {100 * res.coverage_fraction:.1f} % swept. "
            f"Gaps (assigned, swept by no unit): {res.gap_area_m2 / NM2:.2f} NM². "
            f"Overlaps (swept by two or more units): {res.overlap_area_m2 / NM2:.2f} NM²."
        )
    )
    s.blocks.append(Figure(coverage_map(res, None if truth is None else (truth[1], truth[2])), "Coverage map (local equal-area projection): assigned areas (outlines), planned patterns (dashed), tracks on task (solid), whole tracks (grey)."))
    s = rep.section("Track keeping")
    s.blocks.append(
        Paragraph(
            "Cross-track error (XTE) of the track on task, resampled every 25 m, against the active leg of the planned "
            "pattern (waypoint sequencing as on an ECDIS). The systematic offset is the translation that best explains the "
            "per-leg median XTE; the residual is what remains after removing it."
        )
    )
    s.blocks.append(unit_xte_table(res))
    s.blocks.append(Figure(xte_figure(res), "Cumulative distribution of |XTE| per unit."))
    if truth is not None and encounters is not None:
        s = rep.section("Truth (evaluators only)")
        s.blocks.append(
            Paragraph(
                f"The truth object entered the water at {_hhmm(float(truth[0][0]))} UTC. Closest points of approach (CPA) of "
                "each unit's whole track to it, on their relative motion; a detection chance arises at each CPA according "
                "to the unit's lateral range curve."
            )
        )
        s.blocks.append(encounter_table(res, encounters))
    notes = (log.messages() if log is not None else []) + res.notes
    s = rep.section("Data")
    s.blocks.append(Paragraph("Ingest and evaluation notes: " + ("none." if not notes else "")))
    for n in notes:
        s.blocks.append(Paragraph("• " + n))
    return rep
