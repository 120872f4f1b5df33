"""IAMSAR search patterns as waypoints (IAMSAR Manual Vol. II ch. 5; REFERENCES §6).

All geometry is in the local equal-area plane (metres, x east, y north); the
exporters convert to longitude/latitude. Legs are straight lines between
waypoints (turns are not modelled: the turn radius is small next to the
spacing for the units in a typical plan).

Conventions, each chosen so that *track length × sweep width* is exactly the
effort the planner assigned:

* Parallel sweep (PS) / creeping line (CS): ``n`` legs across the creep side,
  spaced ``S = creep/n``, inset ``S/2`` from every edge, joined by cross-legs of
  length ``S``: track ``= n·(leg − S) + (n−1)·S = n·leg − S``. PS has its legs
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

    @property
    def name(self) -> str:
        return PATTERN_NAMES[self.kind]

    @property
    def csp(self) -> tuple[float, float]:
        return float(self.x[0]), float(self.y[0])

    @property
    def leg_lengths_m(self) -> np.ndarray:
        return np.hypot(np.diff(self.x), np.diff(self.y))

    @property
    def track_length_m(self) -> float:
        return float(self.leg_lengths_m.sum())

    def times_s(self, start_s: float, speed_ms: float) -> np.ndarray:
        """Time at each waypoint (epoch s) when the pattern starts at ``start_s`` at ``speed_ms``."""
        return start_s + np.concatenate([[0.0], np.cumsum(self.leg_lengths_m)]) / speed_ms


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


def sweep(rect: Rectangle, n_legs: int, start_near: tuple[float, float] | None = None) -> Pattern:
    """Parallel sweep / creeping line in ``rect`` with ``n_legs`` legs along its leg side.

    The CSP is in the corner nearest ``start_near`` (a plane point, e.g. where the
    unit comes from), inset half a spacing from both edges.
    """
    s = rect.creep_m / n_legs
    half_leg = 0.5 * rect.leg_m - 0.5 * s
    half_creep = 0.5 * rect.creep_m
    corners = [(sa, sb) for sa in (-1, 1) for sb in (-1, 1)]
    if start_near is None:
        sa, sb = -1, -1
    else:
        d = [math.hypot(*np.subtract(rect.point(a * 0.5 * rect.leg_m, b * half_creep), start_near)) for a, b in corners]
        sa, sb = corners[int(np.argmin(d))]
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
    return Pattern(kind, x, y, s, rect.polygon(), first, _bearing_deg(*creep))


def expanding_square(datum: tuple[float, float], first_bearing_deg: float, spacing_m: float, track_m: float) -> Pattern:
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
    return Pattern("SS", np.array(xs), np.array(ys), s, Polygon(ring), first_bearing_deg % 360.0)


def sector_search(datum: tuple[float, float], first_bearing_deg: float, radius_m: float) -> Pattern:
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
    return Pattern("VS", x, y, r, area, first_bearing_deg % 360.0)


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
