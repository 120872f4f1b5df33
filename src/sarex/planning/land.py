"""Land in the planning plane: keeps surface units' search areas at sea.

A boolean raster (x east, y north, metres) of the local equal-area plane, built
once per plan from the GSHHG coastline (:class:`sarex.environment.coast.Coastline`)
around the particle cloud. A rectangle is "at sea" when no point of a grid
spanning it (edges included, points at most two cells apart up to 41 × 41) falls
on a land cell; islets smaller than the sampling can slip through in very large
areas. Outside the raster everything counts as sea.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def touches_land(self, rect: Rectangle, n: int | None = None) -> bool:
        """Whether any point of an ``n × n`` grid spanning ``rect`` (edges included) is on land.

        By default ``n`` puts the points at most two raster cells apart (5 ≤ n ≤ 41).
        """
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
