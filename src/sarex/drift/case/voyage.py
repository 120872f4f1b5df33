"""Voyage and dead-reckoning scenarios: where a vessel under way was when distress happened.

Voyage (SAROPS's voyage scenario, REFERENCES §10): legs from the departure through the
waypoints, rhumb lines or great circles, with a speed per particle drawn from a triangular
distribution (min, cruise, max; the cruise speed is the mode) and optional dwell at the
intermediate waypoints. Without a distress window the distress time is uniform over each
particle's voyage (departure to arrival). Hazard areas multiply the distress rate by their
``factor`` while the vessel is inside (a distress time density ∝ k(x(t))): the route is cut
into short pieces, a piece's rate is the product of the factors of the hazards containing
its midpoint, and a particle's distress falls in a piece (or a dwell) with probability
∝ rate × time spent there, uniform within it. With a distress window the distress time has
density ∝ k(x(t)) inside the window (each particle's own x(t)): uniform draws in the window
kept with probability k/k_max (rejection sampling), the rest drawn again.

Dead reckoning: from a last position and time, course ~ N(course, sd), speed uniform in
[min, max], distress time uniform up to ``until``; the vessel moves along the geodesic.
"""

from __future__ import annotations

import math

import numpy as np
from shapely import contains_xy

from sarex.drift.case.geometry import GEOD, offset_positions, valid_polygon
from sarex.geo import KN_MS
from sarex.times import to_epoch_s

KN = KN_MS
PIECES_PER_LEG = 2000


def route(points: list[tuple[float, float]], legs: str, pieces: int = PIECES_PER_LEG):
    """Fine polyline of the route: lon, lat (degrees), cumulative distance (m) and the index of each waypoint."""
    lons, lats, wp_idx = [points[0][0]], [points[0][1]], [0]
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        f = np.linspace(0.0, 1.0, pieces + 1)[1:]
        if legs == "great-circle":
            az, _, d = GEOD.inv(x0, y0, x1, y1)
            lo, la, _ = GEOD.fwd(np.full(f.size, x0), np.full(f.size, y0), np.full(f.size, az), d * f)
            lo = np.asarray(lo)
            lo = x0 + ((lo - x0 + 180.0) % 360.0 - 180.0)  # no jump at the antimeridian
        else:  # rhumb line: straight in Mercator coordinates
            m0, m1 = _merc(y0), _merc(y1)
            lo = x0 + (x1 - x0) * f
            la = np.degrees(2.0 * np.arctan(np.exp(m0 + (m1 - m0) * f)) - 0.5 * math.pi) if abs(y1 - y0) > 1e-12 else np.full(f.size, y0)
        lons.extend(np.asarray(lo).tolist())
        lats.extend(np.asarray(la).tolist())
        wp_idx.append(len(lons) - 1)
    lon, lat = np.array(lons), np.array(lats)
    _, _, dd = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    s = np.concatenate([[0.0], np.cumsum(dd)])
    return lon, lat, s, np.array(wp_idx)


def _merc(lat_deg: float) -> float:
    return math.log(math.tan(0.25 * math.pi + 0.5 * math.radians(lat_deg)))


def triangular_speeds(rng: np.random.Generator, n: int, lo: float, mode: float, hi: float) -> np.ndarray:
    """``n`` draws of a triangular distribution from ``lo`` to ``hi`` with mode ``mode``."""
    if hi == lo:
        return np.full(n, float(lo))
    return rng.triangular(lo, mode, hi, n)


def sample_voyage(rng: np.random.Generator, n: int, sc, at) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distress positions (degrees) and times (s since epoch) of ``n`` particles of a voyage scenario."""
    pts = [tuple(sc.departure)] + [tuple(p) for p in sc.waypoints]
    n_wp = len(pts) - 1
    dwell = np.zeros(n_wp + 1)  # dwell at each point of the route, s (none at the departure and the arrival)
    if sc.dwell_h:
        if len(sc.dwell_h) != n_wp - 1:
            raise at.error("dwell_h", sc.dwell_h, f"needs one value per intermediate waypoint ({n_wp - 1})")
        if min(sc.dwell_h) < 0:
            raise at.error("dwell_h", sc.dwell_h, "must be >= 0")
        dwell[1:n_wp] = np.asarray(sc.dwell_h) * 3600.0
    t_dep0 = to_epoch_s(sc.departure_time)
    t_dep1 = t_dep0 if sc.departure_end_time is None else to_epoch_s(sc.departure_end_time)
    if t_dep1 < t_dep0:
        raise at.error("departure_end_time", sc.departure_end_time, f"is before departure_time {sc.departure_time}")
    lon_r, lat_r, s_r, wp = route(pts, sc.legs)
    length = float(s_r[-1])
    if length <= 0.0:
        raise at.error("waypoints", sc.waypoints, "make a route of zero length")
    speeds = [sc.speed_min_kn, sc.speed_cruise_kn, sc.speed_max_kn]
    if sc.arrival_time is not None:
        t_arr = to_epoch_s(sc.arrival_time)
        if t_arr <= t_dep1:
            raise at.error("arrival_time", sc.arrival_time, f"is not after the departure ({sc.departure_end_time or sc.departure_time})")
    if all(v is None for v in speeds):
        if sc.arrival_time is None:
            raise at.error("speed_cruise_kn", None, "missing: give speed_min_kn/speed_cruise_kn/speed_max_kn or an arrival_time")
        move_s = to_epoch_s(sc.arrival_time) - t_dep0 - dwell.sum()
        if move_s <= 0.0:
            raise at.error("arrival_time", sc.arrival_time, "leaves no time to sail after departure and dwell")
        v_lo = v_mode = v_hi = length / move_s
    else:
        if any(v is None for v in speeds):
            raise at.error("speed_cruise_kn", None, "missing: give all of speed_min_kn, speed_cruise_kn, speed_max_kn")
        lo, mode, hi = speeds
        if not lo <= mode <= hi:
            raise at.error("speed_cruise_kn", mode, f"kn: speeds {lo}/{mode}/{hi} kn must satisfy min <= cruise <= max")
        v_lo, v_mode, v_hi = lo * KN, mode * KN, hi * KN
    t_dep = t_dep0 + (t_dep1 - t_dep0) * rng.uniform(0.0, 1.0, n) if t_dep1 > t_dep0 else np.full(n, t_dep0)
    v = triangular_speeds(rng, n, v_lo, v_mode, v_hi)
    s_wp = s_r[wp]
    dwell_before = np.concatenate([[0.0], np.cumsum(dwell)[:-1]])  # dwell completed before reaching point w

    # Rate factor of each piece (midpoint) and of each dwell point.
    k_piece = np.ones(s_r.size - 1)
    k_point = np.ones(n_wp + 1)
    mid_lon, mid_lat = 0.5 * (lon_r[:-1] + lon_r[1:]), 0.5 * (lat_r[:-1] + lat_r[1:])
    polys = []
    for j, hz in enumerate(sc.hazard):
        poly = valid_polygon(hz.polygon, at, f"hazard[{j}].polygon")
        polys.append(poly)
        k_piece[contains_xy(poly, mid_lon, mid_lat)] *= hz.factor
        k_point[contains_xy(poly, np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))] *= hz.factor

    if sc.distress_time is not None:
        t0 = to_epoch_s(sc.distress_time)
        t1 = t0 if sc.distress_end_time is None else to_epoch_s(sc.distress_end_time)
        if t1 < t0:
            raise at.error("distress_end_time", sc.distress_end_time, f"is before distress_time {sc.distress_time}")
        t = rng.uniform(t0, t1, n) if t1 > t0 else np.full(n, t0)
        s = _distance_at(t - t_dep, v, s_wp, dwell, dwell_before)
        if sc.hazard and t1 > t0:
            t, s = _hazard_in_window(rng, t, s, (t0, t1), t_dep, v, (s_wp, dwell, dwell_before), (s_r, lon_r, lat_r), polys, sc.hazard)
    else:
        w_piece = k_piece * np.diff(s_r)  # ∝ rate × time at unit speed
        cdf = np.concatenate([[0.0], np.cumsum(w_piece)])
        w_move = cdf[-1] / v  # s, per particle
        w_dwell = k_point * dwell  # s
        total = w_move + w_dwell.sum()
        u = rng.uniform(0.0, 1.0, n) * total
        s = np.empty(n)
        t = np.empty(n)
        moving = u < w_move
        # moving: a distance from the rate-weighted density along the route
        q = rng.uniform(0.0, 1.0, n)
        sm = np.interp(q[moving] * cdf[-1], cdf, s_r)
        s[moving] = sm
        k_before = np.searchsorted(s_wp, sm, side="right") - 1  # last point passed
        t[moving] = t_dep[moving] + sm / v[moving] + dwell_before[k_before] + dwell[k_before]
        if (~moving).any():
            r = u[~moving] - w_move[~moving]
            cum = np.cumsum(w_dwell)
            w_idx = np.minimum(np.searchsorted(cum, r, side="right"), n_wp)
            frac = (r - (cum[w_idx] - w_dwell[w_idx])) / np.where(w_dwell[w_idx] > 0, w_dwell[w_idx], 1.0)
            s[~moving] = s_wp[w_idx]
            t[~moving] = t_dep[~moving] + s_wp[w_idx] / v[~moving] + dwell_before[w_idx] + frac * dwell[w_idx]
    lon = np.interp(s, s_r, lon_r)
    lat = np.interp(s, s_r, lat_r)
    return lon, lat, t


def _rate_at(s, route_, polys, hazards) -> np.ndarray:
    """Product of the factors of the hazard areas that contain the route point at distance ``s``."""
    s_r, lon_r, lat_r = route_
    lon, lat = np.interp(s, s_r, lon_r), np.interp(s, s_r, lat_r)
    k = np.ones(s.size)
    for poly, hz in zip(polys, hazards):
        k[contains_xy(poly, lon, lat)] *= hz.factor
    return k


def _hazard_in_window(rng, t, s, window, t_dep, v, plan, route_, polys, hazards):
    """Distress times in a window with density ∝ k(x(t)): rejection from the uniform draws ``t``.

    A draw is kept with probability k(x(t)) / k_max, else drawn again (uniform in the window);
    the kept times have density k(x(t)) / ∫ k(x(t')) dt' over the window, per particle.
    """
    k_max = float(np.prod([max(h.factor, 1.0) for h in hazards]))
    t0, t1 = window
    todo = np.arange(t.size)
    for _ in range(10000):
        keep = rng.uniform(0.0, 1.0, todo.size) * k_max < _rate_at(s[todo], route_, polys, hazards)
        todo = todo[~keep]
        if todo.size == 0:
            return t, s
        t[todo] = rng.uniform(t0, t1, todo.size)
        s[todo] = _distance_at(t[todo] - t_dep[todo], v[todo], *plan)
    return t, s


def _distance_at(dt, v, s_wp, dwell, dwell_before) -> np.ndarray:
    """Distance along the route after ``dt`` s from departure at speed ``v`` with dwells (clamped to the route)."""
    arrive = s_wp[None, :] / v[:, None] + dwell_before[None, :]  # (n, points): arrival time at each point
    leave = arrive + dwell[None, :]
    k = np.sum(leave <= dt[:, None], axis=1) - 1  # last point left
    k = np.clip(k, 0, s_wp.size - 1)
    rows = np.arange(dt.size)
    at_point = (dt >= arrive[rows, np.minimum(k + 1, s_wp.size - 1)]) & (k + 1 < s_wp.size)
    s = s_wp[k] + (dt - leave[rows, k]) * v
    s = np.where(at_point, s_wp[np.minimum(k + 1, s_wp.size - 1)], s)
    return np.clip(np.where(dt < 0, 0.0, s), 0.0, s_wp[-1])


def sample_dead_reckoning(rng: np.random.Generator, n: int, sc, at) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distress positions and times of a dead-reckoning scenario."""
    t0, t1 = to_epoch_s(sc.time), to_epoch_s(sc.until)
    if t1 < t0:
        raise at.error("until", sc.until, f"is before time {sc.time}")
    if sc.speed_max_kn < sc.speed_min_kn:
        raise at.error("speed_max_kn", sc.speed_max_kn, f"is below speed_min_kn {sc.speed_min_kn}")
    t = rng.uniform(t0, t1, n) if t1 > t0 else np.full(n, t0)
    course = sc.course_deg + sc.course_sd_deg * rng.standard_normal(n)
    speed = rng.uniform(sc.speed_min_kn, sc.speed_max_kn, n) * KN
    lon, lat, _ = GEOD.fwd(np.full(n, float(sc.lon)), np.full(n, float(sc.lat)), course, speed * (t - t0))
    lon, lat = np.asarray(lon), np.asarray(lat)
    if sc.radius_m > 0:
        lon, lat = offset_positions(lon, lat, rng.standard_normal(n) * sc.radius_m, rng.standard_normal(n) * sc.radius_m)
    return lon, lat, t
