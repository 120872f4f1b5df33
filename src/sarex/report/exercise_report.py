"""After-action report of a simulated exercise: maps, timeline, tables, replicate statistics."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patches import Polygon as MplPolygon
from matplotlib.ticker import MaxNLocator

from sarex.exercise.engine import ExerciseResult
from sarex.geo import NM_M
from sarex.nations import nation_colour
from sarex.report.driftmap import draw_land
from sarex.report.html import Figure, Paragraph, Report, Table
from sarex.report.style import DETECTION_COLOUR, TRUTH_COLOUR, draw_scale_bar, halo, lonlat_axes, particle_cmap, window_text
from sarex.search.pos_terms import pos_glossary
from sarex.times import from_epoch_s, iso


def _pct(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


def _window(t0: float, t1: float) -> str:
    return f"{from_epoch_s(t0):%d/%H%M}–{from_epoch_s(t1):%H%M}Z"


def _period_panel(ax, res: ExerciseResult, p, coast: bool, nation: dict[str, str]) -> None:
    """One period: the planners' particles at mid-period (shade = weight), each unit's area (labelled) and sailed
    track in its nation's colour, the truth's path to the period's end (black, white halo)."""
    ds = p.drift_before
    t = ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    j = int(np.argmin(np.abs(t - 0.5 * (p.start_s + p.end_s))))
    lon, lat = ds["lon"].values[:, j], ds["lat"].values[:, j]
    w = ds["weight"].values
    ok = np.isfinite(lon) & np.isfinite(lat)
    xs, ys, rings = [lon[ok]], [lat[ok]], []
    for a in p.plan.assignments:
        c = a.rect.corners()
        alon, alat = p.plan.frame.inverse(c[:, 0], c[:, 1])
        rings.append((a, alon, alat))
        xs.append(alon)
        ys.append(alat)
    allx, ally = np.concatenate(xs), np.concatenate(ys)
    lo0, lo1 = np.percentile(allx, [2, 98])
    la0, la1 = np.percentile(ally, [2, 98])
    for _, alon, alat in rings:  # every area whole
        lo0, lo1, la0, la1 = min(lo0, alon.min()), max(lo1, alon.max()), min(la0, alat.min()), max(la1, alat.max())
    # the areas and the bulk of the cloud, not the outliers: the labels must be legible (the scale bar gives the size);
    # at least 0.6° × 0.5° so the coast in reach shows (issue 15 item 14)
    cx, cy = 0.5 * (lo0 + lo1), 0.5 * (la0 + la1)
    hx, hy = max(0.5 * (lo1 - lo0) + 0.03, 0.3), max(0.5 * (la1 - la0) + 0.03, 0.25)
    ext = (cx - hx, cx + hx, cy - hy, cy + hy)
    draw_land(ax, ext, coast, n=250)
    # vmin 0: equal weights (before any search) are mid-grey, not mapped to the colormap's white end
    ax.scatter(lon[ok], lat[ok], s=2, c=w[ok], cmap=particle_cmap(), vmin=0.0, vmax=float(w[ok].max()) if ok.any() else 1.0,
               lw=0, alpha=0.8, zorder=2)
    nat_of = {r.unit_id: r.nation for r in p.runs}
    for a, alon, alat in rings:
        col = nation_colour(nat_of.get(a.unit_id, ""))
        nation[nat_of.get(a.unit_id, "")] = col
        ax.add_patch(MplPolygon(np.c_[alon, alat], closed=True, fc=col, ec=col, alpha=0.15, lw=1.0, zorder=3))
    for r in p.runs:
        ax.plot(r.track.lon, r.track.lat, "-", color=nation_colour(r.nation), lw=0.7, zorder=4)
    for a, alon, alat in rings:  # labels last, over the tracks
        ax.text(float(alon.mean()), float(alat.mean()), a.unit_id, ha="center", va="center", fontsize=6,
                zorder=8, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    tt = res.truth["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    tl, tb = res.truth["lon"].values[0], res.truth["lat"].values[0]
    m = tt <= p.end_s
    ax.plot(tl[m], tb[m], "-", color=TRUTH_COLOUR, lw=1.6, zorder=6, path_effects=halo())
    ax.plot(np.interp(p.end_s, tt, tl), np.interp(p.end_s, tt, tb), "o", color=TRUTH_COLOUR, mec="white", ms=6, zorder=7)
    if res.detection is not None and res.detection.period == p.index:
        ax.plot(res.detection.lon, res.detection.lat, "*", color=DETECTION_COLOUR, mec="k", ms=16, zorder=9)
    lonlat_axes(ax, ext, fontsize=7)
    draw_scale_bar(ax, ext)
    ax.set_title(f"period {p.index + 1}: {window_text(p.start_s, p.end_s)} (exercise time)\n"
                 f"particles at {from_epoch_s(float(t[j])):%H:%M} UTC; truth to {from_epoch_s(p.end_s):%H:%M} UTC", fontsize=8.5)
    ax.tick_params(labelsize=7)


def period_maps(res: ExerciseResult, coast: bool = True) -> MplFigure:
    """One panel per searched period: particle cloud (weights), areas and tracks by nation, truth revealed; one legend."""
    ps = res.periods[: res.executed]
    n = len(ps)
    cols = min(2, n)
    rows = int(np.ceil(n / cols))
    fig = MplFigure(figsize=(5.0 * cols, 5.0 * rows + 0.6), dpi=100)
    nation: dict[str, str] = {}
    for k, p in enumerate(ps):
        _period_panel(fig.add_subplot(rows, cols, k + 1), res, p, coast, nation)
    handles = [Patch(fc=c, ec=c, alpha=0.5, label=f"{n_ or 'unit'}: search areas and sailed tracks") for n_, c in sorted(nation.items())]
    handles += [Line2D([], [], color="#777", marker=".", ls="none", ms=6, label="planners' particles (darker = more probable)"),
                Line2D([], [], color=TRUTH_COLOUR, lw=1.6, marker="o", ms=5, label="truth's path to the period's end (revealed)")]
    if res.detection is not None:
        handles.append(Line2D([], [], color=DETECTION_COLOUR, marker="*", mec="k", ms=12, ls="none", label="detection"))
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.6 / (5.0 * rows + 0.6) + 0.02, 1, 1))
    return fig


def pos_curve(res: ExerciseResult) -> MplFigure:
    """Planned POS per period and cumulative POS, against hours since the alert; replicate POD by hour."""
    fig = MplFigure(figsize=(7.5, 4.0), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    t0 = res.scenario.reported.time
    ends = [(p.end_s - t0) / 3600 for p in res.periods]
    ax.step([0] + ends, [0] + [p.cumulative_pos for p in res.periods], where="post", label="cumulative POS (sailed tracks)")
    ax.bar([(0.5 * (p.start_s + p.end_s) - t0) / 3600 for p in res.periods], [p.pos_sailed for p in res.periods],
           width=[0.8 * (p.end_s - p.start_s) / 3600 for p in res.periods], alpha=0.3, label="POS of the period")
    if res.replicates is not None:
        h, f = zip(*res.replicates.pod_by_hour)
        ax.plot(h, f, "k--", label=f"detected by then ({res.replicates.n} replicates)")
    if res.detection is not None:
        ax.axvline((res.detection.time_s - t0) / 3600, color=TRUTH_COLOUR, lw=1, ls=":", label="detection")
    ax.set_xlabel(f"hours since the alert at {iso(t0)} (exercise time)")
    ax.set_ylabel("probability")
    ax.set_title("probability of success of the planned searches", fontsize=9)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def timeline(res: ExerciseResult) -> MplFigure:
    """Gantt chart of units' transit and time on task per period."""
    ps = res.periods[: res.executed]
    ids = sorted({a.unit_id for p in ps for a in p.plan.assignments})
    fig = MplFigure(figsize=(8.0, 0.4 * len(ids) + 1.5), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    t0 = res.scenario.reported.time
    for p in ps:
        for a in p.plan.assignments:
            y = ids.index(a.unit_id)
            nat = next((r.nation for r in p.runs if r.unit_id == a.unit_id), "")
            ax.barh(y, (a.arrive_s - a.depart_s) / 3600, left=(a.depart_s - t0) / 3600, color="#cccccc", height=0.6)
            ax.barh(y, (a.search_end_s - a.arrive_s) / 3600, left=(a.arrive_s - t0) / 3600, color=nation_colour(nat), height=0.6)
    if res.detection is not None:
        ax.axvline((res.detection.time_s - t0) / 3600, color=TRUTH_COLOUR, lw=1.2, ls=":", label="detection")
    ax.set_yticks(range(len(ids)), ids, fontsize=8)
    ax.set_xlabel("hours since the alert (grey: transit, nation colour: on task)")
    ax.set_title(f"units' transits and time on task, from the alert at {iso(t0)} (exercise time)", fontsize=9)
    if res.detection is not None:
        ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def replicate_figure(res: ExerciseResult) -> MplFigure:
    """Histogram of the hours from the alert to detection over the replicates: one bar per whole hour,
    counts on whole-number ticks, the period boundaries marked."""
    r = res.replicates
    fig = MplFigure(figsize=(7.5, 3.6), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    hrs = [h for h in r.hours_to_detection if h is not None]
    t0 = res.scenario.reported.time
    ends = [(p.end_s - t0) / 3600 for p in res.periods]
    top = max([*ends, *hrs, 1.0])
    edges = np.arange(0.0, np.ceil(top) + 1.0, 1.0)
    if hrs:
        ax.hist(hrs, bins=edges, color="#2b5d8a", alpha=0.85, ec="white")
    for k, e in enumerate([(res.periods[0].start_s - t0) / 3600, *ends]):
        ax.axvline(e, color="#888", lw=0.8, ls="--")
        if k < len(ends):
            ax.text(e + 0.1, 1.0, f"P{k + 1}", transform=ax.get_xaxis_transform(), va="top", fontsize=7, color="#555")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, edges[-1])
    ax.set_xlabel("hours from the alert to detection (bars of one hour; dashed: period boundaries)")
    ax.set_ylabel("replicates detected")
    ax.set_title(f"{r.detected} of {r.n} replicates detected; {r.n - r.detected} not detected by the end", fontsize=9)
    fig.tight_layout()
    return fig


def build_exercise_report(res: ExerciseResult, coast: bool = True) -> Report:
    """The after-action report (truth revealed): for evaluators only."""
    sc = res.scenario
    s = res.scores()
    rep = Report(f"{sc.name} — after-action report", f"simulated exercise, seed {res.seed}; EVALUATORS ONLY (truth revealed)")
    sec = rep.section("Outcome")
    d = res.detection
    if d is not None:
        sec.blocks.append(Paragraph(
            f"Detected in period {d.period + 1} at {iso(d.time_s)} by {d.unit_id} ({d.nation}), "
            f"{(d.time_s - sc.reported.time) / 3600:.1f} h after the alert and {(d.time_s - sc.truth.time) / 3600:.1f} h after the distress; "
            f"closest approach {d.distance_m / NM_M:.2f} NM."))
    else:
        sec.blocks.append(Paragraph(f"Not detected in {res.executed} period(s)."))
    sec.blocks.append(Paragraph(
        f"At {iso(res.peak_time_s)} the most probable cell of the planners' picture was {res.peak_error_m / NM_M:.1f} NM from the truth."))
    t = sc.truth
    sec.blocks.append(Table(["", "reported to participants", "truth (revealed)"], [
        ["object", sc.reported.object_class, t.object_class],
        ["position", f"{sc.reported.lon:.4f}E {sc.reported.lat:.4f}N", f"{t.lon:.4f}E {t.lat:.4f}N"],
        ["time", iso(sc.reported.time), iso(t.time)],
        ["environment", sc.forecast.describe(), t.environment.describe()],
    ], "reported versus true"))
    sec = rep.section("Periods")
    sec.blocks.append(Table(
        ["period", "window", "units", "planner estimate", "planned-tracks POS", "sailed-tracks POS", "Stone static optimum", "cumulative POS", "searched"],
        [[str(p.index + 1), _window(p.start_s, p.end_s), str(len(p.plan.assignments)), _pct(p.pos_planner), _pct(p.pos_planned),
          _pct(p.pos_sailed), _pct(p.bound_pos), _pct(p.cumulative_pos), "yes" if p.index < res.executed else "no (found)"] for p in res.periods],
        "; ".join(pos_glossary())))
    sec.blocks.append(Figure(pos_curve(res), "Probability of success: per period, cumulative, and detections by hour over the replicates."))
    sec = rep.section("Units and nations")
    rows = []
    for p in res.periods[: res.executed]:
        for a in p.plan.assignments:
            nat = next((r.nation for r in p.runs if r.unit_id == a.unit_id), "")
            rows.append([a.unit_id, nat, str(p.index + 1), a.pattern.kind, f"{a.spacing_m / NM_M:.2f}", f"{a.track_m / NM_M:.1f}",
                         f"{a.effort_m2 / NM_M**2:.0f}", f"{p.widths_nm[a.unit_id]:.2f}", _pct(a.pod), _pct(a.pos)])
        for uid, why in p.plan.unassigned.items():
            rows.append([uid, "", str(p.index + 1), "–", "", "", "", "", "", why])
    sec.blocks.append(Table(["unit", "nation", "period", "pattern", "S NM", "track NM", "effort NM²", "W NM", "POD", "POS"], rows, "assignments"))
    nat = s["effort_nm2_by_nation"]
    sec.blocks.append(Table(["nation", "rescue centre", "effort NM²", "share"],
                            [[n.code, n.rescue_centre, f"{nat.get(n.code, 0):.0f}", _pct(nat.get(n.code, 0) / max(1e-9, sum(nat.values())))] for n in sc.nations],
                            "effort per nation (searched periods)"))
    sec.blocks.append(Figure(timeline(res), "Timeline of transits and time on task."))
    sec = rep.section("Maps")
    sec.blocks.append(Figure(period_maps(res, coast), "Each searched period (exercise time, UTC): the planners' particles at mid-period (darker = more probable), each unit's area "
                                            "(labelled with the unit; its POS in the assignments table) and sailed track in its nation's colour, the truth's path to the "
                                            "period's end in black (revealed), the detection as a star."))
    if res.replicates is not None:
        r = res.replicates
        sec = rep.section("Replicates")
        sec.blocks.append(Paragraph(
            f"{r.n} replicates (independent truths and detection draws against the same plans): {r.detected} detected "
            f"({100 * r.detected / r.n:.1f} %); detected in period 1: {100 * r.first_period_fraction:.1f} % "
            f"against a sailed-tracks POS of {100 * r.first_period_pos_sailed:.1f} %."))
        sec.blocks.append(Figure(replicate_figure(res), "Hours from the alert to detection."))
    return rep
