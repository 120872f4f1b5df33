"""Atomic writes: write beside the target under a unique temporary name, then rename.

A crash or a user error half-way never leaves a half-written output behind, and
two writers never share a temporary name. Files and folders are created with the
process umask (like any other program's output), not 0600/0700.

Replacing a folder swaps it in one step where the kernel can (Linux
``renameat2(RENAME_EXCHANGE)``); elsewhere the old folder is first renamed to a
unique name beside it, so a crash between the two renames leaves the old one in
place under that name instead of losing both.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

#: Every temporary sarex creates beside a target contains this tag (see :func:`is_temporary`).
TEMP_TAG = ".sarex-"


def temporary_sibling(target: Path, kind: str = "tmp") -> Path:
    """A fresh, unique, hidden name beside ``target`` (nothing is created)."""
    return target.with_name(f".{target.name}{TEMP_TAG}{secrets.token_hex(8)}.{kind}")


def is_temporary(name: str) -> bool:
    """Whether a file name is one of sarex's temporaries (a left-over of a crash)."""
    return name.startswith(".") and TEMP_TAG in name and (name.endswith(".tmp") or name.endswith(".old"))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a unique temporary path next to ``target``; rename it onto ``target`` on success.

    The path does not exist yet: the writer creates it (so the umask applies). On any
    exception the temporary is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = temporary_sibling(target)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_atomic(target: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and atomically move the result to ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    """Write text (UTF-8) atomically."""
    return write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def swap_folder(new: Path, target: Path) -> None:
    """Put the complete folder ``new`` in place of ``target`` (which may not exist) and delete the old one."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
        return
    old = temporary_sibling(target, "old")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def make_temporary_folder(target: Path) -> Path:
    """Create a unique empty folder beside ``target`` (mode from the umask)."""
    tmp = temporary_sibling(target)
    tmp.mkdir()
    return tmp


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` as a whole.

    On any exception the temporary folder is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temporary_folder(target)
    try:
        yield tmp
        swap_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
