"""sarex puts numba's cache in one per-user place, however it is started (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys

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
    expected = tmp_path / "sarex" / f"numba-{__version__}-py{sys.version_info[0]}{sys.version_info[1]}"
    assert numba_dir == env_dir == str(expected)
    assert expected.is_dir()


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
