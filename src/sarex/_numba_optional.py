"""numba without two optional imports sarex never uses (start-up time).

When numba is imported it imports PyYAML if installed (``numba.core.config``, to read a
``.numba_config.yaml`` in the working directory), and the first time it types a value it
imports cffi with its C parser (``numba.core.typing.cffi_utils``, to compile calls to cffi
functions). Both are installed beside sarex (dask needs PyYAML, argon2-cffi needs cffi)
and together cost ~0.05–0.08 s of a 1-hour drift's ~1.5 s, for features sarex does not use.

:func:`install` adds an import hook that, while exactly those two numba modules execute,
makes ``import yaml`` / ``import cffi`` fail as if the package were absent (numba's own
fallback), then removes the block: a later ``import yaml`` or ``import cffi`` anywhere in
the process works as usual. YAML is left visible where a ``.numba_config.yaml`` exists in
the working directory, so numba reads it as it would without sarex. Only where the module
is not imported yet; anything unexpected leaves numba's own import path.
"""

from __future__ import annotations

import os
import sys

#: numba module -> the optional package it need not see, with the condition to hide it
_TRIGGERS = {
    "numba.core.config": "yaml",
    "numba.core.typing.cffi_utils": "cffi",
}


def _hide(package: str) -> bool:
    if package in sys.modules:
        return False
    if package == "yaml" and os.path.exists(".numba_config.yaml"):
        return False
    return True


class _Loader:
    """The numba module's own loader, with ``package`` unimportable while it runs."""

    def __init__(self, real, package: str) -> None:
        self._real = real
        self._package = package

    def create_module(self, spec):
        return self._real.create_module(spec)

    def exec_module(self, module) -> None:
        sys.modules[self._package] = None  # "import yaml" raises ImportError: numba's fallback
        try:
            self._real.exec_module(module)
        finally:
            if sys.modules.get(self._package, 0) is None:
                del sys.modules[self._package]

    def __getattr__(self, name: str):
        return getattr(self._real, name)


class _Hook:
    def find_spec(self, name, path=None, target=None):
        package = _TRIGGERS.get(name)
        if package is None:
            return None
        _TRIGGERS.pop(name)
        if not _TRIGGERS:
            uninstall()
        if not _hide(package):
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _Loader(spec.loader, package)
        return spec


_HOOK = _Hook()


def install() -> bool:
    """Add the hook unless numba is imported already; whether it is in place."""
    for name in list(_TRIGGERS):
        if name in sys.modules:
            _TRIGGERS.pop(name)
    if not _TRIGGERS:
        return False
    if _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)
    return True


def uninstall() -> None:
    if _HOOK in sys.meta_path:
        sys.meta_path.remove(_HOOK)
