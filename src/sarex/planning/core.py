"""The planner's core: fitting a unit's pattern to a rectangle, scoring a layout and placing one unit.

:class:`PlannerCore` holds the cloud, the settings and the particle subsamples
(:class:`sarex.planning.evaluate._Evaluator`); the layouts (:mod:`sarex.planning.seeds`), the
repair steps (:mod:`sarex.planning.repair`) and :class:`sarex.planning.planner.Planner` build on it.
See :mod:`sarex.planning.planner` for the search as a whole.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
from scipy.optimize import minimize

from sarex.errors import SarexInputError
from sarex.planning.cloud import PeriodCloud
from sarex.planning.evaluate import Occupied, Other, _Evaluator, _Fit, clashes, coverage_bounds, fit_unit, in_coverage_bounds, occupied
from sarex.planning.land import PlaneLand
from sarex.planning.plantypes import PlannerSettings, Sru
from sarex.planning.reasons import render
from sarex.planning.rectangle import Rectangle
from sarex.planning.share import principal_axes
from sarex.search.podmodel import DEFAULT_MODEL, DetectionModel


def _params_to_rect(p: np.ndarray) -> Rectangle:
    return Rectangle(float(p[0]), float(p[1]), float(p[2]), float(math.exp(min(p[3], 30.0))), float(math.exp(min(p[4], 30.0))))


def _rect_to_params(r: Rectangle) -> np.ndarray:
    return np.array([r.cx, r.cy, r.phi, math.log(r.leg_m), math.log(r.creep_m)])


class PlannerCore:
    """Cloud, settings and evaluators; one unit's fit, candidates, refinement and placement; a layout's score."""

    _by_id: dict[str, Sru]
    _unassigned_parts: dict[str, tuple]

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
        self.coarse = _Evaluator(cloud, np.sort(perm[: min(n, settings.coarse_particles)]), int(code), land, cr, ua, settings.reuse_gap_s)
        self.fine = _Evaluator(cloud, np.sort(perm[: min(n, settings.refine_particles)]), int(code), land, cr, ua, settings.reuse_gap_s)
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

    def _adjacent_candidates(self, shapes: list[tuple[float, float]], others: Sequence[Other]) -> list[Rectangle]:
        """Rectangles flush against each side of the areas already placed (same orientation)."""
        gap = 1.5 * self.settings.gap_m
        cands = []
        for o in (x.rect if isinstance(x, Occupied) else x for x in others):
            for leg, creep in shapes:
                for a_dir, b_dir in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    for rot in (False, True):
                        l2, c2 = (creep, leg) if rot else (leg, creep)
                        a = a_dir * (0.5 * o.leg_m + 0.5 * l2 + gap)
                        b = b_dir * (0.5 * o.creep_m + 0.5 * c2 + gap)
                        cx, cy = o.point(a, b)
                        cands.append(Rectangle(cx, cy, o.phi, l2, c2))
        return cands

    def _refine(self, sru: Sru, start: Rectangle, survive: np.ndarray, others: Sequence[Other], ev: _Evaluator, evals: int) -> tuple[float, Rectangle]:
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

    def _place(self, sru: Sru, survive_full: np.ndarray, others: Sequence[Other], thorough: bool = True) -> tuple[Optional[Rectangle], str]:
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
            assert best is not None  # scored is not empty
            return best[1], "ok"
        # Several units: Nelder–Mead from the best starts on the coarse sample, then the best of them polished on
        # the fine one (5× the cost per evaluation); the layout and the joint refinement that follow use the fine one.
        for _, r in scored[: st.refine_starts]:
            g, rr = self._refine(sru, r, sc, others, self.coarse, st.refine_evals)
            if best is None or g > best[0]:
                best = (g, rr)
        assert best is not None
        _, rr = self._refine(sru, best[1], sf, others, self.fine, st.refine_evals // 2)
        return rr, "ok"

    # ---- plan assembly

    def _occupied(self, srus: dict[str, Sru], rects: dict[str, Rectangle], skip: Optional[str] = None) -> list[Other]:
        """The other units' areas with their search windows (a bare rectangle where the unit cannot fly it)."""
        out: list[Other] = []
        for uid, r in rects.items():
            if uid != skip:
                f = fit_unit(srus[uid], r, self.cloud.start_s, self.cloud.end_s, self._cov)
                out.append(r if f is None else occupied(f))
        return out

    def _arrival_s(self, s: Sru, xy) -> float:
        """When ``s`` can be at ``xy`` (plane m; epoch s): ready, then its straight transit, not before the period starts."""
        t = math.hypot(xy[0] - s.start_xy[0], xy[1] - s.start_xy[1]) / s.transit_speed_ms
        return max(s.ready_s, self.cloud.start_s - t) + t

    def _fits(self, srus: dict[str, Sru], rects: dict[str, Rectangle]) -> list[tuple[str, _Fit]]:
        """The units whose rectangles they can fly, with their fits (the others left out)."""
        out = []
        for uid, r in rects.items():
            f = fit_unit(srus[uid], r, self.cloud.start_s, self.cloud.end_s, self._cov)
            if f is not None:
                out.append((uid, f))
        return out

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
        ids: list[str] = []
        items: list[tuple[Sru, _Fit]] = []
        for uid in rects:
            fit = fit_unit(srus[uid], rects[uid], self.cloud.start_s, self.cloud.end_s, self._cov)
            bad = fit is None or not in_coverage_bounds(srus[uid], srus[uid].sweep_width_m * fit.track_m / fit.rect.area_m2, self._cov)
            if fit is not None and not bad and srus[uid].keep_off_land and self.land is not None:
                bad = self.land.touches_land(fit.rect)
            if bad or fit is None:
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
            if any(clashes(items[b][1], occupied(items[a][1]), 0.5 * self.settings.gap_m, self.settings.reuse_gap_s) for a in kept):
                if ids[b] not in soft:
                    return -1.0
                dropped += 1
                continue
            kept.append(b)
        ids, items = [ids[b] for b in kept], [items[b] for b in kept]
        if not items:
            return 0.0 - 2.0 * thr * dropped
        total, marg = ev.plan_pos(items)
        if any(not items[a][1].rect.separated_from(items[b][1].rect, 0.5 * self.settings.gap_m) for a in range(len(items)) for b in range(a)):
            # Areas searched again (a later unit where an earlier one has been): the share is what a unit finds in its own
            # area (each particle with the unit whose POD is highest there), as the plan reports it; re-searching an
            # earlier unit's area may add POS and still own none.
            pods = ev.pods(items)
            found = (1.0 - np.prod(1.0 - pods, axis=0)) * ev.w0
            owner = np.where(pods.max(axis=0) > 0, np.argmax(pods, axis=0), -1)
            own = np.bincount(owner[owner >= 0], weights=found[owner >= 0], minlength=len(items))
            marg = np.minimum(marg, own)
        total -= 2.0 * thr * dropped
        for uid, m in zip(ids, marg):
            if uid not in exempt and m < thr:
                total -= 2.0 * thr - float(m)
        return total

    def _note_unassigned(self, uid: str, parts: tuple) -> str:
        """Keep why ``uid`` is not assigned (template parts for the translated messages); the English text."""
        self._unassigned_parts[uid] = parts
        return render(parts)

