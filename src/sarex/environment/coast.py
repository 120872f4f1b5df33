"""Coastline: the GSHHG full-resolution land mask of roaring-landmask, with a fast local raster.

roaring-landmask answers "is this point on land?" exactly against the GSHHG
shoreline polygons (Wessel & Smith 1996, *J. Geophys. Res.* 101(B4)), but at about
1 µs per point: too slow for a million particles every step. Its coarse raster
(1/240 degree cells, centred on multiples of the cell size) is a conservative
superset of land, so we copy the raster for the area of interest into a numpy
array once, test every particle against it in a numba kernel, and ask the exact
polygons only for the few particles in cells that touch land.
"""

from __future__ import annotations

import functools

import numba as nb
import numpy as np


@functools.lru_cache(maxsize=1)
def _landmask():
    from roaring_landmask import RoaringLandmask

    return RoaringLandmask.new()


@nb.njit(parallel=True, cache=True)
def _raster_candidates(raster, lon0, lat0, d, lon, lat, check, out):  # pragma: no cover - numba
    ny, nx = raster.shape
    for p in nb.prange(lon.size):
        out[p] = False
        if not check[p]:
            continue
        i = int(np.floor((lon[p] - lon0) / d))
        j = int(np.floor((lat[p] - lat0) / d))
        if i < 0 or j < 0 or i >= nx or j >= ny:
            out[p] = True  # outside the raster: ask the exact mask
        else:
            out[p] = raster[j, i]


class Coastline:
    """GSHHG land mask for stranding.

    Parameters
    ----------
    bbox
        (lon_min, lat_min, lon_max, lat_max) of the area to accelerate; points
        outside it are still answered exactly, only more slowly.
    """

    def __init__(self, bbox: tuple[float, float, float, float] | None = None) -> None:
        self._mask = _landmask()
        self._d = float(self._mask.mask.dx)
        self._raster = np.zeros((0, 0), dtype=np.bool_)
        self._lon0 = self._lat0 = 0.0
        if bbox is not None:
            self._build_raster(bbox)

    def _build_raster(self, bbox):
        d = self._d
        lon_min, lat_min, lon_max, lat_max = bbox
        # Raster cells are centred on multiples of d: edges at (k - 1/2)·d.
        k0 = int(np.floor((lon_min + 180.0) / d + 0.5)) - 1
        k1 = int(np.floor((lon_max + 180.0) / d + 0.5)) + 1
        j0 = int(np.floor((lat_min + 90.0) / d + 0.5)) - 1
        j1 = int(np.floor((lat_max + 90.0) / d + 0.5)) + 1
        cx = -180.0 + np.arange(k0, k1 + 1) * d
        cy = -90.0 + np.arange(j0, j1 + 1) * d
        X, Y = np.meshgrid(cx, cy)
        r = np.asarray(self._mask.mask.contains_many(X.ravel(), Y.ravel()), dtype=np.bool_)
        self._raster = r.reshape(Y.shape)
        self._lon0 = -180.0 + (k0 - 0.5) * d
        self._lat0 = -90.0 + (j0 - 0.5) * d

    def on_land(self, lon: np.ndarray, lat: np.ndarray, check: np.ndarray | None = None) -> np.ndarray:
        """True where points are on land (GSHHG, full resolution).

        Parameters
        ----------
        lon, lat
            Degrees; longitude in -180..180 or 0..360.
        check
            Only these points are tested; the others are reported as not on land.
        """
        lon = np.ascontiguousarray(lon, dtype=np.float64)
        lat = np.ascontiguousarray(lat, dtype=np.float64)
        lon = np.where(lon > 180.0, lon - 360.0, lon)
        if check is None:
            check = np.ones(lon.size, dtype=np.bool_)
        check = check & np.isfinite(lon) & np.isfinite(lat)
        cand = np.zeros(lon.size, dtype=np.bool_)
        if self._raster.size:
            _raster_candidates(self._raster, self._lon0, self._lat0, self._d, lon, lat, check, cand)
        else:
            cand[:] = check
        out = np.zeros(lon.size, dtype=np.bool_)
        idx = np.flatnonzero(cand)
        if idx.size:
            out[idx] = np.asarray(self._mask.contains_many(lon[idx], lat[idx]), dtype=np.bool_)
        return out

    def land_raster(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Exact land mask on a lon/lat grid (2-D, shape (lat, lon)), e.g. for maps."""
        X, Y = np.meshgrid(np.asarray(lon, float), np.asarray(lat, float))
        return self.on_land(X.ravel(), Y.ravel()).reshape(X.shape)
