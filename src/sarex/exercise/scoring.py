"""Replicate statistics: time to detection and probability of detection by hour.

Each replicate of an exercise ends with a detection time (s since epoch) or
none (NaN). Over N replicates, the probability of detection by time t is the
fraction detected at or before t; its binomial standard error is
``sqrt(p (1 − p) / N)``.
"""

from __future__ import annotations

import numpy as np


def detection_by_hour(
    detect_time_s: np.ndarray, start_s: float, hours: float, step_h: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability of detection by each hour after ``start_s``, with binomial standard errors.

    Parameters
    ----------
    detect_time_s
        Detection time of each replicate, s since epoch; NaN for no detection.
    start_s
        Time origin (e.g. the first search period's start), s since epoch.
    hours, step_h
        Span and step of the curve, h.

    Returns
    -------
    hours, probability, standard_error : ndarray
    """
    t = np.asarray(detect_time_s, dtype=np.float64)
    n = t.size
    if n == 0:
        raise ValueError("no replicates")
    h = np.arange(0.0, hours + 1e-9, step_h)
    el = (t - start_s) / 3600.0
    p = np.array([np.sum(np.isfinite(el) & (el <= x)) for x in h], dtype=np.float64) / n
    return h, p, np.sqrt(p * (1.0 - p) / n)
