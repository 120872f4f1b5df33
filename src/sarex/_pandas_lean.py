"""pandas without pyarrow in sarex's own command-line processes (start-up time).

xarray imports pandas, and pandas imports pyarrow at import when it is installed
(``pandas.compat.pyarrow`` reads its version; ``pandas.core.arrays.arrow`` then imports
``pyarrow.compute``): 0.07–0.12 s of a 1-hour drift's ~1.5 s, where pyarrow is installed
beside sarex (other packages of the environment pull it in), for features no sarex command
uses (arrow-backed columns). :func:`install`, called by the ``sarex`` entry point only,
adds an import hook that makes ``import pyarrow`` fail while ``pandas.compat.pyarrow``
executes, as if pyarrow were absent (pandas' own fallback), then removes the block. A
library user's ``import sarex`` is not affected, nor a process where pandas or pyarrow is
imported already.
"""

from __future__ import annotations

import sys

from sarex._import_scope import OneShotHook, ScopedLoader

_TRIGGER = "pandas.compat.pyarrow"


def _loader_for(name, real):
    if "pyarrow" in sys.modules:
        return None
    return ScopedLoader(real, "pyarrow", None)  # "import pyarrow" raises ImportError: pandas' fallback


_HOOK = OneShotHook((_TRIGGER,), _loader_for)


def install() -> bool:
    """Add the hook unless pandas is imported already; whether it is in place."""
    if "pandas" in sys.modules:
        return False
    return _HOOK.install()


def uninstall() -> None:
    _HOOK.uninstall()
