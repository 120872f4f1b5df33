"""Multi-unit search planner: one rectangle and one flyable pattern per SRU.

For one search period and a set of SRUs the planner gives every unit a
rectangle (centre, orientation, length, width) and a track spacing such that

* the unit can reach it: it departs from its start position when ready (or just
  in time for the period), transits at its transit speed to the commence search
  point, searches at its search speed, and returns from the end of its pattern —
  all within its endurance (and its on-scene time, and the period);
* the rectangles of units searching at the same time do not overlap (they are kept
  ``gap_m`` apart; a later unit may search again where an earlier one left at least
  ``reuse_gap_s`` before), surface units' rectangles stay off land (when a land raster
  is given), and coverage stays within ``[min_coverage, coverage_cap]`` (below
  ``min_coverage`` only at the unit type's practical minimum track spacing);
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
   Also the units placed in the order they come on task, each where the earlier
   ones left most, and nested layouts wave by wave (units on task at the same time,
   the earlier waves leaving before the next arrives; :mod:`sarex.planning.seeds`);
   the better layout is kept.
3. *Joint refinement.* Each unit's rectangle is re-optimised (Nelder–Mead) with
   the others fixed, for ``passes`` rounds; then every unit is steered to its share
   and units that arrive too late are left out with the numbers (:mod:`sarex.planning.repair`).

The parts: :mod:`sarex.planning.core` (fit, score, place one unit), :mod:`sarex.planning.seeds`
(layouts), :mod:`sarex.planning.repair` (share repair, reasons, Stone's reference).

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

from sarex.planning.assemble import assemble
from sarex.planning.cloud import PeriodCloud  # noqa: F401  (re-exported: the planner API)
from sarex.planning.core import PlannerCore, _params_to_rect, _rect_to_params  # noqa: F401  (re-exported)
from sarex.planning.evaluate import _Evaluator, _Fit, fit_unit  # noqa: F401  (fit_unit, _Evaluator: the planner API)
from sarex.planning.plantypes import Assignment, Plan, PlannerSettings, Sru  # noqa: F401  (re-exported: the planner API)
from sarex.planning.reasons import part
from sarex.planning.rectangle import Rectangle
from sarex.planning.repair import PlannerRepair, stone_bound
from sarex.planning.seeds import PlannerSeeds
from sarex.planning.share import principal_axes

_principal_axes = principal_axes  # the earlier name


class Planner(PlannerSeeds, PlannerRepair):
    """Places one rectangle per SRU over a drifting particle cloud (see module docstring)."""

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
        self._wave_caps: dict[str, tuple[Sru, str, float]] = {}
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
            placed, why = self._place(s, surv, self._occupied(by_id, rects), thorough=len(order) + len(pins) == 1)
            fit = None if placed is None else fit_unit(s, placed, c.start_s, c.end_s, self._cov)
            if placed is None or fit is None:
                unassigned[s.id] = self._note_unassigned(s.id, self._why_not(s, why))
                continue
            rects[s.id] = placed
            surv = surv * (1.0 - self.full.pod(s, fit))
        free = [u for u in rects if u not in pins]
        if len(free) > 1 and not pins and math.isfinite(self.settings.reuse_gap_s):
            # The layouts partition the cloud; units placed in the order they come on task, each where the earlier
            # ones left most, may search again where an earlier one has been (a ship on the core after the aircraft).
            seq = self._sequence_seed([by_id[u] for u in free])
            if set(seq) == set(rects) and self._score(by_id, seq, exempt=forced) > self._score(by_id, rects, exempt=forced):
                rects = seq
            wav = self._wave_layout(by_id, free, rects, forced)
            if wav is not None:
                rects, by_id = wav
                self._by_id = by_id
        if len(free) > 1 and not pins and not self._near_stone(by_id, rects, forced):
            # The strip tiling (issue 13) where the nested layout is not within 3 % of Stone's static optimum.
            tiles = self._tile_seed([by_id[u] for u in rects], np.ones(c.x.shape[0]), forced)
            if tiles is not None and set(tiles) == set(rects) and self._score(by_id, tiles, exempt=forced) > self._score(by_id, rects, exempt=forced):
                rects = tiles
        for _ in range(self.settings.passes if len(rects) > 1 else 0):
            for uid in free:
                others = self._occupied(by_id, rects, skip=uid)
                sv = self._survival(by_id, rects, skip=uid)
                g_old = self.fine.gain(by_id[uid], rects[uid], sv[self.fine.idx], others, self.settings.gap_m)[0]
                g_new, r_new = self._refine(by_id[uid], rects[uid], sv[self.fine.idx], others, self.fine, self.settings.refine_evals // 2)
                if g_new > g_old:
                    rects[uid] = r_new
        if len(free) > 1 and not pins:
            rects = self._repair_shares(by_id, rects, forced)
            if not self.settings.exercise and self.settings.min_marginal_pos <= 0:  # else the SMC's reserve rule decides
                n = len(rects)
                self._drop_late(by_id, rects, unassigned, forced)
                if len(rects) < n:  # the late units' areas are free again: the others' shares once more
                    rects = self._repair_shares(by_id, rects, forced)
        smc = {u: "pinned" for u in pins} | {u: "forced" for u in force}
        return self._finish(by_id, rects, unassigned, reserve, smc)

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
            tasked = {a.unit_id for a in plan.assignments}
            items = [(by_id[u], f) for u, f in self._fits(by_id, {u: r for u, r in rects.items() if u in tasked})]
            plan.p_found_alive = self.full.plan_pos(items, alive=True)[0] if items else 0.0
        return plan

    def _transit(self, sru: Sru, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
        """Transit polyline ``a → b`` (plane m, shape (k, 2)): around land for surface units when there is a land raster."""
        if sru.keep_off_land and self.land is not None:
            return self.land.sea_route(a, b)
        return np.array([a, b], dtype=float)


