"""The output targets: never write over an input or a user's file, replace only what sarex wrote,
publish a command's result whole, honour the umask (issue 15 items 1-3, issue 10 defect 8)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sarex.app.output import MANIFEST, FileSetTarget, FolderTarget, foreign_files, run_into
from sarex.errors import SarexInputError
from sarex.io import atomic


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_file_target_refuses_an_input_even_with_force(tmp_path):
    inp = tmp_path / "e.nc"
    inp.write_bytes(b"input")
    for force in (False, True):
        with pytest.raises(SarexInputError, match="--out: .*e.nc' is an input"):
            FileSetTarget({"drift.nc": inp}, labels={"drift.nc": "--out"}, inputs=[inp], force=force)
    assert inp.read_bytes() == b"input"


def test_file_target_replaces_its_own_output_but_not_a_users_file(tmp_path):
    out = tmp_path / "d.nc"
    t = FileSetTarget({"d": out})
    t.write_text("d", "one")
    t.commit()
    t = FileSetTarget({"d": out})  # written by sarex, unchanged: may be replaced
    t.write_text("d", "two")
    t.commit()
    assert out.read_text() == "two"
    out.write_text("edited by the user")  # changed since: now the user's
    with pytest.raises(SarexInputError, match="exists and sarex did not write it; give --force"):
        FileSetTarget({"d": out})
    t = FileSetTarget({"d": out}, force=True)
    t.write_text("d", "three")
    t.commit()
    assert out.read_text() == "three"


def test_same_file_for_two_outputs_is_refused(tmp_path):
    with pytest.raises(SarexInputError, match="--plot: .*x.nc' is also --out"):
        FileSetTarget({"a": tmp_path / "x.nc", "b": tmp_path / "x.nc"}, labels={"a": "--out", "b": "--plot"})


@pytest.mark.parametrize("case", ["missing folder", "file is a folder", "folder is a file", "current folder", "proc"])
def test_unwritable_outputs_are_one_line_errors(tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(SarexInputError) as e:
        if case == "missing folder":
            FileSetTarget({"a": tmp_path / "nope" / "x.nc"}, labels={"a": "--out"})
        elif case == "file is a folder":
            FileSetTarget({"a": tmp_path / "sub"}, labels={"a": "--out"})
        elif case == "folder is a file":
            FolderTarget(tmp_path / "f.txt")
        elif case == "current folder":
            FolderTarget(Path("."))
        else:
            FileSetTarget({"a": Path("/proc/sarex-out.nc")}, labels={"a": "--out"})
    assert "\n" not in str(e.value) and str(e.value).startswith("--out: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "sub"]


def test_folder_target_refuses_foreign_files_and_inputs(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "drift.nc").write_bytes(b"drift")
    (work / "notes.txt").write_text("mine")
    before = _tree(tmp_path)
    with pytest.raises(SarexInputError, match="holds the input"):
        FolderTarget(work, inputs=[work / "drift.nc"], force=True)
    with pytest.raises(SarexInputError, match=r"holds files sarex did not write \('drift.nc' and 1 more\)"):
        FolderTarget(work)
    assert _tree(tmp_path) == before


def test_folder_target_replaces_only_a_folder_sarex_wrote(tmp_path):
    out = tmp_path / "plan"
    t = FolderTarget(out)
    run_into(t, lambda: (t.write_text("a.txt", "1"), t.write_text("sub/b.txt", "2")))
    assert _tree(out) == {"a.txt": b"1", "sub/b.txt": b"2", MANIFEST: (out / MANIFEST).read_bytes()}
    assert foreign_files(out) == []
    t = FolderTarget(out)  # only sarex's files: replaced as a whole
    run_into(t, lambda: t.write_text("c.txt", "3"))
    assert sorted(_tree(out)) == [MANIFEST, "c.txt"]
    (out / "mine.txt").write_text("user")
    with pytest.raises(SarexInputError, match="'mine.txt'"):
        FolderTarget(out)
    assert (out / "mine.txt").read_text() == "user"


def test_a_failed_command_leaves_nothing(tmp_path):
    out = tmp_path / "d.nc"
    plot = tmp_path / "d.png"
    t = FileSetTarget({"drift.nc": out, "drift.png": plot})

    def body():
        t.write_text("drift.nc", "complete")
        raise SarexInputError("the plot failed")

    with pytest.raises(SarexInputError):
        run_into(t, body)
    assert list(tmp_path.iterdir()) == []  # neither the .nc nor a temporary


def test_outputs_honour_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        t = FolderTarget(tmp_path / "o")
        run_into(t, lambda: t.write_text("sub/a.txt", "x"))
        f = FileSetTarget({"f": tmp_path / "f.nc"})
        run_into(f, lambda: f.write_file("f", lambda p: p.write_bytes(b"x")))
        with atomic.atomic_path(tmp_path / "g.txt") as p:
            p.write_text("g")
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "o") == 0o775 and mode(tmp_path / "o" / "sub") == 0o775
    assert mode(tmp_path / "o" / "sub" / "a.txt") == 0o664
    assert mode(tmp_path / "f.nc") == 0o664 and mode(tmp_path / "g.txt") == 0o664


def test_atomic_folder_uses_unique_names_and_keeps_the_old_folder_on_a_crash(tmp_path, monkeypatch):
    target = tmp_path / "plan"
    with atomic.atomic_folder(target) as a:
        (a / "x").write_text("old")
    # Two writers at once: their temporaries differ, and neither uses the fixed ".plan.old".
    n1, n2 = atomic.temporary_sibling(target), atomic.temporary_sibling(target)
    assert n1 != n2 and atomic.is_temporary(n1.name)
    # Without an atomic exchange, a crash between the two renames must leave the old folder in place.
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    real_rename = os.rename
    calls = []

    def crash_second(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise KeyboardInterrupt("power cut")
        real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", crash_second)
    with pytest.raises(KeyboardInterrupt):
        with atomic.atomic_folder(target) as b:
            (b / "x").write_text("new")
    monkeypatch.setattr(atomic.os, "rename", real_rename)
    kept = [p for p in tmp_path.iterdir() if p.is_dir() and (p / "x").exists()]
    assert any((p / "x").read_text() == "old" for p in kept)
    assert not (tmp_path / ".plan.old").exists()


def test_atomic_folder_swaps_in_one_step_where_possible(tmp_path):
    target = tmp_path / "p"
    with atomic.atomic_folder(target) as a:
        (a / "x").write_text("1")
    with atomic.atomic_folder(target) as b:
        (b / "x").write_text("2")
    assert (target / "x").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["p"]
