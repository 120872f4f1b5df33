"""Which way vector components point: east/north or along the grid axes.

CF standard names say it: ``eastward_wind``/``northward_wind`` are east/north;
``x_wind``/``y_wind`` and ``x_sea_water_velocity``/``y_sea_water_velocity`` (and
ROMS's ``sea_water_x_velocity[_at_u_location]``) follow the grid's x/y axes and must
be rotated to east/north by the local angle of the grid's x axis.
"""

from __future__ import annotations

import numpy as np

EAST_NORTH = "east_north"
GRID_RELATIVE = "grid_relative"

_EAST_NORTH_PREFIXES = ("eastward_", "northward_", "surface_eastward_", "surface_northward_")
_GRID_NAMES = (
    "x_wind",
    "y_wind",
    "x_sea_water_velocity",
    "y_sea_water_velocity",
    "sea_water_x_velocity",
    "sea_water_y_velocity",
    "sea_water_x_velocity_at_u_location",
    "sea_water_y_velocity_at_v_location",
    "surface_sea_water_x_velocity",
    "surface_sea_water_y_velocity",
)


def orientation_of(standard_name: str) -> str | None:
    """``EAST_NORTH``, ``GRID_RELATIVE`` or ``None`` (cannot tell) for a CF standard_name."""
    sn = standard_name.strip()
    if sn.startswith(_EAST_NORTH_PREFIXES):
        return EAST_NORTH
    if sn in _GRID_NAMES:
        return GRID_RELATIVE
    return None


def rotate_to_east_north(
    u: np.ndarray, v: np.ndarray, cos_a: np.ndarray, sin_a: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate grid-relative components to east/north.

    Parameters
    ----------
    u, v
        Components along the grid's x and y axes (m/s), shape (..., ny, nx).
    cos_a, sin_a
        Cosine and sine of the angle of the grid's x axis counter-clockwise from
        east (ROMS ``angle``), shape (ny, nx); the y axis is 90° further
        counter-clockwise (orthogonal, right-handed grid).

    Returns
    -------
    east, north : ndarray
        m/s.
    """
    east = u * cos_a - v * sin_a
    north = u * sin_a + v * cos_a
    return east, north
