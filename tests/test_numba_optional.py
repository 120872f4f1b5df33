"""numba in a sarex process imports neither PyYAML nor cffi, and both still work afterwards (issue 14 start-up)."""

from __future__ import annotations

import subprocess
import sys

_CODE = r"""
import sys
import numpy as np
from sarex.geo import LocalProjection
x, y = LocalProjection(129.0, 35.0).forward(np.array([129.1]), np.array([35.1]))  # numba imported, a kernel typed and loaded
print("after the first kernel:", "yaml" in sys.modules, "cffi" in sys.modules, "pycparser" in sys.modules)
import yaml, cffi
print("importable afterwards:", yaml.safe_load("a: 1") == {"a": 1}, cffi.FFI().sizeof("int"))
from numba.core import config
from numba.core.typing import cffi_utils
print("numba's fallbacks:", config._HAVE_YAML, cffi_utils.SUPPORTED)
"""


def test_numba_imports_without_yaml_and_cffi_and_both_work_afterwards(tmp_path):
    r = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert r.stdout.splitlines() == [
        "after the first kernel: False False False",
        "importable afterwards: True 4",
        "numba's fallbacks: False False",
    ]


def test_a_numba_config_file_is_still_read(tmp_path):
    (tmp_path / ".numba_config.yaml").write_text("DEBUG_CACHE: 0\n")
    code = "import sarex.geo, sys; from numba.core import config; print(config._HAVE_YAML, 'yaml' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert r.stdout.split() == ["True", "True"]


_PANDAS = r"""
import sys
from sarex._pandas_lean import install
print("hook:", install())
import xarray  # pandas with it
print("pyarrow after pandas:", "pyarrow" in sys.modules)
import pyarrow, pyarrow.compute as pc
print("importable afterwards:", pc.sum(pyarrow.array([1, 2])).as_py())
"""


def test_the_command_line_imports_pandas_without_pyarrow_and_pyarrow_works_afterwards(tmp_path):
    """The ``sarex`` entry point's pandas skips pyarrow (start-up); a later import still works."""
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        import pytest

        pytest.skip("pyarrow is not installed here (nothing to leave out)")
    r = subprocess.run([sys.executable, "-c", _PANDAS], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert r.stdout.splitlines() == ["hook: True", "pyarrow after pandas: False", "importable afterwards: 3"]
    # a library user's import is unchanged: pandas sees pyarrow
    r = subprocess.run([sys.executable, "-c", "import sys, sarex, xarray; print('pyarrow' in sys.modules)"],
                       capture_output=True, text=True, check=True, cwd=tmp_path)
    assert r.stdout.split() == ["True"]
