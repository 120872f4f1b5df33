"""Vertical levels: drift uses the surface current and the 10 m wind.

A forcing variable with a depth, height or s-coordinate dimension is reduced to
one level before sampling: the level whose coordinate is nearest to the wanted
height (0 m, the sea surface, for currents; 10 m for winds). For ROMS
s-coordinates (``s_rho`` from -1 at the bottom to 0 at the surface) that is the
top level.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import xarray as xr

from sarex.errors import SarexInputError

#: Attribute recording the selected level on the reduced DataArray (for ``sarex env inspect``).
LEVEL_ATTR = "sarex_selected_level"

_VERTICAL_NAMES = {"depth", "z", "s_rho", "s_w", "level", "lev", "height", "altitude", "deptht", "depthu", "depthv", "st_ocean", "zlev"}
_VERTICAL_SN = {
    "depth",
    "height",
    "altitude",
    "ocean_s_coordinate_g1",
    "ocean_s_coordinate_g2",
    "ocean_s_coordinate",
    "ocean_sigma_coordinate",
    "model_level_number",
    "height_above_reference_ellipsoid",
}


def is_vertical(da: xr.DataArray, dim: Hashable) -> bool:
    """True if ``dim`` of ``da`` is a vertical coordinate (by CF attributes or common names)."""
    c = da.coords.get(dim)
    attrs = c.attrs if c is not None else {}
    return (
        str(dim).lower() in _VERTICAL_NAMES
        or attrs.get("axis") == "Z"
        or attrs.get("standard_name", "") in _VERTICAL_SN
        or attrs.get("positive") in ("up", "down")
    )


def select_level(da: xr.DataArray, target_m: float, source: str) -> xr.DataArray:
    """Reduce every vertical dimension of ``da`` to the level nearest ``target_m``.

    Parameters
    ----------
    da
        Forcing variable.
    target_m
        Wanted height above the sea surface, m (0 for surface current, 10 for wind).
        Depths (``positive = "down"``) and s-coordinates (≤ 0) are compared by
        absolute value, so 0 picks the surface either way.
    source
        File/variable for messages.
    """
    for d in list(da.dims):
        if not is_vertical(da, d):
            continue
        if da.sizes[d] == 1:
            da = da.isel({d: 0}, drop=True)
            continue
        c = da.coords.get(d)
        if c is None:
            raise SarexInputError(
                f"{source}: vertical dimension {d!r} has {da.sizes[d]} levels but no coordinate values, "
                "so the surface level cannot be found"
            )
        z = np.asarray(c.values, dtype=np.float64)
        k = int(np.nanargmin(np.abs(np.abs(z) - abs(target_m))))
        note = f"{d} = {z[k]:g} {c.attrs.get('units', '')}".strip() + f" (level {k + 1} of {z.size})"
        da = da.isel({d: k}, drop=True)
        da.attrs[LEVEL_ATTR] = note
    return da


def level_note(field) -> str | None:
    """Which vertical level a field opened from a file uses (``None`` if the file had one level)."""
    u = getattr(field, "_u", None)
    return None if u is None else u.attrs.get(LEVEL_ATTR)
