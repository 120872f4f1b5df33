"""IAMSAR search patterns as waypoints (IAMSAR Manual Vol. II ch. 5; REFERENCES §6).

All geometry is in the local equal-area plane (metres, x east, y north); the
exporters convert to longitude/latitude. Legs are straight lines between
waypoints (turns are not modelled: the turn radius is small next to the
spacing for the units in a typical plan).

Conventions, each chosen so that *track length × sweep width* is exactly the
effort the planner assigned:

* Parallel sweep (PS) / creeping line (CS): ``n`` legs across the creep side,
  spaced ``S = creep/n``, inset ``S/2`` from every edge, joined by cross-legs of
  length ``S``: polyline track ``= n·(leg − S) + (n−1)·S = n·leg − S``, minus
  ``(4 − π)·R`` for each of the ``n − 1`` U-turns when flown with turn radius R. PS has its legs
  along the long side of the rectangle, CS along the short side.
  :func:`fit_sweep` chooses ``n`` and trims the leg side so that the track
  equals the available track length.
* Expanding square (SS): from the datum, legs ``S, S, 2S, 2S, 3S, …`` turning
  90° right; the last leg is cut where the track length is used up.
* Sector search (VS): three triangles through the datum, 9 legs of radius
  ``R`` with 120° right turns; track ``9R``. Its spacing is ``R`` (the distance
  between the ends of neighbouring legs).
* Track line (TS): ``n`` passes along a line (``n = 1``: non-return TSN,
  ``n = 2``: return TSR), offset ``S`` from each other, joined by legs of ``S``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point, Polygon

from sarex.planning.rectangle import Rectangle

PATTERN_NAMES = {
    "PS": "parallel sweep",
    "CS": "creeping line",
    "SS": "expanding square",
    "VS": "sector search",
    "TS": "track line",
}


@dataclass(frozen=True)
class Pattern:
    """Waypoints of one search pattern.

    Attributes
    ----------
    kind : "PS", "CS", "SS", "VS" or "TS".
    x, y : waypoints in the local plane, m; the first is the commence search point (CSP).
    spacing_m : track spacing S, m.
    area : the region the pattern searches (shapely polygon in the plane).
    first_leg_bearing_deg : direction of the first leg, degrees true.
    creep_bearing_deg : direction in which the legs advance (PS/CS/TS), degrees true; NaN otherwise.
    """

    kind: str
    x: np.ndarray
    y: np.ndarray
    spacing_m: float
    area: Polygon
    first_leg_bearing_deg: float
    creep_bearing_deg: float = float("nan")
    #: turn radius the pattern is flown with (fly-by arcs), m
    turn_radius_m: float = 0.0
    #: PS/CS legs flown in interleaved order, consecutive legs k−1 or more spacings apart (0: in order;
    #: :mod:`sarex.planning.interleave`)
    interleave: int = 0

    @property
    def name(self) -> str:
        return PATTERN_NAMES[self.kind]

    @property
    def turn_spacing_m(self) -> float:
        """Least distance between two legs flown one after the other (what the unit must turn), m."""
        return self.spacing_m * (self.interleave - 1) if self.interleave else self.spacing_m

    @property
    def csp(self) -> tuple[float, float]:
        return float(self.x[0]), float(self.y[0])

    @property
    def leg_lengths_m(self) -> np.ndarray:
        return np.hypot(np.diff(self.x), np.diff(self.y))

    @property
    def track_length_m(self) -> float:
        """Length of the path flown (fly-by arcs of ``turn_radius_m`` included), m."""
        return float(flyby_cumulative_m(self.x, self.y, self.turn_radius_m)[-1])

    def times_s(self, start_s: float, speed_ms: float) -> np.ndarray:
        """Time at each waypoint (abeam it, mid-turn; epoch s) when the pattern starts at ``start_s`` at ``speed_ms``."""
        return start_s + flyby_cumulative_m(self.x, self.y, self.turn_radius_m) / speed_ms

    def flown_path(self, step_deg: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
        """Dense polyline of the path flown: straight legs and fly-by arcs (m)."""
        return flyby_path(self.x, self.y, self.turn_radius_m, step_deg)


def _turns(x: np.ndarray, y: np.ndarray, radius_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Leg lengths, unit leg vectors, course change θ, tangent length and turn radius at every vertex.

    The tangent ``R·tan(θ/2)`` is capped where a short leg leaves no room for the
    turns at both its ends (each gets half of it, an end leg all of it), and the
    radius of that turn shrinks to match (as :mod:`sarex.exercise.kinematics` does);
    patterns the planner makes never need the cap (:func:`flyby_fits`).
    """
    dx, dy = np.diff(x), np.diff(y)
    ln = np.hypot(dx, dy)
    safe = np.where(ln > 0, ln, 1.0)
    ux, uy = dx / safe, dy / safe
    n = x.size
    theta = np.zeros(n)
    if n > 2:
        c = np.clip(ux[:-1] * ux[1:] + uy[:-1] * uy[1:], -1.0, 1.0)
        theta[1:-1] = np.where((ln[:-1] > 0) & (ln[1:] > 0), np.arccos(c), 0.0)
    th = np.minimum(theta, math.pi - 1e-6)
    tang = radius_m * np.tan(th / 2.0)
    if n > 2:
        before = ln[:-1] / np.where(np.arange(1, n - 1) - 1 > 0, 2.0, 1.0)
        after = ln[1:] / np.where(np.arange(1, n - 1) + 1 < n - 1, 2.0, 1.0)
        tang[1:-1] = np.minimum(tang[1:-1], np.minimum(before, after))
    rad = np.where(th > 1e-12, tang / np.tan(np.maximum(th, 1e-12) / 2.0), 0.0)
    return ln, np.c_[ux, uy], theta, tang, rad


def flyby_cumulative_m(x: np.ndarray, y: np.ndarray, radius_m: float) -> np.ndarray:
    """Distance flown from the first waypoint to abeam each waypoint (the middle of its turn), m.

    Each turn of θ at a waypoint replaces ``2R·tan(θ/2)`` of straight path by an arc ``R·θ``;
    half of the saving is counted before the waypoint and half after.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 2:
        return np.zeros(x.size)
    ln, _, theta, tang, rad = _turns(x, y, radius_m)
    half = 0.5 * (2.0 * tang - rad * theta)  # saving on each side of a waypoint
    seg = ln - half[:-1] - half[1:]
    return np.concatenate([[0.0], np.cumsum(seg)])


def route_cumulative_m(out_xy: np.ndarray, pattern: "Pattern", back_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances flown along a unit's route: transit out (start … CSP), the pattern, transit back (last WP … base), m.

    Turns at the transit's own waypoints and inside the pattern are flown fly-by with the
    pattern's turn radius; the unit reaches the CSP and the last search waypoint themselves
    (its turns onto and off the pattern are taken there, as point turns), so no search leg is
    cut short. Each array starts at 0 at its first point.
    """
    r = pattern.turn_radius_m
    return (flyby_cumulative_m(out_xy[:, 0], out_xy[:, 1], r), flyby_cumulative_m(pattern.x, pattern.y, r),
            flyby_cumulative_m(back_xy[:, 0], back_xy[:, 1], r))


def truncate_pattern(pattern: "Pattern", flown_m: float) -> "Pattern":
    """The pattern cut where ``flown_m`` of it has been flown (waypoints after that dropped, the last one moved)."""
    cum = flyby_cumulative_m(pattern.x, pattern.y, pattern.turn_radius_m)
    if flown_m >= cum[-1]:
        return pattern
    k = max(1, int(np.searchsorted(cum, flown_m)))
    f = (flown_m - cum[k - 1]) / max(cum[k] - cum[k - 1], 1e-9)
    x = np.append(pattern.x[:k], pattern.x[k - 1] + f * (pattern.x[k] - pattern.x[k - 1]))
    y = np.append(pattern.y[:k], pattern.y[k - 1] + f * (pattern.y[k] - pattern.y[k - 1]))
    return Pattern(pattern.kind, x, y, pattern.spacing_m, pattern.area, pattern.first_leg_bearing_deg, pattern.creep_bearing_deg, pattern.turn_radius_m,
                   pattern.interleave)


def flyby_fits(x: np.ndarray, y: np.ndarray, radius_m: float) -> bool:
    """Whether the fly-by arcs of ``radius_m`` fit: every leg at least the tangent lengths at its two ends."""
    if x.size < 3 or radius_m <= 0:
        return True
    x, y = np.asarray(x, float), np.asarray(y, float)
    ln, _, theta, _, _ = _turns(x, y, radius_m)
    need = radius_m * np.tan(np.minimum(theta, math.pi - 1e-6) / 2.0)
    return bool(np.all(ln * (1 + 1e-9) + 1e-6 >= need[:-1] + need[1:]))


def flyby_path(x: np.ndarray, y: np.ndarray, radius_m: float, step_deg: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Dense polyline of the fly-by path through the waypoints (m): straight legs joined by arcs of ``radius_m``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 3 or radius_m <= 0:
        return x.copy(), y.copy()
    ln, u, theta, tang, rad = _turns(x, y, radius_m)
    px, py = [x[0]], [y[0]]
    for i in range(1, x.size - 1):
        if theta[i] < 1e-9 or rad[i] <= 0:
            px.append(x[i])
            py.append(y[i])
            continue
        ax, ay = x[i] - u[i - 1, 0] * tang[i], y[i] - u[i - 1, 1] * tang[i]
        side = 1.0 if (u[i - 1, 0] * u[i, 1] - u[i - 1, 1] * u[i, 0]) > 0 else -1.0
        r = rad[i]
        cx, cy = ax - side * u[i - 1, 1] * r, ay + side * u[i - 1, 0] * r
        a0 = math.atan2(ay - cy, ax - cx)
        k = max(2, int(math.ceil(math.degrees(theta[i]) / step_deg)))
        ang = a0 + side * theta[i] * np.arange(k + 1) / k
        px.extend(cx + r * np.cos(ang))
        py.extend(cy + r * np.sin(ang))
    px.append(x[-1])
    py.append(y[-1])
    return np.asarray(px), np.asarray(py)


def _bearing_deg(dx: float, dy: float) -> float:
    return math.degrees(math.atan2(dx, dy)) % 360.0


def fit_sweep(rect: Rectangle, track_m: float) -> tuple[Rectangle, int, float]:
    """Fit a parallel sweep of track length ``track_m`` into ``rect``.

    Keeps the creep side and the centre, picks the smallest leg count ``n`` whose
    legs fit (``n ≥ n*``, the real root of ``n²·leg − n·track − creep = 0``) and
    shortens the leg side to ``(track + S)/n`` so that the track is exactly
    ``track_m``. The fitted rectangle lies inside ``rect``.

    Returns
    -------
    (fitted rectangle, number of legs n, spacing S in m)
    """
    L, B, T = rect.leg_m, rect.creep_m, track_m
    n_star = (T + math.sqrt(T * T + 4.0 * L * B)) / (2.0 * L)
    n = max(1, math.ceil(n_star - 1e-9))
    s = B / n
    leg = (T + s) / n
    fitted = Rectangle(rect.cx, rect.cy, rect.phi, min(leg, L), B)
    return fitted, n, s


def fit_flyable_sweep(
    rect: Rectangle, track_m: float, turn_radius_m: float = 0.0, min_spacing_m: float = 0.0, max_spacing_m: float = math.inf
) -> "tuple[Rectangle, int, float, float] | None":
    """Fit a parallel sweep that the unit can fly into ``rect``, using at most ``track_m`` of flown track.

    Like :func:`fit_sweep`, but the spacing S stays within ``[max(min_spacing_m, 2R), max_spacing_m]``
    (R = ``turn_radius_m``; the planner passes ``W/max_coverage`` and ``W/min_coverage``), the
    U-turns are flown on arcs of R (each shortens the track by ``(4 − π)R``) and every leg leaves
    room for them (``leg − S ≥ 2R``). A creep side narrower than one spacing is widened to it; one that no
    whole number of legs spans at an allowed spacing is narrowed to the nearest that does. Where the legs
    that fit the rectangle at the smallest allowed spacing cannot use all of
    ``track_m``, the track is cut (the unit searches for less time).

    Returns
    -------
    (fitted rectangle, legs n, spacing S in m, flown track in m), or None when no flyable sweep fits.
    """
    L, B, T, R = rect.leg_m, rect.creep_m, track_m, max(0.0, turn_radius_m)
    k = (4.0 - math.pi) * R
    s_min = max(min_spacing_m, 2.0 * R, 1e-3)
    if s_min > max_spacing_m * (1 + 1e-9) or T <= 0:
        return None
    B = max(B, s_min)
    n_hi = max(1, int(math.floor(B / s_min + 1e-9)))
    n_lo = max(1, int(math.ceil(B / max_spacing_m - 1e-9))) if math.isfinite(max_spacing_m) else 1
    if n_lo > n_hi:
        # No whole number of legs spans the creep side at an allowed spacing (a narrow spacing range, e.g. a
        # type's practical minimum equal to W/min_coverage): the area is narrowed to n_hi legs at the widest one.
        B, n_lo = n_hi * max_spacing_m, n_hi

    def leg_for(n: int) -> float:
        return (T + B / n + (n - 1) * k) / n

    n = max(1, math.ceil((T + math.sqrt(T * T + 4.0 * L * B)) / (2.0 * L) - 1e-9))
    while n < n_hi and leg_for(n) > L:
        n += 1
    n = min(max(n, n_lo), n_hi)
    s = B / n
    leg = min(L, leg_for(n))
    if leg - s < 2.0 * R - 1e-6 or leg < 2.0 * s:
        return None
    flown = n * leg - s - (n - 1) * k
    if flown <= 0:
        return None
    return Rectangle(rect.cx, rect.cy, rect.phi, leg, B), n, s, flown


def fit_crossing_pass(
    rect: Rectangle, flown_first_m: float, track_m: float, turn_radius_m: float, min_spacing_m: float, sweep_width_m: float, max_coverage: float
) -> "tuple[int, float, float] | None":
    """A second pass at right angles over a fitted sweep (IAMSAR: a repeated search of the area across the first).

    Used when the legs of one pass cannot be closer (turn radius, coverage bound) and the
    unit has track left: legs along the creep side, ``n2`` of them across the leg side
    (spacing ``L/n2 ≥ max(min_spacing_m, 2R)``), as many as the track left and the coverage
    bound of both passes together (``W·(T₁ + T₂)/A ≤ max_coverage``) allow.

    Returns
    -------
    (legs n2, spacing in m, flown track in m), or None when no second pass of two legs or more fits.
    """
    L, B, R = rect.leg_m, rect.creep_m, max(0.0, turn_radius_m)
    k = (4.0 - math.pi) * R
    s_min = max(min_spacing_m, 2.0 * R, 1e-3)
    cap = min(track_m - flown_first_m, max_coverage * L * B / sweep_width_m - flown_first_m)
    n2 = int(math.floor(L / s_min + 1e-9))
    while n2 >= 2:
        s2 = L / n2
        f2 = n2 * B - s2 - (n2 - 1) * k
        if B - s2 >= 2.0 * R and B >= 2.0 * s2 and 0 < f2 and f2 + 2.0 * max(s2, s_min) <= cap:  # room for the junction
            return n2, s2, f2
        n2 -= 1
    return None


def start_corner(rect: Rectangle, start_near: tuple[float, float] | None) -> tuple[int, int]:
    """Signs (along leg, along creep) of the rectangle's corner nearest ``start_near`` ((-1, -1) if None)."""
    if start_near is None:
        return -1, -1
    corners = [(sa, sb) for sa in (-1, 1) for sb in (-1, 1)]
    d = [math.hypot(*np.subtract(rect.point(a * 0.5 * rect.leg_m, b * 0.5 * rect.creep_m), start_near)) for a, b in corners]
    return corners[int(np.argmin(d))]


def sweep(rect: Rectangle, n_legs: int, start_near: tuple[float, float] | None = None, turn_radius_m: float = 0.0, cross_legs: int = 0) -> Pattern:
    """Parallel sweep / creeping line in ``rect`` with ``n_legs`` legs along its leg side.

    The CSP is in the corner nearest ``start_near`` (a plane point, e.g. where the
    unit comes from), inset half a spacing from both edges. ``cross_legs > 0`` adds a
    second pass at right angles (:func:`fit_crossing_pass`).
    """
    s = rect.creep_m / n_legs
    half_leg = 0.5 * rect.leg_m - 0.5 * s
    half_creep = 0.5 * rect.creep_m
    sa, sb = start_corner(rect, start_near)
    xs, ys = [], []
    for i in range(n_legs):
        b = sb * (half_creep - 0.5 * s - i * s)
        a0 = sa * half_leg if i % 2 == 0 else -sa * half_leg
        for a in (a0, -a0):
            px, py = rect.point(a, b)
            xs.append(px)
            ys.append(py)
    x, y = np.array(xs), np.array(ys)
    kind = "PS" if rect.leg_m >= rect.creep_m else "CS"
    creep = rect.v if sb < 0 else (-rect.v[0], -rect.v[1])
    first = _bearing_deg(x[1] - x[0], y[1] - y[0]) if x.size > 1 else float("nan")
    if cross_legs > 0:  # second pass at right angles, from the corner nearest the end of the first
        second = sweep(Rectangle(rect.cx, rect.cy, rect.phi + 0.5 * math.pi, rect.creep_m, rect.leg_m), cross_legs, (float(x[-1]), float(y[-1])))
        # A junction too short to turn on is dropped: the second pass starts where the first ends.
        k0 = 1 if math.hypot(second.x[0] - x[-1], second.y[0] - y[-1]) < 2.0 * turn_radius_m + 1e-6 else 0
        x, y = np.concatenate([x, second.x[k0:]]), np.concatenate([y, second.y[k0:]])
    return Pattern(kind, x, y, s, rect.polygon(), first, _bearing_deg(*creep), turn_radius_m)


def expanding_square(datum: tuple[float, float], first_bearing_deg: float, spacing_m: float, track_m: float, turn_radius_m: float = 0.0) -> Pattern:
    """Expanding square from ``datum`` (plane m) with legs S, S, 2S, 2S, … up to ``track_m``.

    The area is the square centred on the datum, sides along the legs, of side
    ``(k+1)·S`` where ``k`` is the longest leg in spacings (the swept band).
    """
    s = spacing_m
    th = math.radians(first_bearing_deg)
    dirs = [(math.sin(th + j * math.pi / 2), math.cos(th + j * math.pi / 2)) for j in range(4)]
    xs, ys = [datum[0]], [datum[1]]
    left = track_m
    j = 0
    longest = 1
    while left > 1e-9:
        k = j // 2 + 1
        seg = min(k * s, left)
        longest = k
        dx, dy = dirs[j % 4]
        xs.append(xs[-1] + seg * dx)
        ys.append(ys[-1] + seg * dy)
        left -= seg
        j += 1
    side = (longest + 1) * s
    h = 0.5 * side
    u, v = dirs[1], dirs[0]  # across (east-ish of first leg) and along the first leg
    ring = [(datum[0] + a * h * u[0] + b * h * v[0], datum[1] + a * h * u[1] + b * h * v[1]) for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    return Pattern("SS", np.array(xs), np.array(ys), s, Polygon(ring), first_bearing_deg % 360.0, turn_radius_m=turn_radius_m)


def sector_search(datum: tuple[float, float], first_bearing_deg: float, radius_m: float, turn_radius_m: float = 0.0) -> Pattern:
    """IAMSAR sector search (VS): 9 legs of ``radius_m`` through the datum, 120° right turns.

    The six outer points lie on the circle of radius R at 60° steps, so the
    spacing between neighbouring leg ends is R. Track length 9R.
    """
    r = radius_m
    xs, ys = [datum[0]], [datum[1]]
    heading = math.radians(first_bearing_deg)
    for leg in range(9):
        xs.append(xs[-1] + r * math.sin(heading))
        ys.append(ys[-1] + r * math.cos(heading))
        if leg % 3 == 2:
            continue  # pass through the datum on the same course
        heading += math.radians(120.0)
    # Snap the returns onto the datum exactly (they are, up to rounding).
    x, y = np.array(xs), np.array(ys)
    x[[3, 6, 9]] = datum[0]
    y[[3, 6, 9]] = datum[1]
    area = Point(datum).buffer(r, quad_segs=32)
    return Pattern("VS", x, y, r, area, first_bearing_deg % 360.0, turn_radius_m=turn_radius_m)


def track_line(start: tuple[float, float], end: tuple[float, float], spacing_m: float, passes: int = 2) -> Pattern:
    """Track line search along ``start → end`` (plane m): ``passes`` legs offset S apart.

    ``passes = 1`` is the non-return TSN, ``2`` the return TSR. The area is the
    corridor of width ``passes·S`` along the line.
    """
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    vx, vy = -uy, ux
    s = spacing_m
    xs, ys = [], []
    for i in range(passes):
        off = (i - 0.5 * (passes - 1)) * s
        a, b = (start, end) if i % 2 == 0 else (end, start)
        for p in (a, b):
            xs.append(p[0] + off * vx)
            ys.append(p[1] + off * vy)
    rect = Rectangle(0.5 * (start[0] + end[0]), 0.5 * (start[1] + end[1]), math.atan2(dy, dx), length, passes * s)
    return Pattern("TS", np.array(xs), np.array(ys), s, rect.polygon(), _bearing_deg(dx, dy), _bearing_deg(-vx, -vy) if passes > 1 else float("nan"))
