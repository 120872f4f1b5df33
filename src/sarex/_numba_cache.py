"""Where numba keeps sarex's compiled kernels: one per-user cache, however sarex is started.

Every kernel is ``cache=True``; without ``NUMBA_CACHE_DIR`` numba writes next to the
sources (``__pycache__``) when it can and otherwise into a per-user directory of its
own, and a ``make`` target pointing it elsewhere meant that ``.venv/bin/sarex`` run
directly compiled everything again (two minutes on a loaded 2-core machine). This
sets one place before numba is first imported: ``$XDG_CACHE_HOME/sarex/numba-<sarex
version>-<python>-<source fingerprint>`` (``~/.cache`` by default; :func:`source_fingerprint`). A ``NUMBA_CACHE_DIR`` set by the user wins;
an unwritable cache directory leaves numba's own choice. numba keys each entry by
the source file's path and modification time, so installations sharing the
directory do not mix their kernels.
"""

from __future__ import annotations

import os
import sys
import hashlib


def source_fingerprint(root: str) -> str:
    """10 hex digits over the path, size and modification time of every ``.py`` file under ``root``.

    numba keys a cached kernel by its own source file only: a kernel that inlines a
    function from another module (the drift step inlines the geodesy, grid and leeway
    point functions) would otherwise be loaded stale after that other module changed,
    silently computing with the old code. A new fingerprint is a new, empty cache.
    """
    h = hashlib.blake2b(digest_size=5)
    stack = [root]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in sorted(it, key=lambda e: e.name):
                if e.is_dir(follow_symlinks=False) and e.name != "__pycache__":
                    stack.append(e.path)
                elif e.name.endswith(".py"):
                    st = e.stat()
                    h.update(f"{os.path.relpath(e.path, root)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()


def cache_dir(version: str) -> str:
    """The per-user numba cache directory of this sarex version and source (os.path: pathlib costs start-up time)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    fp = source_fingerprint(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(base, "sarex", f"numba-{version}-py{sys.version_info[0]}{sys.version_info[1]}-{fp}")


def configure(version: str) -> str | None:
    """Set ``NUMBA_CACHE_DIR`` unless the user did (or numba is already loaded); the directory used."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    if "numba" in sys.modules:  # too late: numba read its configuration at import
        return None
    d = cache_dir(version)
    try:
        os.makedirs(d, exist_ok=True)
        if not os.access(d, os.W_OK):
            return None
    except OSError:
        return None
    os.environ["NUMBA_CACHE_DIR"] = d
    return d
