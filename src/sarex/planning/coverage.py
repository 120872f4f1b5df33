"""Probability of detection of moving particles by a unit searching a rectangle.

Coverage model (documented choice). A unit with sweep width W sweeps a
rectangle of area A with track length T during its time on task
``[t_a, t_b]``; its coverage is ``C = W·T/A`` (REFERENCES §3). A drifting
particle ``k`` that spends the fraction ``f_k`` of ``[t_a, t_b]`` inside the
rectangle receives the effective coverage ``C·f_k`` and is detected with
``POD_k = pod(C·f_k)`` (definite range, exponential/random search, or inverse
cube; REFERENCES §3). ``f_k`` is the time average of the particle's
inside-indicator, the positions being linearly interpolated between the drift
output times and sampled on a regular grid of times (trapezoidal weights).

This spreads the unit's effort uniformly over the rectangle *and* over its time
on task, rather than following the order in which the legs are flown: for a
static cloud it is exact (``f_k`` is 0 or 1); for a moving cloud it credits a
particle that crosses the area for the share of the effort it was exposed to.
It is what SAROPS-like planners call a "time-averaged" coverage and keeps the
optimisation fast (one pass over particles × samples per candidate area).

The POD formula is :func:`sarex.search.podmodel.pod_of_coverage`, inlined into
the kernels; ``model`` is a :class:`~sarex.search.podmodel.DetectionModel` code.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from sarex.search.podmodel import pod_of_coverage as _pod


@nb.njit(cache=True)
def _inside_fraction(x, y, tw, m0, m1, k, cx, cy, ux, uy, half_leg, half_creep):
    f = 0.0
    for m in range(m0, m1):
        dx = x[k, m] - cx
        dy = y[k, m] - cy
        a = dx * ux + dy * uy
        # NaN positions (not yet released, left the data) compare False: outside.
        if a <= half_leg and a >= -half_leg:
            b = dy * ux - dx * uy
            if b <= half_creep and b >= -half_creep:
                f += tw[m]
    return f


@nb.njit(cache=True)
def _alive_fraction(x, y, tw, m0, m1, k, cx, cy, ux, uy, half_leg, half_creep, alive):
    """Σ time weight × probability alive over the samples where particle ``k`` is inside (issue 32's survival objective)."""
    f = 0.0
    for m in range(m0, m1):
        dx = x[k, m] - cx
        dy = y[k, m] - cy
        a = dx * ux + dy * uy
        if a <= half_leg and a >= -half_leg:
            b = dy * ux - dx * uy
            if b <= half_creep and b >= -half_creep:
                f += tw[m] * alive[k, m]
    return f


@nb.njit(cache=True)
def path_bounds(x, y):
    """Per-particle bounding box of the sampled path, (N, 4): xmin, xmax, ymin, ymax (NaN if never present)."""
    n, m = x.shape
    out = np.full((n, 4), np.nan)
    for k in range(n):
        for j in range(m):
            xv, yv = x[k, j], y[k, j]
            if xv == xv and yv == yv:
                if not (out[k, 0] <= xv):
                    out[k, 0] = xv
                if not (out[k, 1] >= xv):
                    out[k, 1] = xv
                if not (out[k, 2] <= yv):
                    out[k, 2] = yv
                if not (out[k, 3] >= yv):
                    out[k, 3] = yv
    return out


@nb.njit(cache=True)
def rect_gain(x, y, tw, m0, m1, weight, cx, cy, ux, uy, half_leg, half_creep, coverage, cscale, model, bounds, alive):
    """Σ_k weight_k · POD_k for one rectangle (the probability of success it adds).

    Parameters
    ----------
    x, y : (N, M) particle positions in the plane at the sample times, m (NaN = absent).
    tw : (M,) time weights of the unit's time on task (sum 1, zero outside ``[m0, m1)``).
    weight : (N,) particle weights (e.g. prior weight × probability still undetected).
    cx, cy, ux, uy, half_leg, half_creep : rectangle centre (m), leg direction (unit vector), half sides (m).
    coverage : C = W·T/A.
    cscale : (N,) per particle, its class's sweep width over W (1 for one class).
    model : :class:`~sarex.search.podmodel.DetectionModel` code.
    bounds : (N, 4) from :func:`path_bounds`; particles whose whole path misses the
        rectangle's bounding box are skipped without looking at their samples.
    alive : (N, M) probability the person is alive at each sample (survival objective): a detection counts
        the mean of it over the particle's time in the area; a (0, 0) array counts every detection as 1 (POS).
    """
    use_alive = alive.shape[0] > 0
    ex = abs(ux) * half_leg + abs(uy) * half_creep
    ey = abs(uy) * half_leg + abs(ux) * half_creep
    rx0, rx1, ry0, ry1 = cx - ex, cx + ex, cy - ey, cy + ey
    total = 0.0
    for k in range(x.shape[0]):
        wk = weight[k]
        if wk <= 0.0:
            continue
        if bounds[k, 1] < rx0 or bounds[k, 0] > rx1 or bounds[k, 3] < ry0 or bounds[k, 2] > ry1:
            continue
        f = _inside_fraction(x, y, tw, m0, m1, k, cx, cy, ux, uy, half_leg, half_creep)
        if f > 0.0:
            v = _alive_fraction(x, y, tw, m0, m1, k, cx, cy, ux, uy, half_leg, half_creep, alive) / f if use_alive else 1.0
            total += wk * v * _pod(coverage * cscale[k] * f, model)
    return total


@nb.njit(cache=True)
def rect_pod(x, y, tw, m0, m1, cx, cy, ux, uy, half_leg, half_creep, coverage, cscale, model, pod_out, frac_out):
    """Per-particle POD (``pod_out``) and time fraction inside (``frac_out``) for one rectangle."""
    for k in range(x.shape[0]):
        f = _inside_fraction(x, y, tw, m0, m1, k, cx, cy, ux, uy, half_leg, half_creep)
        frac_out[k] = f
        pod_out[k] = _pod(coverage * cscale[k] * f, model) if f > 0.0 else 0.0


@nb.njit(cache=True)
def rects_pod(x, y, tw, m0, m1, geom, coverage, cscale, model, bounds, pod_out):
    """POD of ``k`` units' rectangles for every particle, in one pass (the planner's plan score).

    Parameters
    ----------
    x, y : (N, M) particle positions, m.
    tw : (k, M) each unit's time weights; m0, m1 : (k,) their nonzero range.
    geom : (k, 6) centre x, y (m), leg direction ux, uy, half leg, half creep (m).
    coverage : (k,) C = W·T/A.
    cscale : (k, N) per unit and particle, the particle's class's sweep width over the unit's W.
    model : detection model code.
    bounds : (N, 4) from :func:`path_bounds` (particles whose path misses a rectangle are skipped).
    pod_out : (k, N) output; 0 outside.
    """
    for j in range(geom.shape[0]):
        cx, cy, ux, uy, hl, hc = geom[j, 0], geom[j, 1], geom[j, 2], geom[j, 3], geom[j, 4], geom[j, 5]
        ex = abs(ux) * hl + abs(uy) * hc
        ey = abs(uy) * hl + abs(ux) * hc
        rx0, rx1, ry0, ry1 = cx - ex, cx + ex, cy - ey, cy + ey
        twj = tw[j]
        for k in range(x.shape[0]):
            pod_out[j, k] = 0.0
            if bounds[k, 1] < rx0 or bounds[k, 0] > rx1 or bounds[k, 3] < ry0 or bounds[k, 2] > ry1:
                continue
            f = _inside_fraction(x, y, twj, m0[j], m1[j], k, cx, cy, ux, uy, hl, hc)
            if f > 0.0:
                pod_out[j, k] = _pod(coverage[j] * cscale[j, k] * f, model)


@nb.njit(cache=True)
def plan_score(x, y, tw, m0, m1, geom, coverage, cscale, model, bounds, weight, marg_out, alive):
    """POS of ``k`` units together, ``Σ_n w_n (1 − Π_j (1 − POD_jn))``, and each unit's marginal POS.

    Same arguments as :func:`rects_pod` plus ``weight`` (N,); ``marg_out`` (k,) receives
    ``Σ_n w_n POD_jn Π_{i≠j} (1 − POD_in)`` (what the plan loses without unit j). Returns the POS.
    With ``alive`` (N, M) (survival objective, a (0, 0) array otherwise) it returns instead the probability of
    finding the person alive, ``Σ_n w_n Σ_j a_jn POD_jn Π_{i<j} (1 − POD_in)``, the units taken in the order given
    (the caller sorts them by time on task: the first detection counts) and ``a_jn`` the mean probability alive
    over the particle's time in unit j's area; ``marg_out`` stays the POS marginals.
    """
    use_alive = alive.shape[0] > 0
    av = np.ones(geom.shape[0])
    k = geom.shape[0]
    box = np.empty((k, 4))
    for j in range(k):
        ex = abs(geom[j, 2]) * geom[j, 4] + abs(geom[j, 3]) * geom[j, 5]
        ey = abs(geom[j, 3]) * geom[j, 4] + abs(geom[j, 2]) * geom[j, 5]
        box[j, 0], box[j, 1], box[j, 2], box[j, 3] = geom[j, 0] - ex, geom[j, 0] + ex, geom[j, 1] - ey, geom[j, 1] + ey
        marg_out[j] = 0.0
    q = np.empty(k)
    suf = np.empty(k + 1)
    total = 0.0
    for n in range(x.shape[0]):
        wn = weight[n]
        if wn <= 0.0:
            continue
        hit = False
        for j in range(k):
            q[j] = 1.0
            if bounds[n, 1] < box[j, 0] or bounds[n, 0] > box[j, 1] or bounds[n, 3] < box[j, 2] or bounds[n, 2] > box[j, 3]:
                continue
            f = _inside_fraction(x, y, tw[j], m0[j], m1[j], n, geom[j, 0], geom[j, 1], geom[j, 2], geom[j, 3], geom[j, 4], geom[j, 5])
            if f > 0.0:
                q[j] = 1.0 - _pod(coverage[j] * cscale[j, n] * f, model)
                hit = True
                if use_alive:
                    av[j] = _alive_fraction(x, y, tw[j], m0[j], m1[j], n, geom[j, 0], geom[j, 1], geom[j, 2], geom[j, 3], geom[j, 4], geom[j, 5], alive) / f
        if not hit:
            continue
        suf[k] = 1.0
        for j in range(k - 1, -1, -1):
            suf[j] = suf[j + 1] * q[j]
        if use_alive:
            pre = 1.0
            for j in range(k):
                total += wn * av[j] * (1.0 - q[j]) * pre
                pre *= q[j]
        else:
            total += wn * (1.0 - suf[0])
        pre = 1.0
        for j in range(k):
            marg_out[j] += wn * (1.0 - q[j]) * pre * suf[j + 1]
            pre *= q[j]
    return total


@nb.njit(cache=True)
def _time_weights_nb(t, a, b, w):
    n = t.size
    for i in range(n):
        w[i] = 0.0
    if n == 1:
        w[0] = 1.0
        return 0, 1
    a = min(max(a, t[0]), t[n - 1])
    b = min(max(b, t[0]), t[n - 1])
    if b <= a:
        j = n - 2
        for i in range(n):
            if t[i] > a:
                j = i - 1
                break
        j = min(max(j, 0), n - 2)
        al = (a - t[j]) / (t[j + 1] - t[j])
        w[j] += 1.0 - al
        w[j + 1] += al
        return j, j + 2
    for i in range(n - 1):
        s0 = max(a, t[i])
        s1 = min(b, t[i + 1])
        ln = s1 - s0
        if ln > 0.0:
            dt = t[i + 1] - t[i]
            mean_alpha = 0.5 * ((s0 - t[i]) + (s1 - t[i])) / dt
            w[i] += ln * (1.0 - mean_alpha)
            w[i + 1] += ln * mean_alpha
    lo, hi = n, 0
    for i in range(n):
        w[i] /= b - a
        if w[i] > 0.0:
            lo = min(lo, i)
            hi = i + 1
    return lo, hi


def time_weights(times_s: np.ndarray, start_s: float, end_s: float) -> tuple[np.ndarray, int, int]:
    """Weights of the samples at ``times_s`` for the time average over ``[start_s, end_s]``.

    The sampled quantity is taken as linear between samples (trapezoidal rule on
    the clipped interval). Returns ``(weights, m0, m1)`` with nonzero weights in
    ``[m0, m1)``. A zero-length interval gets the interpolation weights of its instant.
    """
    t = np.ascontiguousarray(times_s, dtype=np.float64)
    w = np.empty(t.size)
    m0, m1 = _time_weights_nb(t, float(start_s), float(end_s), w)
    return w, int(m0), int(m1)
