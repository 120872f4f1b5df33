"""Land in the planning plane: keeps surface units' search areas at sea.

A boolean raster (x east, y north, metres) of the local equal-area plane, built
once per plan from the GSHHG coastline (:class:`sarex.environment.coast.Coastline`)
around the particle cloud. A rectangle is "at sea" when no point of a grid
spanning it (edges included, points at most two cells apart up to 41 × 41) falls
on a land cell; islets smaller than the sampling can slip through in very large
areas. Outside the raster everything counts as sea.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sarex.geo import LocalProjection
from sarex.planning.rectangle import Rectangle


@dataclass(frozen=True)
class PlaneLand:
    """Land raster of the planning plane.

    Attributes
    ----------
    land : (ny, nx) bool, True on land; row j, column i is the cell
        ``[x0 + i·cell_m, x0 + (i+1)·cell_m) × [y0 + j·cell_m, y0 + (j+1)·cell_m)``.
    x0, y0 : lower-left corner of the raster, m.
    cell_m : cell size, m.
    """

    land: np.ndarray
    x0: float
    y0: float
    cell_m: float

    @classmethod
    def from_coastline(cls, frame: LocalProjection, bounds_xy: tuple[float, float, float, float], cell_m: float = 250.0) -> "PlaneLand":
        """Rasterise GSHHG land over ``bounds_xy`` = (xmin, ymin, xmax, ymax) of the plane."""
        from sarex.environment.coast import Coastline

        xmin, ymin, xmax, ymax = bounds_xy
        nx = max(1, int(np.ceil((xmax - xmin) / cell_m)))
        ny = max(1, int(np.ceil((ymax - ymin) / cell_m)))
        xc = xmin + (np.arange(nx) + 0.5) * cell_m
        yc = ymin + (np.arange(ny) + 0.5) * cell_m
        X, Y = np.meshgrid(xc, yc)
        lon, lat = frame.inverse(X.ravel(), Y.ravel())
        pad = 0.05
        coast = Coastline(bbox=(float(lon.min()) - pad, float(lat.min()) - pad, float(lon.max()) + pad, float(lat.max()) + pad))
        land = coast.on_land(lon, lat).reshape(ny, nx)
        return cls(land, float(xmin), float(ymin), float(cell_m))

    def on_land(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where plane points fall in a land cell (False outside the raster)."""
        i = np.floor((np.asarray(x) - self.x0) / self.cell_m).astype(np.int64)
        j = np.floor((np.asarray(y) - self.y0) / self.cell_m).astype(np.int64)
        ny, nx = self.land.shape
        ok = (i >= 0) & (j >= 0) & (i < nx) & (j < ny)
        out = np.zeros(np.shape(i), dtype=bool)
        out[ok] = self.land[j[ok], i[ok]]
        return out

    def sea_route(self, a: tuple[float, float], b: tuple[float, float], check_m: float = 50.0) -> np.ndarray:
        """Shortest sea route ``a → b`` around land (plane m, shape (k, 2)); see :func:`_sea_route`."""
        return _sea_route(self, a, b, check_m)

    def route_on_land(self, xy: np.ndarray, check_m: float = 50.0) -> bool:
        """Whether a vertex or a point every ``check_m`` along the polyline ``xy`` (plane m) is on land."""
        return _route_on_land(self, xy, check_m)

    @cached_property
    def _land_count(self) -> np.ndarray:
        """Summed-area table of land cells, (ny + 1, nx + 1): land cells in any cell range in O(1)."""
        sat = np.zeros((self.land.shape[0] + 1, self.land.shape[1] + 1), dtype=np.int64)
        sat[1:, 1:] = np.cumsum(np.cumsum(self.land, axis=0, dtype=np.int64), axis=1)
        return sat

    def land_in_box(self, xmin: float, ymin: float, xmax: float, ymax: float) -> bool:
        """Whether any land cell meets the axis-aligned box (plane m)."""
        ny, nx = self.land.shape
        i0 = min(max(int(math.floor((xmin - self.x0) / self.cell_m)), 0), nx)
        i1 = min(max(int(math.floor((xmax - self.x0) / self.cell_m)) + 1, 0), nx)
        j0 = min(max(int(math.floor((ymin - self.y0) / self.cell_m)), 0), ny)
        j1 = min(max(int(math.floor((ymax - self.y0) / self.cell_m)) + 1, 0), ny)
        if i1 <= i0 or j1 <= j0:
            return False
        c = self._land_count
        return bool(c[j1, i1] - c[j0, i1] - c[j1, i0] + c[j0, i0] > 0)

    def touches_land(self, rect: Rectangle, n: int | None = None) -> bool:
        """Whether any point of an ``n × n`` grid spanning ``rect`` (edges included) is on land.

        By default ``n`` puts the points at most two raster cells apart (5 ≤ n ≤ 41). A rectangle
        whose bounding box holds no land cell is at sea without sampling (same answer, faster).
        """
        xs = [c[0] for c in rect.corner_list]
        ys = [c[1] for c in rect.corner_list]
        if not self.land_in_box(min(xs), min(ys), max(xs), max(ys)):
            return False
        if n is None:
            n = int(np.clip(np.ceil(max(rect.leg_m, rect.creep_m) / (2.0 * self.cell_m)) + 1, 5, 41))
        f = np.linspace(-0.5, 0.5, n)
        a = np.repeat(f, n) * rect.leg_m
        b = np.tile(f, n) * rect.creep_m
        ux, uy = rect.u
        x = rect.cx + a * ux - b * uy
        y = rect.cy + a * uy + b * ux
        return bool(self.on_land(x, y).any())


def land_around_cloud(frame: LocalProjection, x: np.ndarray, y: np.ndarray, cell_m: float = 250.0, margin_m: float = 30000.0) -> PlaneLand:
    """Land raster covering the particles' positions ``x, y`` (plane m) plus a margin
    of ``max(margin_m, half the cloud's extent)`` on every side."""
    ok = np.isfinite(x) & np.isfinite(y)
    xmin, xmax = float(x[ok].min()), float(x[ok].max())
    ymin, ymax = float(y[ok].min()), float(y[ok].max())
    m = max(margin_m, 0.5 * max(xmax - xmin, ymax - ymin))
    return PlaneLand.from_coastline(frame, (xmin - m, ymin - m, xmax + m, ymax + m), cell_m)


def _segment_clear(land: "PlaneLand", a: tuple[float, float], b: tuple[float, float], step_m: float, mask: "np.ndarray | None" = None) -> bool:
    """Whether every point every ``step_m`` along ``a → b`` is off land (``mask``: another raster of the same grid)."""
    n = max(2, int(np.ceil(np.hypot(b[0] - a[0], b[1] - a[1]) / step_m)) + 1)
    t = np.linspace(0.0, 1.0, n)
    grid = land if mask is None else PlaneLand(mask, land.x0, land.y0, land.cell_m)
    return not grid.on_land(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])).any()


def _grow(mask: np.ndarray) -> np.ndarray:
    """Land grown by one cell (8-neighbourhood)."""
    g = mask.copy()
    g[1:, :] |= mask[:-1, :]
    g[:-1, :] |= mask[1:, :]
    g[:, 1:] |= mask[:, :-1]
    g[:, :-1] |= mask[:, 1:]
    g[1:, 1:] |= mask[:-1, :-1]
    g[:-1, :-1] |= mask[1:, 1:]
    g[1:, :-1] |= mask[:-1, 1:]
    g[:-1, 1:] |= mask[1:, :-1]
    return g


def _sea_route(self: PlaneLand, a: tuple[float, float], b: tuple[float, float], check_m: float = 50.0) -> np.ndarray:
    """Shortest sea route ``a → b`` (plane m, shape (k, 2)) around the land of the raster.

    Grid A* (8-neighbour moves) on the raster's sea cells, coarsened so that the
    search stays small, with land grown by one cell so that the path keeps a
    cell's clearance; then string-pulling: a vertex is dropped whenever the
    straight segment that replaces it is at sea, checked every ``check_m`` (50 m)
    against the raster at full resolution. When the straight line is at sea it
    is returned as it is; when no sea path exists (an end on land or enclosed)
    the straight line is returned too, and the caller's checks report it.
    """
    a = (float(a[0]), float(a[1]))
    b = (float(b[0]), float(b[1]))
    if _segment_clear(self, a, b, check_m):
        return np.array([a, b])

    f = max(1, int(np.ceil(max(self.land.shape) / 400)))  # coarse cells of f raster cells
    ny, nx = self.land.shape
    cny, cnx = -(-ny // f), -(-nx // f)
    pad = np.zeros((cny * f, cnx * f), dtype=bool)
    pad[:ny, :nx] = self.land
    coarse = pad.reshape(cny, f, cnx, f).any(axis=(1, 3))
    grown = _grow(coarse)
    fine = _grow(self.land)  # string-pulled segments keep a raster cell off the coast
    h = self.cell_m * f

    def cell(p):
        return int(np.clip((p[1] - self.y0) // h, 0, cny - 1)), int(np.clip((p[0] - self.x0) // h, 0, cnx - 1))

    def nearest_sea(rc):
        if not grown[rc]:
            return rc
        sea = np.argwhere(~grown)
        if sea.size == 0:
            return None
        k = int(np.argmin((sea[:, 0] - rc[0]) ** 2 + (sea[:, 1] - rc[1]) ** 2))
        return int(sea[k, 0]), int(sea[k, 1])

    s0, g0 = nearest_sea(cell(a)), nearest_sea(cell(b))
    if s0 is None or g0 is None:
        return np.array([a, b])
    moves = [(-1, 0, 1.0), (1, 0, 1.0), (0, -1, 1.0), (0, 1, 1.0), (-1, -1, 2**0.5), (-1, 1, 2**0.5), (1, -1, 2**0.5), (1, 1, 2**0.5)]
    dist = {s0: 0.0}
    prev = {}
    heap = [(0.0, s0)]
    while heap:
        _, u = heapq.heappop(heap)
        if u == g0:
            break
        du = dist[u]
        for dr, dc, cost in moves:
            v = (u[0] + dr, u[1] + dc)
            if not (0 <= v[0] < cny and 0 <= v[1] < cnx) or grown[v]:
                continue
            nd = du + cost
            if nd < dist.get(v, np.inf):
                dist[v] = nd
                prev[v] = u
                heapq.heappush(heap, (nd + np.hypot(v[0] - g0[0], v[1] - g0[1]), v))
    if g0 not in dist:
        return np.array([a, b])
    path = [g0]
    while path[-1] != s0:
        path.append(prev[path[-1]])
    path.reverse()
    pts = [a] + [(self.x0 + (c + 0.5) * h, self.y0 + (r + 0.5) * h) for r, c in path] + [b]
    # String-pulling: from each kept point jump to the farthest point still in sight.
    out = [pts[0]]
    i = 0
    while i < len(pts) - 1:
        j = len(pts) - 1
        while j > i + 1 and not _segment_clear(self, pts[i], pts[j], check_m, fine):
            j -= 1
        out.append(pts[j])
        i = j
    return np.array(out)


def _route_on_land(self: PlaneLand, xy: np.ndarray, check_m: float = 50.0) -> bool:
    xy = np.asarray(xy, dtype=float)
    return any(not _segment_clear(self, tuple(xy[i]), tuple(xy[i + 1]), check_m) for i in range(len(xy) - 1))

