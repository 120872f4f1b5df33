"""numba's first kernel load without importing all of ``scipy.linalg``.

The first time a process loads (or compiles) any numba kernel, numba imports its
implementation registries, and one of them, ``numba.np.arraymath``, checks once
whether BLAS is available by importing ``scipy.linalg.cython_blas``. Importing that
module imports the ``scipy.linalg`` package first, and with it scipy's array-API
layer (which touches every numpy submodule, f2py and testing included): 0.15–0.2 s
of a 1-hour drift's ~1.5 s, for a module numba only asks to exist.

:func:`install` adds an import hook that fires once, when ``numba.np.arraymath`` is
imported while ``scipy.linalg`` is not: it loads the real ``cython_blas`` extension
module by itself (its file, scipy's own loader; ~2 ms) and puts it in ``sys.modules``
for the duration of that one import, so numba's check finds it and comes to the same
answer. Afterwards the entry is removed; a later ``import scipy.linalg.cython_blas``
imports the package normally and gets the same module object. Anything unexpected
(another scipy layout, an error while loading) leaves numba's own import path.
"""

from __future__ import annotations

import sys

from sarex._import_scope import OneShotHook, ScopedLoader

_TRIGGER = "numba.np.arraymath"
_BLAS = "scipy.linalg.cython_blas"


def _load_blas():
    """The ``cython_blas`` extension module, loaded without its package; None where that is not possible."""
    try:
        import importlib.machinery
        import importlib.util
        import os

        import scipy  # numba imports it already (its own dependency check)

        folder = os.path.join(os.path.dirname(scipy.__file__), "linalg")
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "cython_blas" + suffix)
            if os.path.isfile(path):
                spec = importlib.util.spec_from_file_location(_BLAS, path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return module
    except Exception:  # noqa: BLE001 - any surprise: numba imports scipy.linalg as usual
        return None
    return None


def _loader_for(name, real):
    if "scipy.linalg" in sys.modules or _BLAS in sys.modules:
        return None
    blas = _load_blas()
    if blas is None:
        return None
    # a later "import scipy.linalg" during numba's import keeps the entry (it is then the package's)
    return ScopedLoader(real, _BLAS, blas, keep=lambda: "scipy.linalg" in sys.modules)


_HOOK = OneShotHook([_TRIGGER], _loader_for)  # once: numba's registries are imported once per process


def install() -> bool:
    """Add the hook (unless numba's registries are already imported); whether it is in place."""
    return _HOOK.install()


def uninstall() -> None:
    _HOOK.uninstall()
