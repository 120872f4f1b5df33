"""Object-state changes after distress and survival of persons in the water.

States (a semi-Markov chain per scenario): each state has a Leeway class, a sojourn time
(uniform between ``sojourn_min_h`` and ``sojourn_max_h``, or exponential with mean
``sojourn_mean_h``) and next states with branch probabilities; a state without next
states is absorbing. SAROPS switches each particle once, at distress, from the craft to a
distress object (REFERENCES §10); here a particle can go on, e.g. fishing vessel → (sinking
time) → life raft (p) or person in water (1 − p) → ... Each particle's path is drawn at
seeding; the drift engine switches its Leeway coefficients at the first time step starting
at or after each change.

Survival: while a particle's class is a person in the water (``PIW-*``) its "alive" weight
decays as a Weibull survival ``S(τ) = exp(−ln 2 · (τ/t50)^k)`` of the time τ spent in the
water (SAROPS models survival after distress as Weibull per object type, REFERENCES §10).
The median ``t50`` is given, or taken from the water temperature T (°C) by the cold-water
survival-time prediction of Hayward, Eckerson & Collis (1975, "Thermal balance and survival
time prediction of man in cold water", *Can. J. Physiol. Pharmacol.* 53, 21–32) for a lightly
clothed adult with a lifejacket: ``t50 = 15 + 7.2/(0.0785 − 0.0034·T)`` minutes. The shape
``k`` (default 2) is a modelling choice, not from that source.
"""

from __future__ import annotations

import math

import numpy as np

MAX_CHANGES = 1000


def hayward_median_h(water_temp_c: float) -> float:
    """Predicted survival time (h) in water at ``water_temp_c`` °C (Hayward et al. 1975)."""
    return (15.0 + 7.2 / (0.0785 - 0.0034 * water_temp_c)) / 60.0


def survival_fraction(tau_s: np.ndarray, median_h: float, shape: float) -> np.ndarray:
    """Weibull survival after ``tau_s`` seconds in the water, median ``median_h`` hours."""
    tau = np.maximum(np.asarray(tau_s, dtype=np.float64), 0.0) / 3600.0
    return np.exp(-math.log(2.0) * (tau / median_h) ** shape)


def median_h(survival) -> float:
    """Median survival time, h: given, or from the water temperature (Hayward)."""
    return float(survival.median_h) if survival.median_h is not None else hayward_median_h(survival.water_temp_c)


def sample_paths(rng: np.random.Generator, states: list, start: np.ndarray, t_start: np.ndarray, until_s: float):
    """State changes of particles starting in states ``start`` at times ``t_start``, up to ``until_s``.

    The draws do not depend on ``until_s``: every round draws the next sojourn and branch of
    every particle not yet absorbed (also those already past ``until_s``) and only the
    recording stops at ``until_s``. So a longer horizon gives the same changes up to the
    shorter one plus later ones, and a drift continued later (:mod:`sarex.drift.continuation`)
    has the changes an uninterrupted run would have had.

    Returns
    -------
    (times, particles, new_states)
        One entry per change, in the order drawn (not sorted).
    """
    names = [s.name for s in states]
    cur = start.astype(np.int64).copy()
    t = t_start.astype(np.float64).copy()
    going = np.ones(cur.size, dtype=bool)  # not absorbed
    ev_t, ev_p, ev_s = [], [], []
    for _ in range(MAX_CHANGES):
        if not (going & (t <= until_s)).any():
            break
        for j, s in enumerate(states):
            sel = np.flatnonzero(going & (cur == j))
            if sel.size == 0:
                continue
            if not s.next:
                going[sel] = False
                continue
            if s.sojourn_mean_h is not None:
                d = rng.exponential(s.sojourn_mean_h * 3600.0, sel.size)
            else:
                d = rng.uniform(s.sojourn_min_h * 3600.0, s.sojourn_max_h * 3600.0, sel.size)
            p = np.array([b.weight for b in s.next])
            nxt = np.array([names.index(b.state) for b in s.next])
            pick = nxt[rng.choice(p.size, size=sel.size, p=p / p.sum())] if p.size > 1 else np.full(sel.size, nxt[0])
            t[sel] += d
            keep = t[sel] <= until_s
            ev_t.append(t[sel][keep])
            ev_p.append(sel[keep])
            ev_s.append(pick[keep])
            cur[sel] = pick
    cat = (lambda a, dt: np.concatenate(a).astype(dt) if a else np.zeros(0, dtype=dt))
    return cat(ev_t, np.float64), cat(ev_p, np.int64), cat(ev_s, np.int64)


def state_history(initial: np.ndarray, ev_t, ev_p, ev_s, out_times: np.ndarray) -> np.ndarray:
    """State of each particle at each output time (changes at or before the time count), shape (n, n_out)."""
    order = np.argsort(ev_t, kind="stable")
    ev_t, ev_p, ev_s = ev_t[order], ev_p[order], ev_s[order]
    cur = initial.astype(np.int16).copy()
    out = np.empty((initial.size, out_times.size), dtype=np.int16)
    k = 0
    for j, t in enumerate(out_times):
        k1 = int(np.searchsorted(ev_t, t, side="right"))
        cur[ev_p[k:k1]] = ev_s[k:k1]  # numpy assigns repeated indices in order: the last change wins
        k = k1
        out[:, j] = cur
    return out


def water_intervals(initial: np.ndarray, in_water: np.ndarray, t_start: np.ndarray, ev_t, ev_p, ev_s):
    """(start, end, particle) of every stay in a water state (end = +inf while still there)."""
    order = np.lexsort((ev_t, ev_p))
    ev_t, ev_p, ev_s = ev_t[order], ev_p[order], ev_s[order]
    wet = in_water[initial]
    since = np.where(wet, t_start, np.nan)
    a, b, p = [], [], []
    for t, q, s in zip(ev_t.tolist(), ev_p.tolist(), ev_s.tolist()):
        now_wet = bool(in_water[s])
        if not math.isnan(since[q]) and not now_wet:
            a.append(since[q])
            b.append(t)
            p.append(q)
            since[q] = np.nan
        elif math.isnan(since[q]) and now_wet:
            since[q] = t
    open_ = np.flatnonzero(~np.isnan(since))
    a = np.concatenate([np.array(a, dtype=np.float64), since[open_]])
    b = np.concatenate([np.array(b, dtype=np.float64), np.full(open_.size, np.inf)])
    p = np.concatenate([np.array(p, dtype=np.int64), open_])
    return a, b, p


def time_in_water(n: int, intervals, out_times: np.ndarray) -> np.ndarray:
    """Seconds spent in the water by each output time, shape (n, n_out)."""
    a, b, p = intervals
    out = np.zeros((n, out_times.size))
    for j, t in enumerate(out_times):
        np.add.at(out[:, j], p, np.clip(np.minimum(b, t) - a, 0.0, None))
    return out
