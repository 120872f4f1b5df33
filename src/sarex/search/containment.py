"""Probability of containment: the smallest set of grid cells holding a share q.

The q-containment area is the set of the most probable cells whose
probabilities add up to at least q of the afloat probability in the grid
(REFERENCES §2). The grid holds only the afloat particles inside its extent:
particles stranded, off the grid, out of the model domain or not yet released
are not in it, so each area also states the share of the *total* probability
it holds (``probability_total``), and :func:`containment_warnings` says when
much of the total is not on the grid. Cells are equal-area, so the most probable cells are the
densest and the set is the smallest area that holds q. Its outline becomes a
shapely (multi)polygon in lon/lat, holes and separate parts included, and can be
exported as GeoJSON (RFC 7946: longitude first, counter-clockwise exterior rings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.polygon import orient

from sarex.errors import SarexInputError
from sarex.io.atomic import write_text_atomic
from sarex.times import iso

DEFAULT_LEVELS = (0.5, 0.9, 0.95)


def cumulative_containment(probability: np.ndarray) -> np.ndarray:
    """For each cell, the containment of the smallest set of most probable cells that includes it.

    Normalised by the total gridded probability; empty cells get NaN.
    """
    p = np.asarray(probability, dtype=np.float64)
    flat = p.ravel()
    total = flat.sum()
    out = np.full(flat.size, np.nan)
    if total <= 0:
        return out.reshape(p.shape)
    order = np.argsort(-flat, kind="stable")
    cum = np.cumsum(flat[order]) / total
    nz = flat[order] > 0
    out[order[nz]] = cum[nz]
    return out.reshape(p.shape)


def containment_mask(probability: np.ndarray, level: float) -> np.ndarray:
    """Boolean mask of the smallest set of cells holding ``level`` of the gridded probability."""
    if not (0.0 < level <= 1.0):
        raise SarexInputError(f"containment level: {level} must be in (0, 1]")
    p = np.asarray(probability, dtype=np.float64)
    flat = p.ravel()
    total = flat.sum()
    if total <= 0:
        raise SarexInputError("containment: the grid holds no probability")
    nz = np.flatnonzero(flat > 0)
    order = nz[np.argsort(-flat[nz], kind="stable")]
    cum = np.cumsum(flat[order])
    k = int(np.searchsorted(cum, level * total * (1.0 - 1e-12), side="left")) + 1
    mask = np.zeros(flat.size, dtype=bool)
    mask[order[: min(k, order.size)]] = True
    return mask.reshape(p.shape)


def mask_to_polygon_xy(mask: np.ndarray, x0: float, y0: float, cell: float) -> Polygon | MultiPolygon:
    """Union of the masked cells as a (multi)polygon in projected metres.

    Runs of cells along each row become one rectangle each; their union merges
    shared edges and keeps holes and separate parts.
    """
    ny, nx = mask.shape
    padded = np.zeros((ny, nx + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    rs, cs = np.nonzero(d == 1)
    re_, ce = np.nonzero(d == -1)
    # nonzero scans row by row, so starts and ends pair up in order
    boxes = shapely.box(x0 + cs * cell, y0 + rs * cell, x0 + ce * cell, y0 + (rs + 1) * cell)
    if boxes.size == 0:
        return Polygon()
    geom = shapely.union_all(boxes)
    return shapely.normalize(geom)


@dataclass(frozen=True)
class ContainmentArea:
    """One containment level: outline (lon/lat), area and contained probability."""

    level: float
    polygon: Polygon | MultiPolygon
    polygon_xy: Polygon | MultiPolygon
    area_nm2: float
    n_cells: int
    probability: float
    time_s: float
    #: share of the total probability (all particles: afloat on and off the grid, stranded, left, unreleased)
    probability_total: float = float("nan")

    @property
    def label(self) -> str:
        """``"50 % containment (of the afloat on-grid probability; 34.7 % of the total)"``."""
        return f"{100 * self.level:g} % containment (of the afloat on-grid probability; {100 * self.probability_total:.1f} % of the total)"

    @property
    def parts(self) -> int:
        return len(self.polygon.geoms) if isinstance(self.polygon, MultiPolygon) else 1

    @property
    def holes(self) -> int:
        polys = self.polygon.geoms if isinstance(self.polygon, MultiPolygon) else [self.polygon]
        return sum(len(p.interiors) for p in polys)


def containment_areas(grid, levels=DEFAULT_LEVELS, outlines: bool = True) -> list[ContainmentArea]:
    """Containment areas of a :class:`~sarex.search.grid.ProbabilityGrid` for each level.

    ``level`` is a fraction of the gridded afloat probability. ``area_nm2`` is the number
    of cells times the cell area (exact on the equal-area grid). With ``outlines=False``
    polygons are left empty (for speed when only areas are needed).
    """
    total = float(grid.probability.sum())
    out = []
    for q in sorted(float(v) for v in levels):
        mask = containment_mask(grid.probability, q)
        n = int(mask.sum())
        if outlines:
            poly_xy = mask_to_polygon_xy(mask, grid.x0_m, grid.y0_m, grid.cell_m)
            # densify so that straight projected edges stay close to the true outline in lon/lat
            dense = shapely.segmentize(poly_xy, grid.cell_m)
            poly = shapely.transform(dense, lambda xy: np.column_stack(grid.projection.inverse(xy[:, 0], xy[:, 1])))
        else:
            poly_xy = Polygon()
            poly = Polygon()
        out.append(
            ContainmentArea(
                level=q,
                polygon=poly,
                polygon_xy=poly_xy,
                area_nm2=n * grid.cell_area_nm2,
                n_cells=n,
                probability=float(grid.probability[mask].sum()) / total,
                time_s=grid.time_s,
                probability_total=float(grid.probability[mask].sum()),
            )
        )
    return out


def _oriented(geom):
    """RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise."""
    if isinstance(geom, MultiPolygon):
        return MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    if isinstance(geom, Polygon) and not geom.is_empty:
        return orient(geom, 1.0)
    return geom


def _rounded(obj, nd: int = 6):
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, (list, tuple)):
        return [_rounded(v, nd) for v in obj]
    if isinstance(obj, dict):
        return {k: _rounded(v, nd) for k, v in obj.items()}
    return obj


def geojson_feature(geom, properties: dict) -> dict:
    """A GeoJSON Feature (lon, lat order) with coordinates rounded to 1e-6 degrees."""
    g = mapping(_oriented(geom))
    return {"type": "Feature", "geometry": _rounded(json.loads(json.dumps(g))), "properties": properties}


def containment_features(areas: list[ContainmentArea]) -> list[dict]:
    """GeoJSON features of containment areas."""
    return [
        geojson_feature(
            a.polygon,
            {
                "kind": "containment",
                "level": a.level,
                "area_nm2": round(a.area_nm2, 3),
                "probability": round(a.probability, 6),
                "probability_of_total": round(a.probability_total, 6),
                "label": a.label,
                "cells": a.n_cells,
                "time": iso(a.time_s),
            },
        )
        for a in areas
    ]


#: Warn when more than this share of the total probability is not afloat on the grid.
WARN_NOT_ON_GRID = 0.05


def containment_warnings(grid) -> list[str]:
    """One line per large share of the total probability that the containment areas do not hold."""
    on = float(grid.probability.sum())
    parts = [("afloat outside the grid's extent", grid.outside_weight), ("stranded", grid.stranded_probability),
             ("left the model domain", grid.left_weight), ("not yet released", grid.unreleased_weight)]
    out = []
    if 1.0 - on > WARN_NOT_ON_GRID:
        detail = ", ".join(f"{100 * v:.1f} % {k}" for k, v in parts if v > 0.0005)
        out.append(f"only {100 * on:.1f} % of the total probability is afloat on the grid ({detail}); "
                   f"containment levels are shares of that {100 * on:.1f} %, see 'of the total' for each area")
    return out


def write_geojson(path: str | Path, features: list[dict]) -> Path:
    """Write a GeoJSON FeatureCollection atomically."""
    fc = {"type": "FeatureCollection", "features": features}
    return write_text_atomic(path, json.dumps(fc, indent=1) + "\n")
