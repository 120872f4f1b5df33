"""Where a use case's result goes: one interface for files and folders now, the server's store later.

A use case writes every piece of its result to an :class:`OutputTarget` under a
logical name (``"drift.nc"``, ``"period-1/plan.json"``) and calls
:meth:`~OutputTarget.commit` once at the end; nothing is visible before the commit
and nothing is left behind after :meth:`~OutputTarget.abort`. So a command's result
appears whole or not at all.

The file-system targets check their paths *before* any work is done (and again at
the commit) so that sarex never writes over a user's data:

* an output is never one of the command's inputs, and a folder output never holds one;
* an existing file or folder is replaced only if sarex wrote it, as recorded in a
  manifest (:data:`MANIFEST`) beside the files it wrote, and unchanged since; anything
  else needs ``force=True`` (``--force``);
* the current folder (or one holding it) is never replaced; a missing or
  read-only parent folder, a folder where a file is wanted and the reverse are
  refused with one line.

The server's store implements the same protocol over its database.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Optional, Protocol, runtime_checkable

from sarex.errors import SarexInputError
from sarex.io.atomic import is_temporary, make_temporary_folder, swap_folder, temporary_sibling
from sarex import __version__

#: Name of the file that lists what sarex wrote in a folder (size and mtime of each file).
MANIFEST = ".sarex-manifest.json"


@runtime_checkable
class OutputTarget(Protocol):
    """The destination of one command's result.

    ``name`` is a logical, relative, '/'-separated name. Writers get a path that
    does not exist yet and create it (a NetCDF, a PNG, a PDF, a folder).
    """

    def write_text(self, name: str, text: str) -> None:
        """Stage ``text`` (UTF-8) as ``name``."""

    def write_bytes(self, name: str, data: bytes) -> None:
        """Stage ``data`` as ``name``."""

    def write_file(self, name: str, writer: Callable[[Path], object]) -> None:
        """Stage the file that ``writer(path)`` creates as ``name``."""

    def write_folder(self, name: str, writer: Callable[[Path], object]) -> None:
        """Stage the folder that ``writer(path)`` creates (or fills) as ``name``."""

    def wants(self, name: str) -> bool:
        """Whether ``name`` is part of this target (optional outputs, e.g. a plot)."""

    def location(self, name: str) -> str:
        """Where ``name`` will be after the commit, for messages."""

    def commit(self) -> list[str]:
        """Publish everything staged, as one result; return the locations written."""

    def abort(self) -> None:
        """Discard everything staged."""


def run_into(target: OutputTarget, body: Callable[[], object]) -> list[str]:
    """Run ``body`` (which writes to ``target``), then commit; abort on any exception."""
    try:
        body()
        return target.commit()
    except BaseException:
        target.abort()
        raise


# --- checks shared by the file-system targets ---------------------------------------------


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _inside(child: Path, folder: Path) -> bool:
    c, f = child.resolve(), folder.resolve()
    return c == f or f in c.parents


def _check_parent(path: Path, label: str) -> None:
    parent = path.resolve().parent
    if not parent.exists():
        raise SarexInputError(f"{label}: folder {str(path.parent)!r} does not exist; create it first")
    if not parent.is_dir():
        raise SarexInputError(f"{label}: {str(path.parent)!r} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SarexInputError(f"{label}: cannot write in folder {str(path.parent)!r} (permission denied)")
    probe = temporary_sibling(path)  # root passes access(); a read-only mount or /proc still refuses
    try:
        with open(probe, "x"):
            pass
        probe.unlink()
    except OSError as exc:
        raise SarexInputError(f"{label}: cannot write in folder {str(path.parent)!r} ({exc.strerror or exc})") from None


def _read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data.get("files", {})
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _stamp(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _written_by_sarex(path: Path, manifest: Mapping[str, dict[str, Any]], key: str) -> bool:
    entry = manifest.get(key)
    if not isinstance(entry, dict):
        return False
    try:
        return _stamp(path) == {"size": entry.get("size"), "mtime_ns": entry.get("mtime_ns")}
    except OSError:
        return False


def _folder_files(folder: Path) -> list[str]:
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not is_temporary(d)]
        for f in files:
            if f == MANIFEST or is_temporary(f):
                continue
            out.append((Path(root) / f).relative_to(folder).as_posix())
    return sorted(out)


def foreign_files(folder: Path) -> list[str]:
    """Files in ``folder`` that sarex did not write (or that changed since it did)."""
    manifest = _read_manifest(folder)
    return [f for f in _folder_files(folder) if not _written_by_sarex(folder / f, manifest, f)]


def _write_manifest(folder: Path, entries: Mapping[str, dict[str, Any]]) -> None:

    tmp = temporary_sibling(folder / MANIFEST)
    tmp.write_text(json.dumps({"sarex": __version__, "files": dict(sorted(entries.items()))}, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def _record(folder: Path, names: Iterable[str]) -> None:
    """Add files sarex just wrote in ``folder`` to its manifest (a lost race only makes a later overwrite ask for --force)."""
    entries = _read_manifest(folder)
    for n in names:
        entries[n] = _stamp(folder / n)
    _write_manifest(folder, entries)


# --- targets ------------------------------------------------------------------------------


class FileSetTarget:
    """Named outputs each at its own path (``--out x.nc --plot x.png``).

    Parameters
    ----------
    paths
        Logical name -> destination file; a name mapped to None is not wanted.
    labels
        Logical name -> how the user named it (``"--out"``), for messages.
    inputs
        Files the command reads: never written over, even with ``force``.
    force
        Replace existing files sarex did not write.
    """

    def __init__(self, paths: Mapping[str, Optional[os.PathLike[str] | str]], *, labels: Optional[Mapping[str, str]] = None,
                 inputs: Iterable[Optional[os.PathLike[str] | str]] = (), force: bool = False) -> None:
        self.paths = {k: Path(v) for k, v in paths.items() if v is not None}
        self.labels = {k: (labels or {}).get(k, k) for k in self.paths}
        self.inputs = [Path(p) for p in inputs if p is not None]
        self.force = force
        self._staged: dict[str, Path] = {}
        self.check()

    def check(self) -> None:
        """Refuse (SarexInputError, one line) any output that would destroy data or cannot be written."""
        seen: dict[Path, str] = {}
        for name, p in self.paths.items():
            label = self.labels[name]
            key = p.resolve()
            if key in seen:
                raise SarexInputError(f"{label}: {str(p)!r} is also {seen[key]}; give two different files")
            seen[key] = label
            for i in self.inputs:
                if _same(p, i):
                    raise SarexInputError(f"{label}: {str(p)!r} is an input of this command; write to another file")
            if p.is_dir():
                raise SarexInputError(f"{label}: {str(p)!r} is a folder; give a file name")
            _check_parent(p, label)
            if p.exists() and not self.force and not _written_by_sarex(p, _read_manifest(p.parent), p.name):
                raise SarexInputError(f"{label}: {str(p)!r} exists and sarex did not write it; give --force to replace it")

    def wants(self, name: str) -> bool:
        return name in self.paths

    def location(self, name: str) -> str:
        return str(self.paths[name])

    def _tmp(self, name: str) -> Path:
        if name not in self.paths:
            raise KeyError(f"output {name!r} is not part of this target")
        if name in self._staged:
            raise KeyError(f"output {name!r} staged twice")
        tmp = temporary_sibling(self.paths[name])
        self._staged[name] = tmp
        return tmp

    def write_text(self, name: str, text: str) -> None:
        with open(self._tmp(name), "x", encoding="utf-8") as f:
            f.write(text)

    def write_bytes(self, name: str, data: bytes) -> None:
        with open(self._tmp(name), "xb") as f:
            f.write(data)

    def write_file(self, name: str, writer: Callable[[Path], object]) -> None:
        writer(self._tmp(name))

    def write_folder(self, name: str, writer: Callable[[Path], object]) -> None:
        raise KeyError(f"output {name!r}: a file-set target holds files, not folders")

    def commit(self) -> list[str]:
        try:
            self.check()  # the world may have changed during a long run
            for name, tmp in self._staged.items():
                os.replace(tmp, self.paths[name])
        except OSError as exc:
            self.abort()
            raise SarexInputError(f"cannot write the output: {exc.strerror or exc} ({exc.filename})") from None
        except BaseException:
            self.abort()
            raise
        by_dir: dict[Path, list[str]] = {}
        for name in self._staged:
            by_dir.setdefault(self.paths[name].parent, []).append(self.paths[name].name)
        for d, names in by_dir.items():
            try:
                _record(d, names)
            except OSError:
                pass  # written, but a later overwrite will ask for --force
        done = [str(self.paths[n]) for n in self._staged]
        self._staged = {}
        return done

    def abort(self) -> None:
        for tmp in self._staged.values():
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                try:
                    tmp.unlink()
                except FileNotFoundError:
                    pass
        self._staged = {}


class FolderTarget:
    """A folder that holds a command's whole result and is replaced as a whole on commit.

    An existing folder is replaced only when it is empty or holds only what sarex
    wrote there (its manifest), unless ``force``; it must never hold an input,
    nor be (or hold) the current folder.
    """

    def __init__(self, path: os.PathLike[str] | str, *, label: str = "--out", inputs: Iterable[Optional[os.PathLike[str] | str]] = (),
                 force: bool = False) -> None:
        self.path = Path(path)
        self.label = label
        self.inputs = [Path(p) for p in inputs if p is not None]
        self.force = force
        self._tmp: Optional[Path] = None
        self.check()

    def check(self) -> None:
        """Refuse (SarexInputError, one line) a folder that would destroy data or cannot be written."""
        p, label = self.path, self.label
        if p.exists() and not p.is_dir():
            raise SarexInputError(f"{label}: {str(p)!r} is a file; give a folder name")
        if p.resolve() == Path.cwd().resolve():
            raise SarexInputError(f"{label}: {str(p)!r} is the current folder; give a new folder")
        for i in self.inputs:
            if _inside(i, p):
                raise SarexInputError(f"{label}: folder {str(p)!r} holds the input {str(i)!r}; give another folder")
        if _inside(Path.cwd(), p):
            raise SarexInputError(f"{label}: {str(p)!r} is (or holds) the current folder; give a new folder")
        _check_parent(p, label)
        if p.is_dir() and not self.force:
            foreign = foreign_files(p)
            if foreign:
                more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
                raise SarexInputError(
                    f"{label}: folder {str(p)!r} holds files sarex did not write ({foreign[0]!r}{more}); "
                    "give a new or empty folder, or --force to replace it"
                )

    @property
    def staging(self) -> Path:
        """The temporary folder being filled (created on first use)."""
        if self._tmp is None:
            self._tmp = make_temporary_folder(self.path)
        return self._tmp

    def _dest(self, name: str) -> Path:
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts:
            raise KeyError(f"output {name!r} must be a relative name inside the folder")
        d = self.staging / rel
        d.parent.mkdir(parents=True, exist_ok=True)
        return d

    def wants(self, name: str) -> bool:
        return True

    def location(self, name: str) -> str:
        return str(self.path / name) if name else str(self.path)

    def write_text(self, name: str, text: str) -> None:
        with open(self._dest(name), "x", encoding="utf-8") as f:
            f.write(text)

    def write_bytes(self, name: str, data: bytes) -> None:
        with open(self._dest(name), "xb") as f:
            f.write(data)

    def write_file(self, name: str, writer: Callable[[Path], object]) -> None:
        writer(self._dest(name))

    def write_folder(self, name: str, writer: Callable[[Path], object]) -> None:
        writer(self._dest(name))

    def commit(self) -> list[str]:
        tmp = self.staging
        try:
            files = _folder_files(tmp)
            _write_manifest(tmp, {f: _stamp(tmp / f) for f in files})
            self.check()
            swap_folder(tmp, self.path)
        except OSError as exc:
            self.abort()
            raise SarexInputError(f"{self.label}: cannot write the folder {str(self.path)!r}: {exc.strerror or exc}") from None
        except BaseException:
            self.abort()
            raise
        self._tmp = None
        return [str(self.path / f) for f in files]

    def abort(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
