"""A griffe extension for the API reference (``make docs``): Sphinx roles in docstrings as code.

sarex's docstrings name other objects with reStructuredText roles (``:class:`~sarex.x.Y```,
``:func:`f```, ``:mod:`m```), which MkDocs' markdown would print as they are. This extension
rewrites each role to inline code before mkdocstrings renders the docstring: the target's last
part where the role has a ``~``, else the whole target.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|obj|exc|const|ref|doc|term):`(~?)([^`<]*?)(?:\s*<([^`>]+)>)?`")


def plain_roles(text: str) -> str:
    """``text`` with every Sphinx role replaced by inline code (``:class:`~a.B``` -> ```B```)."""

    def one(m: re.Match[str]) -> str:
        tilde, target, explicit = m.group(1), m.group(2).strip(), m.group(3)
        shown = target if explicit is None else target or explicit
        if tilde:
            shown = shown.rsplit(".", 1)[-1]
        return f"`{shown}`"

    return _ROLE.sub(one, text)


class SphinxRoles(Extension):
    """Rewrite the Sphinx roles of every loaded object's docstring (:func:`plain_roles`)."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        """Called by griffe for each object it loads."""
        if obj.docstring is not None:
            obj.docstring.value = plain_roles(obj.docstring.value)
