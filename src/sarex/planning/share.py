"""Sharing the probability among all units: nested, non-overlapping areas shaped like Stone's allocation (issue 32).

Stone's optimal allocation for exponential detection gives coverage ``c*(x) = ln(p(x)/λ)``
(REFERENCES §5): for a bivariate normal cloud of standard deviations ``σa, σb`` the
coverage at normalised radius ρ is ``H − ρ²/2`` and the effort inside ρ is
``π σa σb (H ρ² − ρ⁴/4)`` with ``H = sqrt(Z/(π σa σb))`` for the total effort Z. The
high-coverage core goes to the units that can put most effort per area there (the
largest coverage their practical minimum track spacing allows: ships and helicopters
for a small object), the margins to the others (fixed-wing aircraft, whose spacing
cannot be small).

Layout. Units in that order fill a *core* rectangle (on the principal axes of the
cloud, split into strips of widths proportional to effort, so their coverages are
equal) and then *frames* around it, each frame split into four rectangles like a
pinwheel (N: ``[x0, ir]×[it, y1]``, E: ``[ir, x1]×[ib, y1]``, S: ``[il, x1]×[y0, ib]``,
W: ``[x0, il]×[y0, it]`` for an inner box ``[il, ir]×[ib, it]`` and an outer box
``[x0, x1]×[y0, y1]``), which tile the frame without overlap. The last frame may have
fewer than four units (its other pieces are not searched). Initial sizes come from
the normal-cloud profile above at the level of each group's cumulative effort;
Nelder–Mead then optimises the core's centre, half-sides and each frame's four side
thicknesses on the planner's own score (POS, penalised for units finding less than
their share). Every box is kept ``gap_m`` inside its piece so neighbours stay apart.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Callable, Optional, Sequence

import numpy as np

from sarex.planning.rectangle import Rectangle
from sarex.planning.tiling import optimise_layout


def groups_of(n: int) -> list[int]:
    """Units per level: the core gets ``1 + (n − 1) mod 4`` strips, then frames of four."""
    if n <= 0:
        return []
    g0 = 1 + (n - 1) % 4
    return [g0] + [4] * ((n - g0) // 4)


def normal_radius(z_in_m2: float, z_all_m2: float, sig_a: float, sig_b: float) -> float:
    """Normalised radius ρ holding effort ``z_in_m2`` of Stone's allocation of ``z_all_m2`` on a normal cloud."""
    k = math.pi * sig_a * sig_b
    h = math.sqrt(max(z_all_m2, 1.0) / k)
    q = max(h * h - min(z_in_m2, z_all_m2) / k, 0.0)
    return math.sqrt(max(2.0 * h - 2.0 * math.sqrt(q), 1e-6))


def principal_axes(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


class NestedLayout:
    """Core strips and pinwheel frames on the axes ``(ea, eb)`` around ``centre`` (see module docstring).

    Parameters ``p = [offset_a, offset_b, log half_a, log half_b, (4 log thicknesses per frame: right, top, left, bottom)]`` (m, log m).
    """

    def __init__(self, centre: np.ndarray, phi_a: float, levels: list[list[int]], ids: Sequence[str], efforts_m2: Sequence[float], gap_m: float):
        self.centre = np.asarray(centre, dtype=float)
        self.phi_a = phi_a
        self.ea = np.array([math.cos(phi_a), math.sin(phi_a)])
        self.eb = np.array([-math.sin(phi_a), math.cos(phi_a)])
        self.levels = levels
        self.ids = list(ids)
        self.z = np.asarray(efforts_m2, dtype=float)
        self.gap = gap_m

    def _box(self, a0: float, a1: float, b0: float, b1: float) -> Optional[Rectangle]:
        g = 0.5 * self.gap
        a0, a1, b0, b1 = a0 + g, a1 - g, b0 + g, b1 - g
        if a1 - a0 <= 1.0 or b1 - b0 <= 1.0:
            return None
        c = self.centre + 0.5 * (a0 + a1) * self.ea + 0.5 * (b0 + b1) * self.eb
        la, lb = a1 - a0, b1 - b0
        # Legs along the longer side (fewer turns); the rectangle is the same either way.
        if la >= lb:
            return Rectangle(float(c[0]), float(c[1]), self.phi_a, float(la), float(lb))
        return Rectangle(float(c[0]), float(c[1]), self.phi_a + 0.5 * math.pi, float(lb), float(la))

    def rects(self, p: np.ndarray) -> dict[str, Rectangle]:
        oa, ob = float(p[0]), float(p[1])
        ha, hb = math.exp(min(p[2], 15.0)), math.exp(min(p[3], 15.0))
        il, ir, ib, it = oa - ha, oa + ha, ob - hb, ob + hb
        out: dict[str, Rectangle] = {}
        core = self.levels[0]
        # Core strips across the long side, widths ∝ effort: equal coverage in the core.
        share = self.z[core] / max(float(self.z[core].sum()), 1e-9)
        along_a = ha >= hb
        pos = il if along_a else ib
        span = (ir - il) if along_a else (it - ib)
        for i, f in zip(core, share):
            w = span * float(f)
            r = self._box(pos, pos + w, ib, it) if along_a else self._box(il, ir, pos, pos + w)
            pos += w
            if r is not None:
                out[self.ids[i]] = r
        for k, units in enumerate(self.levels[1:]):
            t = np.exp(np.clip(p[4 + 4 * k: 8 + 4 * k], 0.0, 15.0)) * self._sides(k)
            x0, x1, y0, y1 = il - t[2], ir + t[0], ib - t[3], it + t[1]
            n, s_, e, w = self._box(x0, ir, it, y1), self._box(il, x1, y0, ib), self._box(ir, x1, ib, y1), self._box(x0, il, y0, it)
            pieces = {4: (n, s_, e, w), 3: (n, s_, e), 2: (n, s_) if k % 2 == 0 else (e, w), 1: (n,)}[len(units)]
            for i, r in zip(units, pieces):
                if r is not None:
                    out[self.ids[i]] = r
            il, ir, ib, it = x0, x1, y0, y1
        return out

    def _sides(self, k: int) -> np.ndarray:
        """Which sides (right, top, left, bottom) frame ``k`` grows: pieces for its units only (N, S, E, W in turn;
        two units alternate between N + S and E + W so successive frames stay round)."""
        n = len(self.levels[k + 1])
        if n >= 4:
            return np.ones(4)
        if n == 3:
            return np.array([1.0, 1.0, 0.0, 1.0])
        if n == 2:
            return np.array([0.0, 1.0, 0.0, 1.0]) if k % 2 == 0 else np.array([1.0, 0.0, 1.0, 0.0])
        return np.array([0.0, 1.0, 0.0, 0.0])

    def initial(self, sig_a: float, sig_b: float, coverage_cap: float) -> np.ndarray:
        """Sizes from Stone's profile on a normal cloud (module docstring), the core at most at ``coverage_cap``."""
        z_all = float(self.z.sum())
        cum = 0.0
        p = [0.0, 0.0]
        prev = None
        for k, units in enumerate(self.levels):
            cum += float(self.z[units].sum())
            rho = normal_radius(cum, z_all, sig_a, sig_b)
            # The rectangle of the ellipse's area with the same axis ratio: half-sides ρσ·√π/2.
            ha, hb = 0.5 * math.sqrt(math.pi) * rho * sig_a, 0.5 * math.sqrt(math.pi) * rho * sig_b
            if k == 0:
                a_min = float(self.z[units].sum()) / coverage_cap
                if 4 * ha * hb < a_min:
                    s = math.sqrt(a_min / (4 * ha * hb))
                    ha, hb = ha * s, hb * s
                p += [math.log(ha), math.log(hb)]
            else:
                ta = max(ha - prev[0], 0.05 * prev[0], 50.0)
                tb = max(hb - prev[1], 0.05 * prev[1], 50.0)
                ha, hb = prev[0] + ta, prev[1] + tb
                p += [math.log(ta), math.log(tb), math.log(ta), math.log(tb)]
            prev = (ha, hb)
        return np.array(p)

    def steps(self, scale_m: float) -> np.ndarray:
        return np.concatenate([[0.15 * scale_m, 0.15 * scale_m, 0.2, 0.2], np.full(4 * (len(self.levels) - 1), 0.3)])


def order_for_core(caps: Sequence[float], efforts_m2: Sequence[float]) -> list[int]:
    """Units with effort, the largest reachable coverage first (ties: the larger effort)."""
    keep = [i for i, z in enumerate(efforts_m2) if z > 0]
    return sorted(keep, key=lambda i: (-round(caps[i], 1), -efforts_m2[i], i))


def level_options(order: list[int], caps: Sequence[float], efforts_m2: Sequence[float]) -> list[list[list[int]]]:
    """Candidate groupings of the ordered units into core and frames: (a) one core then frames of four;
    (b) one level per class of reachable coverage (within 25 % of the class's first unit), split into fours."""
    def frames(grp: list[int]) -> list[list[int]]:
        return [sorted(grp[i:i + 4], key=lambda j: -efforts_m2[j]) for i in range(0, len(grp), 4)]  # larger efforts on N, S

    sizes = groups_of(len(order))
    a = [order[: sizes[0]]] + frames(order[sizes[0]:])
    classes: list[list[int]] = []
    for i in order:
        if classes and caps[i] >= 0.75 * caps[classes[-1][0]]:
            classes[-1].append(i)
        else:
            classes.append([i])
    b: list[list[int]] = []
    for grp in classes:
        b += [grp[:4]] + frames(grp[4:]) if not b else frames(grp)
    return [a] if b == a else [a, b]


def nested_layout(
    ids: Sequence[str],
    efforts_m2: Sequence[float],
    caps: Sequence[float],
    centre: np.ndarray,
    sigma_m: np.ndarray,
    axes: np.ndarray,
    gap_m: float,
    score_coarse: Callable[[dict[str, Rectangle]], float],
    score_fine: Callable[[dict[str, Rectangle]], float],
    evals: tuple[int, int] = (300, 150),
    arrivals_s: Optional[Sequence[float]] = None,
) -> Optional[dict[str, Rectangle]]:
    """Best nested layout found (see module docstring), or None when fewer than one unit has effort.

    Parameters
    ----------
    ids, efforts_m2 : the units and the effort (m²) each can spend on task in the period.
    caps : the largest coverage each unit can fly (its sweep width over its practical minimum spacing, capped).
    centre, sigma_m, axes : the cloud's weighted centre (m), principal standard deviations (m, major
        first) and principal axes (columns).
    gap_m : distance kept between neighbouring boxes, m.
    score_coarse, score_fine : the planner's plan score of a set of rectangles on its coarse and fine samples.
    evals : Nelder–Mead evaluations on the coarse sample, then on the fine one.
    arrivals_s : each unit's earliest time on task (survival objective): layouts with the earliest in the core are tried too.
    """
    order = order_for_core(caps, efforts_m2)
    if not order:
        return None
    ea = axes[:, 0]
    best = None
    phi = math.atan2(ea[1], ea[0])
    options = level_options(order, caps, efforts_m2)
    if arrivals_s is not None:  # survival objective: also the earliest on task in the core (found alive sooner)
        early = sorted(order, key=lambda i: (arrivals_s[i], -caps[i]))
        options += [g for g in level_options(early, [1.0] * len(caps), efforts_m2) if g not in options]
    for levels in options:
        lay = NestedLayout(centre, phi, levels, ids, efforts_m2, gap_m)
        x0 = lay.initial(float(sigma_m[0]), float(sigma_m[1]), max(caps[j] for j in levels[0]))
        g, p = optimise_layout(lay, x0, score_coarse, evals[0], float(sigma_m[0]))
        if best is None or g > best[0]:
            best = (g, lay, p)
    g, lay, p = best
    g, p = optimise_layout(lay, p, score_fine, evals[1], float(sigma_m[0]))
    if g <= 0:
        return None
    return lay.rects(p)




def two_modes(x: np.ndarray, y: np.ndarray, w: np.ndarray, iters: int = 12) -> Optional[np.ndarray]:
    """Labels 0/1 of two well separated modes of the points (weighted 2-means), or None for one mode.

    Separated: the centroids are more than 2 × (σ₀ + σ₁) apart, σ the rms per-axis spread of each mode.
    """
    ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
    if ok.sum() < 20:
        return None
    centre, _, axes = principal_axes(x, y, w)
    a = np.where(ok, (x - centre[0]) * axes[0, 0] + (y - centre[1]) * axes[1, 0], 0.0)
    lab = (a > 0).astype(int)
    for _ in range(iters):
        cs = []
        for g in (0, 1):
            m = ok & (lab == g)
            if not m.any():
                return None
            cs.append((np.average(x[m], weights=w[m]), np.average(y[m], weights=w[m])))
        d0 = (x - cs[0][0]) ** 2 + (y - cs[0][1]) ** 2
        d1 = (x - cs[1][0]) ** 2 + (y - cs[1][1]) ** 2
        lab = (d1 < d0).astype(int)
    sig = []
    for g in (0, 1):
        m = ok & (lab == g)
        if w[m].sum() < 0.1 * w[ok].sum():
            return None
        sig.append(math.sqrt(0.5 * np.average((x[m] - cs[g][0]) ** 2 + (y[m] - cs[g][1]) ** 2, weights=w[m])))
    d = math.hypot(cs[0][0] - cs[1][0], cs[0][1] - cs[1][1])
    return np.where(ok, lab, 0) if d > 2.0 * (sig[0] + sig[1]) else None


def hhmm(t_s: float) -> str:
    """Epoch seconds as ``DDHHMMZ`` (the day and time of the SAP message)."""
    return _dt.datetime.fromtimestamp(t_s, _dt.timezone.utc).strftime("%d%H%MZ")


def split_rect(r: Rectangle, gap_m: float, fractions: Sequence[float] = (0.1, 0.2, 0.35, 0.5)) -> list[tuple[Rectangle, Rectangle]]:
    """``r`` cut across its long side into a part of ``f`` of it and the rest (both ways round), ``gap_m`` apart."""
    out = []
    long_a = r.leg_m >= r.creep_m
    side = r.leg_m if long_a else r.creep_m
    for f in fractions:
        for sign in (1.0, -1.0):
            la, lb = f * side - 0.5 * gap_m, (1 - f) * side - 0.5 * gap_m
            if la <= 1.0 or lb <= 1.0:
                continue
            ca, cb = sign * (0.5 * side - 0.5 * la), -sign * (0.5 * side - 0.5 * lb)
            if long_a:
                pa, pb = r.point(ca, 0.0), r.point(cb, 0.0)
                out.append((Rectangle(pa[0], pa[1], r.phi, la, r.creep_m), Rectangle(pb[0], pb[1], r.phi, lb, r.creep_m)))
            else:
                pa, pb = r.point(0.0, ca), r.point(0.0, cb)
                out.append((Rectangle(pa[0], pa[1], r.phi, r.leg_m, la), Rectangle(pb[0], pb[1], r.phi, r.leg_m, lb)))
    return out
