"""User object classes named on the command line (``--objects FILE``) for every use case that takes a class key."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

#: Help text of ``--objects`` (one wording for every command).
OBJECTS_HELP = ("TOML or CSV file of custom object classes (Leeway coefficients or windage; see docs/observations.md), "
                "usable wherever a class key is; repeat for several files.")


def use_object_files(paths: Sequence[Path] | None) -> list[str]:
    """Register the classes of each object file (:mod:`sarex.drift.custom_objects`); returns their keys.

    Every file is read and checked before any class is registered, so a bad file changes nothing.
    """
    from sarex.drift.objects import read_object_file, register_objects

    found = {}
    for p in paths or ():
        found.update(read_object_file(Path(p)))
    register_objects(found)
    return list(found)
