"""Where and when particles start: a last known position with an uncertainty radius,
optionally a "cone" between two positions and times (an uncertain track), or a
release spread over a time window.

Offsets from the centre are geodesics on WGS84: the point at east/north offset (x, y)
ends the geodesic of length hypot(x, y) in the azimuth of (x, y) (the inverse azimuthal
equidistant projection; :func:`sarex.geo.offset_points`, within a micrometre of PROJ's
``Geod.fwd`` over 50 km).
Under ``radius_type="gaussian"`` the radius is the standard deviation of a circular
normal in each axis, as in OpenDrift and SAROPS; under ``"uniform"`` particles
fill a disc of that radius evenly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sarex.geo import GEOD, offset_points
from sarex.errors import SarexInputError
from sarex.times import to_epoch_s



@dataclass(frozen=True)
class Release:
    """A release of particles.

    Parameters
    ----------
    lon, lat
        Last known position (degrees).
    time_s
        Release time (s since epoch, UTC).
    radius_m
        Position uncertainty at the start (m).
    end_lon, end_lat, end_time_s, end_radius_m
        Optional end of a cone: particles are spread evenly along the track from
        the start to the end, positions, radii and release times interpolated.
        With only ``end_time_s`` the release is spread over a time window at a fixed position.
    radius_type
        ``"gaussian"`` (radius = standard deviation) or ``"uniform"`` (disc).
    """

    lon: float
    lat: float
    time_s: float
    radius_m: float = 0.0
    end_lon: float | None = None
    end_lat: float | None = None
    end_time_s: float | None = None
    end_radius_m: float | None = None
    radius_type: str = "gaussian"

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon <= 360.0) or not (-90.0 <= self.lat <= 90.0):
            raise SarexInputError(f"LKP: lon={self.lon} lat={self.lat} is not a valid position")
        if self.radius_m < 0 or (self.end_radius_m is not None and self.end_radius_m < 0):
            raise SarexInputError(f"radius_m: {self.radius_m} must be >= 0")
        if self.radius_type not in ("gaussian", "uniform"):
            raise SarexInputError(f"radius_type: {self.radius_type!r} must be 'gaussian' or 'uniform'")
        if (self.end_lon is None) != (self.end_lat is None):
            raise SarexInputError("cone: give both end_lon and end_lat, or neither")
        if self.end_time_s is not None and self.end_time_s < self.time_s:
            raise SarexInputError("release: end time is before start time")

    @classmethod
    def point(cls, lon: float, lat: float, time, radius_m: float = 0.0, **kw) -> "Release":
        """A release at one position and time (``time``: ISO string, datetime or epoch seconds)."""
        return cls(lon=float(lon), lat=float(lat), time_s=to_epoch_s(time), radius_m=float(radius_m), **kw)

    @property
    def last_time_s(self) -> float:
        """Time of the last release, s since epoch."""
        return self.time_s if self.end_time_s is None else self.end_time_s


def seed(release: Release, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial positions (degrees) and release times (s since epoch) of ``n`` particles."""
    r_end = release.radius_m if release.end_radius_m is None else release.end_radius_m
    t_end = release.last_time_s
    if release.end_lon is None and r_end == release.radius_m and t_end == release.time_s:
        # one position, radius and time: scalars, not a million equal values (the same numbers)
        clon, clat = float(release.lon), float(release.lat)
        radius = float(release.radius_m)
        times = np.full(n, float(release.time_s))
    else:
        f = np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(n)
        if release.end_lon is not None:
            az, _, dist = GEOD.inv(release.lon, release.lat, release.end_lon, release.end_lat)
            clon, clat, _ = GEOD.fwd(np.full(n, release.lon), np.full(n, release.lat), np.full(n, az), dist * f)
        else:
            clon = np.full(n, float(release.lon))
            clat = np.full(n, float(release.lat))
        radius = release.radius_m + (r_end - release.radius_m) * f
        times = release.time_s + (t_end - release.time_s) * f
    if release.radius_type == "gaussian":
        east = rng.standard_normal(n) * radius
        north = rng.standard_normal(n) * radius
    else:
        dist = radius * np.sqrt(rng.uniform(0.0, 1.0, n))
        az = np.radians(rng.uniform(-180.0, 180.0, n))
        east, north = dist * np.sin(az), dist * np.cos(az)
    lon, lat = offset_points(clon, clat, east, north)
    return lon, lat, times
