"""Where a drift's output goes: the sink protocol and the in-memory default.

:func:`~sarex.drift.simulate.simulate` hands its state to a :class:`DriftSink` at
every output time instead of filling arrays itself, so that a sink can stream the
trajectories to disk (bounded memory) while :class:`MemorySink` keeps today's
in-memory :class:`xarray.Dataset` (the drift file layout of :mod:`sarex.io.driftfile`).

Call order: ``begin`` once, ``record`` for output times ``j = 0, 1, ...`` in order
(possibly fewer than ``len(out_times_s)`` if a run stops early), ``finish`` once.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import xarray as xr

from sarex.io.driftfile import STATUS_ATTRS, STATUS_UNRELEASED
from sarex.times import epoch_s_to_datetime64

#: Attributes of the (trajectory, time) variables, shared by every sink.
TRAJECTORY_ATTRS: dict[str, dict] = {
    "lon": {"standard_name": "longitude", "units": "degrees_east"},
    "lat": {"standard_name": "latitude", "units": "degrees_north"},
    "status": dict(STATUS_ATTRS),
    "orientation": {"long_name": "side of downwind", "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "right left"},
    "capsized": {"long_name": "capsized", "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "upright capsized"},
}

#: Value of each (trajectory, time) variable at an output time that was never recorded.
UNRECORDED = {"lon": np.nan, "lat": np.nan, "status": STATUS_UNRELEASED, "orientation": 0, "capsized": 0}

TRAJECTORY_COORD_ATTRS = {"cf_role": "trajectory_id", "long_name": "particle id"}
TIME_COORD_ATTRS = {"standard_name": "time"}


@runtime_checkable
class DriftSink(Protocol):
    """Receives a drift's output as the run goes."""

    def begin(
        self,
        out_times_s: np.ndarray,
        n_particles: int,
        per_particle: dict[str, tuple[np.ndarray, dict]],
        capsizing: bool,
    ) -> None:
        """Start of the run.

        Parameters
        ----------
        out_times_s
            Output times, s since epoch (ascending).
        n_particles
            Number of particles (the ``trajectory`` dimension).
        per_particle
            Per-particle variables (``weight``, ``release_time`` as datetime64,
            ``downwind_slope``, ...): name → (array of shape (n_particles,), attrs), in
            the order of the drift file. The arrays belong to the engine and may still
            change in place (class changes of a case) until :meth:`finish`, which says
            whether they did: a sink writes them at the end, or copies them now and
            again then if they changed.
        capsizing
            Whether a ``capsized`` variable is recorded.
        """
        ...

    def record(self, j: int, lon: np.ndarray, lat: np.ndarray, status: np.ndarray, side: np.ndarray, capsized: np.ndarray | None) -> None:
        """The state at output time ``j`` (arrays of shape (n_particles,), reused by the engine: copy what you keep)."""
        ...

    def finish(self, attrs: dict, particles_changed: bool = True) -> xr.Dataset | None:
        """End of the run with the global attributes (counters included); the result, if the sink has one.

        ``particles_changed``: whether the per-particle arrays given to :meth:`begin` changed since.
        """
        ...


class MemorySink:
    """Keeps every output in memory and returns the drift :class:`xarray.Dataset`."""

    def __init__(self) -> None:
        self._times: np.ndarray | None = None

    def begin(self, out_times_s, n_particles, per_particle, capsizing) -> None:
        """See :meth:`DriftSink.begin`."""
        self._times = np.asarray(out_times_s, dtype=np.float64)
        self._per_particle = per_particle
        n, m = int(n_particles), self._times.size
        # Column-major (trajectory, time): recording a time is one contiguous copy per variable
        # (a strided write into row-major arrays cost more than the drift for a million particles).
        self._arrays = {
            "lon": np.empty((n, m), order="F"),
            "lat": np.empty((n, m), order="F"),
            "status": np.empty((n, m), dtype=np.int8, order="F"),
            "orientation": np.empty((n, m), dtype=np.int8, order="F"),
        }
        if capsizing:
            self._arrays["capsized"] = np.empty((n, m), dtype=np.int8, order="F")
        self._recorded = 0

    def record(self, j, lon, lat, status, side, capsized) -> None:
        """See :meth:`DriftSink.record`."""
        a = self._arrays
        a["lon"][:, j] = lon
        a["lat"][:, j] = lat
        a["status"][:, j] = status
        a["orientation"][:, j] = side
        if "capsized" in a:
            a["capsized"][:, j] = capsized
        self._recorded = max(self._recorded, j + 1)

    def finish(self, attrs: dict, particles_changed: bool = True) -> xr.Dataset:
        """See :meth:`DriftSink.finish`."""
        a = self._arrays
        for name, arr in a.items():
            arr[:, self._recorded :] = UNRECORDED[name]
        n = a["lon"].shape[0]
        data = {name: (("trajectory", "time"), a[name], dict(TRAJECTORY_ATTRS[name])) for name in ("lon", "lat", "status", "orientation")}
        for name, (arr, at) in self._per_particle.items():
            data[name] = (("trajectory",), arr, dict(at))
        if "capsized" in a:
            data["capsized"] = (("trajectory", "time"), a["capsized"], dict(TRAJECTORY_ATTRS["capsized"]))
        ds = xr.Dataset(
            data,
            coords={
                "trajectory": ("trajectory", np.arange(n, dtype=np.int32), dict(TRAJECTORY_COORD_ATTRS)),
                "time": ("time", epoch_s_to_datetime64(self._times), dict(TIME_COORD_ATTRS)),
            },
            attrs=attrs,
        )
        self._arrays = {}
        return ds


def per_particle_variables(rel_t, dw_slope, dw_offset, eps_dw, z_cw, weight) -> dict[str, tuple[np.ndarray, dict]]:
    """The per-particle variables of a drift file, in file order (see :meth:`DriftSink.begin`)."""
    return {
        "weight": (weight, {"long_name": "probability weight", "units": "1"}),
        "release_time": (epoch_s_to_datetime64(rel_t), {"long_name": "release time"}),
        "downwind_slope": (dw_slope, {"long_name": "downwind leeway slope a_dw + eps/20", "units": "1"}),
        "downwind_offset": (dw_offset, {"long_name": "downwind leeway offset b_dw + eps/2", "units": "m s-1"}),
        "downwind_eps": (eps_dw, {"long_name": "downwind leeway perturbation eps_dw", "units": "m s-1"}),
        "crosswind_z": (z_cw, {"long_name": "standard normal crosswind draw; eps_cw = z * S_yx of the current side", "units": "1"}),
    }
