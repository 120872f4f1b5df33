"""Explicit error of the forcing: a correlated random current perturbation per particle.

A forecast ocean is not the real one; its drift error grows like a few km per day
(Callies et al. 2017, REFERENCES §9). SAROPS widens its clouds with environmental
uncertainty for the same reason. Here each particle carries its own current error
``(δu, δv)``, an Ornstein–Uhlenbeck process per component with standard deviation
``σ`` and correlation time ``τ`` (stationary from the release):

    δu(t + Δt) = a·δu(t) + σ·sqrt(1 − a²)·ξ,   a = exp(−Δt/τ),   ξ ~ N(0, 1)

added to the particle's velocity over each step. For ``t ≪ τ`` the displacement error
grows ballistically (``σ·t``), for ``t ≫ τ`` diffusively (``σ·sqrt(2τt)``). Draws are
counter-based (seed, particle, step), so runs are bit-for-bit reproducible whatever
the number of threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sarex.drift.rng import uniform_array
from sarex.errors import SarexInputError

_STREAMS = (101, 102, 103, 104)
_INIT_STEP = -1


def _normals(seed: int, pids: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray]:
    """Two independent standard normals per particle (Box–Muller on counter-based uniforms)."""
    s = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    k = step & 0x7FFFFFFFFFFFFFFF
    u1 = 1.0 - uniform_array(s, pids, k, _STREAMS[0])
    u2 = uniform_array(s, pids, k, _STREAMS[1])
    r = np.sqrt(-2.0 * np.log(u1))
    return r * np.cos(2.0 * math.pi * u2), r * np.sin(2.0 * math.pi * u2)


@dataclass(frozen=True)
class ForcingError:
    """Current error σ (m/s, per component) with correlation time τ (s)."""

    current_sigma_m_s: float = 0.05
    current_tau_s: float = 24 * 3600.0

    def __post_init__(self) -> None:
        if not (self.current_sigma_m_s >= 0 and math.isfinite(self.current_sigma_m_s)):
            raise SarexInputError(f"forcing error: σ {self.current_sigma_m_s} m/s must be >= 0")
        if not (self.current_tau_s > 0 and math.isfinite(self.current_tau_s)):
            raise SarexInputError(f"forcing error: τ {self.current_tau_s} s must be > 0")

    def initial(self, seed: int, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stationary draw at release, m/s."""
        a, b = _normals(seed, pids, _INIT_STEP)
        return self.current_sigma_m_s * a, self.current_sigma_m_s * b

    def advance(self, du: np.ndarray, dv: np.ndarray, seed: int, pids: np.ndarray, step: int, dt_s: float) -> None:
        """One OU step in place."""
        a = math.exp(-dt_s / self.current_tau_s)
        q = self.current_sigma_m_s * math.sqrt(max(0.0, 1.0 - a * a))
        x, y = _normals(seed, pids, step)
        du *= a
        du += q * x
        dv *= a
        dv += q * y

    def as_dict(self) -> dict:
        return {"current_sigma_m_s": self.current_sigma_m_s, "current_tau_h": self.current_tau_s / 3600.0, "model": "Ornstein-Uhlenbeck per particle"}
