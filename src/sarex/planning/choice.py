"""Choosing the search pattern from the situation, as IAMSAR Vol. II ch. 5 advises (REFERENCES §6, §12).

* **VS, sector search**: the datum is precise (the drift cloud's major standard
  deviation at most ``precise_datum_nm``) and the object small, soon after the
  LKP: one sector of radius R around the datum, with R the radius that holds
  90 % of a circular normal cloud (``2.146 σ``), at least a turn size
  (``2√3·r_turn`` so the 120° turns fit on the cross legs) and large enough that
  the coverage ``9W/(πR)`` stays within the bounds.
* **SS, expanding square**: the datum is reliable (σ at most
  ``reliable_datum_nm``) and the area small (the unit's area at most
  ``small_area_nm2``): an expanding square from the datum with the unit's spacing.
* **TS, track line**: the probability lies along a line (principal-axis ratio at
  least ``track_line_elongation``: a voyage route or a drift line) and the
  unit's fitted sweep has at most three legs along it: it is a track line search
  (return legs S apart).
* **PS / CS** otherwise (large areas, uncertain datum): parallel sweep with legs
  along the long side of the area, creeping line when the legs run along the
  short side.

VS and SS go to at most one unit per period (the datum is searched once), only
where the area is free of the other units' areas (and of land for surface units);
the planner keeps them only when they add at least 95 % of what the parallel
sweep would (:meth:`sarex.planning.planner.Planner._finish`). For evaluation a
sector's disc is represented by the square of the same area centred on the
datum with the same mean coverage (the kernel evaluates rectangles): this is an
approximation that ignores that a sector searches its centre more densely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from sarex.geo import NM_M
from sarex.planning.interleave import interleaved_sweep
from sarex.planning.patterns import Pattern, expanding_square, flyby_fits, sector_search, sweep
from sarex.planning.rectangle import Rectangle
from sarex.planning.reasons import Reason, part, render

#: radius of the circle holding 90 % of a circular normal distribution, in σ: sqrt(-2 ln 0.1)
R90_SIGMA = math.sqrt(-2.0 * math.log(0.1))


@dataclass(frozen=True)
class Situation:
    """The probability picture a pattern is chosen for (plane m)."""

    datum_xy: tuple[float, float]
    sigma_major_m: float
    sigma_minor_m: float
    major_phi: float  # direction of the major axis, radians counter-clockwise from east

    @property
    def elongation(self) -> float:
        return self.sigma_major_m / max(self.sigma_minor_m, 1.0)

    @property
    def major_bearing_deg(self) -> float:
        return (90.0 - math.degrees(self.major_phi)) % 360.0


def situation_of(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Situation:
    """Weighted centre and principal standard deviations of plane points ``x, y`` with weights ``w``."""
    ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
    if not ok.any():
        return Situation((0.0, 0.0), math.inf, math.inf, 0.0)
    ww = w[ok] / w[ok].sum()
    mx, my = float(np.sum(ww * x[ok])), float(np.sum(ww * y[ok]))
    dx, dy = x[ok] - mx, y[ok] - my
    cov = np.array([[np.sum(ww * dx * dx), np.sum(ww * dx * dy)], [np.sum(ww * dx * dy), np.sum(ww * dy * dy)]])
    vals, vecs = np.linalg.eigh(cov)
    return Situation((mx, my), float(math.sqrt(max(vals[1], 0.0))), float(math.sqrt(max(vals[0], 0.0))), float(math.atan2(vecs[1, 1], vecs[0, 1])))


@dataclass(frozen=True)
class Choice:
    """A pattern for one unit: its waypoints, the rectangle its POD is evaluated on, its track and why."""

    pattern: Pattern
    eval_rect: Rectangle
    track_m: float
    #: why (:mod:`sarex.planning.reasons` parts)
    parts: Reason

    @property
    def reason(self) -> str:
        return render(self.parts)


def _angle_between_axes(a: float, b: float) -> float:
    d = abs((a - b) % math.pi)
    return min(d, math.pi - d)


def sweep_choice(sit: Situation, rect: Rectangle, n: int, spacing_m: float, track_m: float, start_xy, turn_radius_m: float, settings,
                 n_cross: int = 0, spacing_cross_m: float = 0.0, interleave: int = 0) -> Choice:
    """PS, CS or TS for a fitted sweep (same waypoints; the name and the reason follow the situation)."""
    pat = interleaved_sweep(rect, n, interleave, start_xy, turn_radius_m) if interleave else sweep(rect, n, start_xy, turn_radius_m, n_cross)
    spread = part("spread", major=sit.sigma_major_m / NM_M, minor=sit.sigma_minor_m / NM_M)
    if interleave:
        return Choice(pat, rect, track_m, (part("interleave", kind=pat.kind, spread=spread, s=spacing_m / NM_M, d=2 * turn_radius_m / NM_M,
                                                k=interleave, st=pat.turn_spacing_m / NM_M),))
    along = _angle_between_axes(rect.phi, sit.major_phi) < math.radians(20.0)
    if sit.elongation >= settings.track_line_elongation and n <= 3 and along and not n_cross:
        pat = Pattern("TS", pat.x, pat.y, pat.spacing_m, pat.area, pat.first_leg_bearing_deg, pat.creep_bearing_deg if n > 1 else float("nan"), turn_radius_m)
        return Choice(pat, rect, track_m, (part("ts", spread=spread, ratio=sit.elongation, n=n, s=spacing_m / NM_M),))
    parts = (part("ps", kind=pat.kind, spread=spread, s=spacing_m / NM_M, d=2 * turn_radius_m / NM_M),)
    if n_cross:
        parts += (part("cross", n=n_cross, s=spacing_cross_m / NM_M, s0=spacing_m / NM_M),)
    return Choice(pat, rect, track_m, parts)


def datum_choice(
    sit: Situation, sru, fit_area_m2: float, spacing_m: float, track_m: float, settings, free: Callable[[Rectangle], bool]
) -> Optional[Choice]:
    """VS or SS centred on the datum when the situation calls for one and it can be flown there, else None."""
    w, rt = sru.sweep_width_m, sru.turn_radius_m
    cmin, cmax = settings.min_coverage, settings.max_coverage
    bearing = sit.major_bearing_deg
    if sit.sigma_major_m <= settings.precise_datum_nm * NM_M:
        r = max(R90_SIGMA * sit.sigma_major_m, 9.0 * w / (math.pi * cmax), 2.0 * math.sqrt(3.0) * rt * 1.001)
        cov = 9.0 * w / (math.pi * r)
        if cov >= cmin and 9.0 * r <= track_m:
            pat = sector_search(sit.datum_xy, bearing, r, rt)
            side = math.sqrt(math.pi) * r
            rect = Rectangle(sit.datum_xy[0], sit.datum_xy[1], sit.major_phi, side, side)
            if flyby_fits(pat.x, pat.y, rt) and free(Rectangle(sit.datum_xy[0], sit.datum_xy[1], sit.major_phi, 2.0 * r, 2.0 * r)):
                return Choice(pat, rect, pat.track_length_m, (part("vs", sigma=sit.sigma_major_m / NM_M, limit=settings.precise_datum_nm, r=r / NM_M, cov=cov),))
    if sit.sigma_major_m <= settings.reliable_datum_nm * NM_M and fit_area_m2 <= settings.small_area_nm2 * NM_M**2:
        s = min(max(spacing_m, 2.0 * rt, w / cmax), w / cmin)
        pat = expanding_square(sit.datum_xy, bearing, s, track_m, rt)
        last = float(pat.leg_lengths_m[-1]) if pat.x.size > 2 else 0.0
        if pat.x.size > 3 and last < s * (1 - 1e-9):  # end on a whole leg, no stub too short to turn into
            pat = expanding_square(sit.datum_xy, bearing, s, float(pat.leg_lengths_m.sum()) - last, rt)
        ring = np.asarray(pat.area.exterior.coords)[:4]
        side = float(np.hypot(*(ring[1] - ring[0])))
        rect = Rectangle(sit.datum_xy[0], sit.datum_xy[1], math.radians(90.0 - bearing), side, side)
        track = pat.track_length_m
        cov = w * track / rect.area_m2
        if cmin <= cov <= cmax and flyby_fits(pat.x, pat.y, rt) and free(rect):
            return Choice(pat, rect, track, (part("ss", sigma=sit.sigma_major_m / NM_M, limit=settings.reliable_datum_nm,
                                                  a=rect.area_m2 / NM_M**2, s=s / NM_M, cov=cov),))
    return None
