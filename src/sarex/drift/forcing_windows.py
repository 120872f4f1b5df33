"""Wind and current as the fused drift step takes them: each variable's sources and windows.

A variable is one field, or a :class:`~sarex.environment.stack.StackedField` of several in
priority order (a coastal model, then a regional one). :class:`FusedField` says whether the
fused step (:func:`~sarex.drift.fused.drift_step_kernel`) can sample it, and gives its
windows at a time in the kernel's one layout whatever the number of sources: the sources'
time cells and axes concatenated with their offsets, and per source its axis descriptor,
kind (lon/lat, Lambert, curvilinear, or skipped), Lambert constants and whole-grid extent.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from sarex.environment.curvilinear import CurvilinearGridField
from sarex.environment.gridsample import KIND_CURVILINEAR, KIND_NONE, time_cells
from sarex.environment.projected import ProjectedGridField
from sarex.environment.regular import RegularGridField
from sarex.environment.stack import StackedField

#: Fields the fused kernel samples (each says how in its ``fused_geometry``).
FUSED_FIELDS = (RegularGridField, ProjectedGridField, CurvilinearGridField)

_NOTHING = np.zeros(2)  # a skipped source's cells and axes (never read)
_NO_EXTENT = np.zeros(6)
#: Hints of a variable that keeps none (not curvilinear): the kernel's placeholders.
_NO_HINTS = (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.bool_),
             np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.bool_))
#: The outline of a variable without a curvilinear grid, or of one without an outline (no bands).
_NO_OUTLINE = (0.0, np.zeros(4), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros((1, 4)))


class FusedField:
    """One variable for the fused step: its sources, their geometry, their windows.

    Parameters
    ----------
    field
        The variable's field: a regular, Lambert or curvilinear grid, or a stack of them
        with at most one curvilinear grid (its node longitudes and latitudes are the
        kernel's one set; a second leaves the stack to the general step).
    """

    def __init__(self, field) -> None:
        self.field = field
        self._hints_out: tuple | None = None  # the arrays the fused step writes the new cell hints to
        self.stacked = type(field) is StackedField
        self.sources = list(field.sources) if self.stacked else [field]
        geos = [s.fused_geometry() if type(s) in FUSED_FIELDS else None for s in self.sources]
        self.fusable = all(g is not None for g in geos) and sum(g[0] == KIND_CURVILINEAR for g in geos) <= 1
        if not self.fusable:
            return
        self.kinds = np.array([g[0] for g in geos], dtype=np.int64)
        c = [k for k, g in enumerate(geos) if g[0] == KIND_CURVILINEAR]
        #: the curvilinear source, which keeps the particles' cell hints (None: none)
        self._curv = self.sources[c[0]] if c else None
        self.curvilinear = self._curv is not None
        #: what the kernel reads the hints as (KIND_CURVILINEAR: live arrays; else placeholders)
        self.hint_kind = KIND_CURVILINEAR if self.curvilinear else KIND_NONE
        #: the curvilinear grid's outline (:func:`~sarex.environment.cellsearch.grid_outline`), for a stack
        self.outline = (self._curv.outline() if self.curvilinear else None) or _NO_OUTLINE
        self._lcc = np.ascontiguousarray(np.stack([g[1][0] for g in geos]))
        self._glon, self._glat = geos[c[0] if c else 0][1][1:3]  # the curvilinear grid's nodes
        self._ext = np.ascontiguousarray(np.stack([s.fused_extent() if self.stacked else _NO_EXTENT for s in self.sources]))

    def windows(self, time_s: float, lon, lat, active, force: bool = False) -> tuple:
        """The sources' windows at ``time_s`` around the particles, as the kernel takes them.

        ``(cells, co, xs, xo, ys, yo, ad, kinds, lcc, ext, glon, glat)``. A stack's source
        whose time range does not cover ``time_s`` is skipped (``KIND_NONE``), as the stack
        skips it; ``force`` reloads every window around all particles.
        """
        cells, xs, ys, ads, kinds = [], [], [], [], self.kinds.copy()
        for k, src in enumerate(self.sources):
            t0, t1 = src.time_range()
            if self.stacked and not (t0 - 1e-6 <= time_s <= t1 + 1e-6):
                kinds[k] = KIND_NONE
                cells.append(_NOTHING)
                xs.append(_NOTHING)
                ys.append(_NOTHING)
                ads.append(np.zeros(9))
                continue
            u, v, x, y, ad, it, ft = src.window_around(time_s, lon, lat, active, force=force)
            cells.append(time_cells(u, v, it, ft))
            xs.append(np.ascontiguousarray(x))
            ys.append(np.ascontiguousarray(y))
            ads.append(ad)
        return (*_joined(cells), *_joined(xs), *_joined(ys), np.ascontiguousarray(np.stack(ads)), kinds, self._lcc, self._ext,
                self._glon, self._glat)

    def hints(self, n: int) -> tuple:
        """A curvilinear grid's cell hints of the ``n`` particles and the arrays for the new ones; placeholders otherwise."""
        if not self.curvilinear:
            return _NO_HINTS
        if self._hints_out is None:
            self._hints_out = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.bool_))
        h = self._curv.hints()
        if h is None or h[0].size != n:  # a stacked grid not sampled yet (outside its time range): no cell known
            h = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_))
            self._curv.set_hints(h)
        return (*h, *self._hints_out)

    def keep_hints(self, hints: tuple) -> None:
        """Swap in the new cell hints the fused step wrote into :meth:`hints`' arrays (the old ones take the next)."""
        if hints is not _NO_HINTS:
            self._curv.set_hints(hints[3:])
            self._hints_out = hints[:3]

    def contains_any(self, lon: np.ndarray, lat: np.ndarray, idx: np.ndarray) -> bool:
        """Whether a source's whole grid holds one of the particles ``idx`` (positions ``lon``/``lat`` of all)."""
        with self.hints_of(idx, lon.size):
            x, y = lon[idx], lat[idx]
            return any(bool(src.contains_lonlat(x, y).any()) for src in self.sources)

    @contextmanager
    def hints_of(self, idx: np.ndarray, n: int):
        """While in the block, a curvilinear field's cell hints are those of the particles ``idx`` of ``n`` alone.

        The field searches a point from the cell the same point was found in last (its hints,
        one per particle of the arrays it is given): a step of a few of the particles on
        their gathered positions starts each search where the whole step would, and the
        cells it finds become those particles' hints.
        """
        if not self.fusable or not self.curvilinear:
            yield
            return
        f = self._curv
        h = f.hints()
        whole = h is not None and h[0].size == n
        f.set_hints(tuple(a[idx] for a in h) if whole else None)
        try:
            yield
        finally:
            new = f.hints()
            if whole and new is not None and new[0].size == idx.size:
                for a, b in zip(h, new):
                    a[idx] = b
            f.set_hints(h if whole else None)

    def add_counts(self, served: np.ndarray) -> None:
        """Add the fused step's samples per source (``served[source]``) to the stack's counts."""
        if self.stacked:
            self.field.add_counts(served[: len(self.sources)])


def _joined(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The arrays end to end and their offsets (one array as it is: no copy)."""
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([a.size for a in arrays])
    return (arrays[0] if len(arrays) == 1 else np.concatenate(arrays)), offsets
