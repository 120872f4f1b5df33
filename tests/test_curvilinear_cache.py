"""Curvilinear grids: each particle's cell is remembered between calls (issue 14)."""

from __future__ import annotations

import numpy as np

from forcing_data import roms_dataset
from sarex.environment.cf import open_vector_field


class _CountingTree:
    def __init__(self, tree):
        self._tree = tree
        self.points = 0

    def query(self, x):
        self.points += len(x)
        return self._tree.query(x)


def test_points_are_found_by_walking_then_from_their_last_cell_and_agree_with_a_fresh_search(tmp_path):
    p = tmp_path / "roms.nc"
    roms_dataset(ny=60, nx=80, land=False).to_netcdf(p)
    f = open_vector_field(p, "current")
    fresh = open_vector_field(p, "current")
    rng = np.random.default_rng(4)
    ny, nx = f.lon.shape
    # points inside the grid: bilinear images of random fractional indices
    i = rng.uniform(1, nx - 2, 3000)
    j = rng.uniform(1, ny - 2, 3000)
    i0, j0 = i.astype(int), j.astype(int)
    s, t = i - i0, j - j0
    def at(g):
        return (g[j0, i0] * (1 - s) * (1 - t) + g[j0, i0 + 1] * s * (1 - t) + g[j0 + 1, i0] * (1 - s) * t + g[j0 + 1, i0 + 1] * s * t)
    lon, lat = at(f.lon), at(f.lat)
    lon = np.append(lon, 200.0)  # one point far outside
    lat = np.append(lat, 0.0)
    active = np.ones(lon.size, dtype=bool)
    # first call, no hints: points scattered over the whole (bent, rotated) grid are found by
    # walking from one to the next, each walk crossing tens of cells; no KD-tree for them
    inside = active.copy()
    inside[-1] = False
    fi, fj, flag = f.locate(lon, lat, inside)
    assert f._tree is None  # scipy.spatial not even imported for it
    np.testing.assert_allclose(fi[:-1], i, atol=1e-9)
    np.testing.assert_allclose(fj[:-1], j, atol=1e-9)
    assert np.all(flag[:-1] == 0)
    # the point outside: no walk reaches it, the KD-tree's nearest node confirms it
    fi, fj, flag = open_vector_field(p, "current").locate(lon, lat, active)
    assert flag[-1] == 1 and np.all(flag[:-1] == 0)
    np.testing.assert_allclose(fi[:-1], i, atol=1e-9)
    f.locate(lon, lat, active)
    f._tree = _CountingTree(f._tree)
    # a step later: moved by a fraction of a cell
    lon2, lat2 = lon + 0.3 * (f.lon[0, 1] - f.lon[0, 0]), lat + 0.002
    fi2, fj2, flag2 = f.locate(lon2, lat2, active)
    assert f._tree.points == 1 + int(np.sum(flag2[:-1] != 0))  # only the outside point (and any that left) ask the tree
    ref_i, ref_j, ref_flag = fresh.locate(lon2, lat2, active)
    assert np.array_equal(flag2, ref_flag)
    ok = ref_flag == 0
    np.testing.assert_allclose(fi2[ok], ref_i[ok], rtol=0, atol=1e-9)
    np.testing.assert_allclose(fj2[ok], ref_j[ok], rtol=0, atol=1e-9)
