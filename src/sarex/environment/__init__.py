"""Forcing for drift: 10 m wind and surface current as east/north components (m/s).

Every source is a :class:`~sarex.environment.base.VectorField`; an
:class:`~sarex.environment.base.Environment` pairs a wind field with a current field
and applies the policy for samples outside a field's domain.

Files are opened by :func:`open_vector_field` / :func:`open_environment`, which detect
the grid: regular lon/lat, projected x/y with a CF grid mapping, curvilinear 2-D
lon/lat (ROMS), or GRIB2 10 m wind; several files per variable form a priority stack.
"""

from sarex._lazy_dask import install as _install_lazy_dask

_install_lazy_dask()  # before the first xarray Variable (sarex._lazy_dask)

from sarex.environment.base import Environment, OutsidePolicy, VectorField  # noqa: E402
from sarex.environment.fusable import FusableField, register_grid_kind  # noqa: E402
from sarex.environment.constant import ConstantField  # noqa: E402
from sarex.environment.regular import RegularGridField  # noqa: E402
from sarex.environment.projected import ProjectedGridField  # noqa: E402
from sarex.environment.curvilinear import CurvilinearGridField  # noqa: E402
from sarex.environment.stack import StackedField, sample_counts  # noqa: E402
from sarex.environment.cf import classify_grid, open_environment, open_vector_field  # noqa: E402
from sarex.environment.synthetic import korea_strait_dataset, korea_strait_environment  # noqa: E402

__all__ = [
    "Environment",
    "OutsidePolicy",
    "VectorField",
    "FusableField",
    "register_grid_kind",
    "ConstantField",
    "RegularGridField",
    "ProjectedGridField",
    "CurvilinearGridField",
    "StackedField",
    "sample_counts",
    "classify_grid",
    "open_environment",
    "open_vector_field",
    "korea_strait_dataset",
    "korea_strait_environment",
]
