"""Forcing error (Ornstein–Uhlenbeck current perturbation per particle): displacement statistics and reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarex.drift.custom_objects import ObjectSpec
from sarex.drift.forcing_error import ForcingError
from sarex.drift.objects import LeewayObject
from sarex.drift.simulate import simulate
from sarex.environment import Environment
from sarex.environment.constant import ConstantField

T0 = 1768435200.0
STILL = LeewayObject(**ObjectSpec(key="STILL", kind="windage", windage_pct=0.0, windage_std_pct=0.0).to_fields())


def test_displacement_spread_follows_the_ou_process():
    env = Environment(ConstantField(0.0, 0.0), ConstantField(0.0, 0.0))
    sigma, tau = 0.05, 12 * 3600.0
    ds = simulate(env, STILL, lon=129.0, lat=34.0, start=T0, hours=24, particles=20000, coast=False, seed_value=2,
                  forcing_error=ForcingError(sigma, tau))
    east = np.radians(ds["lon"].values - 129.0) * 6378137.0 * math.cos(math.radians(34.0)) / math.sqrt(1 - 6.69438e-3 * math.sin(math.radians(34.0)) ** 2)
    for j in (6, 12, 24):
        t = j * 3600.0
        # Var of ∫ OU over [0, t] (stationary start): 2σ²τ(t − τ(1 − e^{−t/τ}))
        theory = sigma * math.sqrt(2 * tau * (t - tau * (1 - math.exp(-t / tau))))
        assert east[:, j].std() == pytest.approx(theory, rel=0.03)  # 20 000 draws: ~0.5 % sampling error, plus the 10-min steps
        assert abs(east[:, j].mean()) < 4 * theory / math.sqrt(20000)


def test_forcing_error_is_reproducible_and_off_by_default():
    env = Environment(ConstantField(8.0, 0.0), ConstantField(0.1, 0.0))
    kw = dict(lon=129.0, lat=34.0, start=T0, hours=6, particles=500, coast=False, seed_value=5)
    a = simulate(env, "PIW-1", forcing_error=ForcingError(), **kw)
    b = simulate(env, "PIW-1", forcing_error=ForcingError(), **kw)
    np.testing.assert_array_equal(a["lon"].values, b["lon"].values)
    off = simulate(env, "PIW-1", **kw)
    assert off.attrs["forcing_error"] == "none" and "Ornstein" in a.attrs["forcing_error"]
    assert not np.array_equal(off["lon"].values[:, -1], a["lon"].values[:, -1])
