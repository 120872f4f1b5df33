"""Several search periods planned together (Brown 1980; REFERENCES §12).

Brown (1980, *Operations Research* 28(6)): with exponential detection, a
multi-period plan is optimal when each period's allocation is optimal for the
target probabilities of that period multiplied by the probability of *not*
being detected in all the other periods. Here:

1. *Incremental plan* (what planning each period alone gives): period 1 on the
   prior, period 2 on the posterior after period 1's plan fails, and so on.
2. *Brown passes*: each period in turn (forward, then backward) is re-planned
   by the one-period :class:`~sarex.planning.planner.Planner` on the prior
   weights × the probability of non-detection by the plans of all the *other*
   periods (earlier and later: a unit should not search now where a later
   period will search better, and vice versa); the new plan of that period is
   kept only when the cumulative POS rises, so the result is never below the
   incremental plan.

The particles are the same drift ensemble in every period (the periods' clouds
come from one drift file), so a particle's POD in each period multiplies.
Cumulative POS ``= Σ_k w_k (1 − Π_p (1 − POD_pk))`` (REFERENCES §4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

from sarex.planning.cloud import PeriodCloud
from sarex.planning.land import PlaneLand
from sarex.planning.planner import Planner
from sarex.planning.plantypes import Plan, PlannerSettings, Sru


@dataclass
class MultiPeriodPlan:
    """Plans of consecutive periods and what each adds.

    Attributes
    ----------
    plans : one plan per period (each planned on its period's weights, see module docstring).
    cumulative_pos : cumulative POS after each period, in order.
    incremental_cumulative_pos : the same for the incremental plan (each period planned alone).
    passes_kept : how many Brown re-plans raised the cumulative POS.
    """

    plans: list[Plan]
    cumulative_pos: list[float]
    incremental_cumulative_pos: list[float]
    passes_kept: int

    @property
    def added_pos(self) -> list[float]:
        """What each period adds to the cumulative POS."""
        c = [0.0] + self.cumulative_pos
        return [c[i + 1] - c[i] for i in range(len(self.cumulative_pos))]


def _cumulative(w: np.ndarray, pods: Sequence[np.ndarray]) -> list[float]:
    surv = np.ones_like(w)
    out = []
    for p in pods:
        surv = surv * (1.0 - p)
        out.append(float(np.sum(w * (1.0 - surv))))
    return out


def plan_periods(
    clouds: Sequence[PeriodCloud],
    srus: Sequence[Sequence[Sru]],
    model: str = "exponential",
    seed: int = 0,
    settings: PlannerSettings = PlannerSettings(),
    lands: Optional[Sequence[Optional[PlaneLand]]] = None,
    sweeps: int = 1,
    sortie_gap_s: Optional[float] = None,
) -> MultiPeriodPlan:
    """Plan the periods ``clouds`` (same particles, consecutive times) with the units ``srus[k]`` of each.

    ``lands[k]`` is period k's land raster (each period has its own plane), ``srus[k]`` its units
    projected into that plane. ``sweeps`` forward–backward rounds of Brown re-plans follow the
    incremental plan.

    With ``sortie_gap_s`` the periods are linked as a unit's endurance runs: an aircraft flies one
    sortie per period and departs no earlier than its previous sortie returned plus ``sortie_gap_s``
    (refuelling, crew change); a ship stays on scene and goes on from where its previous pattern
    ended, when it ended, with the endurance it has left (its return leg is then budgeted from
    there, not from its base: an approximation). A Brown re-plan of period k that would break
    this for period k+1 (an aircraft departing too early, a ship tasked in both) is not kept.
    """
    if len(clouds) != len(srus) or not clouds:
        raise ValueError("one unit list per period, at least one period")
    w0 = clouds[0].weight
    if any(c.weight.shape != w0.shape for c in clouds):
        raise ValueError("all periods must hold the same particles")

    used: dict[int, dict[str, Sru]] = {}

    def units(k: int, plans: Sequence[Plan]) -> list[Sru]:
        if sortie_gap_s is None or k == 0:
            used[k] = {s.id: s for s in srus[k]}
            return list(srus[k])
        prev = {a.unit_id: a for a in plans[k - 1].assignments}
        out = []
        for s in srus[k]:
            a = prev.get(s.id)
            if a is None:
                out.append(s)
            elif s.is_aircraft:  # back to base, refuel, next sortie
                out.append(replace(s, ready_s=max(s.ready_s, a.return_s + sortie_gap_s)))
            else:  # a ship stays on scene: it goes on from where its pattern ended, with the endurance it has left
                lon, lat = plans[k - 1].frame.inverse(a.pattern.x[-1:], a.pattern.y[-1:])
                x, y = clouds[k].frame.forward(lon, lat)
                left = used[k - 1][s.id].endurance_s - (a.search_end_s - a.depart_s)
                out.append(replace(s, start_xy=(float(x[0]), float(y[0])), ready_s=a.search_end_s, endurance_s=max(left, 0.0)))
        used[k] = {s.id: s for s in out}
        return out

    def linked(plans: Sequence[Plan], k: int) -> bool:
        """Whether period k+1's sorties still follow period k's (aircraft: depart after the return plus the gap; no ship in both)."""
        if sortie_gap_s is None or k + 1 >= len(plans):
            return True
        prev = {a.unit_id: a for a in plans[k].assignments}
        by_id = {s.id: s for s in srus[k]}
        for a in plans[k + 1].assignments:
            p = prev.get(a.unit_id)
            if p is None:
                continue
            if not by_id[a.unit_id].is_aircraft:
                return False  # a ship in period k+1 goes on from where its period-k pattern ended: re-planning k moves that
            if a.depart_s < p.return_s + sortie_gap_s - 1e-6:
                return False
        return True

    def run(k: int, weight: np.ndarray, plans: Sequence[Plan]) -> Plan:
        return Planner(replace(clouds[k], weight=weight), model, seed + k, settings, lands[k] if lands else None).plan(units(k, plans))

    plans, pods = [], []
    surv = np.ones_like(w0)
    for k in range(len(clouds)):
        p = run(k, w0 * surv, plans)
        plans.append(p)
        pods.append(p.pod_per_particle)
        surv = surv * (1.0 - p.pod_per_particle)
    incremental = _cumulative(w0, pods)
    best = incremental[-1]
    kept = 0
    n = len(clouds)
    order = [k for _ in range(sweeps) for k in list(range(n)) + list(range(n - 2, -1, -1))] if n > 1 else []
    for k in order:
        others = np.ones_like(w0)
        for j in range(n):
            if j != k:
                others = others * (1.0 - pods[j])
        cand = run(k, w0 * others, plans)
        trial = pods[:k] + [cand.pod_per_particle] + pods[k + 1 :]
        total = _cumulative(w0, trial)[-1]
        if total > best + 1e-12 and linked(plans[:k] + [cand] + plans[k + 1 :], k):
            plans[k], pods, best, kept = cand, trial, total, kept + 1
    return MultiPeriodPlan(plans, _cumulative(w0, pods), incremental, kept)
