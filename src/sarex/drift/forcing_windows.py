"""Wind and current as the fused drift step takes them: each variable's sources and windows.

A variable is one field, or a :class:`~sarex.environment.stack.StackedField` of several in
priority order (a coastal model, then a regional one). :class:`FusedField` says whether the
fused step (:func:`~sarex.drift.fused.drift_step_kernel`) can sample it (its grid kind is
registered: :mod:`sarex.environment.fusable`), and gives its windows at a time in the
kernel's one layout whatever the number of sources (:class:`Window`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from sarex.environment.cellsearch import NO_OUTLINE, GridOutline
from sarex.environment.fusable import CellHints, fused_sources, grid_kind
from sarex.environment.gridsample import KIND_CURVILINEAR, KIND_NONE, time_cells

__all__ = ["FusedField", "StepHints", "Window"]


class Window(NamedTuple):
    """One variable's sources at one time, as the fused step samples them (:func:`~sarex.drift.fused._sample_field`).

    The sources' time cells and axes end to end with their offsets (source ``s`` is
    ``cells[co[s]:co[s + 1]]``), and per source (row ``s``) its axis descriptor, kind,
    Lambert constants and whole-grid extent; the curvilinear source's nodes (one per variable).
    """

    #: :func:`~sarex.environment.gridsample.time_cells` of each source's window, and their offsets
    cells: np.ndarray
    co: np.ndarray
    #: each source's window x axis, and their offsets
    xs: np.ndarray
    xo: np.ndarray
    #: each source's window y axis, and their offsets
    ys: np.ndarray
    yo: np.ndarray
    #: each source's axis descriptor (:func:`~sarex.environment.gridsample.window_descriptor`), (sources, 9)
    desc: np.ndarray
    #: each source's ``KIND_*`` (``KIND_NONE``: skipped, its time range does not cover the sample's)
    kinds: np.ndarray
    #: each source's Lambert constants, (sources, 7)
    lcc: np.ndarray
    #: each source's whole-grid extent (:func:`~sarex.environment.gridsample.grid_extent`), (sources, 6)
    ext: np.ndarray
    #: the curvilinear source's node longitudes and latitudes (placeholders without one)
    glon: np.ndarray
    glat: np.ndarray


class StepHints(NamedTuple):
    """A variable's cell hints as the fused step reads and writes them (placeholders of size 1 where it keeps none)."""

    #: each particle's last cell and whether it is known
    old: CellHints
    #: the arrays the step writes the new cells to
    new: CellHints


_NOTHING = np.zeros(2)  # a skipped source's cells and axes (never read)
_NO_EXTENT = np.zeros(6)
_NO_CELLS = CellHints(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.bool_))
#: Hints of a variable that keeps none (not curvilinear): the kernel's placeholders.
_NO_HINTS = StepHints(_NO_CELLS, CellHints(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.bool_)))


class FusedField:
    """One variable for the fused step: its sources, their geometry, their windows.

    Parameters
    ----------
    field
        The variable's field: of a registered grid kind (:mod:`sarex.environment.fusable`:
        regular, Lambert or curvilinear grid), or a stack of them with at most one
        curvilinear grid (its node longitudes and latitudes are the kernel's one set; a
        second leaves the stack to the general step).
    """

    def __init__(self, field) -> None:
        self.field = field
        self._hints_out: CellHints | None = None  # the arrays the fused step writes the new cell hints to
        kind = grid_kind(field)
        self.stacked = kind is not None and kind.stacked
        sources = fused_sources(field)
        self.sources = sources if sources is not None else [field]
        geos: list[Any] = [s.fused_geometry() for s in sources] if sources is not None else [None]
        self.fusable = all(g is not None for g in geos) and sum(g.kind == KIND_CURVILINEAR for g in geos) <= 1
        if not self.fusable:
            return
        self.kinds = np.array([g.kind for g in geos], dtype=np.int64)
        c = [k for k, g in enumerate(geos) if g.kind == KIND_CURVILINEAR]
        #: the curvilinear source, which keeps the particles' cell hints (None: none)
        self._curv: Any = self.sources[c[0]] if c else None
        self.curvilinear = self._curv is not None
        #: what the kernel reads the hints as (KIND_CURVILINEAR: live arrays; else placeholders)
        self.hint_kind = KIND_CURVILINEAR if self.curvilinear else KIND_NONE
        #: the curvilinear grid's outline (:func:`~sarex.environment.cellsearch.grid_outline`), for a stack
        self.outline: GridOutline = (self._curv.outline() if self._curv is not None else None) or NO_OUTLINE
        self._lcc = np.ascontiguousarray(np.stack([g.lcc for g in geos]))
        nodes = geos[c[0] if c else 0]  # the curvilinear grid's nodes
        self._glon, self._glat = nodes.glon, nodes.glat
        self._ext = np.ascontiguousarray(np.stack([s.fused_extent() if self.stacked else _NO_EXTENT for s in self.sources]))

    def windows(self, time_s: float, lon, lat, active, force: bool = False) -> Window:
        """The sources' windows at ``time_s`` around the particles, as the kernel takes them.

        A stack's source whose time range does not cover ``time_s`` is skipped
        (``KIND_NONE``), as the stack skips it; ``force`` reloads every window around all particles.
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
            w = src.window_around(time_s, lon, lat, active, force=force)
            cells.append(time_cells(w.u, w.v, w.it, w.ft))
            xs.append(np.ascontiguousarray(w.xs))
            ys.append(np.ascontiguousarray(w.ys))
            ads.append(w.desc.array())
        c, co = _joined(cells)
        x, xo = _joined(xs)
        y, yo = _joined(ys)
        return Window(cells=c, co=co, xs=x, xo=xo, ys=y, yo=yo, desc=np.ascontiguousarray(np.stack(ads)), kinds=kinds, lcc=self._lcc,
                      ext=self._ext, glon=self._glon, glat=self._glat)

    def hints(self, n: int) -> StepHints:
        """A curvilinear grid's cell hints of the ``n`` particles and the arrays for the new ones; placeholders otherwise."""
        if not self.curvilinear:
            return _NO_HINTS
        if self._hints_out is None:
            self._hints_out = CellHints(np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.bool_))
        h = self._curv.hints()
        if h is None or h.xi.size != n:  # a stacked grid not sampled yet (outside its time range): no cell known
            h = CellHints(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_))
            self._curv.set_hints(h)
        return StepHints(h, self._hints_out)

    def keep_hints(self, hints: StepHints) -> None:
        """Swap in the new cell hints the fused step wrote into :meth:`hints`' arrays (the old ones take the next)."""
        if hints is not _NO_HINTS:
            self._curv.set_hints(hints.new)
            self._hints_out = hints.old

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
        whole = h is not None and h.xi.size == n
        f.set_hints(CellHints(h.xi[idx], h.eta[idx], h.known[idx]) if whole else None)
        try:
            yield
        finally:
            new = f.hints()
            if whole and new is not None and new.xi.size == idx.size:
                h.xi[idx], h.eta[idx], h.known[idx] = new.xi, new.eta, new.known
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
