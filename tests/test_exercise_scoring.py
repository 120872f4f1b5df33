"""Replicate statistics of detection times."""

from __future__ import annotations

import numpy as np

from sarex.exercise.scoring import detection_by_hour


def test_hand_case():
    t0 = 1000.0
    times = np.array([t0 + 1800.0, t0 + 3600.0, np.nan, t0 + 3 * 3600.0])
    h, p, se = detection_by_hour(times, t0, 3.0)
    np.testing.assert_allclose(h, [0, 1, 2, 3])
    np.testing.assert_allclose(p, [0.0, 0.5, 0.5, 0.75])  # detection at exactly 1 h counts by 1 h
    np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / 4))


def test_exponential_detection_times_within_three_standard_errors():
    # constant hazard 0.2 / h, searches stop after 10 h: P(by t) = 1 - exp(-0.2 t)
    rng = np.random.default_rng(3)
    n = 2000
    t = rng.exponential(1 / 0.2, n) * 3600.0
    t[t > 10 * 3600.0] = np.nan
    h, p, se = detection_by_hour(t, 0.0, 10.0)
    expected = 1 - np.exp(-0.2 * h)
    assert np.all(np.abs(p - expected) <= 3 * np.sqrt(expected * (1 - expected) / n) + 1e-12)
