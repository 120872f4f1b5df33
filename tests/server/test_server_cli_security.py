"""The CLI cases of issue 27 (item 10 and the minor ones): each answered with one line and exit 2,
no traceback, nothing created where nothing should be."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from server_harness import SARAX_BIN


def _run(*args: str, stdin: str = "", user: str | None = None) -> subprocess.CompletedProcess:
    cmd = [SARAX_BIN, *args] if user is None else ["runuser", "-u", user, "--", SARAX_BIN, *args]
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=300, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def _refused(r: subprocess.CompletedProcess, *words: str) -> None:
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 2 and "Traceback" not in out and len(out.splitlines()) == 1, (r.returncode, out[-2000:])
    assert all(w in out for w in words), out


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-sec")
    assert _run("server", "init", "--data", str(d)).returncode == 0
    assert _run("server", "org", "add", "KOR", "--data", str(d)).returncode == 0
    assert _run("server", "user", "add", "kim", "--org", "KOR", "--password-stdin", "--data", str(d), stdin="kim-password-1\n").returncode == 0
    return d


def test_set_up_commands_refuse_with_one_line(data, tmp_path):
    d = str(data)
    _refused(_run("server", "init", "--data", "/proc/x"), "--data", "/proc/x")
    _refused(_run("server", "init", "--db", "sqlite:////proc/x.db"), "--db")
    _refused(_run("server", "grant", "kim", "--exercise", "1180591620717411303424", "--role", "observer", "--data", d), "--exercise")
    _refused(_run("server", "exercise", "add", "korea-japan", "--seed", "18446744073709551616", "--data", d), "seed")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    _refused(_run("server", "exercise", "add", str(deep), "--data", d), "deep.toml", "deeper")
    _refused(_run("server", "org", "add", "ABCDEFGHIJKLMNOPQ", "--data", d), "CODE", "16")
    _refused(_run("serve", "--data", d, "--port", "70000"), "--port", "70000")
    _refused(_run("serve", "--data", d, "--max-upload-mb", "-1"), "--max-upload-mb")
    _refused(_run("server", "audit", "verify", "--data", str(tmp_path / "typo")), "--data")
    assert not (tmp_path / "typo").exists()
    _refused(_run("drift", "--hours", "1e9", "--lon", "129.5", "--lat", "34.9", "--start", "2026-02-11T00:00Z", "--synthetic",
                  "--out", str(tmp_path / "d")), "--hours")


def _read_only_mount(src: Path, dst: Path) -> bool:
    """Bind-mount ``src`` read-only on ``dst`` (a read-only file system: even root cannot write)."""
    dst.mkdir()
    ok = subprocess.run(["mount", "--bind", str(src), str(dst)], capture_output=True).returncode == 0
    if ok and subprocess.run(["mount", "-o", "remount,bind,ro", str(dst)], capture_output=True).returncode != 0:
        subprocess.run(["umount", str(dst)], capture_output=True)
        ok = False
    return ok


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="needs root to mount a read-only file system")
def test_serve_refuses_a_data_folder_it_cannot_write(data, tmp_path):
    """Major 9: on a read-only folder `serve` started, then every login and write answered 500."""
    src, ro = tmp_path / "src", tmp_path / "ro"
    shutil.copytree(data, src)
    if not _read_only_mount(src, ro):
        pytest.skip("no read-only bind mount here (needs CAP_SYS_ADMIN)")
    try:
        _refused(_run("serve", "--data", str(ro), "--port", "8123"), "--data", "not writable")
        _refused(_run("server", "init", "--data", str(ro)), "--data", "not writable")
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)
