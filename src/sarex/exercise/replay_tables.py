"""Replay results as CSV tables (one row per unit, one per nation), SI units plus NM columns for reading."""

from __future__ import annotations

import csv
import io
import math

from sarex.geo import NM_M
from sarex.exercise.replay import ReplayResult
from sarex.times import iso


def _num(x: float) -> str:
    return "" if not math.isfinite(x) else f"{x:.6g}"


def unit_csv(res: ReplayResult) -> str:
    """Per-unit replay metrics as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["unit", "nation", "status", "sweep_width_m", "track_spacing_m", "planned_length_m", "on_task_length_m", "on_task_start", "on_task_end",
         "planned_effort_m2", "delivered_effort_m2", "effort_ratio", "assigned_area_m2", "planned_swept_fraction",
         "swept_fraction", "xte_mean_m", "xte_p95_m", "xte_max_m", "offset_east_m", "offset_north_m", "xte_residual_rms_m",
         "delivered_effort_nm2"]
    )
    for u in res.units:
        w.writerow(
            [u.unit_id, u.nation, u.status, _num(u.sweep_width_m), _num(u.track_spacing_m), _num(u.planned_length_m), _num(u.on_task_length_m),
             iso(u.on_task_start_s) if u.has_track else "", iso(u.on_task_end_s) if u.has_track else "",
             _num(u.planned_effort_m2), _num(u.delivered_effort_m2), _num(u.effort_ratio), _num(u.assigned_area_m2),
             _num(u.planned_coverage_fraction), _num(u.coverage_fraction), _num(u.xte_mean_m), _num(u.xte_p95_m), _num(u.xte_max_m),
             _num(u.offset_east_m), _num(u.offset_north_m), _num(u.xte_residual_rms_m), _num(u.delivered_effort_m2 / NM_M / NM_M)]
        )
    return buf.getvalue()


def nation_csv(res: ReplayResult) -> str:
    """Per-nation replay metrics as CSV text."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["nation", "units", "planned_effort_m2", "delivered_effort_m2", "effort_ratio", "assigned_area_m2", "swept_fraction", "xte_mean_m", "xte_p95_m"])
    for n in res.nations:
        w.writerow([n.nation, n.units, _num(n.planned_effort_m2), _num(n.delivered_effort_m2), _num(n.effort_ratio),
                    _num(n.assigned_area_m2), _num(n.coverage_fraction), _num(n.xte_mean_m), _num(n.xte_p95_m)])
    return buf.getvalue()
