"""Live separation alerts at a multi-nation scene (issue 30): a pure kernel on the units' latest reports.

A new position report is checked against the other units' latest reports no older than
``max_age_s`` (60 s), each extrapolated to the new report's time along its last velocity:

* ``aircraft_separation``: two aircraft closer than ``lateral_nm`` horizontally, now or at
  their closest point of approach within the next ``lookahead_s``, while less than
  ``vertical_ft`` apart vertically;
* ``low_pass``: an aircraft lower than ``low_pass_height_ft`` above the sea within
  ``low_pass_range_nm`` of another nation's ship;
* ``ship_cpa``: two ships whose closest point of approach (straight tracks) is closer than
  ``cpa_nm`` within ``tcpa_min`` minutes (or who are that close now);
* ``outside_area``: a unit, while on task, farther than ``area_margin_nm`` outside its area;
* ``outside_block``: an aircraft, while on task, more than ``block_tolerance_ft`` outside its
  altitude block.

Defaults (:class:`SeparationSettings`) and why:

* vertical 500 ft: IAMSAR's vertical separation of aircraft in the same or adjacent areas
  (REFERENCES §14).
* lateral 1 NM: half the 2 NM planning buffer between adjacent aircraft areas
  (:mod:`sarex.planning.airspace`), so aircraft that keep to their areas never trip it; two
  aircraft closing at 400 kn cover it in 9 s, hence the 60 s look-ahead.
* low pass below 1 000 ft within 1 NM: 500 ft is the usual least distance of an aircraft from
  any vessel (US 14 CFR 91.119(c), EU SERA.5005(f)); a low pass by a maritime patrol aircraft
  near a foreign warship was the 2018 dispute (REFERENCES §14), so the exercise warns at twice
  that height and at 1 NM, before the minimum is reached.
* ship CPA 0.5 NM within 12 min: IMO's radar plotting aids standard (MSC.192(79)) leaves CPA and
  TCPA limits to the operator; 1 NM / 12 min is a common open-sea bridge setting, and ships in
  adjacent search areas work closer, so 0.5 NM.
* outside area margin 1 NM (a fixed-wing turn at the area's edge, see the planning buffer);
  block tolerance 100 ft (altimeter and height-keeping).

Positions are degrees (lon, lat) and metres above mean sea level at the edges; distances in
NM and heights in feet in the alerts. Times are seconds (the server passes exercise time).
"""

from __future__ import annotations

import math
from typing import Mapping, NamedTuple, Optional, Sequence

import numpy as np

from sarex.geo import FT_M, NM_M
from sarex.planning.airspace import IAMSAR_VERTICAL_SEPARATION_FT

KINDS = ("aircraft_separation", "low_pass", "ship_cpa", "outside_area", "outside_block")


class SeparationSettings(NamedTuple):
    """Thresholds of the alerts (see the module docstring for their sources)."""

    lateral_nm: float = 1.0
    vertical_ft: float = IAMSAR_VERTICAL_SEPARATION_FT
    lookahead_s: float = 60.0
    low_pass_height_ft: float = 1000.0
    low_pass_range_nm: float = 1.0
    cpa_nm: float = 0.5
    tcpa_min: float = 12.0
    area_margin_nm: float = 1.0
    block_tolerance_ft: float = 100.0
    max_age_s: float = 60.0


class UnitReport(NamedTuple):
    """A unit's latest report: position (degrees, m above sea), time (s) and velocity (m/s east, north)."""

    unit: str
    nation: str
    aircraft: bool
    lon: float
    lat: float
    alt_m: float
    time_s: float
    ve_ms: float = 0.0
    vn_ms: float = 0.0


class Tasking(NamedTuple):
    """A unit's assigned area (closed [lon, lat] ring), altitude block (ft, aircraft) and time on task (s)."""

    ring: Sequence[Sequence[float]]
    block_ft: Optional[tuple[float, float]]
    start_s: float
    end_s: float


class Seen(NamedTuple):
    """Where a unit of an alert was (extrapolated to the alert's time): shown to every unit of the alert."""

    unit: str
    lon: float
    lat: float
    alt_m: float


class Alert(NamedTuple):
    """One alert: kind, units concerned, time (s), horizontal distance (NM) and vertical distance (ft; None for ships)."""

    kind: str
    units: tuple[str, ...]
    time_s: float
    distance_nm: float
    vertical_ft: Optional[float]
    seen: tuple[Seen, ...]


class Cpa(NamedTuple):
    """Closest point of approach of two straight tracks: distance (m) and time from now (s; 0 when not closing)."""

    distance_m: float
    tcpa_s: float


_A, _E2 = 6378137.0, 6.69437999014e-3  # WGS 84 semi-major axis (m) and first eccentricity squared


def _radii(lat_deg):
    """Meridian (M) and prime-vertical (N) radii of curvature of WGS 84 at a latitude, m."""
    phi = np.radians(lat_deg)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    return _A * (1.0 - _E2) / w**1.5, _A / np.sqrt(w)


class LocalPlane(NamedTuple):
    """East/north metres around (lon0, lat0): x = Δλ·N(φm)·cos φm, y = Δφ·M(φm) with φm the mean latitude of the two
    points (the mid-latitude rule): within 2e-5 of the geodesic distance up to 10 NM, where alerts are judged
    (tested against PROJ's geodesic). Plain arithmetic: nothing to build on the reports' path."""

    lon0: float
    lat0: float

    @classmethod
    def at(cls, lon0: float, lat0: float) -> "LocalPlane":
        """The plane tangent at (lon0, lat0), degrees."""
        return cls(float(lon0), float(lat0))

    def forward(self, lon, lat):
        """Plane coordinates x east, y north (m) of longitude and latitude (degrees)."""
        lat = np.asarray(lat, dtype=float)
        dlon = (np.asarray(lon, dtype=float) - self.lon0 + 180.0) % 360.0 - 180.0
        mid = 0.5 * (lat + self.lat0)
        m, n = _radii(mid)
        return np.radians(dlon) * n * np.cos(np.radians(mid)), np.radians(lat - self.lat0) * m

    def inverse(self, x, y):
        """Longitude and latitude (degrees) of plane coordinates x, y (m)."""
        lat = self.lat0 + np.degrees(np.asarray(y, dtype=float) / _radii(self.lat0)[0])
        for _ in range(2):  # fixed point on the mean latitude
            mid = 0.5 * (lat + self.lat0)
            m, n = _radii(mid)
            lat = self.lat0 + np.degrees(np.asarray(y, dtype=float) / m)
        mid = 0.5 * (lat + self.lat0)
        return self.lon0 + np.degrees(np.asarray(x, dtype=float) / (_radii(mid)[1] * np.cos(np.radians(mid)))), lat


def cpa(dx: float, dy: float, dvx: float, dvy: float) -> Cpa:
    """CPA of two points moving straight at constant speed, from their relative position (m) and velocity (m/s).

    The relative position r(t) = r + v·t is closest at t* = −r·v / |v|² (0 when |v| = 0), at distance |r + v·t*|.
    """
    vv = dvx * dvx + dvy * dvy
    t = 0.0 if vv == 0.0 else -(dx * dvx + dy * dvy) / vv
    return Cpa(math.hypot(dx + dvx * t, dy + dvy * t), t)


def _min_distance_within(dx: float, dy: float, dvx: float, dvy: float, horizon_s: float) -> float:
    """Least distance (m) of two straight tracks over [0, horizon_s]."""
    c = cpa(dx, dy, dvx, dvy)
    t = min(max(c.tcpa_s, 0.0), horizon_s)
    return math.hypot(dx + dvx * t, dy + dvy * t)


def _plane_distance_to_ring(x: float, y: float, rx: np.ndarray, ry: np.ndarray) -> tuple[bool, float]:
    """Whether the point is inside the ring (even–odd rule) and its distance to the ring's edges (m)."""
    inside = False
    best = math.inf
    for i in range(len(rx) - 1):
        x0, y0, x1, y1 = rx[i], ry[i], rx[i + 1], ry[i + 1]
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
        sx, sy = x1 - x0, y1 - y0
        ss = sx * sx + sy * sy
        f = 0.0 if ss == 0 else min(max(((x - x0) * sx + (y - y0) * sy) / ss, 0.0), 1.0)
        best = min(best, math.hypot(x - x0 - f * sx, y - y0 - f * sy))
    return inside, best


def check_report(new: UnitReport, others: Sequence[UnitReport], settings: SeparationSettings = SeparationSettings(),
                 taskings: Optional[Mapping[str, Tasking]] = None) -> list[Alert]:
    """The alerts a new report raises against the other units' latest reports (and its own tasking).

    Parameters
    ----------
    new : the report just received.
    others : the other units' latest reports; those older than ``settings.max_age_s`` before ``new`` are ignored,
        the rest are moved to ``new.time_s`` along their velocity.
    settings : thresholds.
    taskings : unit → :class:`Tasking`, for ``outside_area`` and ``outside_block`` (checked for ``new`` only).

    Returns
    -------
    The alerts, pairs first in the order of ``others``.
    """
    s = settings
    frame = LocalPlane.at(new.lon, new.lat)
    out: list[Alert] = []
    me = Seen(new.unit, new.lon, new.lat, new.alt_m)
    for o in others:
        age = new.time_s - o.time_s
        if o.unit == new.unit or abs(age) > s.max_age_s:
            continue
        ox, oy = frame.forward(o.lon, o.lat)
        dx, dy = float(ox) + o.ve_ms * age, float(oy) + o.vn_ms * age  # the other, moved to the new report's time
        dvx, dvy = o.ve_ms - new.ve_ms, o.vn_ms - new.vn_ms
        olon, olat = frame.inverse(dx, dy)
        them = Seen(o.unit, round(float(olon), 6), round(float(olat), 6), o.alt_m)
        units = tuple(sorted((new.unit, o.unit)))
        seen = (me, them) if units[0] == new.unit else (them, me)
        now_m = math.hypot(dx, dy)
        if new.aircraft and o.aircraft:
            vert_ft = abs(new.alt_m - o.alt_m) / FT_M
            near_m = _min_distance_within(dx, dy, dvx, dvy, s.lookahead_s)
            if vert_ft < s.vertical_ft and near_m < s.lateral_nm * NM_M:
                out.append(Alert("aircraft_separation", units, new.time_s, round(near_m / NM_M, 3), round(vert_ft, 0), seen))
        elif new.aircraft != o.aircraft and new.nation != o.nation:
            plane, ship = (new, o) if new.aircraft else (o, new)
            height_ft = (plane.alt_m - ship.alt_m) / FT_M
            if height_ft < s.low_pass_height_ft and now_m <= s.low_pass_range_nm * NM_M:
                out.append(Alert("low_pass", units, new.time_s, round(now_m / NM_M, 3), round(height_ft, 0), seen))
        elif not new.aircraft and not o.aircraft:
            c = cpa(dx, dy, dvx, dvy)
            closing = 0.0 < c.tcpa_s <= s.tcpa_min * 60.0 and c.distance_m < s.cpa_nm * NM_M
            if closing or now_m < s.cpa_nm * NM_M:
                d = c.distance_m if closing else now_m
                out.append(Alert("ship_cpa", units, new.time_s, round(d / NM_M, 3), None, seen))
    t = (taskings or {}).get(new.unit)
    if t is not None and t.start_s <= new.time_s <= t.end_s:
        ring = np.asarray(t.ring, dtype=float)
        rx, ry = frame.forward(ring[:, 0], ring[:, 1])
        inside, edge_m = _plane_distance_to_ring(0.0, 0.0, rx, ry)
        if not inside and edge_m > s.area_margin_nm * NM_M:
            out.append(Alert("outside_area", (new.unit,), new.time_s, round(edge_m / NM_M, 3), None, (me,)))
        if new.aircraft and t.block_ft is not None:
            alt_ft = new.alt_m / FT_M
            lo, hi = t.block_ft
            off = lo - alt_ft if alt_ft < lo else (alt_ft - hi if alt_ft > hi else 0.0)
            if off > s.block_tolerance_ft:
                out.append(Alert("outside_block", (new.unit,), new.time_s, 0.0, round(off, 0), (me,)))
    return out
