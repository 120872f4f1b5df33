"""Interleaved parallel sweep: legs closer than a turn diameter, flown in an order a unit can turn.

A unit whose turn diameter ``2R`` is wider than the track spacing its sweep width
needs (``S ≤ W/min_coverage``, e.g. a maritime patrol aircraft or a destroyer
searching for a person in the water) cannot fly neighbouring legs one after the
other. Aerial survey practice flies such lines in an interleaved
("racetrack", skip-line) order: the legs are ``S`` apart, but consecutive legs
flown are ``k·S`` and ``(k − 1)·S`` apart with ``(k − 1)·S ≥ 2R``, so every
U-turn is an ordinary fly-by turn on arcs of ``R`` (IAMSAR Vol. II ch. 5 leaves
the order of the legs to the unit; REFERENCES §6, §12).

Lines are numbered 0, 1, … from the commence-search side. Blocks of ``2k`` lines:
an even block flies ``b, b+k, b+1, b+1+k, …, b+k−1, b+2k−1``; an odd block the
mirror ``b+2k−1, b+k−1, b+2k−2, …, b+k, b``, so the step between blocks is
``2k`` lines. Flown polyline = ``n·(L − S) + S·Σ|steps|``; the fly-by arcs save
``(4 − π)·R`` at each of the ``n − 1`` U-turns (two 90° corners), as in
:func:`sarex.planning.patterns.fit_flyable_sweep`.

The cross legs at the ends of the legs lie inside the rectangle (S/2 from its
edge) and count as searched track, as they do for an ordinary sweep; here they
are longer (up to ``2k·S``), so the rectangle's mean coverage counts them too —
an approximation that slightly overstates the POD near the leg ends.
"""

from __future__ import annotations

import math

import numpy as np

from sarex.planning.patterns import Pattern, _bearing_deg, start_corner
from sarex.planning.rectangle import Rectangle


def interleaved_order(n: int, k: int) -> list[int]:
    """The order of ``n = 2·k·blocks`` lines (see module docstring); consecutive lines ≥ ``k − 1`` apart."""
    if k < 2 or n % (2 * k):
        raise ValueError(f"interleaved order needs n a multiple of 2k (n={n}, k={k})")
    out: list[int] = []
    for j in range(n // (2 * k)):
        b = 2 * k * j
        for i in range(k):
            out += [b + i, b + i + k] if j % 2 == 0 else [b + 2 * k - 1 - i, b + k - 1 - i]
    return out


def _steps(n: int, k: int) -> int:
    """Σ|step| of the interleaved order of ``n`` lines, in spacings."""
    blocks = n // (2 * k)
    return blocks * (k * k + (k - 1) * (k - 1)) + (blocks - 1) * 2 * k


def fit_interleaved_sweep(
    rect: Rectangle, track_m: float, turn_radius_m: float, min_spacing_m: float, max_spacing_m: float
) -> "tuple[Rectangle, int, float, float, int] | None":
    """Fit an interleaved sweep into ``rect`` using at most ``track_m`` of flown track.

    The spacing S stays within ``[min_spacing_m, max_spacing_m]``; ``n = 2·k·blocks`` legs with
    the smallest ``k`` such that ``(k − 1)·S ≥ 2R``; the fewest legs whose length fits the
    rectangle's leg side (else the track is cut). A creep side narrower than one block is widened; one
    that no whole number of blocks spans at an allowed spacing is narrowed to the nearest that does.

    Returns
    -------
    (fitted rectangle, legs n, spacing S in m, flown track in m, k), or None when none fits.
    """
    L, B, T, R = rect.leg_m, rect.creep_m, track_m, max(0.0, turn_radius_m)
    c = (4.0 - math.pi) * R
    s_lo, s_hi = max(min_spacing_m, 1e-3), max_spacing_m
    if R <= 0 or T <= 0 or not math.isfinite(s_hi) or s_lo > s_hi:
        return None
    k_hi_block = int(math.ceil(2.0 * R / s_hi - 1e-9)) + 1
    B = max(B, 2 * k_hi_block * s_hi)  # room for one block at the widest spacing
    best = None  # ranks: legs that fit the rectangle, then the least cross-leg track, then the most track
    k_max = int(math.ceil(2.0 * R / s_lo - 1e-9)) + 1
    for k in range(max(2, k_hi_block), k_max + 1):
        bk = B
        b_lo = max(1, int(math.ceil(bk / (2 * k * s_hi) - 1e-9)))
        b_hi = int(math.floor(min(bk / (2 * k * s_lo), bk * (k - 1) / (2 * k * 2.0 * R)) + 1e-9))
        if b_hi >= 1 and b_lo > b_hi:
            # No whole number of blocks spans the creep side at an allowed spacing: narrowed to b_hi blocks at
            # the widest ((k − 1)·S ≥ 2R still holds there, as k ≥ k_hi_block).
            bk, b_lo = 2 * k * b_hi * s_hi, b_hi
        for blocks in range(b_lo, b_hi + 1):
            n = 2 * k * blocks
            s = bk / n
            d = _steps(n, k)
            leg_full = (T - s * d + (n - 1) * c) / n + s
            leg = min(L, leg_full)
            flown = n * (leg - s) + s * d - (n - 1) * c
            if leg - s < 2.0 * R - 1e-6 or leg < 2.0 * s or flown <= 0:
                continue
            rank = (leg_full <= L, -s * d, flown)
            if best is None or rank > best[0]:
                best = (rank, (Rectangle(rect.cx, rect.cy, rect.phi, leg, bk), n, s, flown, k))
            if leg_full <= L:
                break  # more blocks of this k only add legs
    return None if best is None else best[1]


def interleaved_sweep(rect: Rectangle, n_legs: int, k: int, start_near: "tuple[float, float] | None", turn_radius_m: float) -> Pattern:
    """Parallel sweep / creeping line of ``n_legs`` legs in ``rect``, flown in the interleaved order.

    Same geometry as :func:`sarex.planning.patterns.sweep` (legs along the leg side, inset S/2,
    CSP in the corner nearest ``start_near``); only the order of the legs differs.
    """
    s = rect.creep_m / n_legs
    half_leg = 0.5 * rect.leg_m - 0.5 * s
    half_creep = 0.5 * rect.creep_m
    sa, sb = start_corner(rect, start_near)
    xs, ys = [], []
    for q, line in enumerate(interleaved_order(n_legs, k)):
        b = sb * (half_creep - 0.5 * s - line * s)
        a0 = sa * half_leg if q % 2 == 0 else -sa * half_leg
        for a in (a0, -a0):
            px, py = rect.point(a, b)
            xs.append(px)
            ys.append(py)
    x, y = np.array(xs), np.array(ys)
    kind = "PS" if rect.leg_m >= rect.creep_m else "CS"
    creep = rect.v if sb < 0 else (-rect.v[0], -rect.v[1])
    return Pattern(kind, x, y, s, rect.polygon(), _bearing_deg(x[1] - x[0], y[1] - y[0]), _bearing_deg(*creep), turn_radius_m, interleave=k)
