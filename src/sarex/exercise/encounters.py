"""Closest approaches between search units and the truth object, and detection draws at them.

In a search the chance to detect comes at each closest point of approach (CPA)
of a unit to the object: the lateral range curve gives the probability of
detection as a function of the CPA range (Koopman 1946; Washburn, *Search and
Detection*; REFERENCES §3). Both the unit and the object move, so the CPA is
found on their relative motion: with both tracks interpolated linearly in time
on a common set of instants (in a local equal-area projection), the relative
position is piecewise linear and its range has one analytic minimum per
interval. Every local minimum of the range over time is an encounter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Encounter:
    """One closest approach of a unit to the object."""

    unit_id: str
    time_s: float
    range_m: float


def closest_approaches(
    unit_t: np.ndarray,
    unit_x: np.ndarray,
    unit_y: np.ndarray,
    obj_t: np.ndarray,
    obj_x: np.ndarray,
    obj_y: np.ndarray,
    max_range_m: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and ranges (m) of every local minimum of the unit–object range.

    Parameters
    ----------
    unit_t, unit_x, unit_y
        The unit's fixes: increasing times (s) and positions (m, local projection).
    obj_t, obj_x, obj_y
        The object's track, likewise.
    max_range_m
        Only encounters closer than this are returned.

    Only the time span both tracks cover is considered; an end of that span
    counts as an encounter if the range is still falling (or first rising) there.
    """
    t0 = max(unit_t[0], obj_t[0])
    t1 = min(unit_t[-1], obj_t[-1])
    if not t1 > t0:
        return np.zeros(0), np.zeros(0)
    ts = np.union1d(unit_t[(unit_t > t0) & (unit_t < t1)], obj_t[(obj_t > t0) & (obj_t < t1)])
    ts = np.concatenate([[t0], ts, [t1]])
    dx = np.interp(ts, unit_t, unit_x) - np.interp(ts, obj_t, obj_x)
    dy = np.interp(ts, unit_t, unit_y) - np.interp(ts, obj_t, obj_y)
    # analytic minimum of |d0 + s (d1 - d0)| on each interval
    ex, ey = np.diff(dx), np.diff(dy)
    ee = ex * ex + ey * ey
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(ee > 0, -(dx[:-1] * ex + dy[:-1] * ey) / ee, 0.0)
    inner = (s > 0.0) & (s < 1.0)
    ti = ts[:-1][inner] + s[inner] * np.diff(ts)[inner]
    ri = np.hypot(dx[:-1][inner] + s[inner] * ex[inner], dy[:-1][inner] + s[inner] * ey[inner])
    tb = ts
    rb = np.hypot(dx, dy)
    t_all = np.concatenate([tb, ti])
    r_all = np.concatenate([rb, ri])
    order = np.argsort(t_all, kind="stable")
    t_all, r_all = t_all[order], r_all[order]
    left = np.concatenate([[np.inf], r_all[:-1]])
    right = np.concatenate([r_all[1:], [np.inf]])
    is_min = (r_all < left) & (r_all <= right)
    keep = is_min & (r_all < max_range_m)
    return t_all[keep], r_all[keep]


def unit_encounters(
    unit_id: str,
    unit_t: np.ndarray,
    unit_x: np.ndarray,
    unit_y: np.ndarray,
    obj_t: np.ndarray,
    obj_x: np.ndarray,
    obj_y: np.ndarray,
    max_range_m: float = np.inf,
) -> list[Encounter]:
    """:func:`closest_approaches` as :class:`Encounter` records."""
    t, r = closest_approaches(unit_t, unit_x, unit_y, obj_t, obj_x, obj_y, max_range_m)
    return [Encounter(unit_id, float(a), float(b)) for a, b in zip(t, r)]
