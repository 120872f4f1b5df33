"""Unit kinematics for simulated exercises: a unit sails (or flies) its route at its speed, turning on arcs.

A unit starts from its position, transits to the commence search point and
follows the pattern's waypoints at constant speed. At every waypoint it turns
*fly-by* on a circular arc of its turn radius R, tangent to both legs: the arc
starts ``R·tan(θ/2)`` before the waypoint (θ the change of course) and cuts the
corner by ``R·(1/cos(θ/2) − 1)``. Where two turns leave no room on a short leg
(a parallel sweep with track spacing below 2R), the radius of those turns is
reduced so that the arcs meet; a real unit would instead overshoot, so the
result flatters such patterns slightly.

Geometry is done in a local equal-area projection (:class:`~sarex.geo.LocalProjection`);
positions are sampled every ``dt_s`` seconds.
"""

from __future__ import annotations

import math

import numpy as np

from sarex.geo import NM_M, LocalProjection
from sarex.errors import SarexInputError

from sarex.io.track import Track


def fly_by_path(x: np.ndarray, y: np.ndarray, radius_m: float, arc_step_deg: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """A dense polyline of the fly-by path through waypoints (m), with arcs of ``radius_m`` at the inner waypoints."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.concatenate([[True], np.hypot(np.diff(x), np.diff(y)) > 1e-6])
    x, y = x[keep], y[keep]
    n = x.size
    if n < 2:
        raise SarexInputError("route: needs at least two distinct points")
    dx, dy = np.diff(x), np.diff(y)
    ln = np.hypot(dx, dy)
    ux, uy = dx / ln, dy / ln
    # course change and tangent distance at each inner waypoint
    theta = np.zeros(n)
    tang = np.zeros(n)
    for i in range(1, n - 1):
        c = float(np.clip(ux[i - 1] * ux[i] + uy[i - 1] * uy[i], -1.0, 1.0))
        theta[i] = math.acos(c)
        tang[i] = radius_m * math.tan(theta[i] / 2.0) if theta[i] < math.pi - 1e-9 else math.inf
    # share each leg between the turns at its two ends
    for i in range(1, n - 1):
        room = min(ln[i - 1] / (2.0 if i - 1 > 0 else 1.0), ln[i] / (2.0 if i + 1 < n - 1 else 1.0))
        tang[i] = min(tang[i], room)
    px, py = [x[0]], [y[0]]
    for i in range(1, n - 1):
        if theta[i] < 1e-9 or tang[i] <= 0.0:
            px.append(x[i])
            py.append(y[i])
            continue
        r = tang[i] / math.tan(theta[i] / 2.0)
        ax, ay = x[i] - ux[i - 1] * tang[i], y[i] - uy[i - 1] * tang[i]  # arc start
        side = 1.0 if (ux[i - 1] * uy[i] - uy[i - 1] * ux[i]) > 0 else -1.0  # +1 turning left
        cx, cy = ax - side * uy[i - 1] * r, ay + side * ux[i - 1] * r  # centre, left/right of the incoming leg
        a0 = math.atan2(ay - cy, ax - cx)
        k = max(1, int(math.ceil(math.degrees(theta[i]) / arc_step_deg)))
        ang = a0 + side * theta[i] * np.arange(k + 1) / k
        px.extend(cx + r * np.cos(ang))
        py.extend(cy + r * np.sin(ang))
    px.append(x[-1])
    py.append(y[-1])
    return np.asarray(px), np.asarray(py)


def sail_route(
    start_lonlat: tuple[float, float],
    start_time_s: float,
    waypoints_lonlat: np.ndarray | list[tuple[float, float]],
    speed_kn: float,
    turn_radius_m: float,
    *,
    transit_speed_kn: float | None = None,
    dt_s: float = 60.0,
    unit_id: str = "unit",
) -> tuple[Track, float]:
    """Timed track of a unit that transits from ``start_lonlat`` to the first waypoint and sails the route.

    Parameters
    ----------
    start_lonlat
        Where the unit is at ``start_time_s`` (degrees).
    waypoints_lonlat
        The pattern: commence search point first (degrees).
    speed_kn, transit_speed_kn
        Search speed, and transit speed (default: the search speed), knots.
    turn_radius_m
        Turn radius, m (0 for sharp corners).
    dt_s
        Sampling interval of the track, s.

    Returns
    -------
    track : Track
        Positions every ``dt_s`` (and at the end).
    on_task_s : float
        Time the unit reaches the commence search point (s since epoch).
    """
    wp = np.asarray(waypoints_lonlat, dtype=np.float64)
    if wp.ndim != 2 or wp.shape[1] != 2 or wp.shape[0] < 1:
        raise SarexInputError("waypoints: give (lon, lat) pairs")
    if not (speed_kn > 0) or (transit_speed_kn is not None and not (transit_speed_kn > 0)):
        raise SarexInputError(f"speed: {speed_kn} kn (transit {transit_speed_kn}) must be > 0")
    if turn_radius_m < 0:
        raise SarexInputError(f"turn radius: {turn_radius_m} m must be >= 0")
    lon = np.concatenate([[start_lonlat[0]], wp[:, 0]])
    lat = np.concatenate([[start_lonlat[1]], wp[:, 1]])
    frame = LocalProjection(float(lon.mean()), float(lat.mean()))
    x, y = frame.forward(lon, lat)
    px, py = fly_by_path(x, y, turn_radius_m)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(px), np.diff(py)))])
    # The transit ends where the path is nearest the commence search point (the middle of the turn there).
    # Only the path up to the next waypoint counts: a later leg (a second pass at right angles, an
    # interleaved leg) can pass closer to the CSP than the turn there, and the search flown before it
    # would be taken for transit. Up to that waypoint's turn the full path and this prefix coincide.
    hx, hy = fly_by_path(x[:3], y[:3], turn_radius_m)
    hs = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(hx), np.diff(hy)))])
    s_csp = float(hs[int(np.argmin(np.hypot(hx - x[1], hy - y[1])))])
    v_search = speed_kn * NM_M / 3600.0
    v_transit = (transit_speed_kn or speed_kn) * NM_M / 3600.0
    t_csp = s_csp / v_transit
    t_end = t_csp + (s[-1] - s_csp) / v_search
    tq = np.arange(0.0, t_end, dt_s)
    tq = np.append(tq, t_end) if (t_end - tq[-1]) > 1e-9 else tq
    sq = np.where(tq <= t_csp, tq * v_transit, s_csp + (tq - t_csp) * v_search)
    qx, qy = np.interp(sq, s, px), np.interp(sq, s, py)
    qlon, qlat = frame.inverse(qx, qy)
    return Track(qlon, qlat, start_time_s + tq, unit_id, ("simulated",)), start_time_s + t_csp
