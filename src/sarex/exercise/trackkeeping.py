"""Track keeping: when a unit was on task, and its cross-track error against the planned pattern.

* **On task**: from the unit's first closest approach to the commence search
  point (first waypoint) to its closest approach to the final waypoint while on
  the last leg.
* **Cross-track error** (XTE): each point of the sailed track is referred to the
  active leg of the plan, as an ECDIS does: the active leg advances when the
  point passes the perpendicular at the leg's end waypoint, or when it is nearer
  the next leg than the active one (a turn cut short). XTE is the signed
  distance from the active leg's line (positive to the left).
* **Systematic offset**: the translation (east, north) that best explains the
  per-leg median XTEs (weighted least squares over legs, ``n_i · d = m_i``).
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString

from sarex.exercise.geometry import cut_xy, resample_by_distance

def on_task_window(
    tx: np.ndarray, ty: np.ndarray, px: np.ndarray, py: np.ndarray, tol_m: float, step_m: float = 25.0
) -> tuple[float, float]:
    """Along-track distances (m) where the unit is on task.

    Start: the closest point to the first waypoint during the unit's first
    approach to it (the first run of points within ``min distance + tol_m``). End:
    the closest point to the last waypoint among the points the waypoint
    sequencing of :func:`cross_track` puts on the last leg (first approach), so a
    pattern flown with an offset still ends where it really ended.
    """
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(tx), np.diff(ty)))])
    d = np.hypot(tx - px[0], ty - py[0])
    i_first = _first_approach(d, tol_m)
    i0, i1 = max(i_first[0] - 1, 0), min(i_first[-1] + 1, tx.size - 1)
    if i1 > i0:
        sub = LineString(np.column_stack([tx[i0 : i1 + 1], ty[i0 : i1 + 1]]))
        s0 = float(s[i0] + sub.project(shapely.Point(px[0], py[0])))
    else:
        s0 = float(s[i0])
    # resample the rest and sequence it through the legs
    ox, oy, os_ = cut_xy(tx, ty, s, s0, s[-1])
    rx, ry = resample_by_distance(ox, oy, step_m)
    if rx.size < 2:
        return s0, s0
    _, legs = cross_track(rx, ry, px, py)
    last = legs == legs.max()
    rs = s0 + np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(rx), np.diff(ry)))])
    de = np.hypot(rx - px[-1], ry - py[-1])
    de = np.where(last, de, np.inf)
    run = _first_approach(de, tol_m)
    k = run[np.argmin(de[run])]
    return s0, float(max(rs[k], s0))


def _first_approach(d: np.ndarray, tol_m: float) -> np.ndarray:
    """Indices of the first run of consecutive points within ``min(d) + tol_m``."""
    near = np.flatnonzero(d <= d.min() + tol_m)
    breaks = np.flatnonzero(np.diff(near) > 1)
    return near[: (breaks[0] + 1) if breaks.size else near.size]


def cross_track(px: np.ndarray, py: np.ndarray, ax: np.ndarray, ay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed cross-track error of points against a planned polyline, with waypoint sequencing.

    Parameters
    ----------
    px, py
        Points along the sailed track, in order (m).
    ax, ay
        Planned waypoints (m).

    Returns
    -------
    xte : ndarray
        Signed distance from the active leg's line, m (positive = left of the leg).
    leg : ndarray of int
        The active leg of each point.
    """
    keep = np.concatenate([[True], np.hypot(np.diff(ax), np.diff(ay)) > 1e-6])
    ax, ay = ax[keep], ay[keep]
    nleg = ax.size - 1
    if nleg < 1:
        raise ValueError("a pattern needs two distinct waypoints")
    dx, dy = np.diff(ax), np.diff(ay)
    ln = np.hypot(dx, dy)
    ux, uy = dx / ln, dy / ln

    def seg_dist(i: int, x: float, y: float) -> float:
        t = min(max((x - ax[i]) * ux[i] + (y - ay[i]) * uy[i], 0.0), ln[i])
        return math.hypot(x - (ax[i] + t * ux[i]), y - (ay[i] + t * uy[i]))

    xte = np.empty(px.size)
    legs = np.empty(px.size, dtype=np.int64)
    i = 0
    for k in range(px.size):
        x, y = float(px[k]), float(py[k])
        while i < nleg - 1:
            along = (x - ax[i]) * ux[i] + (y - ay[i]) * uy[i]
            if along >= ln[i] or seg_dist(i + 1, x, y) < seg_dist(i, x, y):
                i += 1
            else:
                break
        xte[k] = ux[i] * (y - ay[i]) - uy[i] * (x - ax[i])
        legs[k] = i
    return xte, legs


#: Relative singular-value cut of the offset fit: legs less than ~11° apart fix only their normal component.
OFFSET_RCOND = 0.1


def systematic_offset(xte: np.ndarray, legs: np.ndarray, ax: np.ndarray, ay: np.ndarray) -> tuple[float, float]:
    """Translation (east, north) in m that best explains the per-leg median cross-track errors.

    Weighted least squares of ``n_i · d = median(XTE on leg i)`` over legs
    (weights: number of points on the leg), ``n_i`` the leg's left normal.
    Along a single straight leg only the perpendicular component is determined
    (minimum-norm solution). So along legs whose directions differ by less than
    about 11° (a parallel sweep's antiparallel legs, whose normals differ only by
    rounding): singular values below :data:`OFFSET_RCOND` of the largest are
    dropped (``tan(θ/2)`` for two equally weighted legs θ apart), or rounding would
    be amplified into offsets of millions of metres (issue 31).
    """
    keep = np.concatenate([[True], np.hypot(np.diff(ax), np.diff(ay)) > 1e-6])
    ax, ay = ax[keep], ay[keep]
    dx, dy = np.diff(ax), np.diff(ay)
    ln = np.hypot(dx, dy)
    nx, ny = -dy / ln, dx / ln
    rows, rhs, w = [], [], []
    for i in np.unique(legs):
        m = legs == i
        rows.append([nx[i], ny[i]])
        rhs.append(float(np.median(xte[m])))
        w.append(math.sqrt(float(m.sum())))
    if not rows:
        return 0.0, 0.0
    a = np.asarray(rows) * np.asarray(w)[:, None]
    b = np.asarray(rhs) * np.asarray(w)
    d, *_ = np.linalg.lstsq(a, b, rcond=OFFSET_RCOND)
    return float(d[0]), float(d[1])
