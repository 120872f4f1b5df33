"""A spatially and temporally constant vector field (tests, quick estimates)."""

from __future__ import annotations

import math
from dataclasses import dataclass


from sarex.environment.base import FLAG_OK


@dataclass
class ConstantField:
    """Constant (east, north) vector in m/s everywhere and at all times."""

    u: float
    v: float
    name: str = "constant"

    def time_range(self) -> tuple[float, float]:
        """See :meth:`sarex.environment.base.VectorField.time_range`."""
        return -math.inf, math.inf

    def domain_description(self) -> str:
        """See :meth:`sarex.environment.base.VectorField.domain_description`."""
        return f"{self.name}: constant ({self.u:g}, {self.v:g}) m/s everywhere"

    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag) -> None:
        """See :meth:`sarex.environment.base.VectorField.sample`."""
        out_u[active] = self.u
        out_v[active] = self.v
        out_flag[active] = FLAG_OK

    @classmethod
    def from_speed_direction(cls, speed_m_s: float, towards_deg: float, name: str = "constant") -> "ConstantField":
        """From a speed (m/s) and the direction it goes *towards* (degrees clockwise from north)."""
        th = math.radians(towards_deg)
        return cls(speed_m_s * math.sin(th), speed_m_s * math.cos(th), name)


