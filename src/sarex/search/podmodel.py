"""The detection models: one enum, one name table, one POD-from-coverage function.

Sources: Koopman (1946/1980) *Search and Screening*; Washburn, *Search and
Detection*; IAMSAR Manual Vol. II ch. 4 (REFERENCES §3). Coverage C is effort
over area (W·T/A for a unit of sweep width W flying track length T in area A).

* ``definite`` (definite range, "cookie cutter"): ``POD = min(1, C)``.
* ``inverse-cube`` (Koopman's inverse cube law, parallel sweeps): ``POD = erf(√π·C/2)``.
* ``exponential`` (Koopman's random search, alias ``random``): ``POD = 1 − exp(−C)``.

The integer codes are what the numba kernels (planner coverage, POD along
tracks) receive; every layer uses :class:`DetectionModel` to get them.
"""

from __future__ import annotations

import enum
import math

import numba as nb
import numpy as np

from sarex.errors import SarexInputError

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0


class DetectionModel(enum.IntEnum):
    """A detection model; the value is the code the numba kernels use."""

    DEFINITE = 0
    INVERSE_CUBE = 1
    EXPONENTIAL = 2

    @property
    def label(self) -> str:
        """Canonical name as written in files and messages (``inverse-cube``...)."""
        return self.name.lower().replace("_", "-")

    @classmethod
    def parse(cls, value: "str | DetectionModel", field: str = "detection model") -> "DetectionModel":
        """The model named ``value`` (any name of :data:`MODEL_NAMES`, case-insensitive).

        Raises :class:`SarexInputError` naming ``field`` and the accepted names otherwise.
        """
        if isinstance(value, DetectionModel):
            return value
        key = str(value).strip().lower()
        if key not in MODEL_NAMES:
            raise SarexInputError(f"{field}: {value!r} is not a detection model (exponential or random, inverse-cube, definite)")
        return MODEL_NAMES[key]


#: Every accepted name of every model (CLI options, scenario and catalogue files, API).
MODEL_NAMES: dict[str, DetectionModel] = {
    "definite": DetectionModel.DEFINITE,
    "definite-range": DetectionModel.DEFINITE,
    "cookie-cutter": DetectionModel.DEFINITE,
    "inverse-cube": DetectionModel.INVERSE_CUBE,
    "inverse_cube": DetectionModel.INVERSE_CUBE,
    "exponential": DetectionModel.EXPONENTIAL,
    "random": DetectionModel.EXPONENTIAL,
}

#: The model every command uses unless told otherwise: random search, for which
#: Stone's optimal allocation (the planner's POS bound) holds (REFERENCES §3).
DEFAULT_MODEL = DetectionModel.EXPONENTIAL


@nb.njit(cache=True, inline="always")
def pod_of_coverage(c: float, model: int) -> float:
    """POD for coverage ``c`` >= 0 under the model with code ``model`` (a :class:`DetectionModel`)."""
    if model == 0:
        return min(1.0, c)
    if model == 2:
        return 1.0 - math.exp(-c)
    return math.erf(_SQRT_PI_2 * c)


@nb.njit(cache=True)
def _pod_array(c: np.ndarray, model: int, out: np.ndarray) -> None:
    for i in range(c.size):
        out[i] = pod_of_coverage(c[i], model)


def pod_from_coverage(coverage, model: "str | DetectionModel"):
    """Probability of detection from coverage C (scalar or array, C >= 0) by model."""
    code = int(DetectionModel.parse(model))
    c = np.asarray(coverage, dtype=np.float64)
    if np.any(c < 0) or np.any(np.isnan(c)):
        raise SarexInputError(f"coverage: {coverage!r} must be >= 0")
    flat = np.ascontiguousarray(c).reshape(-1)
    out = np.empty(flat.size, dtype=np.float64)
    _pod_array(flat, code, out)
    return float(out[0]) if c.ndim == 0 else out.reshape(c.shape)
