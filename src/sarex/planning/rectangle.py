"""An oriented search rectangle in the local plane (metres)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from shapely.geometry import Polygon


@dataclass(frozen=True)
class Rectangle:
    """A rectangle of the local equal-area plane.

    Attributes
    ----------
    cx, cy : centre, m (x east, y north).
    phi : direction of the search legs, radians counter-clockwise from east.
    leg_m : side parallel to the search legs, m.
    creep_m : side across the legs (the direction the legs advance, "creep"), m.
    """

    cx: float
    cy: float
    phi: float
    leg_m: float
    creep_m: float

    @property
    def u(self) -> tuple[float, float]:
        """Unit vector along the legs."""
        return math.cos(self.phi), math.sin(self.phi)

    @property
    def v(self) -> tuple[float, float]:
        """Unit vector across the legs (u rotated +90°)."""
        return -math.sin(self.phi), math.cos(self.phi)

    @property
    def area_m2(self) -> float:
        return self.leg_m * self.creep_m

    @property
    def half_diagonal_m(self) -> float:
        return 0.5 * math.hypot(self.leg_m, self.creep_m)

    @property
    def leg_bearing_deg(self) -> float:
        """Direction of the legs as a bearing (degrees clockwise from north, 0–180)."""
        return (90.0 - math.degrees(self.phi)) % 180.0

    def point(self, a: float, b: float) -> tuple[float, float]:
        """Plane point at along-leg offset ``a`` and across-leg offset ``b`` from the centre (m)."""
        ux, uy = self.u
        vx, vy = self.v
        return self.cx + a * ux + b * vx, self.cy + a * uy + b * vy

    @property
    def corner_list(self) -> tuple[tuple[float, float], ...]:
        """The four corners, counter-clockwise, as plain floats (fast path for the optimiser).

        Cached in the instance dict by hand: ``functools.cached_property`` takes a lock on every
        access in Python 3.11, a third of the planner's geometry time.
        """
        got = self.__dict__.get("_corner_list")
        if got is None:
            c, s = math.cos(self.phi), math.sin(self.phi)
            hl, hc = 0.5 * self.leg_m, 0.5 * self.creep_m
            cx, cy = self.cx, self.cy
            got = ((cx - hl * c + hc * s, cy - hl * s - hc * c), (cx + hl * c + hc * s, cy + hl * s - hc * c),
                   (cx + hl * c - hc * s, cy + hl * s + hc * c), (cx - hl * c - hc * s, cy - hl * s + hc * c))
            self.__dict__["_corner_list"] = got
        return got

    def corners(self) -> np.ndarray:
        """The four corners, counter-clockwise, shape (4, 2)."""
        return np.array(self.corner_list)

    def polygon(self) -> Polygon:
        return Polygon(self.corners())

    def corner_distances(self, x: float, y: float) -> tuple[float, float, float, float]:
        """Distances from a plane point to the four corners, m."""
        return tuple(math.hypot(cx - x, cy - y) for cx, cy in self.corner_list)

    def separated_from(self, other: "Rectangle", gap_m: float = 0.0) -> bool:
        """True when the two rectangles are at least ``gap_m`` apart along some axis.

        Separating-axis test: two convex polygons are disjoint iff their projections
        on one of the edge normals do not overlap.
        """
        a, b = self.corner_list, other.corner_list
        for ux, uy in (self.u, self.v, other.u, other.v):
            pa = [x * ux + y * uy for x, y in a]
            pb = [x * ux + y * uy for x, y in b]
            if max(pa) + gap_m <= min(pb) or max(pb) + gap_m <= min(pa):
                return True
        return False

    def contains(self, x: np.ndarray, y: np.ndarray, margin_m: float = 0.0) -> np.ndarray:
        """Whether plane points lie inside the rectangle grown by ``margin_m``."""
        ux, uy = self.u
        dx = np.asarray(x) - self.cx
        dy = np.asarray(y) - self.cy
        a = dx * ux + dy * uy
        b = -dx * uy + dy * ux
        return (np.abs(a) <= 0.5 * self.leg_m + margin_m) & (np.abs(b) <= 0.5 * self.creep_m + margin_m)


class AreaPin(NamedTuple):
    """A search area as an SMC sets it on the map (issue 29): the planner fits the unit's pattern there.

    ``centre_lon``/``centre_lat`` in degrees, ``legs_deg`` the direction of the search legs as a true
    bearing (degrees clockwise from north; 0–180, the other half gives the same area), ``leg_m`` the side
    along the legs and ``creep_m`` the side across them, in metres.
    """

    centre_lon: float
    centre_lat: float
    legs_deg: float
    leg_m: float
    creep_m: float


def pin_rectangle(frame, pin: AreaPin) -> Rectangle:
    """The pinned area in the planning plane of ``frame`` (a :class:`~sarex.geo.LocalProjection`).

    The plane's y axis is grid north of an azimuthal projection centred on the cloud, within a
    fraction of a degree of true north over a search area's few tens of kilometres."""
    x, y = frame.forward(np.array([pin.centre_lon]), np.array([pin.centre_lat]))
    return Rectangle(float(x[0]), float(y[0]), math.radians(90.0 - pin.legs_deg % 180.0), float(pin.leg_m), float(pin.creep_m))


def rectangle_pin(frame, r: Rectangle) -> AreaPin:
    """The inverse of :func:`pin_rectangle`: a planned area as centre, leg bearing and sides."""
    lon, lat = frame.inverse(np.array([r.cx]), np.array([r.cy]))
    return AreaPin(float(lon[0]), float(lat[0]), r.leg_bearing_deg, r.leg_m, r.creep_m)
