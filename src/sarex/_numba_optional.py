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

from sarex._import_scope import OneShotHook, ScopedLoader

#: numba module -> the optional package it need not see, with the condition to hide it
_TRIGGERS = {
    "numba.core.config": "yaml",
    "numba.core.typing.cffi_utils": "cffi",
}


def _loader_for(name, real):
    package = _TRIGGERS[name]
    if package in sys.modules or (package == "yaml" and os.path.exists(".numba_config.yaml")):
        return None
    return ScopedLoader(real, package, None)  # "import yaml" raises ImportError: numba's fallback


_HOOK = OneShotHook(_TRIGGERS, _loader_for)


def install() -> bool:
    """Add the hook unless numba is imported already; whether it is in place."""
    return _HOOK.install()


def uninstall() -> None:
    _HOOK.uninstall()
