"""Whole layouts the planner starts from (issue 32): nested Stone-shaped areas, strips tiling one region, and units
placed in the order they come on task (a later unit may search again where an earlier one has been).

Each returns rectangles per unit id for :class:`sarex.planning.planner.Planner` to compare by
:meth:`sarex.planning.core.PlannerCore._score` and refine.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional

import numpy as np

from sarex.planning.core import PlannerCore
from sarex.planning.evaluate import fit_unit
from sarex.planning.plantypes import Sru
from sarex.planning.rectangle import Rectangle
from sarex.planning.share import nested_layout, principal_axes, two_modes as _two_modes
from sarex.planning.tiling import tile_region


class PlannerSeeds(PlannerCore):
    """The starting layouts (see module docstring)."""

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

    def _windows(self, srus: list[Sru], centre: np.ndarray) -> list[tuple[float, float]]:
        """Each unit's likely time on task at ``centre`` (epoch s): arrival to the period's end or its endurance."""
        c = self.cloud
        out = []
        for s in srus:
            arr = self._arrival_s(s, centre)
            back = math.hypot(centre[0] - s.start_xy[0], centre[1] - s.start_xy[1]) / s.transit_speed_ms
            end = min(c.end_s, arr - back + s.endurance_s - back, arr + (s.on_scene_s or math.inf))
            out.append((arr, max(end, arr)))
        return out

    def _waves(self, srus: list[Sru], current: dict[str, Rectangle]) -> list[list[int]]:
        """Indices of ``srus`` grouped into waves: units whose times on task (in the ``current`` layout where they have an
        area there, else :meth:`_windows`) overlap or are less than ``reuse_gap_s`` apart, in the order they come on task."""
        c = self.cloud
        centre, _, _ = principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight)
        wins = self._windows(srus, centre)
        for i, s in enumerate(srus):
            f = fit_unit(s, current[s.id], c.start_s, c.end_s, self._cov) if s.id in current else None
            if f is not None:
                wins[i] = (f.arrive_s, f.arrive_s + f.search_s)
        self._wins = wins
        waves: list[list[int]] = []
        end = -math.inf
        for i in sorted(range(len(srus)), key=lambda i: (wins[i][0], srus[i].id)):
            if waves and wins[i][0] < end + self.settings.reuse_gap_s:
                waves[-1].append(i)
                end = max(end, wins[i][1])
            else:
                waves.append([i])
                end = wins[i][1]
        return waves

    def _wave_seed(self, srus: list[Sru], exempt: frozenset, current: dict[str, Rectangle]) -> Optional[tuple[dict[str, Rectangle], dict[str, Sru]]]:
        """Nested layouts wave by wave (None for a single wave): a wave's units are told to leave ``reuse_gap_s`` before
        the next wave comes on task (their time on scene capped); the next wave's layout is fitted to the cloud as it is
        during that wave, weighted by what the earlier waves leave undetected, and may search again where they have been
        (:func:`sarex.planning.evaluate.clashes`). Returns the areas and the units with their caps.

        Stone's allocation (REFERENCES §5; Stone 1975 ch. 2–3) of effort applied in sequence is the same water filling
        on the probability still undetected: the ships that come on task hours after the aircraft take the core again.
        """
        c = self.cloud
        waves = self._waves(srus, current)
        if len(waves) < 2:
            return None
        wins = self._wins
        srus = list(srus)
        self._wave_caps_try: dict[str, tuple[Sru, str, float]] = {}
        for k, wave in enumerate(waves[:-1]):
            first = min(waves[k + 1], key=lambda i: (wins[i][0], srus[i].id))
            nxt = wins[first][0] - self.settings.reuse_gap_s
            for i in wave:
                cap, had = nxt - wins[i][0], srus[i].on_scene_s
                if cap > 600.0 and (had is None or cap < had):
                    self._wave_caps_try[srus[i].id] = (srus[i], srus[first].id, wins[first][0])
                    srus[i] = dataclasses.replace(srus[i], on_scene_s=cap)
        by_id = {s.id: s for s in srus}
        rects: dict[str, Rectangle] = {}
        done: list[str] = []
        for wave in waves:
            t0, t1 = min(wins[i][0] for i in wave), max(wins[i][1] for i in wave)
            m = (c.times_s >= t0 - 900.0) & (c.times_s <= t1 + 900.0)
            if not m.any():
                m[np.argmin(np.abs(c.times_s - t0))] = True
            surv = self._survival(by_id, rects) if rects else np.ones(c.x.shape[0])
            w = np.repeat(c.weight * surv, int(m.sum()))
            done += [srus[i].id for i in wave]
            self._by_id = self._by_id | by_id
            rects |= self._nested_group([srus[i] for i in wave], c.x[:, m].reshape(-1), c.y[:, m].reshape(-1), w, dict(rects), exempt, list(done))
        return rects, by_id

    def _wave_layout(self, by_id: dict[str, Sru], free: list[str], rects: dict[str, Rectangle],
                     exempt: frozenset) -> Optional[tuple[dict[str, Rectangle], dict[str, Sru]]]:
        """The wave layout (:meth:`_wave_seed`) where it scores higher than ``rects``: the areas and the units (with their
        caps on time on scene); units it leaves out get the best free area. None where it does not."""
        saved = self._by_id
        got = self._wave_seed([by_id[u] for u in free], exempt, rects)
        self._by_id = saved
        if got is None:
            return None
        wav, capped = got
        ids = by_id | capped
        for u in [u for u in rects if u not in wav]:
            placed, _ = self._place(ids[u], self._survival(ids, wav), self._occupied(ids, wav), thorough=False)
            if placed is not None:
                wav[u] = placed
        if set(wav) != set(rects) or self._score(ids, wav, exempt=exempt) <= self._score(by_id, rects, exempt=exempt):
            return None
        # The units whose time on scene the layout capped: (the unit uncapped, the next wave's first unit, its estimated
        # arrival), for the reason (:func:`sarex.planning.assemble.assemble`).
        self._wave_caps = {u: v for u, v in self._wave_caps_try.items() if u in wav}
        return wav, ids

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

    def _sequence_seed(self, srus: list[Sru]) -> dict[str, Rectangle]:
        """Each unit in the order it can be on task (at the cloud's centre) placed where the earlier ones left most."""
        c = self.cloud
        centre, _, _ = principal_axes(self._mid_xy[0], self._mid_xy[1], c.weight)

        by_id = {s.id: s for s in srus}
        rects: dict[str, Rectangle] = {}
        surv = np.ones(c.x.shape[0])
        for s in sorted(srus, key=lambda s: (self._arrival_s(s, centre), s.id)):
            r, _ = self._place(s, surv, self._occupied(by_id, rects), thorough=False)
            fit = None if r is None else fit_unit(s, r, c.start_s, c.end_s, self._cov)
            if r is None or fit is None:
                continue
            rects[s.id] = r
            surv = surv * (1.0 - self.full.pod(s, fit))
        return rects

