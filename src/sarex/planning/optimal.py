"""Stone's optimal allocation of search effort (the best POS any plan could reach).

Source: L. D. Stone (1975), *Theory of Optimal Search*, ch. 2–3; REFERENCES §5.
Cells ``i`` with area ``a_i`` (m²) and containment probability ``p_i``; effort
``z_i`` (area swept, m²) gives ``POD_i = 1 − exp(−z_i/a_i)`` (exponential
detection). For total effort ``Z`` the optimum is the water-filling solution

    z_i = a_i · max(0, ln(p_i / (a_i λ))),   Σ z_i = Z,

and the optimal probability of success is ``Σ_{i: z_i>0} p_i (1 − λ a_i/p_i)``.
λ is found exactly: cells are sorted by density ``p_i/a_i`` and the number of
cells that receive effort is the one for which λ falls between consecutive
densities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def optimal_pos(p: np.ndarray, area_m2: np.ndarray | float, effort_m2: float) -> float:
    """The optimal probability of success for total effort ``effort_m2`` (m²)."""
    return optimal_allocation(p, area_m2, effort_m2).pos


def circular_normal_pos(effort_m2: float, sigma_m: float) -> float:
    """Closed-form optimal POS for a circular normal target (Stone 1975, §2.2).

    ``P* = 1 − (1 + H) e^{−H}`` with ``H = sqrt(Z / (π σ²))``.
    """
    h = np.sqrt(effort_m2 / (np.pi * sigma_m**2))
    return float(1.0 - (1.0 + h) * np.exp(-h))
