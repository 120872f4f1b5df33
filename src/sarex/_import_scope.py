"""One import hook mechanism for sarex's start-up tweaks of numba's imports.

:class:`ScopedLoader` runs a module's own loader with one ``sys.modules`` entry in place
while that module executes (a module numba only asks to exist, or ``None`` so that an
optional import fails as if the package were absent), and removes the entry afterwards.
:class:`OneShotHook` is a meta-path finder that hands the given module names, once each,
to such a loader and takes itself off ``sys.meta_path`` when it has none left.
Used by :mod:`sarex._numba_blas` and :mod:`sarex._numba_optional`.
"""

from __future__ import annotations

import sys
import importlib.machinery

_MISSING = object()


class ScopedLoader:
    """``real``'s loader, with ``sys.modules[entry] = value`` (unless set already) while it executes.

    The entry is removed afterwards if it is still ``value`` and ``keep()`` is false.
    """

    def __init__(self, real, entry: str, value, keep=None) -> None:
        self._real = real
        self._entry = entry
        self._value = value
        self._keep = keep

    def create_module(self, spec):
        return self._real.create_module(spec)

    def exec_module(self, module) -> None:
        sys.modules.setdefault(self._entry, self._value)
        try:
            self._real.exec_module(module)
        finally:
            if sys.modules.get(self._entry, _MISSING) is self._value and not (self._keep and self._keep()):
                del sys.modules[self._entry]

    def __getattr__(self, name: str):  # get_source, get_filename, ...: the real loader's
        return getattr(self._real, name)


class OneShotHook:
    """A meta-path finder for the module names of ``triggers``; each is handled once, by ``loader_for``.

    ``loader_for(name, real_loader)`` returns the loader to use (e.g. a :class:`ScopedLoader`)
    or ``None`` for the module's own import path.
    """

    def __init__(self, triggers, loader_for) -> None:
        self._triggers = set(triggers)
        self._loader_for = loader_for

    def find_spec(self, name, path=None, target=None):
        if name not in self._triggers:
            return None
        self._triggers.discard(name)
        if not self._triggers:
            self.uninstall()

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        loader = self._loader_for(name, spec.loader)
        if loader is None:
            return None
        spec.loader = loader
        return spec

    def install(self) -> bool:
        """Put the finder first on ``sys.meta_path`` unless its modules are imported already; whether it is in place."""
        self._triggers -= set(sys.modules)
        if not self._triggers:
            return False
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)
        return True

    def uninstall(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)
