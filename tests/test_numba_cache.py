"""sarex puts numba's cache in one per-user place, however it is started (issue 14)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

_PROBE = "import sarex, numba.core.config as c, os; print(c.CACHE_DIR); print(os.environ.get('NUMBA_CACHE_DIR', ''))"


def _probe(env_overrides: dict[str, str | None]) -> list[str]:
    env = dict(os.environ)
    for k, v in env_overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    r = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    return r.stdout.splitlines()


def test_cache_goes_to_the_per_user_directory(tmp_path):
    from sarex import __version__

    numba_dir, env_dir = _probe({"NUMBA_CACHE_DIR": None, "XDG_CACHE_HOME": str(tmp_path)})
    assert numba_dir == env_dir
    used = Path(numba_dir)
    assert used.parent == tmp_path / "sarex" and used.is_dir()
    assert re.fullmatch(rf"numba-{re.escape(__version__)}-py{sys.version_info[0]}{sys.version_info[1]}-[0-9a-f]{{10}}", used.name)
    assert _probe({"NUMBA_CACHE_DIR": None, "XDG_CACHE_HOME": str(tmp_path)})[0] == numba_dir  # the same source: the same cache


def test_a_changed_module_gets_a_new_cache(tmp_path):
    """A kernel inlining another module's function must not be loaded stale after that module changed."""
    from sarex._numba_cache import source_fingerprint

    pkg = tmp_path / "pkg"
    (pkg / "drift").mkdir(parents=True)
    (pkg / "drift" / "geodesy.py").write_text("x = 1\n")
    (pkg / "fused.py").write_text("y = 2\n")
    (pkg / "notes.txt").write_text("not source")
    a = source_fingerprint(str(pkg))
    assert source_fingerprint(str(pkg)) == a
    (pkg / "notes.txt").write_text("still not source, changed")
    assert source_fingerprint(str(pkg)) == a
    st = (pkg / "drift" / "geodesy.py").stat()
    os.utime(pkg / "drift" / "geodesy.py", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert source_fingerprint(str(pkg)) != a


def test_a_users_setting_wins(tmp_path):
    mine = tmp_path / "mine"
    numba_dir, env_dir = _probe({"NUMBA_CACHE_DIR": str(mine), "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert numba_dir == env_dir == str(mine)
    assert not (tmp_path / "xdg").exists()


def test_unwritable_cache_home_leaves_numbas_choice(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    numba_dir, env_dir = _probe({"NUMBA_CACHE_DIR": None, "XDG_CACHE_HOME": str(blocker)})
    assert env_dir == "" and numba_dir == ""
