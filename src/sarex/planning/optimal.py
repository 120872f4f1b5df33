"""Stone's optimal allocation of search effort (the best POS for a target that does not move).

Source: L. D. Stone (1975), *Theory of Optimal Search*, ch. 2–3; REFERENCES §5.
Cells ``i`` with area ``a_i`` (m²) and containment probability ``p_i``; effort
``z_i`` (area swept, m²) gives ``POD_i = 1 − exp(−z_i/a_i)`` (exponential
detection). For total effort ``Z`` the optimum is the water-filling solution

    z_i = a_i · max(0, ln(p_i / (a_i λ))),   Σ z_i = Z,

and the optimal probability of success is ``Σ_{i: z_i>0} p_i (1 − λ a_i/p_i)``.
λ is found exactly: cells are sorted by density ``p_i/a_i`` and the number of
cells that receive effort is the one for which λ falls between consecutive
densities.

Other detection functions ``b(c)`` of the coverage ``c = z/a`` (Stone 1975 §2.2:
the same Lagrange/KKT conditions hold for any concave increasing ``b``;
the detection models of REFERENCES §3):

* inverse cube, ``b(c) = erf(√π c / 2)``, ``b'(c) = exp(−π c²/4)``: each cell
  with density ``d_i > λ`` gets ``c_i = sqrt((4/π) ln(d_i/λ))``; λ by bisection
  on ``ln λ`` so that ``Σ a_i c_i = Z`` (monotone in λ);
* definite range, ``b(c) = min(1, c)``: the marginal gain per unit effort is the
  density until the cell is covered once, so the densest cells are covered to
  ``c = 1`` in turn (the last one partly).

Concave ``b`` makes the KKT point the global optimum, so each is the exact
optimum of the same effort with the same detection model on the given cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erf


@dataclass(frozen=True)
class Allocation:
    """Result of the optimal allocation.

    Attributes
    ----------
    effort_m2 : effort per cell (same shape as the input), m².
    pos : optimal probability of success.
    lam : the Lagrange multiplier λ (probability per m² at the edge of the searched region).
    cells_searched : number of cells that receive effort.
    """

    effort_m2: np.ndarray
    pos: float
    lam: float
    cells_searched: int


def optimal_allocation(p: np.ndarray, area_m2: np.ndarray | float, effort_m2: float) -> Allocation:
    """Stone's optimal effort allocation for exponential detection.

    Parameters
    ----------
    p : cell containment probabilities (any shape, >= 0; need not sum to 1).
    area_m2 : cell areas, m² (array of the same shape, or a scalar for equal cells).
    effort_m2 : total effort Z (area swept = sweep width × track length), m².

    Returns
    -------
    Allocation
    """
    p = np.asarray(p, dtype=np.float64)
    a = np.broadcast_to(np.asarray(area_m2, dtype=np.float64), p.shape)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("p must be finite and >= 0")
    if np.any(a <= 0):
        raise ValueError("cell areas must be > 0")
    z = np.zeros(p.shape)
    pos_idx = np.flatnonzero(p.ravel() > 0)
    if effort_m2 <= 0 or pos_idx.size == 0:
        return Allocation(z, 0.0, float("inf"), 0)
    pf = p.ravel()[pos_idx]
    af = a.ravel()[pos_idx]
    d = pf / af
    order = np.argsort(-d, kind="stable")
    d_s, a_s, p_s = d[order], af[order], pf[order]
    # With the k densest cells searched: ln λ_k = (Σ a ln d − Z) / Σ a; valid when λ_k < d_k
    # (the k-th cell still gets effort) and λ_k >= d_{k+1} (the next one does not).
    ca = np.cumsum(a_s)
    cald = np.cumsum(a_s * np.log(d_s))
    loglam = (cald - effort_m2) / ca
    nxt = np.append(np.log(d_s[1:]), -np.inf)
    ok = np.flatnonzero(loglam >= nxt)
    k = int(ok[0]) + 1
    lam = float(np.exp(loglam[k - 1]))
    zs = a_s[:k] * (np.log(d_s[:k]) - loglam[k - 1])
    zf = np.zeros(pf.size)
    zf[order[:k]] = zs
    z.ravel()[pos_idx] = zf
    pos = float(np.sum(p_s[:k]) - lam * np.sum(a_s[:k]))
    return Allocation(z, pos, lam, k)


def _check(p, area_m2):
    p = np.asarray(p, dtype=np.float64)
    a = np.broadcast_to(np.asarray(area_m2, dtype=np.float64), p.shape)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("p must be finite and >= 0")
    if np.any(a <= 0):
        raise ValueError("cell areas must be > 0")
    return p, a


def optimal_allocation_model(p: np.ndarray, area_m2: np.ndarray | float, effort_m2: float, model: str = "exponential") -> Allocation:
    """Stone's optimal allocation for the detection ``model`` ("exponential", "inverse-cube", "definite").

    Same parameters and result as :func:`optimal_allocation` (which it calls for
    "exponential"); ``lam`` is the marginal POS per m² of effort at the optimum.
    """
    from sarex.search.podmodel import DetectionModel

    model = DetectionModel.parse(model).label
    if model == "exponential":
        return optimal_allocation(p, area_m2, effort_m2)
    p, a = _check(p, area_m2)
    z = np.zeros(p.shape)
    idx = np.flatnonzero(p.ravel() > 0)
    if effort_m2 <= 0 or idx.size == 0:
        return Allocation(z, 0.0, float("inf"), 0)
    pf, af = p.ravel()[idx], a.ravel()[idx]
    d = pf / af
    if model == "definite":
        order = np.argsort(-d, kind="stable")
        full = np.cumsum(af[order])
        k = int(np.searchsorted(full, effort_m2, side="right"))  # cells covered completely
        zf = np.zeros(pf.size)
        zf[order[:k]] = af[order[:k]]
        if k < pf.size:
            zf[order[k]] = effort_m2 - (full[k - 1] if k else 0.0)
        cov = zf / af
        pos = float(np.sum(pf * np.minimum(1.0, cov)))
        lam = float(d[order[min(k, pf.size - 1)]])
        z.ravel()[idx] = zf
        return Allocation(z, pos, lam, int(np.count_nonzero(zf)))
    if model != "inverse-cube":
        raise ValueError(f"unknown detection model {model!r}")
    ld = np.log(d)

    def cover(loglam: float) -> np.ndarray:
        return np.sqrt(np.maximum(0.0, (4.0 / math.pi) * (ld - loglam)))

    # Bracket ln λ: at max density nothing is searched; lower it until the effort is spent.
    hi = float(ld.max())
    lo = hi - 1.0
    while float(np.sum(af * cover(lo))) < effort_m2:
        lo = hi - 2.0 * (hi - lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if float(np.sum(af * cover(mid))) > effort_m2:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    c = cover(0.5 * (lo + hi))
    spent = float(np.sum(af * c))
    if spent > 0:
        c *= effort_m2 / spent  # remove the last bisection residue exactly
    zf = af * c
    z.ravel()[idx] = zf
    pos = float(np.sum(pf * erf(0.5 * math.sqrt(math.pi) * c)))
    return Allocation(z, pos, float(math.exp(0.5 * (lo + hi))), int(np.count_nonzero(zf)))


def optimal_pos(p: np.ndarray, area_m2: np.ndarray | float, effort_m2: float, model: str = "exponential") -> float:
    """The optimal probability of success for total effort ``effort_m2`` (m²) with the detection ``model``."""
    return optimal_allocation_model(p, area_m2, effort_m2, model).pos


def circular_normal_pos(effort_m2: float, sigma_m: float) -> float:
    """Closed-form optimal POS for a circular normal target (Stone 1975, §2.2).

    ``P* = 1 − (1 + H) e^{−H}`` with ``H = sqrt(Z / (π σ²))``.
    """
    h = np.sqrt(effort_m2 / (np.pi * sigma_m**2))
    return float(1.0 - (1.0 + h) * np.exp(-h))
