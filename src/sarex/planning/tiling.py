"""Adjacent, non-overlapping sub-areas for several units: strips that tile one region shaped like Stone's.

Stone's optimal allocation for exponential detection puts effort where the
probability density exceeds the Lagrange multiplier λ, with coverage
``c*(x) = ln(p(x)/λ)`` (REFERENCES §5); for a circular normal cloud the searched
region is a disc of radius ``σ√(2H)`` with coverage ``H − r²/2σ²``, highest at the
centre. One rectangle per unit at uniform coverage cannot follow that profile,
but a row of adjacent strips can approximate the disc: each strip ``j`` spans
``[a_j, a_{j+1}]`` across the row and its own height ``h_j`` along it, so the row's
outline narrows away from the centre and each unit's coverage ``c_j = Z_j/(w_j h_j)``
may differ from its neighbours' (higher in the middle). The continuous optimum
of such a row for the wide-cloud case of issue 13 (σ = 15 NM, three ships and
three aircraft, H = 1.53) is 96 % of P*; one uniform square is 95 %.

The layout is optimised on the particles (the planner's own time-averaged
coverage model, :mod:`sarex.planning.coverage`): parameters are the row's offset
and each strip's log coverage, log height and offset along the row's axis; the
strip widths follow from each unit's effort so neighbours never overlap (they
are ``gap_m`` apart by construction). Nelder–Mead runs first on the planner's
coarse particle subsample, then on the fine one. Row orientations along both
principal axes and two orders of the units are tried:

* *pyramid*: the smallest efforts in the middle, the largest outside (small
  units where the density is highest, so each of them adds the most it can);
* *by start*: units ordered by where they start along the row, fewer crossings.

Effort per unit ``Z_j`` is the unit's sweep width × the track it can fly in a
rectangle at the cloud's centre (transit and endurance included, via
:func:`sarex.planning.evaluate.fit_unit`).
"""

from __future__ import annotations

import math
from typing import Callable, Optional, Protocol, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import erf

from sarex.planning.plantypes import Sru
from sarex.planning.rectangle import Rectangle


def _uniform_box(z_m2: float, sig_a: float, sig_b: float, cov: tuple[float, float]) -> tuple[float, float, float]:
    """Sides ``(side_a, side_b)`` and coverage of the best uniform-coverage box for a normal cloud of σ ``sig_a × sig_b``."""
    best = (-1.0, 0.0, 0.0, 0.0)
    for s in np.linspace(0.5, 6.0, 111):
        la, lb = s * sig_a, s * sig_b
        c = min(z_m2 / (la * lb), cov[1])  # above the bound the track is cut
        if c < cov[0] and best[0] >= 0:  # below it the box shrinks: larger boxes are not searchable
            break
        g = erf(la / (2.0 * math.sqrt(2.0) * sig_a)) * erf(lb / (2.0 * math.sqrt(2.0) * sig_b)) * (1.0 - math.exp(-c))
        if g > best[0]:
            best = (g, la, lb, c)
    return best[1], best[2], best[3]


def _pyramid(items: list) -> list:
    """Largest first and last, smallest in the middle: ``[0, 2, 4, …, 5, 3, 1]`` of a decreasing list."""
    return items[0::2] + items[1::2][::-1]


class RowLayout:
    """Adjacent columns along ``e_a``; each column a stack of boxes along ``e_b`` (one unit each), all ``gap_m`` apart.

    Parameters ``p = [offset_a, (log width, offset_b) per column, log coverage per box]`` (m, log m, log):
    a box's height along ``e_b`` is its unit's effort / (coverage × column width).
    """

    def __init__(self, centre: np.ndarray, phi_a: float, columns: list[list[int]], ids: Sequence[str], efforts_m2: Sequence[float], gap_m: float):
        self.centre = centre
        self.phi_a = phi_a
        self.ea = np.array([math.cos(phi_a), math.sin(phi_a)])
        self.eb = np.array([-math.sin(phi_a), math.cos(phi_a)])
        self.columns = columns
        self.ids = list(ids)
        self.z = np.asarray(efforts_m2, dtype=float)
        self.gap = gap_m
        self.boxes = [i for col in columns for i in col]

    @property
    def key(self) -> tuple:
        return (round(self.phi_a, 9), tuple(tuple(c) for c in self.columns))

    def rects(self, p: np.ndarray) -> dict[str, Rectangle]:
        nc = len(self.columns)
        w = np.exp(np.clip(p[1 : 1 + 2 * nc : 2], 0.0, 15.0))
        ob = p[2 : 2 + 2 * nc : 2]
        c = dict(zip(self.boxes, np.exp(np.clip(p[1 + 2 * nc :], -5.0, 5.0))))
        a = float(p[0]) - 0.5 * (float(np.sum(w)) + self.gap * (nc - 1))
        out = {}
        for col, wc, bc in zip(self.columns, w, ob):
            h = [self.z[i] / (c[i] * wc) for i in col]
            b = float(bc) - 0.5 * (sum(h) + self.gap * (len(col) - 1))
            for i, hi in zip(col, h):
                cx, cy = self.centre + (a + 0.5 * wc) * self.ea + (b + 0.5 * hi) * self.eb
                # Legs along the longer side (fewer turns); the rectangle is the same either way.
                if hi >= wc:
                    out[self.ids[i]] = Rectangle(float(cx), float(cy), self.phi_a + 0.5 * math.pi, float(hi), float(wc))
                else:
                    out[self.ids[i]] = Rectangle(float(cx), float(cy), self.phi_a, float(wc), float(hi))
                b += hi + self.gap
            a += wc + self.gap
        return out

    def initial(self, height_m: float, coverage: float) -> np.ndarray:
        """Every column ``height_m`` tall at ``coverage``."""
        cols = []
        for col in self.columns:
            cols += [math.log(sum(self.z[i] for i in col) / (coverage * height_m)), 0.0]
        return np.concatenate([[0.0], cols, np.full(len(self.boxes), math.log(coverage))])

    def steps(self, scale_m: float) -> np.ndarray:
        return np.concatenate([[0.15 * scale_m], [0.2, 0.1 * scale_m] * len(self.columns), np.full(len(self.boxes), 0.25)])


def layouts(efforts_m2: Sequence[float], sigma_m: np.ndarray) -> list[tuple[int, list[list[int]]]]:
    """Candidate (axis, columns) layouts: one column per unit in pyramid order and, when some units
    have much less effort than the others, those stacked in the middle column; rows along the major
    axis, and along the minor one too when the cloud is elongated."""
    keep = [i for i, z in enumerate(efforts_m2) if z > 0]
    by_effort = sorted(keep, key=lambda i: -efforts_m2[i])
    out = []
    axes = (0, 1) if sigma_m[0] > 1.2 * sigma_m[1] else (0,)
    zmax = max(efforts_m2[i] for i in keep)
    small = [i for i in by_effort if efforts_m2[i] < 0.35 * zmax]
    big = [i for i in by_effort if efforts_m2[i] >= 0.35 * zmax]
    for axis in axes:
        out.append((axis, [[i] for i in _pyramid(by_effort)]))
        if len(small) >= 2 and big:
            cols = [[i] for i in big]
            out.append((axis, cols[: (len(cols) + 1) // 2] + [_pyramid(small)] + cols[(len(cols) + 1) // 2 :]))
    return out


def tile_region(
    srus: Sequence[Sru],
    efforts_m2: Sequence[float],
    centre: np.ndarray,
    sigma_m: np.ndarray,
    axes: np.ndarray,
    coverage_bounds: tuple[float, float],
    gap_m: float,
    score_coarse: Callable[[dict[str, Rectangle]], float],
    score_fine: Callable[[dict[str, Rectangle]], float],
    evals: tuple[int, int] = (400, 200),
) -> Optional[dict[str, Rectangle]]:
    """Best row layout found for ``srus`` (see module docstring), or None.

    Parameters
    ----------
    srus, efforts_m2 : the units and the effort each can spend (m²); units with no effort are left out.
    centre, sigma_m, axes : the cloud's weighted centre (m), principal standard deviations (m, major
        first) and principal axes (columns), from the planner.
    coverage_bounds : the planner's (min, max) coverage.
    gap_m : distance kept between neighbouring boxes, m.
    score_coarse, score_fine : plan POS of a set of rectangles (−1 when infeasible) on the coarse and
        the fine particle subsample.
    evals : Nelder–Mead evaluations per layout on the coarse subsample, then for the best on the fine one.
    """
    if sum(1 for z in efforts_m2 if z > 0) < 2:
        return None
    z_all = float(sum(z for z in efforts_m2 if z > 0))
    ids = [s.id for s in srus]
    results = []
    for axis, cols in layouts(efforts_m2, sigma_m):
        ea = axes[:, axis]
        row = RowLayout(centre, math.atan2(ea[1], ea[0]), cols, ids, efforts_m2, gap_m)
        _, side_b, c0 = _uniform_box(z_all, sigma_m[axis], sigma_m[1 - axis], coverage_bounds)
        g, p = optimise_layout(row, row.initial(side_b, c0), score_coarse, evals[0], side_b)
        results.append((g, row, p, side_b))
    g, row, p, side_b = max(results, key=lambda t: t[0])
    g, p = optimise_layout(row, p, score_fine, evals[1], side_b)
    if g <= 0:
        return None
    return row.rects(p)


class Layout(Protocol):
    """A parametrised set of unit rectangles (:class:`RowLayout`, :class:`~sarex.planning.share.NestedLayout`)."""

    def rects(self, p: np.ndarray) -> dict[str, Rectangle]: ...

    def steps(self, scale_m: float) -> np.ndarray: ...


def optimise_layout(lay: Layout, x0: np.ndarray, score: Callable[[dict[str, Rectangle]], float], evals: int,
                    scale_m: float) -> tuple[float, np.ndarray]:
    """Nelder–Mead over a layout's parameters from ``x0`` (initial simplex from ``lay.steps(scale_m)``, m);
    (score, parameters), never worse than ``x0``."""
    def f(p: np.ndarray) -> float:
        return -score(lay.rects(p))

    steps = lay.steps(scale_m)
    simplex = np.vstack([x0] + [x0 + np.eye(x0.size)[i] * steps[i] for i in range(x0.size)])
    res = minimize(f, x0, method="Nelder-Mead", options={"maxfev": evals, "initial_simplex": simplex, "xatol": 1.0, "fatol": 1e-7})
    g0 = -f(x0)
    if -res.fun >= g0:
        return -float(res.fun), np.asarray(res.x)
    return g0, x0
