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
  :func:`sarex.planning.patterns.fit_flyable_sweep`; legs that must be closer than a
  turn diameter are flown in interleaved order (:mod:`sarex.planning.interleave`);
* the total probability of success, evaluated against the drifting particles
  with the time-averaged coverage model of :mod:`sarex.planning.coverage`, is as
  large as the search below can make it.

Search (deterministic for a seed):

1. *Greedy placement.* Units in order of decreasing effort rate (sweep width ×
   search speed). For each, a coarse search over centres (7 × 7 grid on the
   principal axes of the still-undetected probability at mid-period), four
   orientations, four coverages and two aspect ratios, on a particle subsample;
   then Nelder–Mead from the three best candidates (on the coarse subsample
   when several units are planned, the best one then polished on the larger
   subsample; a lone unit refines every start on the larger one). The
   objective is the unit's *marginal* POS given the units already placed.
2. *Tiling* (several units): the units' areas as a row of adjacent strips (small
   units stacked in the middle) that tile one region shaped like Stone's optimal
   one, each strip with its own height and coverage
   (:mod:`sarex.planning.tiling`); kept instead of the greedy plan when its POS,
   once the reserve rule has run, is higher.
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
from typing import Optional, Sequence

import numpy as np
from scipy.optimize import minimize

from sarex.errors import SarexInputError
from sarex.planning.assemble import assemble
from sarex.planning.cloud import PeriodCloud
from sarex.geo import NM_M
from sarex.planning.land import PlaneLand
from sarex.planning.coverage import time_weights
from sarex.planning.evaluate import _Evaluator, _Fit, coverage_bounds, fit_unit, in_coverage_bounds  # noqa: F401  (fit_unit, _Evaluator: the planner API)
from sarex.planning.optimal import optimal_pos
from sarex.planning.plantypes import Assignment, Plan, PlannerSettings, Sru  # noqa: F401  (re-exported: the planner API)
from sarex.planning.rectangle import Rectangle
from sarex.planning.reasons import part, render
from sarex.planning.share import hhmm as _hhmm, nested_layout, principal_axes, split_rect as _split, two_modes as _two_modes
from sarex.planning.tiling import tile_region
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel


def _params_to_rect(p: np.ndarray) -> Rectangle:
    return Rectangle(float(p[0]), float(p[1]), float(p[2]), float(math.exp(min(p[3], 30.0))), float(math.exp(min(p[4], 30.0))))


def _rect_to_params(r: Rectangle) -> np.ndarray:
    return np.array([r.cx, r.cy, r.phi, math.log(r.leg_m), math.log(r.creep_m)])


_principal_axes = principal_axes  # the earlier name


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
        # max_coverage is guidance (a reason is given where it is exceeded); the hard bound is coverage_cap.
        cr = (settings.min_coverage, max(settings.coverage_cap, settings.max_coverage))
        self._cov = cr
        if settings.objective not in ("pos", "alive"):
            raise ValueError(f"objective {settings.objective!r}: use 'pos' or 'alive'")
        if settings.objective == "alive" and cloud.alive is None:
            raise SarexInputError("objective 'alive': the drift has no survival model (a case with survival gives one)")
        ua = settings.objective == "alive"
        self.coarse = _Evaluator(cloud, np.sort(perm[: min(n, settings.coarse_particles)]), int(code), land, cr, ua)
        self.fine = _Evaluator(cloud, np.sort(perm[: min(n, settings.refine_particles)]), int(code), land, cr, ua)
        self.full = _Evaluator(cloud, np.arange(n), int(code), land, cr)
        mid = cloud.x.shape[1] // 2
        self._mid_xy = cloud.x[:, mid], cloud.y[:, mid]

    def _fit(self, sru: Sru, rect: Rectangle) -> Optional[_Fit]:
        return fit_unit(sru, rect, self.cloud.start_s, self.cloud.end_s, self._cov)

    # ---- single unit search

    def _coarse_candidates(self, sru: Sru, survive_full: np.ndarray, grid: int = 7) -> tuple[list[Rectangle], list[tuple[float, float]]]:
        c = self.cloud
        centre, _, _ = principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight * survive_full)
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
        centre, sig, axes = principal_axes(c.x[:, m], c.y[:, m], c.weight * survive_full)
        psi = math.atan2(axes[1, 0], axes[0, 0])
        shapes = []
        lo, hi = coverage_bounds(sru, self._cov)
        for cov in np.geomspace(lo, hi, 4) if hi > lo else (lo,):
            area = effort / cov
            for aspect in (1.0, 2.5):
                leg = math.sqrt(area * aspect)
                shapes.append((leg, area / leg))
        cands = []
        steps = np.linspace(-1.8, 1.8, grid)
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

    def _place(self, sru: Sru, survive_full: np.ndarray, others: Sequence[Rectangle], thorough: bool = True) -> tuple[Optional[Rectangle], str]:
        """Best rectangle for ``sru`` given the others, or ``(None, reason)``; ``thorough``: refine every start on the fine sample."""
        st = self.settings
        sc = survive_full[self.coarse.idx]
        scored = []
        seen = set()
        # A lone unit scans 7 × 7 centres; with several units 5 × 5 (the tiling and the joint refinement follow).
        cands, shapes = self._coarse_candidates(sru, survive_full, 7 if thorough else 5)
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
        if thorough:
            for _, r in scored[: st.refine_starts]:
                g, rr = self._refine(sru, r, sf, others, self.fine, st.refine_evals)
                if best is None or g > best[0]:
                    best = (g, rr)
            return best[1], "ok"
        # Several units: Nelder–Mead from the best starts on the coarse sample, then the best of them polished on
        # the fine one (5× the cost per evaluation); the layout and the joint refinement that follow use the fine one.
        for _, r in scored[: st.refine_starts]:
            g, rr = self._refine(sru, r, sc, others, self.coarse, st.refine_evals)
            if best is None or g > best[0]:
                best = (g, rr)
        _, rr = self._refine(sru, best[1], sf, others, self.fine, st.refine_evals // 2)
        return rr, "ok"

    # ---- plan assembly

    def _survival(self, srus: dict[str, Sru], rects: dict[str, Rectangle], skip: Optional[str] = None) -> np.ndarray:
        surv = np.ones(self.cloud.x.shape[0])
        for uid, r in rects.items():
            if uid == skip:
                continue
            fit = fit_unit(srus[uid], r, self.cloud.start_s, self.cloud.end_s, self._cov)
            if fit is None:
                continue
            pod = self.full.pod(srus[uid], fit)
            surv *= 1.0 - pod
        return surv

    def _score(self, srus: dict[str, Sru], rects: dict[str, Rectangle], ev: Optional[_Evaluator] = None, exempt: frozenset = frozenset(),
               want: Sequence[str] = ()) -> float:
        """Plan POS of ``rects`` on the evaluator's particles (fine by default), penalised for units below their share; −1 when infeasible.

        A unit adding less than ``thr = max(min_marginal_pos, share_pos)`` (held in reserve by
        :mod:`sarex.planning.assemble` when below ``min_marginal_pos``, unless ``exempt``; below the share of
        issue 32 otherwise) is scored as ``2·thr − marginal`` below the total (a lower bound of what the plan keeps
        without it, falling as the unit adds more), so layouts that keep every unit useful win. Units in ``want``
        without a feasible area (missing, off their reach, on land) are dropped and penalised ``2·thr`` each instead
        of making the whole layout infeasible (the nested layout, :mod:`sarex.planning.share`).
        """
        ev = self.fine if ev is None else ev
        thr = max(self.settings.min_marginal_pos, self.settings.share_pos) * 1.05
        soft = set(want)
        dropped = sum(1 for u in soft if u not in rects)
        ids = []
        items = []
        for uid in rects:
            fit = fit_unit(srus[uid], rects[uid], self.cloud.start_s, self.cloud.end_s, self._cov)
            bad = fit is None
            if not bad:
                cov = srus[uid].sweep_width_m * fit.track_m / fit.rect.area_m2
                bad = not in_coverage_bounds(srus[uid], cov, self._cov)
            if not bad and srus[uid].keep_off_land and self.land is not None:
                bad = self.land.touches_land(fit.rect)
            if bad:
                if uid not in soft:
                    return -1.0
                dropped += 1
                continue
            ids.append(uid)
            items.append((srus[uid], fit))
        # The fitted areas (those searched) must be apart; the fit may shorten a rectangle or widen a thin one
        # (in the nested layout, a unit whose widened area overlaps one kept before it is dropped and penalised).
        kept: list[int] = []
        for b in range(len(items)):
            if any(not items[a][1].rect.separated_from(items[b][1].rect, 0.5 * self.settings.gap_m) for a in kept):
                if ids[b] not in soft:
                    return -1.0
                dropped += 1
                continue
            kept.append(b)
        ids, items = [ids[b] for b in kept], [items[b] for b in kept]
        if not items:
            return 0.0 - 2.0 * thr * dropped
        total, marg = ev.plan_pos(items)
        total -= 2.0 * thr * dropped
        for uid, m in zip(ids, marg):
            if uid not in exempt and m < thr:
                total -= 2.0 * thr - float(m)
        return total

    def _efforts(self, srus: list[Sru], centre: np.ndarray, psi: float) -> list[float]:
        """Effort (m²) each unit can spend on task in the period in an area at ``centre`` (0: it cannot search there)."""
        c = self.cloud
        out = []
        for s in srus:
            # A square the unit would cover once in the time it has there: the fit cuts it to what it can reach and fly.
            d = math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1]) / s.transit_speed_ms
            t_on = min(c.end_s - max(s.ready_s + d, c.start_s), s.endurance_s - 2.0 * d, s.on_scene_s or math.inf)
            side = math.sqrt(s.effort_rate_m2_s * max(t_on, 60.0))
            f = None
            for k in (1.0, 0.5, 0.25):  # a smaller square where the larger one leaves no time to search
                f = fit_unit(s, Rectangle(float(centre[0]), float(centre[1]), psi, k * side, k * side), c.start_s, c.end_s, self._cov)
                if f is not None:
                    break
            out.append(0.0 if f is None else s.sweep_width_m * f.track_m)
        return out

    def _cap(self, s: Sru) -> float:
        """The largest coverage ``s`` can fly: its sweep width over its practical minimum spacing, within the hard cap."""
        return min(self._cov[1], s.sweep_width_m / s.min_spacing_m) if s.min_spacing_m > 0 else self._cov[1]

    def _share_seed(self, srus: list[Sru], exempt: frozenset = frozenset()) -> Optional[dict[str, Rectangle]]:
        """Nested areas shaped like Stone's allocation, the core to the units with most effort per area (:mod:`sarex.planning.share`)."""
        c = self.cloud
        w = np.repeat(c.weight, c.x.shape[1])
        by_id = {s.id: s for s in srus}
        one = self._nested_group(srus, c.x.reshape(-1), c.y.reshape(-1), w, {}, exempt, [s.id for s in srus])
        modes = _two_modes(np.nanmean(c.x, axis=1), np.nanmean(c.y, axis=1), c.weight)
        if modes is None:
            return one
        # Two separate modes (e.g. two scenarios): units shared between them by reach and probability, a nested layout on each.
        lab = np.repeat(modes, c.x.shape[1])
        masks = [lab == 0, lab == 1]
        mass = [float(w[m].sum()) for m in masks]
        reach = []
        for m in masks:
            ctr, _, ax = principal_axes(c.x.reshape(-1)[m], c.y.reshape(-1)[m], w[m])
            reach.append(self._efforts(srus, ctr, math.atan2(ax[1, 0], ax[0, 0])))
        groups: list[list[Sru]] = [[], []]
        load = [0.0, 0.0]
        for i in sorted(range(len(srus)), key=lambda i: -max(reach[0][i], reach[1][i])):
            ok = [g for g in (0, 1) if reach[g][i] > 0]
            if not ok:
                continue
            g = min(ok, key=lambda g: (load[g] + reach[g][i]) / max(mass[g], 1e-9))
            groups[g].append(srus[i])
            load[g] += reach[g][i]
        rects: dict[str, Rectangle] = {}
        for g in (0, 1):
            if groups[g]:
                rects |= self._nested_group(groups[g], c.x.reshape(-1)[masks[g]], c.y.reshape(-1)[masks[g]], w[masks[g]], rects, exempt,
                                            [s.id for s in groups[0] + groups[1]] if g == 1 else [s.id for s in groups[0]])
        if one is None:
            return rects
        want = [s.id for s in srus]
        return rects if self._score(by_id, rects, exempt=exempt, want=want) > self._score(by_id, one, exempt=exempt, want=want) else one

    def _nested_group(self, srus: list[Sru], x: np.ndarray, y: np.ndarray, w: np.ndarray, fixed: dict[str, Rectangle], exempt: frozenset,
                      want_ids: list[str]) -> dict[str, Rectangle]:
        """Nested layout of ``srus`` on the particles' samples ``x, y, w`` (plane m), the areas ``fixed`` kept as they are."""
        c = self.cloud
        centre, sig, axes = principal_axes(x, y, w)
        psi = math.atan2(axes[1, 0], axes[0, 0])
        efforts = self._efforts(srus, centre, psi)
        by_id = {s.id: s for s in srus} | {u: self._by_id[u] for u in fixed}
        want = [u for u in want_ids if u in fixed or any(s.id == u and z > 0 for s, z in zip(srus, efforts))]
        arr = None
        if self.settings.objective == "alive":
            arr = [max(s.ready_s + math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1]) / s.transit_speed_ms, c.start_s) for s in srus]
        out = nested_layout([s.id for s in srus], efforts, [self._cap(s) for s in srus], centre, sig, axes, self.settings.gap_m,
                            lambda r: self._score(by_id, r | fixed, self.coarse, exempt, want), lambda r: self._score(by_id, r | fixed, self.fine, exempt, want),
                            arrivals_s=arr)
        return out or {}

    def _tile_seed(self, srus: list[Sru], survive_full: np.ndarray, exempt: frozenset = frozenset()) -> Optional[dict[str, Rectangle]]:
        """Adjacent strips tiling one Stone-shaped region (:func:`sarex.planning.tiling.tile_region`)."""
        c = self.cloud
        m = c.x.shape[1] // 2
        centre, sig, axes = principal_axes(c.x[:, m], c.y[:, m], c.weight * survive_full)
        psi = math.atan2(axes[1, 0], axes[0, 0])
        efforts = self._efforts(srus, centre, psi)
        by_id = {s.id: s for s in srus}
        return tile_region(srus, efforts, centre, sig, axes, self._cov, self.settings.gap_m,
                           lambda r: self._score(by_id, r, self.coarse, exempt), lambda r: self._score(by_id, r, self.fine, exempt))

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
        self._unassigned_parts: dict[str, tuple] = {}
        pins = dict(pins or {})
        reserve = {u: "excluded by the SMC" for u in exclude}
        srus = [s for s in srus if s.id not in reserve]
        by_id = {s.id: s for s in srus}
        self._by_id = by_id
        order = sorted((s for s in srus if s.id not in pins), key=lambda s: -s.effort_rate_m2_s)
        rects: dict[str, Rectangle] = {}
        unassigned: dict[str, str] = {}
        surv = np.ones(c.x.shape[0])
        for uid, r in pins.items():
            fit = fit_unit(by_id[uid], r, c.start_s, c.end_s, self._cov) if uid in by_id else None
            if fit is None:
                unassigned[uid] = self._note_unassigned(uid, (part("pin_bad"),))
                continue
            rects[uid] = r
            surv = surv * (1.0 - self.full.pod(by_id[uid], fit))
        forced = frozenset(force)
        share: dict[str, Rectangle] = {}
        if len(order) > 1 and not pins:
            # Issue 32: the probability shared among all units (nested Stone-shaped areas); units the layout could not
            # place get the best free area left, then the strip tiling is tried as an alternative.
            share = self._share_seed(order, forced) or {}
            for uid, r in share.items():
                if self._score(by_id, {uid: r}) >= 0:
                    rects[uid] = r
            surv = self._survival(by_id, rects)
        for s in order:
            if s.id in rects:
                continue
            r, why = self._place(s, surv, list(rects.values()), thorough=len(order) + len(pins) == 1)
            if r is None:
                unassigned[s.id] = self._note_unassigned(s.id, self._why_not(s, why))
                continue
            rects[s.id] = r
            fit = fit_unit(s, r, c.start_s, c.end_s, self._cov)
            pod = self.full.pod(s, fit)
            surv = surv * (1.0 - pod)
        free = [u for u in rects if u not in pins]
        if len(free) > 1 and not pins and not self._near_stone(by_id, rects, forced):
            # The strip tiling (issue 13) where the nested layout is not within 3 % of Stone's static optimum.
            tiles = self._tile_seed([by_id[u] for u in rects], np.ones(c.x.shape[0]), forced)
            if tiles is not None and set(tiles) == set(rects) and self._score(by_id, tiles, exempt=forced) > self._score(by_id, rects, exempt=forced):
                rects = tiles
        for _ in range(self.settings.passes if len(rects) > 1 else 0):
            for uid in free:
                others = [r for u, r in rects.items() if u != uid]
                sv = self._survival(by_id, rects, skip=uid)
                g_old = self.fine.gain(by_id[uid], rects[uid], sv[self.fine.idx], others, self.settings.gap_m)[0]
                g_new, r_new = self._refine(by_id[uid], rects[uid], sv[self.fine.idx], others, self.fine, self.settings.refine_evals // 2)
                if g_new > g_old:
                    rects[uid] = r_new
        if len(free) > 1 and not pins:
            rects = self._repair_shares(by_id, rects, forced)
            if not self.settings.exercise and self.settings.min_marginal_pos <= 0:  # else the SMC's reserve rule decides
                self._drop_late(by_id, rects, unassigned, forced)
        smc = {u: "pinned" for u in pins} | {u: "forced" for u in force}
        return self._finish(by_id, rects, unassigned, reserve, smc)

    def _drop_late(self, by_id: dict[str, Sru], rects: dict[str, Rectangle], unassigned: dict[str, str], forced: frozenset) -> None:
        """Units still below their share that reach the probability only in the last quarter of the period: not assigned,
        with the arrival time and distance (issue 32: a reason in numbers, not "adds 0.0 %")."""
        c = self.cloud
        items = [(u, fit_unit(by_id[u], r, c.start_s, c.end_s, self._cov)) for u, r in rects.items()]
        items = [(u, f) for u, f in items if f is not None]
        if len(items) < 2:
            return
        # POS found in each unit's own area, as the plan reports it (each particle counted where its POD is highest).
        pods = self.full.pods([(by_id[u], f) for u, f in items])
        found = (1.0 - np.prod(1.0 - pods, axis=0)) * c.weight
        owner = np.argmax(pods, axis=0)
        seen = pods.max(axis=0) > 0
        marg = [float(found[seen & (owner == j)].sum()) for j in range(len(items))]
        centre, _, _ = principal_axes(c.x.reshape(-1), c.y.reshape(-1), np.repeat(c.weight, c.x.shape[1]))
        thr = self.settings.share_pos
        for (u, _), m in zip(items, marg):
            s = by_id[u]
            d = math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1])
            arr = max(s.ready_s, c.start_s - d / s.transit_speed_ms) + d / s.transit_speed_ms
            if u in forced or m >= thr or arr < c.end_s - 0.25 * (c.end_s - c.start_s):
                continue
            del rects[u]
            unassigned[u] = self._note_unassigned(u, (part("late_reach", arr=_hhmm(arr), d=d / NM_M, mins=max(0.0, (c.end_s - arr) / 60.0),
                                                           end=_hhmm(c.end_s), pos=100 * m, thr=100 * thr),))

    def _near_stone(self, by_id: dict[str, Sru], rects: dict[str, Rectangle], exempt: frozenset, ratio: float = 0.97) -> bool:
        """Whether ``rects`` score at least ``ratio`` of Stone's static optimum for their effort (fine sample)."""
        effort = 0.0
        for uid, r in rects.items():
            f = fit_unit(by_id[uid], r, self.cloud.start_s, self.cloud.end_s, self._cov)
            effort += 0.0 if f is None else by_id[uid].sweep_width_m * f.track_m
        ref = stone_bound(self.cloud, effort, model=self.model)
        return ref > 0 and self._score(by_id, rects, exempt=exempt) >= ratio * ref

    def _repair_shares(self, by_id: dict[str, Sru], rects: dict[str, Rectangle], exempt: frozenset, rounds: int = 3) -> dict[str, Rectangle]:
        """Give every unit finding less than its share (``share_pos``) part of the probability (issue 32).

        Moves tried for the weakest unit: swap areas with another unit, or take the part of a neighbour's
        area (split across its legs, sized to the two units' efforts) nearest the neighbour's start...
        kept when the plan score (POS less the share penalty, :meth:`_score`) rises.
        """
        thr = self.settings.share_pos
        # Every move must leave every unit a feasible area (a strict score: −1 otherwise).
        best = self._score(by_id, rects, exempt=exempt)
        stuck: set[str] = set()
        for _ in range(rounds * len(rects)):
            items = [(u, fit_unit(by_id[u], r, self.cloud.start_s, self.cloud.end_s, self._cov)) for u, r in rects.items()]
            items = [(u, f) for u, f in items if f is not None]
            if not items:
                break
            _, marg = self.fine.plan_pos([(by_id[u], f) for u, f in items])
            weak = [(m, u) for (u, _), m in zip(items, marg) if m < thr and u not in stuck]
            if not weak:
                break
            _, u = min(weak)
            gains = {v: m for (v, _), m in zip(items, marg)}
            trials = []
            for v in rects:
                if v == u:
                    continue
                trials.append(rects | {u: rects[v], v: rects[u]})
                for a, b in _split(rects[v], self.settings.gap_m):
                    trials.append(rects | {u: a, v: b})
            scored = sorted(((self._score(by_id, t, exempt=exempt), i) for i, t in enumerate(trials)), reverse=True)
            g, i = scored[0]
            if g <= best + 1e-9:
                # No move raises the score: the best-scoring one that gives the unit its share, if it costs < 1 point.
                pick = None
                for g2, i2 in scored[:12]:
                    if g2 < best - 0.01:
                        break
                    fits = [(v, fit_unit(by_id[v], r, self.cloud.start_s, self.cloud.end_s, self._cov)) for v, r in trials[i2].items()]
                    if any(f is None for _, f in fits):
                        continue
                    _, m2 = self.fine.plan_pos([(by_id[v], f) for v, f in fits])
                    if dict(zip([v for v, _ in fits], m2))[u] >= thr:
                        pick = (g2, i2)
                        break
                if pick is None:
                    stuck.add(u)  # no move helps this one: the next weakest
                    continue
                g, i = pick
            best, rects = g, trials[i]
            del gains
        return rects

    def _note_unassigned(self, uid: str, parts: tuple) -> str:
        """Keep why ``uid`` is not assigned (template parts for the translated messages); the English text."""
        self._unassigned_parts[uid] = parts
        return render(parts)

    def _why_not(self, s: Sru, why: str) -> tuple:
        """Why ``s`` got no area: too late, out of endurance, no free sea, or no pattern it can fly in the time it has."""
        c = self.cloud
        centre, _, _ = principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight)
        d = math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1])
        arr = max(s.ready_s, c.start_s - d / s.transit_speed_ms) + d / s.transit_speed_ms
        need_h = 2 * d / s.transit_speed_ms / 3600.0
        if arr >= c.end_s - 60.0:
            return (part("late", d=d / NM_M, arr=_hhmm(arr), end=_hhmm(c.end_s)),)
        if need_h >= s.endurance_s / 3600.0:
            return (part("endurance", d=d / NM_M, h=need_h, e=s.endurance_s / 3600),)
        if why == "no_room":
            return (part("no_room"),)
        on_h = min(c.end_s - arr, s.endurance_s - 2 * d / s.transit_speed_ms) / 3600.0
        return (part("no_pattern", d=d / NM_M, h=on_h),)

    def _finish(self, by_id: dict[str, Sru], rects: dict[str, Rectangle], unassigned: dict[str, str], reserve: dict[str, str], smc: dict[str, str]) -> Plan:
        """Choose patterns, hold units that add too little in reserve, time the routes, and assemble the plan.

        Per-unit POC/POD/POS add up (see :mod:`sarex.search.pos_terms`): each particle is
        counted in the one area where its POD is highest; a unit's POC is the weight of its
        particles, its POS their probability of being detected by the plan, POD = POS/POC.
        A unit's *marginal* POS is what the plan loses without it (the others unchanged).
        """
        plan = assemble(self, by_id, rects, unassigned, reserve, smc)
        plan.bound_pos = stone_bound(self.cloud, plan.total_effort_m2, model=self.model)
        plan.objective = self.settings.objective
        if self.cloud.alive is not None:
            items = [(by_id[a.unit_id], fit_unit(by_id[a.unit_id], rects[a.unit_id], self.cloud.start_s, self.cloud.end_s, self._cov))
                     for a in plan.assignments if a.unit_id in rects]
            items = [(s_, f) for s_, f in items if f is not None]
            plan.p_found_alive = self.full.plan_pos(items, alive=True)[0] if items else 0.0
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
