"""Lazy re-exports for a subpackage's curated ``__all__`` (PEP 562).

A subpackage lists its public names and the modules that define them; a name is imported
on first use, so ``import sarex.search.grid`` does not import the rest of ``sarex.search``
(start-up time: ``sarex --help`` imports no numeric module, see sarex/_import_scope.py).
Type checkers read the same names from the subpackage's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose public name ``n`` is defined in module ``exports[n]``."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
