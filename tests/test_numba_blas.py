"""numba's first kernel load in a sarex process does not import scipy.linalg, and BLAS still works (issue 14 start-up)."""

from __future__ import annotations

import subprocess
import sys

_CODE = r"""
import sys
import numpy as np
from sarex.geo import LocalProjection
x, y = LocalProjection(129.0, 35.0).forward(np.array([129.1]), np.array([35.1]))  # a cached sarex kernel: numba's registries load
print("scipy.linalg after the first kernel:", "scipy.linalg" in sys.modules, "scipy.linalg.cython_blas" in sys.modules)
from numba.np import arraymath
print("numba sees BLAS:", arraymath._HAVE_BLAS)
import numba
@numba.njit
def f(a, m):
    return np.dot(a, a), np.linalg.inv(m)[0, 0]
print("dot and inv:", f(np.arange(3.0), 2.0 * np.eye(2)))
import scipy.linalg
print("scipy.linalg afterwards:", scipy.linalg.cython_blas is sys.modules["scipy.linalg.cython_blas"], float(scipy.linalg.det(np.eye(2))))
"""


def test_first_kernel_load_skips_scipy_linalg_and_blas_still_works():
    r = subprocess.run([sys.executable, "-c", _CODE], capture_output=True, text=True, check=True)
    assert r.stdout.splitlines() == [
        "scipy.linalg after the first kernel: False False",
        "numba sees BLAS: True",
        "dot and inv: (5.0, 0.5)",
        "scipy.linalg afterwards: True 1.0",
    ]
