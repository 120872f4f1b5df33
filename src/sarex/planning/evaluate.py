"""A unit's flyable sweep in a rectangle under its time limits (:func:`fit_unit`) and the POS of such areas
on a particle (sub)sample (:class:`_Evaluator`), for :mod:`sarex.planning.planner` and :mod:`sarex.planning.tiling`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Optional, Sequence, Union

import numpy as np

from sarex.planning.cloud import PeriodCloud
from sarex.planning.coverage import path_bounds, plan_score, rect_gain, rects_pod, time_weights
from sarex.planning.interleave import fit_interleaved_sweep
from sarex.planning.land import PlaneLand
from sarex.planning.patterns import fit_crossing_pass, fit_flyable_sweep
from sarex.planning.plantypes import Sru
from sarex.planning.rectangle import Rectangle


# --------------------------------------------------------------------------- geometry + time


def _csp_corner(rect: Rectangle, spacing_m: float, start_xy: tuple[float, float]) -> tuple[float, float]:
    """The commence search point: the corner nearest ``start_xy``, inset S/2 (as :func:`patterns.sweep`)."""
    inner = Rectangle(rect.cx, rect.cy, rect.phi, rect.leg_m - spacing_m, rect.creep_m - spacing_m)
    return min(inner.corner_list, key=lambda c: math.hypot(c[0] - start_xy[0], c[1] - start_xy[1]))


@dataclass(frozen=True)
class _Fit:
    rect: Rectangle
    n: int
    spacing_m: float
    track_m: float
    depart_s: float
    arrive_s: float
    search_s: float
    out_m: float
    back_m: float
    n_cross: int = 0
    spacing_cross_m: float = 0.0
    interleave: int = 0


class Occupied(NamedTuple):
    """Another unit's area and when it searches there (epoch s, arrival to the end of its pattern)."""

    rect: Rectangle
    t0_s: float
    t1_s: float


#: What a candidate area must keep clear of: a bare rectangle (at all times) or an :class:`Occupied` one.
Other = Union[Rectangle, Occupied]


def occupied(fit: "_Fit") -> Occupied:
    """The area of ``fit`` and its search window."""
    return Occupied(fit.rect, fit.arrive_s, fit.arrive_s + fit.search_s)


def clashes(fit: "_Fit", other: Other, gap_m: float, reuse_gap_s: float) -> bool:
    """Whether ``fit``'s area is closer than ``gap_m`` to ``other`` while both are searched.

    Simultaneous searches need separate subareas (IAMSAR Vol. II ch. 5); a unit may search an area again
    once the first has left it ``reuse_gap_s`` before (sequential searches of one area are the norm, e.g. a
    ship on the core after the aircraft that swept it early have gone home; the aircraft's altitude
    deconfliction, :mod:`sarex.planning.airspace`, uses the same 30 min margin).
    """
    r = other.rect if isinstance(other, Occupied) else other
    if fit.rect.separated_from(r, gap_m):
        return False
    if isinstance(other, Occupied):
        a0, a1 = fit.arrive_s, fit.arrive_s + fit.search_s
        if a1 + reuse_gap_s <= other.t0_s or other.t1_s + reuse_gap_s <= a0:
            return False
    return True


def coverage_bounds(sru: Sru, cov: tuple[float, float]) -> tuple[float, float]:
    """The coverage range ``sru`` is held to: ``cov``, its lower end lowered to ``W / S_min`` where the type's
    practical minimum track spacing ``S_min`` (:data:`sarex.planning.units.MIN_SPACING_NM`) cannot reach it.

    A helicopter searching for a person in the water (W ≈ 0.05 NM, IAMSAR Vol. II App. N) at its
    0.3 NM minimum spacing covers 0.17: below the 0.5 guidance, still POS no other unit adds
    (issue 32: guidance, not a rule that leaves the unit idle; the plan states the reason).
    """
    lo, hi = cov
    if sru.min_spacing_m > 0 and sru.sweep_width_m / sru.min_spacing_m < lo:
        lo = sru.sweep_width_m / sru.min_spacing_m
    return lo, hi


def in_coverage_bounds(sru: Sru, coverage: float, cov: tuple[float, float]) -> bool:
    """Whether ``coverage`` lies in :func:`coverage_bounds` (relative tolerance 1e-9)."""
    lo, hi = coverage_bounds(sru, cov)
    return lo * (1 - 1e-9) <= coverage <= hi * (1 + 1e-9)


def fit_unit(sru: Sru, rect0: Rectangle, start_s: float, end_s: float, cov: tuple[float, float] = (0.5, 2.0)) -> Optional[_Fit]:
    """Fit the unit's flyable parallel sweep into ``rect0`` under its time limits, or None if impossible.

    The spacing keeps the coverage within ``cov`` and the legs a turn diameter apart
    (:func:`sarex.planning.patterns.fit_flyable_sweep`), or, where the turn diameter is wider than
    the spacing the coverage needs, the legs are flown interleaved
    (:func:`sarex.planning.interleave.fit_interleaved_sweep`); the track may be cut short.

    Transit out is to the commence search point, transit back from the farthest
    corner (an upper bound for the end of any pattern inside the rectangle).
    The fitted rectangle lies inside ``rect0``; the loop makes the time budget
    use distances at least as long as the fitted pattern's.
    """
    sx, sy = sru.start_xy
    d = rect0.corner_distances(sx, sy)
    out_m, back_m = min(d), max(d)
    vt = sru.transit_speed_ms
    for _ in range(6):
        depart = max(sru.ready_s, start_s - out_m / vt)
        arrive = depart + out_m / vt
        search_s = min(end_s - arrive, sru.endurance_s - (out_m + back_m) / vt)
        if sru.on_scene_s is not None:
            search_s = min(search_s, sru.on_scene_s)
        if search_s <= 60.0:
            return None
        # Never closer than the platform's practical minimum (issue 32): the track is cut instead.
        lo, hi = coverage_bounds(sru, cov)
        s_lo = max(sru.sweep_width_m / hi, sru.min_spacing_m)
        s_hi = max(sru.sweep_width_m / lo if lo > 0 else math.inf, s_lo)
        f = fit_flyable_sweep(rect0, sru.search_speed_ms * search_s, sru.turn_radius_m, s_lo, s_hi)
        k = 0
        if f is None and 2.0 * sru.turn_radius_m > s_hi:
            # The turn diameter is wider than the spacing the coverage bound needs: interleave the legs.
            g = fit_interleaved_sweep(rect0, sru.search_speed_ms * search_s, sru.turn_radius_m, s_lo, s_hi)
            if g is not None:
                *f, k = g
        if f is None:
            return None
        budget = sru.search_speed_ms * search_s
        if not k and sru.min_spacing_m > 0 and f[3] < 0.98 * budget and 2.0 * sru.turn_radius_m > s_lo * (1 + 1e-9):
            # The turn diameter keeps the legs wider than the type's practical minimum and the track is cut: legs
            # interleaved at a spacing down to that minimum where they fly more track than a second pass would.
            c2 = fit_crossing_pass(f[0], f[3], budget, sru.turn_radius_m, s_lo, sru.sweep_width_m, cov[1])
            g = fit_interleaved_sweep(rect0, budget, sru.turn_radius_m, s_lo, s_hi)
            if g is not None and g[3] > 1.02 * (f[3] + (c2[2] if c2 is not None else 0.0)):
                *f, k = g
        rect, n, s, track = f
        n2, s2 = 0, 0.0
        if not k and track < 0.98 * sru.search_speed_ms * search_s:
            c2 = fit_crossing_pass(rect, track, sru.search_speed_ms * search_s, sru.turn_radius_m, s_lo, sru.sweep_width_m, cov[1])
            if c2 is not None:
                n2, s2, f2 = c2
                track += f2
        search_s = track / sru.search_speed_ms
        csp = _csp_corner(rect, s, (sx, sy))
        out2 = math.hypot(csp[0] - sx, csp[1] - sy)
        back2 = max(rect.corner_distances(sx, sy))
        if out2 <= out_m * (1 + 1e-12) + 1e-6 and back2 <= back_m * (1 + 1e-12) + 1e-6:
            return _Fit(rect, n, s, track, depart, arrive, search_s, out_m, back_m, n2, s2, k)
        # Budget a little more than the fitted pattern needs so the loop ends in a step or two
        # (the CSP moves by ever smaller amounts as the track shrinks).
        out_m, back_m = max(out_m, out2 + 10.0), max(back_m, back2 + 10.0)
    return None


# --------------------------------------------------------------------------- evaluation


class _Evaluator:
    """Marginal POS of a unit's rectangle on a (sub)sample of the cloud."""

    def __init__(self, cloud: PeriodCloud, idx: np.ndarray, model: int, land: Optional[PlaneLand] = None, coverage_range: tuple[float, float] = (0.0, np.inf),
                 use_alive: bool = False, reuse_gap_s: float = math.inf):
        self.x = np.ascontiguousarray(cloud.x[idx])
        self.y = np.ascontiguousarray(cloud.y[idx])
        self.times = cloud.times_s
        self.scale = cloud.x.shape[0] / idx.size
        self.w0 = cloud.weight[idx] * self.scale
        self.idx = idx
        self.bounds = path_bounds(self.x, self.y)
        self.model = model
        self.land = land
        self.coverage_range = coverage_range
        self.reuse_gap_s = reuse_gap_s  # inf: areas apart at all times
        self.start_s, self.end_s = cloud.start_s, cloud.end_s
        self._cloud = cloud
        self._wscale: dict = {}
        # Survival objective (issue 32): the probability alive at each sample, else a (0, 0) array (plain POS).
        al = getattr(cloud, "alive", None)
        self.alive = np.ascontiguousarray(al[idx]) if (use_alive and al is not None) else np.zeros((0, 0))

    def width_scale(self, sru: Sru) -> np.ndarray:
        """Per particle of the sample: its class's sweep width for ``sru`` over ``sru.sweep_width_m``."""
        key = (sru.sweep_width_m, sru.class_widths_m)
        if key not in self._wscale:
            self._wscale[key] = np.ascontiguousarray(self._cloud.width_scale(sru.class_widths_m, sru.sweep_width_m)[self.idx])
        return self._wscale[key]

    def gain(self, sru: Sru, rect0: Rectangle, survive: np.ndarray, others: Sequence[Other], gap_m: float) -> tuple[float, Optional[_Fit]]:
        """Marginal POS of ``rect0`` for ``sru``; ``(0, None)`` when unreachable or overlapping."""
        g, fit, _ = self.gain_status(sru, rect0, survive, others, gap_m)
        return g, fit

    def gain_status(self, sru: Sru, rect0: Rectangle, survive: np.ndarray, others: Sequence[Other], gap_m: float) -> tuple[float, Optional[_Fit], str]:
        if rect0.leg_m <= 0 or rect0.creep_m <= 0 or not np.isfinite(rect0.cx + rect0.cy):
            return 0.0, None, "invalid"
        fit = fit_unit(sru, rect0, self.start_s, self.end_s, self.coverage_range)
        if fit is None:
            return 0.0, None, "unreachable"
        for o in others:
            if clashes(fit, o, gap_m, self.reuse_gap_s):
                return 0.0, None, "overlap"
        r = fit.rect
        cov = sru.sweep_width_m * fit.track_m / r.area_m2
        if not in_coverage_bounds(sru, cov, self.coverage_range):
            return 0.0, None, "coverage"
        if sru.keep_off_land and self.land is not None and self.land.touches_land(fit.rect):
            return 0.0, None, "land"
        tw, m0, m1 = time_weights(self.times, fit.arrive_s, fit.arrive_s + fit.search_s)
        ux, uy = r.u
        g = rect_gain(self.x, self.y, tw, m0, m1, self.w0 * survive, r.cx, r.cy, ux, uy, 0.5 * r.leg_m, 0.5 * r.creep_m, cov, self.width_scale(sru), self.model, self.bounds, self.alive)
        return float(g), fit, "ok"

    def pod(self, sru: Sru, fit: _Fit) -> np.ndarray:
        """Per-particle POD of the unit's fitted pattern."""
        return self.pods([(sru, fit)])[0]

    def _pack(self, items: Sequence[tuple[Sru, _Fit]]):
        k, m = len(items), self.times.size
        tw = np.empty((k, m))
        m0 = np.empty(k, dtype=np.int64)
        m1 = np.empty(k, dtype=np.int64)
        geom = np.empty((k, 6))
        cov = np.empty(k)
        cscale = np.empty((k, self.x.shape[0]))
        for j, (sru, fit) in enumerate(items):
            cscale[j] = self.width_scale(sru)
            tw[j], m0[j], m1[j] = time_weights(self.times, fit.arrive_s, fit.arrive_s + fit.search_s)
            r = fit.rect
            ux, uy = r.u
            geom[j] = (r.cx, r.cy, ux, uy, 0.5 * r.leg_m, 0.5 * r.creep_m)
            cov[j] = sru.sweep_width_m * fit.track_m / r.area_m2
        return tw, m0, m1, geom, cov, cscale

    def pods(self, items: Sequence[tuple[Sru, _Fit]]) -> np.ndarray:
        """Per-particle POD of several units' fitted patterns, shape (k, N), in one kernel call."""
        tw, m0, m1, geom, cov, cscale = self._pack(items)
        out = np.empty((len(items), self.x.shape[0]))
        rects_pod(self.x, self.y, tw, m0, m1, geom, cov, cscale, self.model, self.bounds, out)
        return out

    def plan_pos(self, items: Sequence[tuple[Sru, _Fit]], alive: Optional[bool] = None) -> tuple[float, np.ndarray]:
        """POS of the units' fitted patterns together and each one's marginal POS (:func:`coverage.plan_score`).

        With the survival objective (or ``alive=True`` where the cloud has a survival model) the first number is the
        probability of finding the person alive instead (units taken in the order they come on task).
        """
        use = self.alive.shape[0] > 0 if alive is None else alive
        al = self.alive if use else np.zeros((0, 0))
        if use and al.shape[0] == 0 and getattr(self._cloud, "alive", None) is not None:
            al = np.ascontiguousarray(self._cloud.alive[self.idx])
        order = sorted(range(len(items)), key=lambda j: items[j][1].arrive_s) if al.shape[0] else list(range(len(items)))
        tw, m0, m1, geom, cov, cscale = self._pack([items[j] for j in order])
        marg = np.empty(len(items))
        total = plan_score(self.x, self.y, tw, m0, m1, geom, cov, cscale, self.model, self.bounds, self.w0, marg, al)
        out = np.empty(len(items))
        out[order] = marg
        return float(total), out
