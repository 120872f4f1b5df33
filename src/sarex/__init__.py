"""sarex: open maritime search-and-rescue planning and SAR exercise evaluation."""

import os as _os

# numba's OpenMP threads spin while they wait for work by default. On a machine whose
# cores are shared with other processes a spinning thread holds a core that the thread
# it waits for needs, and every parallel kernel then costs a scheduler time slice: a
# 1000-particle drift took 2.4 s instead of 0.05 s on the project's busy 2-core machine.
# Sleeping threads cost microseconds per kernel when the machine is idle. An explicit
# setting by the user wins; it must be in place before the OpenMP runtime starts.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# A drift file is written as the run goes (sarex.io.driftstream) and must be readable by
# others meanwhile; HDF5 otherwise holds an exclusive lock on a file open for writing until
# it is closed. HDF5 reads this once, at its first file open. sarex never has two writers
# of one file (each writes under its own temporary name).
_os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")

__version__ = "0.1.0"

# Compiled kernels in one per-user cache before numba is imported (sarex._numba_cache).
from sarex._numba_cache import configure as _configure_numba_cache  # noqa: E402

_configure_numba_cache(__version__)

# numba's first kernel load checks for BLAS without importing all of scipy.linalg (sarex._numba_blas).
from sarex._numba_blas import install as _install_numba_blas_hook  # noqa: E402

_install_numba_blas_hook()

# numba without importing PyYAML and cffi, optional features sarex does not use (sarex._numba_optional).
from sarex._numba_optional import install as _install_numba_optional_hook  # noqa: E402

_install_numba_optional_hook()
