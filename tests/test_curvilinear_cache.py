"""Curvilinear grids: each particle's cell is remembered between calls (issue 14)."""

from __future__ import annotations

import numba as nb
import numpy as np

from forcing_data import roms_dataset
from sarex.environment.cellsearch import _solve_cell, grid_outline, outside_kernel
from sarex.environment.cf import open_vector_field


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
    # the point outside: the grid's outline says so, with no walk and no KD-tree
    fi, fj, flag = open_vector_field(p, "current").locate(lon, lat, active)
    assert flag[-1] == 1 and np.all(flag[:-1] == 0)
    np.testing.assert_allclose(fi[:-1], i, atol=1e-9)
    f.locate(lon, lat, active)
    assert f._tree is None
    # a step later: moved by a fraction of a cell; points that left the grid are outside by its outline
    lon2, lat2 = lon + 0.3 * (f.lon[0, 1] - f.lon[0, 0]), lat + 0.002
    fi2, fj2, flag2 = f.locate(lon2, lat2, active)
    assert f._tree is None and flag2[-1] == 1
    ref_i, ref_j, ref_flag = fresh.locate(lon2, lat2, active)
    assert np.array_equal(flag2, ref_flag)
    ok = ref_flag == 0
    np.testing.assert_allclose(fi2[ok], ref_i[ok], rtol=0, atol=1e-9)
    np.testing.assert_allclose(fj2[ok], ref_j[ok], rtol=0, atol=1e-9)


@nb.njit
def _in_any_cell(glon, glat, px, py):
    """A search of every cell of the grid (the reference for the outline)."""
    ny, nx = glon.shape
    out = np.zeros(px.size, dtype=np.bool_)
    for p in range(px.size):
        for j in range(ny - 1):
            for i in range(nx - 1):
                if _solve_cell(glon, glat, i, j, px[p], py[p])[2]:
                    out[p] = True
                    break
            if out[p]:
                break
    return out


def test_the_outline_tells_points_outside_the_grid_as_a_search_of_every_cell_does(tmp_path):
    """A bent grid rotated 30°: of 4 000 points over its longitude/latitude box and around it,
    :func:`outside_kernel` puts outside exactly those no cell holds (searched cell by cell);
    a field locating them finds the same, without a KD-tree."""
    p = tmp_path / "roms.nc"
    roms_dataset(ny=40, nx=50, land=False).to_netcdf(p)
    f = open_vector_field(p, "current")
    rng = np.random.default_rng(9)
    x0, x1, y0, y1 = np.min(f.lon), np.max(f.lon), np.min(f.lat), np.max(f.lat)
    lon = rng.uniform(x0 - 0.1 * (x1 - x0), x1 + 0.1 * (x1 - x0), 4000)
    lat = rng.uniform(y0 - 0.1 * (y1 - y0), y1 + 0.1 * (y1 - y0), 4000)
    inside = _in_any_cell(f.lon, f.lat, lon, lat)
    assert 1000 < inside.sum() < 3000
    out = np.zeros(lon.size, dtype=np.bool_)
    outside_kernel(*grid_outline(f.lon, f.lat), lon, lat, np.ones(lon.size, dtype=np.bool_), out)
    assert np.array_equal(out, ~inside)
    _, _, flag = f.locate(lon, lat, np.ones(lon.size, dtype=np.bool_))
    assert np.array_equal(flag == 0, inside) and f._tree is None
    # 360° away, and a grid with a missing node has no outline (its points are searched)
    out[:] = False
    outside_kernel(*grid_outline(f.lon, f.lat), lon + 360.0, lat, np.ones(lon.size, dtype=np.bool_), out)
    assert np.array_equal(out, ~inside)
    holed = f.lon.copy()
    holed[0, 3] = np.nan
    assert grid_outline(holed, f.lat) is None

