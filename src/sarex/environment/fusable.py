"""What the fused drift step needs of a gridded field: the :class:`FusableField` protocol and the grid kinds.

The fused step (:func:`sarex.drift.fused.drift_step_kernel`) samples a field inside its
own numba pass instead of calling :meth:`~sarex.environment.base.VectorField.sample`. It
does so for the field classes registered here (:func:`register_grid_kind`), each of which
implements :class:`FusableField`: how a particle's lon/lat maps to the grid's axes
(:meth:`FusableField.fused_geometry`: lon/lat, Lambert x/y, a curvilinear grid's fractional
indices), the grid's whole extent, and the loaded window of data around the particles at
a time (:class:`GridWindow`). A field of a class not registered (a constant field, a
wrapper) goes through the general step, as does a subclass until it registers itself
(the lookup is by exact class: a subclass may sample differently).

A new grid kind: implement :class:`FusableField` (and, for cell-searched grids, the cell
hints of :class:`CellHintedField`), teach :func:`~sarex.drift.fused._grid_points` its
``KIND_*`` mapping, and register the class (see CONTRIBUTING.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast, runtime_checkable

import numpy as np

from sarex.environment.base import VectorField
from sarex.environment.cellsearch import GridOutline

if TYPE_CHECKING:
    from sarex.environment.gridsample import AxisDescriptor

__all__ = [
    "CellHintedField",
    "CellHints",
    "FusableField",
    "FusedGeometry",
    "GridKind",
    "GridWindow",
    "fused_sources",
    "geometry",
    "grid_kind",
    "register_grid_kind",
]


class FusedGeometry(NamedTuple):
    """How the fused step maps a particle's lon/lat to a field's grid axes.

    The same array types whatever the kind (placeholders where unused): one compiled step
    for every combination of grids (:func:`~sarex.environment.gridsample.grid_geometry`).
    """

    #: ``KIND_LONLAT``, ``KIND_LCC`` or ``KIND_CURVILINEAR`` (:mod:`sarex.environment.gridsample`)
    kind: int
    #: the Lambert conformal constants (:func:`~sarex.environment.lcc.lcc_constants`; zeros otherwise)
    lcc: np.ndarray
    #: a curvilinear grid's node longitudes and latitudes, degrees (2 × 2 zeros otherwise)
    glon: np.ndarray
    glat: np.ndarray


class GridWindow(NamedTuple):
    """The loaded data of a field around the particles at one time, as the sampling kernels take it."""

    #: east and north components (nt, ny, nx) of the window, m/s
    u: np.ndarray
    v: np.ndarray
    #: the window's ascending x and y axes (lon/lat, projected metres or grid indices)
    xs: np.ndarray
    ys: np.ndarray
    #: the axes' descriptor (:func:`~sarex.environment.gridsample.window_descriptor`)
    desc: AxisDescriptor
    #: time index in the window and fraction towards the next
    it: int
    ft: float


class CellHints(NamedTuple):
    """Each particle's last cell on a curvilinear grid, where a search starts from."""

    xi: np.ndarray
    eta: np.ndarray
    #: whether the cell is known (False: never found, or outside the grid)
    known: np.ndarray


@runtime_checkable
class FusableField(VectorField, Protocol):
    """A :class:`~sarex.environment.base.VectorField` on a grid the fused drift step samples itself."""

    def fused_geometry(self) -> FusedGeometry | None:
        """How the step maps lon/lat to the grid's axes; ``None``: it cannot (the general step samples)."""
        ...

    def fused_extent(self) -> np.ndarray:
        """The whole grid's extent (:func:`~sarex.environment.gridsample.grid_extent`): where a stack tries the next source."""
        ...

    def window_around(self, time_s: float, lon: np.ndarray, lat: np.ndarray, active: np.ndarray, force: bool = False) -> GridWindow:
        """The loaded window for ``time_s`` around the ``active`` particles at WGS84 ``lon``/``lat`` (``force``: reload)."""
        ...

    def contains_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True where the points lie in the whole grid."""
        ...


@runtime_checkable
class CellHintedField(FusableField, Protocol):
    """A :class:`FusableField` whose points are found by a cell search (``KIND_CURVILINEAR``)."""

    def hints(self) -> CellHints | None:
        """Each particle's last cell, as the field's own search keeps them (``None``: not searched yet)."""
        ...

    def set_hints(self, hints: CellHints | None) -> None:
        """Replace the cells the next search starts from."""
        ...

    def outline(self) -> GridOutline | None:
        """The grid's outline (:func:`~sarex.environment.cellsearch.grid_outline`), or ``None``."""
        ...


@dataclass(frozen=True)
class GridKind:
    """A registered kind of field: its name and whether it is a stack of other fields' sources."""

    name: str
    #: a stack (:class:`~sarex.environment.stack.StackedField`): its ``sources`` are each a fusable field
    stacked: bool = False


_KINDS: dict[type, GridKind] = {}

T = TypeVar("T", bound=type)


def register_grid_kind(name: str, stacked: bool = False) -> Callable[[T], T]:
    """Class decorator: the fused drift step samples fields of this exact class (:class:`FusableField`)."""

    def register(cls: T) -> T:
        _KINDS[cls] = GridKind(name, stacked)
        return cls

    return register


def grid_kind(field: object) -> GridKind | None:
    """The registered kind of ``field``'s exact class, or ``None`` (the general step samples it)."""
    return _KINDS.get(type(field))


def fused_sources(field: object) -> list[Any] | None:
    """The fields the fused step samples for ``field``: itself, a stack's sources, or ``None`` if any is not fusable."""
    kind = grid_kind(field)
    if kind is None:
        return None
    sources = list(cast(Any, field).sources) if kind.stacked else [field]
    kinds = [grid_kind(s) for s in sources]
    if any(k is None or k.stacked for k in kinds):
        return None
    return sources


def geometry(kind: int, lcc: np.ndarray | None = None, glon: np.ndarray | None = None, glat: np.ndarray | None = None) -> FusedGeometry:
    """A :class:`FusedGeometry` with placeholders for what ``kind`` does not use (the same array types for every kind)."""
    none2 = np.zeros((2, 2))
    return FusedGeometry(kind, np.zeros(7) if lcc is None else lcc, none2 if glon is None else glon, none2 if glat is None else glat)
