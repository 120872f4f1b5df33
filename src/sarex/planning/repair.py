"""After the layout: every unit given its share, units that come too late left out with the numbers, the reason a
unit got no area, and Stone's static optimum as the reference (issue 32).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from sarex.geo import NM_M
from sarex.planning.cloud import PeriodCloud
from sarex.planning.core import PlannerCore
from sarex.planning.coverage import time_weights
from sarex.planning.evaluate import fit_unit
from sarex.planning.optimal import optimal_pos
from sarex.planning.plantypes import Sru
from sarex.planning.reasons import part
from sarex.planning.rectangle import Rectangle
from sarex.planning.share import hhmm as _hhmm, principal_axes, split_rect as _split


class PlannerRepair(PlannerCore):
    """Share repair, late units, unassigned reasons (see module docstring)."""

    def _drop_late(self, by_id: dict[str, Sru], rects: dict[str, Rectangle], unassigned: dict[str, str], forced: frozenset) -> None:
        """Units still below their share that reach the probability only in the last quarter of the period: not assigned,
        with the arrival time and distance (issue 32: a reason in numbers, not "adds 0.0 %")."""
        c = self.cloud
        items = self._fits(by_id, rects)
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
            arr = self._arrival_s(s, centre)
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

    def _own_pos(self, by_id: dict[str, Sru], items: list) -> np.ndarray:
        """POS each unit finds in its own area (fine sample): every particle counted with the unit whose POD is highest
        there, as the plan reports it (:meth:`Planner._finish`); the share bar of issue 32 is on this number."""
        ev = self.fine
        pods = ev.pods([(by_id[u], f) for u, f in items])
        found = (1.0 - np.prod(1.0 - pods, axis=0)) * ev.w0
        owner = np.argmax(pods, axis=0)
        seen = pods.max(axis=0) > 0
        return np.array([float(found[seen & (owner == j)].sum()) for j in range(len(items))])

    def _core_boxes(self, s: Sru, fit) -> list[Rectangle]:
        """Boxes on the cloud's core as it is while ``s`` searches, at coverages 4–8 (of its current effort): a later unit
        searching the densest part again, above the coverage of the earlier ones (Stone: coverage ln(p/λ), highest there)."""
        if fit is None:
            return []
        c = self.cloud
        m = int(np.argmin(np.abs(c.times_s - (fit.arrive_s + 0.5 * fit.search_s))))
        centre, sig, axes = principal_axes(c.x[:, m], c.y[:, m], c.weight)
        aspect = float(np.clip(sig[0] / sig[1], 1.0, 4.0))
        phi = math.atan2(axes[1, 0], axes[0, 0])
        z = s.sweep_width_m * fit.track_m
        out = []
        for cov in (4.0, 6.0, 8.0):
            leg = math.sqrt(z / cov * aspect)
            out.append(Rectangle(float(centre[0]), float(centre[1]), phi, leg, z / cov / leg))
        return out

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
            items = self._fits(by_id, rects)
            if not items:
                break
            marg = self._own_pos(by_id, items)  # the share as the plan reports it (POS found in the unit's own area)
            weak = [(m, u) for (u, _), m in zip(items, marg) if m < thr and u not in stuck]
            if not weak:
                break
            _, u = min(weak)
            gains = {v: m for (v, _), m in zip(items, marg)}
            trials = []
            r = rects[u]
            for k in (0.5, 0.7):  # the unit's own area shrunk about its centre: a later unit searching again at a higher coverage
                trials.append(rects | {u: Rectangle(r.cx, r.cy, r.phi, k * r.leg_m, k * r.creep_m)})
            trials += [rects | {u: t} for t in self._core_boxes(by_id[u], dict(items).get(u))]
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
                    fits = self._fits(by_id, trials[i2])
                    if len(fits) < len(trials[i2]):
                        continue
                    m2 = self._own_pos(by_id, fits)
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

    def _why_not(self, s: Sru, why: str) -> tuple:
        """Why ``s`` got no area: too late, out of endurance, no free sea, or no pattern it can fly in the time it has."""
        c = self.cloud
        centre, _, _ = principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight)
        d = math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1])
        arr = self._arrival_s(s, centre)
        need_h = 2 * d / s.transit_speed_ms / 3600.0
        if arr >= c.end_s - 60.0:
            return (part("late", d=d / NM_M, arr=_hhmm(arr), end=_hhmm(c.end_s)),)
        if need_h >= s.endurance_s / 3600.0:
            return (part("endurance", d=d / NM_M, h=need_h, e=s.endurance_s / 3600),)
        if why == "no_room":
            return (part("no_room"),)
        on_h = min(c.end_s - arr, s.endurance_s - 2 * d / s.transit_speed_ms) / 3600.0
        return (part("no_pattern", d=d / NM_M, h=on_h),)


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
