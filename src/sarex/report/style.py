"""Map style shared by the plan map, probability map and exercise report: colours per service, scale bar.

A nation often sends units of more than one service (ROK Navy and the Korea
Coast Guard, the JMSDF and the Japan Coast Guard); a watch officer must tell
them apart on the plan at a glance, so each (nation, service) pair gets its own
colour: the nation's colour (:func:`sarex.nations.nation_colour`) for its first
service, then lighter and darker shades of it in order of appearance, unless
:data:`SERVICE_COLOURS` names one.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps, patheffects
from matplotlib.colors import ListedColormap, to_hex, to_rgb

from sarex.nations import nation_code, nation_colour
from sarex.times import from_epoch_s

#: Fixed colours of the services that take part in the Korea–Japan SAREX.
SERVICE_COLOURS: dict[tuple[str, str], str] = {
    ("KOR", "rok navy"): "#1f4e9c",
    ("KOR", "korea coast guard"): "#2ca6c9",
    ("JPN", "jmsdf"): "#c8102e",
    ("JPN", "japan coast guard"): "#f08c2a",
}

_SHADES = (0.0, 0.45, -0.35, 0.7, -0.6)


def _shade(hex_rgb: str, f: float) -> str:
    r, g, b = to_rgb(hex_rgb)
    if f >= 0:
        return to_hex((r + (1 - r) * f, g + (1 - g) * f, b + (1 - b) * f))
    return to_hex((r * (1 + f), g * (1 + f), b * (1 + f)))


class ServicePalette:
    """Colour per (nation, service), stable for one map: ``palette(nation, service) -> #rrggbb``."""

    def __init__(self) -> None:
        self._given: dict[tuple[str, str], str] = {}
        self._count: dict[str, int] = {}

    def __call__(self, nation: str, service: str = "") -> str:
        """Colour of a nation's service."""
        code = nation_code(nation) if nation else ""
        key = (code, (service or "").strip().lower())
        if key in self._given:
            return self._given[key]
        col = SERVICE_COLOURS.get(key)
        if col is None or col in self._given.values():
            k = self._count.get(code, 0)
            col = _shade(nation_colour(code) if code else "#6a3d9a", _SHADES[k % len(_SHADES)])
        self._count[code] = self._count.get(code, 0) + 1
        self._given[key] = col
        return col


def nice_length_nm(width_nm: float) -> float:
    """A round scale-bar length near a fifth of ``width_nm`` (1, 2 or 5 × 10^k NM)."""
    target = max(width_nm / 5.0, 1e-3)
    e = 10 ** math.floor(math.log10(target))
    return min((m * e for m in (1, 2, 5, 10)), key=lambda v: abs(v - target))


def draw_scale_bar(ax, extent: tuple[float, float, float, float]) -> float:
    """A nautical-mile scale bar in the lower left of a lon/lat axis; returns its length, NM.

    One NM is one minute of latitude; along the parallel a degree of longitude is
    60·cos(lat) NM, so the bar is drawn east–west at the bar's latitude.
    """
    lon0, lon1, lat0, lat1 = extent
    lat = lat0 + 0.06 * (lat1 - lat0)
    width_nm = (lon1 - lon0) * 60.0 * math.cos(math.radians(lat))
    length = nice_length_nm(width_nm)
    dlon = length / (60.0 * math.cos(math.radians(lat)))
    x0 = lon0 + 0.05 * (lon1 - lon0)
    ax.plot([x0, x0 + dlon], [lat, lat], "-", color="k", lw=2.5, solid_capstyle="butt", zorder=9)
    for x in (x0, x0 + dlon):
        ax.plot([x, x], [lat - 0.008 * (lat1 - lat0), lat + 0.008 * (lat1 - lat0)], "-", color="k", lw=1, zorder=9)
    ax.text(x0 + 0.5 * dlon, lat + 0.015 * (lat1 - lat0), f"{length:g} NM", ha="center", va="bottom", fontsize=7, zorder=9)
    return length


def lonlat_axes(ax, extent: tuple[float, float, float, float], fontsize: int = 8) -> None:
    """Limits, aspect (true at the mid latitude), axis labels and a light grid on a lon/lat map."""
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (extent[2] + extent[3]))))
    ax.set_xlabel("longitude (°E)", fontsize=fontsize)
    ax.set_ylabel("latitude (°N)", fontsize=fontsize)
    ax.grid(True, lw=0.3, alpha=0.4)


#: The truth's colour on every evaluators' map: black (drawn with a white halo), never a nation's or a service's colour.
TRUTH_COLOUR = "#111111"
#: Detection marks (stars, rings; black-edged): gold, away from the nations' blues and reds and from the truth's black.
DETECTION_COLOUR = "#ffd700"


def particle_cmap():
    """Greys that start at a visible grey: particles of equal weight (a first period, before any search)
    are drawn mid-grey, not white on white, and more probable particles darker."""
    return ListedColormap(colormaps["Greys"](np.linspace(0.35, 1.0, 256)), name="particles")


def halo(width: float = 3.0) -> list:
    """Path effect: a white outline, so a line stays readable over tracks and particles."""
    return [patheffects.withStroke(linewidth=width, foreground="white")]


def window_text(t0_s: float, t1_s: float) -> str:
    """A period's window for a title: ``11 Feb 00:00–06:00 UTC`` (the end's date when it differs)."""
    a, b = from_epoch_s(t0_s), from_epoch_s(t1_s)
    end = f"{b:%H:%M}" if (a.date() == b.date() or (b - a).total_seconds() <= 86400 and f"{b:%H%M}" == "0000") else f"{b:%d %b %H:%M}"
    return f"{a:%d %b %H:%M}–{end} UTC"
