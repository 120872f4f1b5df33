"""A local equal-area plane for planning (Lambert azimuthal equal-area, WGS84).

Search areas, effort and probability are areas, so the planner works in an
equal-area projection centred on the search: x east, y north, metres. Within a
few hundred km of the centre the scale distortion is below 0.1 %, so
rectangles, distances and track lengths measured in this plane are also the
true ones to that accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyproj import CRS, Transformer


@dataclass(frozen=True)
class LocalFrame:
    """Lambert azimuthal equal-area plane centred on ``(lon0, lat0)`` (degrees)."""

    lon0: float
    lat0: float
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        crs = CRS.from_proj4(f"+proj=laea +lat_0={self.lat0} +lon_0={self.lon0} +ellps=WGS84 +units=m +no_defs")
        object.__setattr__(self, "_fwd", Transformer.from_crs("EPSG:4326", crs, always_xy=True))
        object.__setattr__(self, "_inv", Transformer.from_crs(crs, "EPSG:4326", always_xy=True))

    def to_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude/latitude (degrees) to plane x/y (m); NaN stays NaN."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plane x/y (m) to longitude/latitude (degrees)."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
