"""Multi-unit search planner: one rectangle and one flyable pattern per SRU.

For one search period and a set of SRUs the planner gives every unit a
rectangle (centre, orientation, length, width) and a track spacing such that

* the unit can reach it: it departs from its start position when ready (or just
  in time for the period), transits at its transit speed to the commence search
  point, searches at its search speed, and returns from the end of its pattern —
  all within its endurance (and its on-scene time, and the period);
* the rectangles of different units do not overlap (they are kept ``gap_m``
  apart), surface units' rectangles stay off land (when a land raster is given),
  and coverage stays within ``[min_coverage, max_coverage]``;
* the pattern can be flown: legs at least a turn diameter apart, U-turns on arcs
  of the unit's turn radius, coverage within the bounds (IAMSAR practice 0.5–2;
  a second pass at right angles where one pass cannot be denser), see
  :func:`sarex.planning.patterns.fit_flyable_sweep`;
* the total probability of success, evaluated against the drifting particles
  with the time-averaged coverage model of :mod:`sarex.planning.coverage`, is as
  large as the search below can make it.

Search (deterministic for a seed):

1. *Greedy placement.* Units in order of decreasing effort rate (sweep width ×
   search speed). For each, a coarse search over centres (7 × 7 grid on the
   principal axes of the still-undetected probability at mid-period), four
   orientations, four coverages and two aspect ratios, on a particle subsample;
   then Nelder–Mead from the two best candidates on a larger subsample. The
   objective is the unit's *marginal* POS given the units already placed.
2. *Strip seed* (several units). The best single rectangle for the pooled effort
   is split into side-by-side strips, one per unit with width ∝ its effort;
   this is kept instead of the greedy plan when it scores higher.
3. *Joint refinement.* Each unit's rectangle is re-optimised (Nelder–Mead) with
   the others fixed, for ``passes`` rounds.

Then :mod:`sarex.planning.assemble` names the pattern from the situation (VS/SS
on a precise or reliable datum, TS along a line, PS/CS otherwise;
:mod:`sarex.planning.choice`), holds in reserve every unit adding less than
``min_marginal_pos`` (unless the SMC forced it) and times the routes from their
geometry.

The reference is Stone's optimal allocation of the same total effort, with the
plan's detection model, on the period-mean probability grid
(:mod:`sarex.planning.optimal`; ``stone_reference_pos``, see
:mod:`sarex.search.pos_terms`). It is the optimum for a cloud that does not move.
It is not an upper bound of the plan: (1) a plan that follows a drifting cloud
beats any static allocation on its time-averaged picture; (2) the grid is coarse
(cells ≈ sqrt(N)/5 across) and coarsening can only lower the optimum. Before this
was stated, the label said "optimal allocation bound" and the bound used
exponential detection whatever the plan's model, so inverse-cube or
definite-range plans "exceeded" it without any drift at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy.optimize import minimize

from sarex.planning.assemble import assemble
from sarex.planning.cloud import PeriodCloud
from sarex.geo import NM_M
from sarex.planning.land import PlaneLand
from sarex.planning.coverage import path_bounds, rect_gain, rect_pod, time_weights
from sarex.planning.optimal import optimal_pos
from sarex.planning.patterns import fit_crossing_pass, fit_flyable_sweep
from sarex.planning.plantypes import Assignment, Plan, PlannerSettings, Sru  # noqa: F401  (re-exported: the planner API)
from sarex.planning.rectangle import Rectangle
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel


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


def fit_unit(sru: Sru, rect0: Rectangle, start_s: float, end_s: float, cov: tuple[float, float] = (0.5, 2.0)) -> Optional[_Fit]:
    """Fit the unit's flyable parallel sweep into ``rect0`` under its time limits, or None if impossible.

    The spacing keeps the coverage within ``cov`` and the legs a turn diameter apart
    (:func:`sarex.planning.patterns.fit_flyable_sweep`); the track may be cut short.

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
        f = fit_flyable_sweep(rect0, sru.search_speed_ms * search_s, sru.turn_radius_m, sru.sweep_width_m / cov[1], sru.sweep_width_m / cov[0] if cov[0] > 0 else math.inf)
        if f is None:
            return None
        rect, n, s, track = f
        n2, s2 = 0, 0.0
        if track < 0.98 * sru.search_speed_ms * search_s:
            c2 = fit_crossing_pass(rect, track, sru.search_speed_ms * search_s, sru.turn_radius_m, sru.sweep_width_m / cov[1], sru.sweep_width_m, cov[1])
            if c2 is not None:
                n2, s2, f2 = c2
                track += f2
        search_s = track / sru.search_speed_ms
        csp = _csp_corner(rect, s, (sx, sy))
        out2 = math.hypot(csp[0] - sx, csp[1] - sy)
        back2 = max(rect.corner_distances(sx, sy))
        if out2 <= out_m * (1 + 1e-12) + 1e-6 and back2 <= back_m * (1 + 1e-12) + 1e-6:
            return _Fit(rect, n, s, track, depart, arrive, search_s, out_m, back_m, n2, s2)
        # Budget a little more than the fitted pattern needs so the loop ends in a step or two
        # (the CSP moves by ever smaller amounts as the track shrinks).
        out_m, back_m = max(out_m, out2 + 10.0), max(back_m, back2 + 10.0)
    return None


# --------------------------------------------------------------------------- evaluation


class _Evaluator:
    """Marginal POS of a unit's rectangle on a (sub)sample of the cloud."""

    def __init__(self, cloud: PeriodCloud, idx: np.ndarray, model: int, land: Optional[PlaneLand] = None, coverage_range: tuple[float, float] = (0.0, np.inf)):
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
        self.start_s, self.end_s = cloud.start_s, cloud.end_s
        self._cloud = cloud
        self._wscale: dict = {}

    def width_scale(self, sru: Sru) -> np.ndarray:
        """Per particle of the sample: its class's sweep width for ``sru`` over ``sru.sweep_width_m``."""
        key = (sru.sweep_width_m, sru.class_widths_m)
        if key not in self._wscale:
            self._wscale[key] = np.ascontiguousarray(self._cloud.width_scale(sru.class_widths_m, sru.sweep_width_m)[self.idx])
        return self._wscale[key]

    def gain(self, sru: Sru, rect0: Rectangle, survive: np.ndarray, others: Sequence[Rectangle], gap_m: float) -> tuple[float, Optional[_Fit]]:
        """Marginal POS of ``rect0`` for ``sru``; ``(0, None)`` when unreachable or overlapping."""
        g, fit, _ = self.gain_status(sru, rect0, survive, others, gap_m)
        return g, fit

    def gain_status(self, sru: Sru, rect0: Rectangle, survive: np.ndarray, others: Sequence[Rectangle], gap_m: float) -> tuple[float, Optional[_Fit], str]:
        if rect0.leg_m <= 0 or rect0.creep_m <= 0 or not np.isfinite(rect0.cx + rect0.cy):
            return 0.0, None, "invalid"
        fit = fit_unit(sru, rect0, self.start_s, self.end_s, self.coverage_range)
        if fit is None:
            return 0.0, None, "unreachable"
        for o in others:
            if not fit.rect.separated_from(o, gap_m):
                return 0.0, None, "overlap"
        r = fit.rect
        cov = sru.sweep_width_m * fit.track_m / r.area_m2
        if not self.coverage_range[0] * (1 - 1e-9) <= cov <= self.coverage_range[1] * (1 + 1e-9):
            return 0.0, None, "coverage"
        if sru.keep_off_land and self.land is not None and self.land.touches_land(fit.rect):
            return 0.0, None, "land"
        tw, m0, m1 = time_weights(self.times, fit.arrive_s, fit.arrive_s + fit.search_s)
        ux, uy = r.u
        g = rect_gain(self.x, self.y, tw, m0, m1, self.w0 * survive, r.cx, r.cy, ux, uy, 0.5 * r.leg_m, 0.5 * r.creep_m, cov, self.width_scale(sru), self.model, self.bounds)
        return float(g), fit, "ok"

    def pod(self, sru: Sru, fit: _Fit) -> tuple[np.ndarray, np.ndarray]:
        tw, m0, m1 = time_weights(self.times, fit.arrive_s, fit.arrive_s + fit.search_s)
        r = fit.rect
        ux, uy = r.u
        cov = sru.sweep_width_m * fit.track_m / r.area_m2
        pod = np.empty(self.x.shape[0])
        frac = np.empty(self.x.shape[0])
        rect_pod(self.x, self.y, tw, m0, m1, r.cx, r.cy, ux, uy, 0.5 * r.leg_m, 0.5 * r.creep_m, cov, self.width_scale(sru), self.model, pod, frac)
        return pod, frac


def _params_to_rect(p: np.ndarray) -> Rectangle:
    return Rectangle(float(p[0]), float(p[1]), float(p[2]), float(math.exp(min(p[3], 30.0))), float(math.exp(min(p[4], 30.0))))


def _rect_to_params(r: Rectangle) -> np.ndarray:
    return np.array([r.cx, r.cy, r.phi, math.log(r.leg_m), math.log(r.creep_m)])


def _principal_axes(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
    if not ok.any():
        return np.zeros(2), np.array([1000.0, 1000.0]), np.eye(2)
    ww = w[ok] / w[ok].sum()
    mx, my = np.sum(ww * x[ok]), np.sum(ww * y[ok])
    dx, dy = x[ok] - mx, y[ok] - my
    cov = np.array([[np.sum(ww * dx * dx), np.sum(ww * dx * dy)], [np.sum(ww * dx * dy), np.sum(ww * dy * dy)]])
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1]
    sig = np.sqrt(np.maximum(vals[order], 1.0))
    return np.array([mx, my]), np.maximum(sig, 200.0), vecs[:, order]


class Planner:
    """Places one rectangle per SRU over a drifting particle cloud (see module docstring)."""

    def __init__(
        self,
        cloud: PeriodCloud,
        model: "str | DetectionModel" = DEFAULT_MODEL,
        seed: int = 0,
        settings: PlannerSettings = PlannerSettings(),
        land: Optional[PlaneLand] = None,
    ):
        code = DetectionModel.parse(model)
        self.cloud = cloud
        self.model = code.label
        self.seed = seed
        self.settings = settings
        n = cloud.x.shape[0]
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        perm = rng.permutation(n)
        self.land = land
        cr = (settings.min_coverage, settings.max_coverage)
        self._cov = cr
        self.coarse = _Evaluator(cloud, np.sort(perm[: min(n, settings.coarse_particles)]), int(code), land, cr)
        self.fine = _Evaluator(cloud, np.sort(perm[: min(n, settings.refine_particles)]), int(code), land, cr)
        self.full = _Evaluator(cloud, np.arange(n), int(code), land, cr)
        mid = cloud.x.shape[1] // 2
        self._mid_xy = cloud.x[:, mid], cloud.y[:, mid]

    def _fit(self, sru: Sru, rect: Rectangle) -> Optional[_Fit]:
        return fit_unit(sru, rect, self.cloud.start_s, self.cloud.end_s, self._cov)

    # ---- single unit search

    def _coarse_candidates(self, sru: Sru, survive_full: np.ndarray) -> tuple[list[Rectangle], list[tuple[float, float]]]:
        c = self.cloud
        centre, _, _ = _principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight * survive_full)
        dist = math.hypot(centre[0] - sru.start_xy[0], centre[1] - sru.start_xy[1])
        out_s = dist / sru.transit_speed_ms
        depart = max(sru.ready_s, c.start_s - out_s)
        t_est = min(c.end_s - (depart + out_s), sru.endurance_s - 2.0 * out_s)
        if sru.on_scene_s is not None:
            t_est = min(t_est, sru.on_scene_s)
        t_est = max(t_est, 0.1 * (c.end_s - c.start_s))
        effort = sru.effort_rate_m2_s * t_est
        # Centre the candidates on the cloud as it is in the middle of the unit's likely time on task.
        t_mid = min(max(depart + out_s + 0.5 * t_est, c.start_s), c.end_s)
        m = int(np.argmin(np.abs(c.times_s - t_mid)))
        centre, sig, axes = _principal_axes(c.x[:, m], c.y[:, m], c.weight * survive_full)
        psi = math.atan2(axes[1, 0], axes[0, 0])
        shapes = []
        lo, hi = self._cov
        for cov in np.geomspace(lo, hi, 4) if hi > lo else (lo,):
            area = effort / cov
            for aspect in (1.0, 2.5):
                leg = math.sqrt(area * aspect)
                shapes.append((leg, area / leg))
        cands = []
        steps = np.linspace(-1.8, 1.8, 7)
        for i in steps:
            for j in steps:
                cx = centre[0] + i * sig[0] * axes[0, 0] + j * sig[1] * axes[0, 1]
                cy = centre[1] + i * sig[0] * axes[1, 0] + j * sig[1] * axes[1, 1]
                for dphi in (0.0, 0.25 * math.pi, 0.5 * math.pi, 0.75 * math.pi):
                    for leg, creep in shapes:
                        cands.append(Rectangle(cx, cy, psi + dphi, leg, creep))
        return cands, shapes

    def _adjacent_candidates(self, shapes: list[tuple[float, float]], others: Sequence[Rectangle]) -> list[Rectangle]:
        """Rectangles flush against each side of the areas already placed (same orientation)."""
        gap = 1.5 * self.settings.gap_m
        cands = []
        for o in others:
            for leg, creep in shapes:
                for a_dir, b_dir in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    for rot in (False, True):
                        l2, c2 = (creep, leg) if rot else (leg, creep)
                        a = a_dir * (0.5 * o.leg_m + 0.5 * l2 + gap)
                        b = b_dir * (0.5 * o.creep_m + 0.5 * c2 + gap)
                        cx, cy = o.point(a, b)
                        cands.append(Rectangle(cx, cy, o.phi, l2, c2))
        return cands

    def _refine(self, sru: Sru, start: Rectangle, survive: np.ndarray, others: Sequence[Rectangle], ev: _Evaluator, evals: int) -> tuple[float, Rectangle]:
        gap = self.settings.gap_m
        s = max(200.0, 0.15 * math.sqrt(start.area_m2))

        def f(p: np.ndarray) -> float:
            return -ev.gain(sru, _params_to_rect(p), survive, others, gap)[0]

        x0 = _rect_to_params(start)
        steps = np.array([s, s, 0.15, 0.15, 0.15])
        simplex = np.vstack([x0] + [x0 + np.eye(5)[i] * steps[i] for i in range(5)])
        res = minimize(f, x0, method="Nelder-Mead", options={"maxfev": evals, "initial_simplex": simplex, "xatol": 1.0, "fatol": 1e-7})
        best = _params_to_rect(res.x)
        g0 = -f(x0)
        if -res.fun >= g0:
            return -float(res.fun), best
        return g0, start

    def _place(self, sru: Sru, survive_full: np.ndarray, others: Sequence[Rectangle]) -> tuple[Optional[Rectangle], str]:
        """Best rectangle for ``sru`` given the others, or ``(None, reason)``."""
        st = self.settings
        sc = survive_full[self.coarse.idx]
        scored = []
        seen = set()
        cands, shapes = self._coarse_candidates(sru, survive_full)
        for r in cands + self._adjacent_candidates(shapes, others):
            g, fit, status = self.coarse.gain_status(sru, r, sc, others, st.gap_m)
            seen.add(status)
            if fit is not None:
                scored.append((g, r))
        if not scored:
            return None, ("no_room" if ("overlap" in seen or "land" in seen) else "unreachable")
        scored.sort(key=lambda t: -t[0])
        sf = survive_full[self.fine.idx]
        best = None
        for _, r in scored[: st.refine_starts]:
            g, rr = self._refine(sru, r, sf, others, self.fine, st.refine_evals)
            if best is None or g > best[0]:
                best = (g, rr)
        return best[1], "ok"

    # ---- plan assembly

    def _survival(self, srus: dict[str, Sru], rects: dict[str, Rectangle], skip: Optional[str] = None) -> np.ndarray:
        surv = np.ones(self.cloud.x.shape[0])
        for uid, r in rects.items():
            if uid == skip:
                continue
            fit = fit_unit(srus[uid], r, self.cloud.start_s, self.cloud.end_s, self._cov)
            if fit is None:
                continue
            pod, _ = self.full.pod(srus[uid], fit)
            surv *= 1.0 - pod
        return surv

    def _score(self, srus: dict[str, Sru], rects: dict[str, Rectangle]) -> float:
        surv = np.ones(self.fine.idx.size)
        ids = list(rects)
        for a, uid in enumerate(ids):
            for b in ids[a + 1 :]:
                if not rects[uid].separated_from(rects[b], 0.5 * self.settings.gap_m):
                    return -1.0
            fit = fit_unit(srus[uid], rects[uid], self.cloud.start_s, self.cloud.end_s, self._cov)
            if fit is None:
                return -1.0
            if srus[uid].keep_off_land and self.land is not None and self.land.touches_land(fit.rect):
                return -1.0
            pod, _ = self.fine.pod(srus[uid], fit)
            surv *= 1.0 - pod
        return float(np.sum(self.fine.w0 * (1.0 - surv)))

    def _strip_seed(self, srus: list[Sru]) -> Optional[dict[str, Rectangle]]:
        c = self.cloud
        rate = sum(s.effort_rate_m2_s for s in srus)
        v = max(s.search_speed_ms for s in srus)
        mid = (float(np.nanmean(self._mid_xy[0])), float(np.nanmean(self._mid_xy[1])))
        pooled = Sru("pooled", rate / v, v, 1e6, 1e12, mid, c.start_s - 1.0, keep_off_land=any(s.keep_off_land for s in srus))
        big, _ = self._place(pooled, np.ones(c.x.shape[0]), [])
        if big is None:
            return None
        # Each unit's share of the effort if it searched the big rectangle.
        share = []
        for s in srus:
            f = fit_unit(s, big, c.start_s, c.end_s, self._cov)
            share.append(0.0 if f is None else s.sweep_width_m * f.track_m)
        if sum(share) <= 0:
            return None
        vx, vy = big.v
        order = sorted(range(len(srus)), key=lambda i: srus[i].start_xy[0] * vx + srus[i].start_xy[1] * vy)
        order = [i for i in order if share[i] > 0]
        total = sum(share[i] for i in order)
        gap = self.settings.gap_m
        rects = {}
        b0 = -0.5 * big.creep_m
        for i in order:
            width = big.creep_m * share[i] / total
            cx, cy = big.point(0.0, b0 + 0.5 * width)
            rects[srus[i].id] = Rectangle(cx, cy, big.phi, big.leg_m, max(width - 2 * gap, 1.0))
            b0 += width
        return rects

    def plan(
        self,
        srus: Sequence[Sru],
        exclude: Sequence[str] = (),
        force: Sequence[str] = (),
        pins: Optional[dict[str, Rectangle]] = None,
    ) -> Plan:
        """Plan the period for ``srus``.

        Units that cannot reach any area are listed as unassigned; units that would add
        less than ``settings.min_marginal_pos`` are held in reserve (with the reason)
        unless the SMC forces them (``force``); ``exclude`` keeps units out of the plan;
        ``pins`` fixes a unit's area (the planner fits its pattern there and plans the others around it).
        """
        c = self.cloud
        pins = dict(pins or {})
        reserve = {u: "excluded by the SMC" for u in exclude}
        srus = [s for s in srus if s.id not in reserve]
        by_id = {s.id: s for s in srus}
        order = sorted((s for s in srus if s.id not in pins), key=lambda s: -s.effort_rate_m2_s)
        rects: dict[str, Rectangle] = {}
        unassigned: dict[str, str] = {}
        surv = np.ones(c.x.shape[0])
        for uid, r in pins.items():
            fit = fit_unit(by_id[uid], r, c.start_s, c.end_s, self._cov) if uid in by_id else None
            if fit is None:
                unassigned[uid] = "the SMC's pinned area cannot be searched by this unit (out of reach, or no flyable pattern fits)"
                continue
            rects[uid] = r
            surv = surv * (1.0 - self.full.pod(by_id[uid], fit)[0])
        for s in order:
            r, why = self._place(s, surv, list(rects.values()))
            if r is None:
                unassigned[s.id] = self._why_not(s, why)
                continue
            rects[s.id] = r
            fit = fit_unit(s, r, c.start_s, c.end_s, self._cov)
            pod, _ = self.full.pod(s, fit)
            surv = surv * (1.0 - pod)
        free = [u for u in rects if u not in pins]
        if len(free) > 1 and not pins:
            strips = self._strip_seed([by_id[u] for u in rects])
            if strips is not None and set(strips) == set(rects) and self._score(by_id, strips) > self._score(by_id, rects):
                rects = strips
        for _ in range(self.settings.passes if len(rects) > 1 else 0):
            for uid in free:
                others = [r for u, r in rects.items() if u != uid]
                sv = self._survival(by_id, rects, skip=uid)
                g_old = self.fine.gain(by_id[uid], rects[uid], sv[self.fine.idx], others, self.settings.gap_m)[0]
                g_new, r_new = self._refine(by_id[uid], rects[uid], sv[self.fine.idx], others, self.fine, self.settings.refine_evals)
                if g_new > g_old:
                    rects[uid] = r_new
        smc = {u: "pinned" for u in pins} | {u: "forced" for u in force}
        return self._finish(by_id, rects, unassigned, reserve, smc)

    def _why_not(self, s: Sru, why: str) -> str:
        c = self.cloud
        if why == "no_room":
            return "no free sea area (off land, apart from the other units' areas) within reach"
        centre, _, _ = _principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight)
        d = math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1])
        need_h = 2 * d / s.transit_speed_ms / 3600.0
        if s.ready_s + d / s.transit_speed_ms >= c.end_s:
            return f"cannot arrive before the period ends ({d / NM_M:.0f} nm to the search area)"
        return f"cannot reach any search area within its endurance ({d / NM_M:.0f} nm away, round trip {need_h:.1f} h vs endurance {s.endurance_s / 3600:.1f} h)"

    def _finish(self, by_id: dict[str, Sru], rects: dict[str, Rectangle], unassigned: dict[str, str], reserve: dict[str, str], smc: dict[str, str]) -> Plan:
        """Choose patterns, hold units that add too little in reserve, time the routes, and assemble the plan.

        Per-unit POC/POD/POS add up (see :mod:`sarex.search.pos_terms`): each particle is
        counted in the one area where its POD is highest; a unit's POC is the weight of its
        particles, its POS their probability of being detected by the plan, POD = POS/POC.
        A unit's *marginal* POS is what the plan loses without it (the others unchanged).
        """
        plan = assemble(self, by_id, rects, unassigned, reserve, smc)
        plan.bound_pos = stone_bound(self.cloud, plan.total_effort_m2, model=self.model)
        return plan

    def _transit(self, sru: Sru, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
        """Transit polyline ``a → b`` (plane m, shape (k, 2)): around land for surface units when there is a land raster."""
        if sru.keep_off_land and self.land is not None:
            return self.land.sea_route(a, b)
        return np.array([a, b], dtype=float)


def stone_bound(cloud: PeriodCloud, effort_m2: float, cells: Optional[int] = None, model: str = "exponential") -> float:
    """Stone's optimal POS for ``effort_m2`` and detection ``model`` on the period-mean probability grid of the cloud.

    Particles are binned at every sample time (weights × uniform time weights)
    on a square grid of the planning plane (equal-area, so every cell has the
    same area); ``cells`` cells across the larger extent. By default
    ``sqrt(N)/5`` (20–80) cells: finer grids let the allocation chase sampling
    noise and overstate the bound (+6 % with 20k particles on 100 cells).
    """
    if cells is None:
        cells = int(np.clip(math.sqrt(cloud.x.shape[0]) / 5.0, 20, 80))
    if effort_m2 <= 0:
        return 0.0
    tw, m0, m1 = time_weights(cloud.times_s, cloud.start_s, cloud.end_s)
    x = cloud.x[:, m0:m1]
    y = cloud.y[:, m0:m1]
    w = cloud.weight[:, None] * tw[None, m0:m1]
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return 0.0
    xs, ys, ws = x[ok], y[ok], w[ok]
    span = max(xs.max() - xs.min(), ys.max() - ys.min(), 1.0)
    h = span / cells
    nx = int(math.ceil((xs.max() - xs.min()) / h)) + 1
    ny = int(math.ceil((ys.max() - ys.min()) / h)) + 1
    hist, _, _ = np.histogram2d(xs, ys, bins=[nx, ny], range=[[xs.min(), xs.min() + nx * h], [ys.min(), ys.min() + ny * h]], weights=ws)
    return optimal_pos(hist, h * h, effort_m2, model)
