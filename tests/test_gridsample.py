"""The grid point kernels: uniform-axis cells, windows, time planes, the vectorised sampler,
and the branch-free elementary functions, against independent references."""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from sarex.vecmath import cos_sin_turn, exp_reduced, log_positive, sincos_half_pi
from sarex.environment.base import FLAG_NAN, FLAG_OK, FLAG_OUTSIDE
from sarex.environment.gridsample import (
    CELL,
    axis_descriptor,
    index_descriptor,
    cell_sample,
    locate,
    sample_cells_many,
    sample_point,
    time_cells,
    window_descriptor,
)


@nb.njit
def _sample_all_nb(u, v, xs, ys, ad, it, ft, x, y):
    n = x.size
    ou, ov, fl = np.empty(n), np.empty(n), np.empty(n, np.int8)
    for k in range(n):
        ou[k], ov[k], fl[k] = sample_point(u, v, xs, ys, ad, it, ft, x[k], y[k])
    return ou, ov, fl


@nb.njit
def _cell_points_nb(cells, xs, ys, ad, x, y):
    n = x.size
    ou, ov, fl = np.zeros(n), np.zeros(n), np.zeros(n, np.int8)
    for k in range(n):
        i, j, fx, fy, flag = locate(xs, ys, ad, x[k], y[k])
        if flag == FLAG_OK:
            ou[k], ov[k], flag = cell_sample(cells, xs.size - 1, i, j, fx, fy)
        fl[k] = flag
    return ou, ov, fl


@nb.njit
def _cells_many_nb(cells, xs, ys, ad, x, y):
    n = x.size
    ou, ov, fl = np.zeros(n), np.zeros(n), np.zeros(n, np.int8)
    sample_cells_many(x, y, n, np.ones(n, np.bool_), cells, xs, ys, ad, ou, ov, fl)
    return ou, ov, fl


def _sample_all(u, v, xs, ys, ad, it, ft, x, y):
    return _sample_all_nb(u, v, xs, ys, ad.array(), it, ft, x, y)  # the kernels take the descriptor as an array


def _cell_points(cells, xs, ys, ad, x, y):
    return _cell_points_nb(cells, xs, ys, ad.array(), x, y)


def _cells_many(cells, xs, ys, ad, x, y):
    return _cells_many_nb(cells, xs, ys, ad.array(), x, y)


def _linear_field(xs, ys, nt=3):
    """u = 2 + 0.5·lon − 0.25·lat + t, v = −1 + 0.1·lat: bilinear sampling is exact on it."""
    t = np.arange(nt, dtype=float)[:, None, None]
    u = 2.0 + 0.5 * xs[None, None, :] - 0.25 * ys[None, :, None] + t
    v = -1.0 + 0.1 * ys[None, :, None] + 0.0 * xs[None, None, :] + 0.0 * t
    return np.ascontiguousarray(u), np.ascontiguousarray(v)


def test_uniform_axes_sample_a_linear_field_exactly_and_the_same_in_any_window():
    xs = np.linspace(127.0, 132.0, 61)
    ys = np.linspace(32.0, 36.0, 49)
    u, v = _linear_field(xs, ys)
    whole = axis_descriptor(xs, ys)
    assert whole.ux == 1.0 and whole.uy == 1.0
    rng = np.random.default_rng(4)
    x = rng.uniform(128.6, 130.4, 5000)
    y = rng.uniform(33.3, 34.7, 5000)
    ft = 0.3
    ref_u = 2.0 + 0.5 * x - 0.25 * y + ft  # between steps 0 and 1
    ref_v = -1.0 + 0.1 * y
    results = []
    for k0, k1, j0, j1 in ((0, 60, 0, 48), (15, 45, 10, 40), (19, 41, 15, 33)):
        ad = window_descriptor(whole, k0, j0)
        wu = np.ascontiguousarray(u[:, j0 : j1 + 1, k0 : k1 + 1])
        wv = np.ascontiguousarray(v[:, j0 : j1 + 1, k0 : k1 + 1])
        su, sv, fl = _sample_all(wu, wv, xs[k0 : k1 + 1], ys[j0 : j1 + 1], ad, 0, ft, x, y)
        assert (fl == FLAG_OK).all()
        np.testing.assert_allclose(su, ref_u, rtol=0, atol=1e-12)
        np.testing.assert_allclose(sv, ref_v, rtol=0, atol=1e-12)
        results.append((su, sv))
    for su, sv in results[1:]:  # the whole axis sets cell and weights: bit for bit in every window
        assert np.array_equal(su, results[0][0]) and np.array_equal(sv, results[0][1])


def test_non_uniform_and_float32_axes():
    rng = np.random.default_rng(5)
    xs = np.cumsum(rng.uniform(0.05, 0.2, 40)) + 127.0  # non-uniform: the walk and a division
    ys = np.linspace(32.0, 36.0, 30)
    ad = axis_descriptor(xs, ys)
    assert ad.ux == 0.0 and ad.uy == 1.0
    u, v = _linear_field(xs, ys)
    x = rng.uniform(xs[0], xs[-1], 3000)
    y = rng.uniform(ys[0], ys[-1], 3000)
    su, sv, fl = _sample_all(u, v, xs, ys, ad, 1, 0.0, x, y)
    assert (fl == FLAG_OK).all()
    np.testing.assert_allclose(su, 3.0 + 0.5 * x - 0.25 * y, atol=1e-12)
    # an axis stored as float32 (1/12°) is within 5e-4 of a cell of uniform: treated as uniform
    x32 = (127.0 + np.arange(120) / 12.0).astype(np.float32).astype(np.float64)
    assert axis_descriptor(x32, ys).ux == 1.0
    assert axis_descriptor(np.r_[x32[:60], x32[60] + 0.001, x32[61:]], ys).ux == 0.0  # one node 1.2 % of a cell off


def test_time_cells_and_vectorised_sampler_equal_the_point_kernel_with_nan_and_outside_points():
    xs = np.linspace(127.0, 131.0, 41)
    ys = np.linspace(33.0, 36.0, 31)
    u, v = _linear_field(xs, ys, nt=2)
    u[:, 10:14, 10:14] = np.nan  # "land": corners without data
    v[:, 10:14, 10:14] = np.nan
    u[1, 20, 20] = np.nan  # missing at one time only: NaN at every time in between
    ad = window_descriptor(axis_descriptor(xs, ys), 0, 0)
    rng = np.random.default_rng(6)
    x = np.r_[rng.uniform(126.9, 131.1, 4000), 128.05, 128.35, 129.0, np.nan]
    y = np.r_[rng.uniform(32.9, 36.1, 4000), 34.05, 34.15, 35.0, 34.0]
    ft = 0.6
    ref = _sample_all(u, v, xs, ys, ad, 0, ft, x, y)
    cells = time_cells(u, v, 0, ft)
    assert cells.size == CELL * 40 * 30
    for got in (_cell_points(cells, xs, ys, ad, x, y), _cells_many(cells, xs, ys, ad, x, y)):
        assert np.array_equal(got[2], ref[2])
        ok = ref[2] == FLAG_OK
        assert np.array_equal(got[0][ok], ref[0][ok]) and np.array_equal(got[1][ok], ref[1][ok])
    flags = ref[2]
    assert (flags == FLAG_OUTSIDE).sum() > 100 and flags[-1] == FLAG_OUTSIDE
    assert flags[-4] == FLAG_NAN  # inside the land block: every corner NaN
    assert flags[-3] == FLAG_OK  # beside it: the sea corners renormalised
    assert flags[-2] == FLAG_NAN  # on node (20, 20), missing at the later step
    # beside that node: it is left out, the other three corners renormalised (weights 0.09, 0.09, 0.01)
    k = _sample_all(u, v, xs, ys, ad, 0, ft, np.array([129.01]), np.array([35.01]))
    f = lambda lon, lat: 2.0 + 0.5 * lon - 0.25 * lat + ft  # noqa: E731
    expected = (0.09 * f(129.1, 35.0) + 0.09 * f(129.0, 35.1) + 0.01 * f(129.1, 35.1)) / 0.19
    assert k[2][0] == FLAG_OK
    np.testing.assert_allclose(k[0][0], expected, atol=1e-12)


def test_vectorised_sampler_wraps_longitudes_across_the_antimeridian_like_the_point_kernel():
    # a 0..360 grid around 180°E sampled at -180..180 longitudes, and a -180..180 grid
    # sampled at longitudes over 180: the fast loop leaves them to locate(), which wraps
    for xs, xq in ((np.linspace(170.0, 190.0, 21), np.array([-175.5, -179.25, 175.0, 185.0 - 360.0])),
                   (np.linspace(170.0, 180.0, 11), np.array([172.5, 359.0 - 180.0 + 1.0, 185.0, 179.5]))):
        ys = np.linspace(-5.0, 5.0, 11)
        u, v = _linear_field(xs, ys, nt=1)
        ad = window_descriptor(axis_descriptor(xs, ys), 0, 0)
        yq = np.array([0.25, -1.5, 2.0, 4.75])
        ref = _sample_all(u, v, xs, ys, ad, 0, 0.0, xq, yq)
        got = _cells_many(time_cells(u, v, 0, 0.0), xs, ys, ad, xq, yq)
        assert np.array_equal(got[2], ref[2])
        ok = ref[2] == FLAG_OK
        assert np.array_equal(got[0][ok], ref[0][ok]) and np.array_equal(got[1][ok], ref[1][ok])
        # on the linear field the sample is exact: u = 2 + 0.5·lon − 0.25·lat in the grid's convention
        lon = np.where(xq < xs[0], xq + 360.0, np.where(xq > 180.0, xq - 360.0, xq))
        inside = (lon >= xs[0]) & (lon <= xs[-1])
        assert np.array_equal(ok, inside)
        np.testing.assert_allclose(got[0][ok], 2.0 + 0.5 * lon[ok] - 0.25 * yq[ok], atol=1e-11)


@nb.njit
def _vec(f, x):
    a, b = np.empty(x.size), np.empty(x.size)
    for k in range(x.size):
        a[k], b[k] = f(x[k])
    return a, b


@nb.njit
def _each(f, x):
    out = np.empty(x.size)
    for k in range(x.size):
        out[k] = f(x[k])
    return out


def test_projected_and_index_axes_are_never_wrapped_by_360():
    """x in metres (a projected grid) or grid indices is not a longitude: a point 200 m
    west of a window starting at x = 100 km stays outside (a longitude wrap would move
    it 360 m east, inside); the same point on a degree axis of the same numbers would be."""
    xs = np.arange(100_000.0, 140_001.0, 2_000.0)
    ys = np.arange(-50_000.0, -9_999.0, 2_000.0)
    u, v = _linear_field(xs, ys, nt=2)
    x, y = np.array([99_800.0, 100_200.0]), np.array([-30_000.0, -30_000.0])
    for ad in (window_descriptor(axis_descriptor(xs, ys, longitude=False), 0, 0), index_descriptor(0, 0)):
        if ad.ux == 1.0 and ad.x0 == 0.0:  # index axes: the same test in index units
            xi, yi = np.arange(xs.size, dtype=float), np.arange(ys.size, dtype=float)
            got = _sample_all(u, v, xi, yi, ad, 0, 0.0, np.array([-0.1, 0.1]), np.array([10.0, 10.0]))
        else:
            got = _sample_all(u, v, xs, ys, ad, 0, 0.0, x, y)
        assert got[2][0] == FLAG_OUTSIDE and got[2][1] == FLAG_OK
        cells = time_cells(u, v, 0, 0.0)
        if ad.x0 != 0.0:
            assert np.array_equal(_cells_many(cells, xs, ys, ad, x, y)[2], got[2])
    # a 0..360 longitude axis does wrap: -179 is 181
    lon = np.arange(170.0, 190.01, 1.0)
    got = _sample_all(*_linear_field(lon, ys[:3]), lon, ys[:3], window_descriptor(axis_descriptor(lon, ys[:3]), 0, 0), 0, 0.0,
                      np.array([-179.0]), np.array([ys[1]]))
    assert got[2][0] == FLAG_OK


def test_branch_free_functions_match_the_c_library():
    rng = np.random.default_rng(8)
    lat = np.r_[rng.uniform(-math.pi / 2, math.pi / 2, 200_000), 0.0, math.pi / 2, -math.pi / 2, 1e-300]
    s, c = _vec(sincos_half_pi, lat)
    assert np.abs(s - np.sin(lat)).max() <= 4.5e-16 and np.abs(c - np.cos(lat)).max() <= 4.5e-16
    assert s[-4] == 0.0 and c[-4] == 1.0
    u = np.r_[rng.random(200_000), 0.0, 0.25, 0.5, 0.75, np.nextafter(1.0, 0.0)]
    cs, sn = _vec(cos_sin_turn, u)
    assert np.abs(cs - np.cos(2 * np.pi * u)).max() <= 2e-15 and np.abs(sn - np.sin(2 * np.pi * u)).max() <= 2e-15
    assert np.abs(cs**2 + sn**2 - 1.0).max() <= 4e-15
    x = np.r_[rng.random(100_000), np.exp(rng.uniform(-700, 700, 100_000)), 2.0**-53, 1.0, math.sqrt(2.0), 1e-300, 1e300]
    lg = _each(log_positive, x)
    assert lg[-4] == 0.0  # log 1
    np.testing.assert_allclose(lg, np.log(x), rtol=6e-16, atol=0)


def test_branch_free_exponential_matches_the_c_library():
    rng = np.random.default_rng(9)
    x = np.r_[rng.uniform(-700.0, 700.0, 100_000), rng.uniform(-1.0, 1.0, 100_000), 0.0, 1.0, -1.0, math.log(2.0), 700.0, -700.0]
    ex = _each(exp_reduced, x)
    assert ex[-6] == 1.0  # e^0 exactly
    np.testing.assert_allclose(ex, np.exp(x), rtol=5e-16, atol=0)
    assert np.isnan(_each(exp_reduced, np.array([np.nan]))[0])
