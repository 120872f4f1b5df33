"""Forcing for drift: 10 m wind and surface current as east/north components (m/s).

Every source is a :class:`~sarex.environment.base.VectorField`; an
:class:`~sarex.environment.base.Environment` pairs a wind field with a current field
and applies the policy for samples outside a field's domain.
"""

from sarex.environment.base import Environment, OutsidePolicy, VectorField
from sarex.environment.constant import ConstantField
from sarex.environment.regular import RegularGridField
from sarex.environment.cf import open_environment, open_vector_field
from sarex.environment.synthetic import korea_strait_dataset, korea_strait_environment

__all__ = [
    "Environment",
    "OutsidePolicy",
    "VectorField",
    "ConstantField",
    "RegularGridField",
    "open_environment",
    "open_vector_field",
    "korea_strait_dataset",
    "korea_strait_environment",
]
