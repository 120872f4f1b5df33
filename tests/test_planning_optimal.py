"""Stone's optimal allocation: hand-checked cases, optimality, and the circular normal closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarex.geo import LocalProjection
from sarex.planning.optimal import circular_normal_pos, optimal_allocation, optimal_pos

NM = 1852.0


def test_two_cells_by_hand():
    p = np.array([0.6, 0.4])
    # Small effort: all of it in the denser cell (λ = 0.6 e^-0.2 = 0.491 > 0.4).
    al = optimal_allocation(p, 1.0, 0.2)
    np.testing.assert_allclose(al.effort_m2, [0.2, 0.0], atol=1e-12)
    assert al.pos == pytest.approx(0.6 * (1 - math.exp(-0.2)), rel=1e-12)
    # Larger effort: both cells, ln λ = (ln 0.6 + ln 0.4 − 1)/2, POS = 1 − 2λ.
    al = optimal_allocation(p, 1.0, 1.0)
    lam = math.sqrt(0.24) * math.exp(-0.5)
    assert al.lam == pytest.approx(lam, rel=1e-12)
    assert al.pos == pytest.approx(1 - 2 * lam, rel=1e-12)
    np.testing.assert_allclose(al.effort_m2, [math.log(0.6 / lam), math.log(0.4 / lam)], rtol=1e-12)


def test_no_perturbation_beats_the_optimum():
    rng = np.random.default_rng(3)
    p = rng.random(50) ** 3
    p /= p.sum()
    a = rng.uniform(0.5, 2.0, 50)
    z_tot = 20.0
    al = optimal_allocation(p, a, z_tot)
    assert al.effort_m2.sum() == pytest.approx(z_tot, rel=1e-12)
    pos = lambda z: float(np.sum(p * (1 - np.exp(-z / a))))  # noqa: E731
    assert pos(al.effort_m2) == pytest.approx(al.pos, rel=1e-12)
    for _ in range(200):
        i, j = rng.integers(0, 50, 2)
        d = rng.uniform(0, 0.5)
        z = al.effort_m2.copy()
        d = min(d, z[i])
        z[i] -= d
        z[j] += d
        assert pos(z) <= al.pos + 1e-12


@pytest.mark.parametrize("h", [0.5, 1.0, 2.0])
def test_circular_normal_cloud_reaches_closed_form(h):
    """A σ = 5 nm particle cloud binned on a laea grid reaches P* = 1 − (1+H)e^{−H} within 1 %."""
    sigma = 5 * NM
    rng = np.random.default_rng(11)
    n = 1_000_000
    frame = LocalProjection(129.5, 34.6)
    lon, lat = frame.inverse(rng.normal(0, sigma, n), rng.normal(0, sigma, n))
    # Independent binning: our own laea plane (pyproj), 0.25 σ cells out to 6 σ.
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", "+proj=laea +lat_0=34.6 +lon_0=129.5 +ellps=WGS84 +units=m", always_xy=True)
    x, y = tr.transform(lon, lat)
    cell = 0.25 * sigma
    edges = np.arange(-6 * sigma, 6 * sigma + cell / 2, cell)
    hist, _, _ = np.histogram2d(x, y, bins=[edges, edges])
    p = hist / n
    z = math.pi * sigma**2 * h**2
    expected = 1 - (1 + h) * math.exp(-h)
    assert circular_normal_pos(z, sigma) == pytest.approx(expected, rel=1e-12)
    got = optimal_pos(p, cell * cell, z)
    assert abs(got / expected - 1) < 0.01, (got, expected)
