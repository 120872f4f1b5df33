"""Keep xarray from importing ``dask.array`` in processes that never use it.

xarray asks, whenever it wraps data in a Variable, whether the data is a dask
array; the first time it imports ``dask.array`` to get the class (when dask is
installed, as it is for sarex's Dask ensembles). That costs about 0.5 s of CPU,
a third of a small drift's whole process. No dask array can exist before
``dask.array`` is imported, so until then the answer is "no" without the import:
:func:`install` puts a stand-in into xarray's cache of array modules that answers
that way and hands over to xarray's own record as soon as ``dask.array`` is loaded.
It relies on a private xarray detail; if that is missing, it does nothing.
xarray's ``is_dask_collection`` (asked while decoding a file's times) likewise imports
``dask`` itself (``dask.base``, ~0.16 s); the stand-in answers "no" until ``dask`` is
loaded, since no dask collection can exist before. :func:`no_distributed_import` does
the same for ``distributed`` when a file is written.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager


class _LazyDaskModule:
    """xarray's ``DuckArrayModule("dask")`` record, created only once ``dask.array`` is loaded."""

    def __init__(self, pycompat) -> None:
        self._pycompat = pycompat

    def _real(self):
        real = self._pycompat.DuckArrayModule("dask")
        self._pycompat._cached_duck_array_modules["dask"] = real
        return real

    @property
    def type(self):
        if "dask.array" not in sys.modules:
            return ()
        return self._real().type

    def __getattr__(self, name: str):  # module, version, available: ask the real record
        return getattr(self._real(), name)


def _is_dask_collection_once_loaded(real):
    """xarray's ``is_dask_collection``, answering "no" without importing dask while dask is not loaded."""

    def is_dask_collection(x: object) -> bool:
        if "dask" not in sys.modules:
            return False  # a dask collection's class comes from dask: none can exist yet
        return real(x)

    is_dask_collection._sarex_lazy = True  # type: ignore[attr-defined]
    return is_dask_collection


def install() -> bool:
    """Put the stand-ins in place (once, and only while ``dask.array`` is not loaded); whether they are."""
    try:
        from xarray.namedarray import pycompat, utils
    except ImportError:  # pragma: no cover - another xarray layout
        return False
    real = getattr(utils, "is_dask_collection", None)
    if callable(real) and not getattr(real, "_sarex_lazy", False):
        # utils.is_duck_dask_array (what pycompat asks) looks the name up in utils at each call
        utils.is_dask_collection = _is_dask_collection_once_loaded(real)
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    if not isinstance(cache, dict) or not hasattr(pycompat, "DuckArrayModule"):
        return False  # pragma: no cover
    if "dask" in cache:
        return isinstance(cache["dask"], _LazyDaskModule)
    if "dask.array" in sys.modules:
        return False
    cache["dask"] = _LazyDaskModule(pycompat)
    return True


@contextmanager
def no_distributed_import():
    """Within: importing ``distributed`` fails, unless it is already loaded.

    Writing any NetCDF file, xarray asks dask which scheduler is active, and dask
    imports ``distributed`` to look for a client (0.8 s of CPU). A client can only
    exist once ``distributed`` is loaded, so while it is not the answer is "none"
    either way; the import failing makes dask and xarray say so at once. Only with
    no scheduler named in dask's configuration (which would make dask cache that
    distributed is unavailable).
    """
    cfg = sys.modules.get("dask.config")
    named = cfg is not None and cfg.get("scheduler", None) is not None
    if "distributed" in sys.modules or named:
        yield
        return
    sys.modules["distributed"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        yield
    finally:
        if "distributed" in sys.modules and sys.modules["distributed"] is None:
            del sys.modules["distributed"]
