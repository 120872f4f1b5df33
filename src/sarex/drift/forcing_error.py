"""Explicit error of the forcing: a correlated random velocity error per particle, on by default for SAR products.

A forecast ocean is not the real one; the drift error of surface-drift forecasts grows by a
few km per day (Callies et al. 2017, *Ocean Sci.* 13: a predictability floor of about
3–5 km per day; REFERENCES §9). SAROPS widens its clouds with environmental uncertainty of
the current and the wind for the same reason (Kratzke, Stone & Frost 2010), and ensemble
leeway models perturb both forcings (Breivik & Allen 2008). Here each particle carries its
own velocity error ``(δu, δv)``, a "random flight" (Ornstein–Uhlenbeck) process per
component, the model Ullman et al. (2006, *JGR* 111 C12005) found consistent with drifters
where a random walk was not:

    δu(t + Δt) = a·δu(t) + σ_p·sqrt(1 − a²)·ξ,   a = exp(−Δt/τ),   ξ ~ N(0, 1)

stationary from the release, added to the particle's velocity over each step. Its σ has a
current part and a wind part seen through the particle's own downwind leeway slope ``s``
(fraction of U10, capsizing included): ``σ_p = sqrt(σ_c² + (s·σ_w)²)`` — an OU process of the
current error plus ``s`` times one of the wind error with the same τ is exactly one OU
process with that σ. For ``t ≪ τ`` the displacement error grows ballistically (``σ·t``), for
``t ≫ τ`` diffusively (``σ·sqrt(2τt)``). Draws are counter-based (seed, particle, step), so
runs are bit-for-bit reproducible whatever the number of threads.

The SAR default (:data:`SAR_DEFAULT`): σ_c = 0.05 m/s, σ_w = 2.0 m/s per component, τ = 48 h.

* σ_c, τ: a water-following object then has a 24-h displacement error of 4.0 km per
  component, a mean separation of 5.0 km after a day: the upper end of Callies et al.'s
  3–5 km/day. τ of days, not hours: ocean-model current errors are mislocated or mis-scaled
  currents and eddies that persist (the 24–96 h range changes the coverage below by ≤ 1.5
  points).
* σ_w: errors of 10-m wind analyses and day-1 forecasts over the ocean are 1.3–2 m/s per
  component (ERS-1 scatterometer vs ECMWF analyses 1.3 m/s; Chelton & Freilich 2005, *Mon.
  Wea. Rev.* 133, for ECMWF/NCEP analyses; forecasts are worse); 2 m/s with the same τ (the
  synoptic time scale). It adds 0.02 m/s for a person in the water (slope ≈ 1 %), 0.07 m/s
  for a life raft (3.6 %).
* Calibrated on the synthetic Korea Strait field (``benchmarks/forcing_error_calibration.py``,
  docs/observations.md): with truths drifting in variant oceans, the 50 % and 90 % areas hold
  50–51 % and 89–91 % of them at 6, 12 and 24 h (40–43 % and 83 % without the error).

``simulate(..., forcing_error=None)`` (the engine's default) switches it off for model
comparisons (OpenDrift agreement, closed forms); the application layer passes the SAR default
(``--forcing-error none`` switches it off there).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from sarex.drift.rng import stream_keys, uniform_array, uniform_keyed
from sarex.errors import SarexInputError
from sarex.vecmath import cos_sin_turn, log_positive

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


@nb.njit(inline="always", cache=True, error_model="numpy")
def _ou_point(du, dv, key1, key2, step, a, sq, sig_c, sig_w, slope):  # pragma: no cover - numba
    """One OU step of one particle's (δu, δv): the draws of :func:`_normals` and the arithmetic of
    :meth:`ForcingError.advance`, with the branch-free functions of :mod:`sarex.vecmath`
    (a few ulp from the C library's) so that a loop over particles vectorises. ``key1``, ``key2``:
    the particle's :func:`~sarex.drift.rng.stream_key` of streams ``_STREAMS[0]`` and ``[1]``."""
    u1 = 1.0 - uniform_keyed(key1, step)
    u2 = uniform_keyed(key2, step)
    r = math.sqrt(-2.0 * log_positive(u1))
    cs, sn = cos_sin_turn(u2)
    sw = slope * sig_w
    sig = sig_c if sig_w == 0.0 else math.sqrt(sig_c * sig_c + sw * sw)
    q = sig * sq
    return du * a + q * (r * cs), dv * a + q * (r * sn)


@nb.njit(parallel=True, cache=True, error_model="numpy")
def ou_advance_kernel(du, dv, keys1, keys2, step, a, sq, sig_c, sig_w, dw_slope, leeway_factor):  # pragma: no cover - numba
    """Advance every particle's error one OU step in place (:func:`_ou_point`; wind slope ``dw_slope·leeway_factor``).

    One compiled pass instead of a dozen array operations per step.
    """
    for p in nb.prange(du.size):
        du[p], dv[p] = _ou_point(du[p], dv[p], keys1[p], keys2[p], step, a, sq, sig_c, sig_w, dw_slope[p] * leeway_factor[p])


def draw_keys(seed: int, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The particles' :func:`~sarex.drift.rng.stream_key` of the error's two draw streams (computed once per run)."""
    s = np.uint64(seed & 0xFFFFFFFFFFFFFFFF)
    pids = np.ascontiguousarray(pids, dtype=np.int64)
    return stream_keys(s, pids, _STREAMS[0]), stream_keys(s, pids, _STREAMS[1])


@dataclass(frozen=True)
class ForcingError:
    """Current error σ_c (m/s) and 10-m wind error σ_w (m/s) per component, correlation time τ (s).

    Defaults are :data:`SAR_DEFAULT` (see the module docstring for the sources).
    """

    current_sigma_m_s: float = 0.05
    current_tau_s: float = 48 * 3600.0
    wind_sigma_m_s: float = 2.0
    name: str = ""

    def __post_init__(self) -> None:
        if not (self.current_sigma_m_s >= 0 and math.isfinite(self.current_sigma_m_s)):
            raise SarexInputError(f"forcing error: current σ {self.current_sigma_m_s} m/s must be a number >= 0")
        if not (self.current_tau_s > 0 and math.isfinite(self.current_tau_s)):
            raise SarexInputError(f"forcing error: τ {self.current_tau_s / 3600.0:g} h must be > 0")
        if not (self.wind_sigma_m_s >= 0 and math.isfinite(self.wind_sigma_m_s)):
            raise SarexInputError(f"forcing error: wind σ {self.wind_sigma_m_s} m/s must be a number >= 0")

    def _sigma(self, slope: np.ndarray | None):
        """Per-particle σ of the velocity error: current plus the leeway's response to the wind error."""
        if slope is None or self.wind_sigma_m_s == 0.0:
            return self.current_sigma_m_s
        return np.sqrt(self.current_sigma_m_s**2 + (slope * self.wind_sigma_m_s) ** 2)

    def initial(self, seed: int, pids: np.ndarray, slope: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Stationary draw at release of the velocity error (east, north), m/s.

        ``slope``: each particle's downwind leeway slope (fraction of the wind), which turns the
        wind error into a velocity error; ``None`` counts the current error only.
        """
        # The kernel of a step from zero error with a = 0 (no memory) and unit noise scale: σ·ξ
        # with the draws of _normals (step _INIT_STEP), in one compiled pass.
        pids = np.ascontiguousarray(pids, dtype=np.int64)
        du, dv = np.zeros(pids.size), np.zeros(pids.size)
        if slope is None:
            slope, sig_w = np.zeros(pids.size), 0.0
        else:
            # a fresh writable array: a read-only one (broadcast_to's) would be another numba signature
            slope, sig_w = np.array(np.broadcast_to(slope, pids.shape), dtype=np.float64), float(self.wind_sigma_m_s)
        ou_advance_kernel(du, dv, *draw_keys(seed, pids), _INIT_STEP & 0x7FFFFFFFFFFFFFFF, 0.0, 1.0,
                          float(self.current_sigma_m_s), sig_w, slope, np.ones(pids.size))
        return du, dv

    def advance(self, du: np.ndarray, dv: np.ndarray, seed: int, pids: np.ndarray, step: int, dt_s: float,
                slope: np.ndarray | None = None) -> None:
        """One OU step in place (the same ``slope`` as :meth:`initial`)."""
        a = math.exp(-dt_s / self.current_tau_s)
        q = self._sigma(slope) * math.sqrt(max(0.0, 1.0 - a * a))
        x, y = _normals(seed, pids, step)
        du *= a
        du += q * x
        dv *= a
        dv += q * y

    def advance_compiled(self, du: np.ndarray, dv: np.ndarray, dt_s: float, keys: tuple[np.ndarray, np.ndarray], step: int,
                         dw_slope: np.ndarray, leeway_factor: np.ndarray) -> None:
        """:meth:`advance` with ``slope = dw_slope·leeway_factor`` in one compiled pass (:func:`ou_advance_kernel`).

        ``keys``: :func:`draw_keys` of the seed and the particles. The drift step adds
        ``(du, dv)`` to each particle's velocity over the step
        (:func:`~sarex.drift.kernels.leeway_velocity_kernel`, the fused step), then calls this.
        """
        a = math.exp(-dt_s / self.current_tau_s)
        ou_advance_kernel(du, dv, keys[0], keys[1], step & 0x7FFFFFFFFFFFFFFF, a,
                          math.sqrt(max(0.0, 1.0 - a * a)), float(self.current_sigma_m_s), float(self.wind_sigma_m_s),
                          dw_slope, leeway_factor)

    def as_dict(self) -> dict:
        """The parameters, as the drift file records them."""
        d = {"current_sigma_m_s": self.current_sigma_m_s, "wind_sigma_m_s": self.wind_sigma_m_s,
             "tau_h": self.current_tau_s / 3600.0, "model": "Ornstein-Uhlenbeck per particle"}
        if self.name:
            d["preset"] = self.name
        return d

    def describe(self) -> str:
        """One line for tables and logs."""
        head = f"{self.name}: " if self.name else ""
        return (f"{head}current σ {self.current_sigma_m_s:g} m/s, wind σ {self.wind_sigma_m_s:g} m/s, "
                f"τ {self.current_tau_s / 3600.0:g} h (Ornstein-Uhlenbeck per particle)")


#: The default for SAR products (``sarex drift``, cases, exercise and server forecasts).
SAR_DEFAULT = ForcingError(name="sar")
#: Named presets for ``--forcing-error``.
PRESETS: dict[str, ForcingError | None] = {
    "none": None,
    "sar": SAR_DEFAULT,
    "current-only": ForcingError(wind_sigma_m_s=0.0, name="current-only"),
}


def parse_forcing_error(text: str | None, what: str = "--forcing-error") -> ForcingError | None:
    """``none``, a preset name (:data:`PRESETS`) or ``SIGMA_CURRENT,TAU_H[,SIGMA_WIND]`` (m/s, h, m/s).

    ``None`` (not given) is the SAR default.
    """
    if text is None:
        return SAR_DEFAULT
    t = str(text).strip().lower()
    if t in PRESETS:
        return PRESETS[t]
    parts = [x.strip() for x in t.split(",")]
    try:
        vals = [float(x) for x in parts]
    except ValueError:
        vals = []
    if len(vals) not in (2, 3):
        raise SarexInputError(f"{what}: {text!r} must be 'none', a preset ({', '.join(k for k in PRESETS if k != 'none')}) "
                              "or SIGMA_CURRENT_M_S,TAU_H[,SIGMA_WIND_M_S], e.g. 0.05,48,2")
    if not all(math.isfinite(v) for v in vals) or vals[0] < 0 or vals[1] <= 0 or (len(vals) == 3 and vals[2] < 0):
        raise SarexInputError(f"{what}: {text!r} must have σ >= 0 m/s and τ > 0 h")
    return ForcingError(vals[0], vals[1] * 3600.0, vals[2] if len(vals) == 3 else 0.0)


def forcing_error_from_attrs(attrs: dict) -> ForcingError | None:
    """The forcing error recorded in a drift file's attributes (``none`` or absent: off)."""
    raw = attrs.get("forcing_error", "none")
    if raw in (None, "", "none"):
        return None
    try:
        d = json.loads(raw)
        return ForcingError(float(d.get("current_sigma_m_s", 0.0)), float(d.get("tau_h", d.get("current_tau_h"))) * 3600.0,
                            float(d.get("wind_sigma_m_s", 0.0)), str(d.get("preset", "")))
    except (ValueError, TypeError, AttributeError) as exc:
        raise SarexInputError(f"drift file: forcing_error attribute {raw!r} is not readable ({exc})") from None
