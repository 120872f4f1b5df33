"""Plane geometry for exercise evaluation, in a local Lambert azimuthal equal-area projection.

Areas and distances within a few hundred km of the projection centre are exact
to better than 0.1 %.
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, MultiPoint, Polygon



def polyline_length(x: np.ndarray, y: np.ndarray) -> float:
    """Length of a polyline (m)."""
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def resample_by_distance(x: np.ndarray, y: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step_m`` along a polyline (first and last vertex included)."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    if s[-1] <= 0:
        return x[:1].copy(), y[:1].copy()
    n = max(2, int(math.ceil(s[-1] / step_m)) + 1)
    q = np.linspace(0.0, s[-1], n)
    keep = np.concatenate([[True], np.diff(s) > 0])
    return np.interp(q, s[keep], x[keep]), np.interp(q, s[keep], y[keep])


def cut_xy(tx, ty, s, s0, s1):
    """The part of track (``tx``, ``ty``) between distances ``s0`` and ``s1`` along it (``s``: distance of each point)."""
    inner = (s > s0) & (s < s1)
    xs = np.concatenate([[np.interp(s0, s, tx)], tx[inner], [np.interp(s1, s, tx)]])
    ys = np.concatenate([[np.interp(s0, s, ty)], ty[inner], [np.interp(s1, s, ty)]])
    return xs, ys, s


def cut_by_distance(tx: np.ndarray, ty: np.ndarray, tt: np.ndarray, s0: float, s1: float):
    """The part of a polyline between along-track distances ``s0`` and ``s1`` (with interpolated ends)."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(tx), np.diff(ty)))])
    inner = (s > s0) & (s < s1)
    xs = np.concatenate([[np.interp(s0, s, tx)], tx[inner], [np.interp(s1, s, tx)]])
    ys = np.concatenate([[np.interp(s0, s, ty)], ty[inner], [np.interp(s1, s, ty)]])
    ts = np.concatenate([[np.interp(s0, s, tt)], tt[inner], [np.interp(s1, s, tt)]])
    return xs, ys, ts


def assigned_area(px: np.ndarray, py: np.ndarray, spacing_m: float) -> Polygon:
    """The area a pattern searches: its convex hull widened by half the track spacing (square corners)."""
    hull = MultiPoint(np.column_stack([px, py])).convex_hull
    return hull.buffer(spacing_m / 2.0, cap_style="square", join_style="mitre")


def swept_strip(x: np.ndarray, y: np.ndarray, sweep_width_m: float):
    """The strip a track sweeps with a definite-range sensor: every point within W/2 of the track.

    (A Minkowski sum with a disc: round ends and round outer corners, so even a
    perfectly flown parallel sweep with S = W leaves the area's outer corners
    partly unswept; compare achieved with the planned route's own value.)
    """
    if x.size < 2:
        return Polygon()
    return LineString(np.column_stack([x, y])).buffer(sweep_width_m / 2.0, quad_segs=16)
