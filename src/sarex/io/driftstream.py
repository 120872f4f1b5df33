"""Write the drift file while the run goes (bounded memory, readable while running).

:class:`StreamSink` receives each output time from the drift engine (the
``DriftSink`` protocol of :mod:`sarex.drift.output`: ``begin``, ``record``,
``finish``) and writes it straight into a NetCDF-4 file with the layout of
:mod:`sarex.io.driftfile`, so a run's memory does not grow with the number of
outputs. The ``time`` dimension is unlimited and grows by one per output; the
(trajectory, time) variables are chunked one output time deep and at most
:data:`CHUNK_PARTICLES` particles wide, so writing one output time and reading one
time slice (probability map at a time, the last state for a continuation) touch
only that time's chunks. The file is synced after every output: a reader opening it
during the run sees a valid drift file holding the outputs written so far.

The sink writes to the path it is given (an :class:`~sarex.app.output.OutputTarget`
hands out a temporary name beside the target and renames it on commit); with
``atomic=True`` it does that itself (:func:`~sarex.io.atomic.temporary_sibling`,
then :func:`os.replace` in :meth:`StreamSink.finish`), and :meth:`StreamSink.abort`
(or leaving the ``with`` block with an exception) removes the partial file, leaving
any earlier file at the target untouched.

Read back with :func:`~sarex.io.driftfile.read_drift`, the file equals the
dataset the in-memory sink builds, value for value and attribute for attribute.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Optional

import numpy as np

from sarex.io.atomic import temporary_sibling
from sarex.io.driftfile import STATUS_ATTRS, STATUS_FILL, STATUS_UNRELEASED

#: Widest chunk along ``trajectory`` (2 MiB of float64): a time slice of 1e6 particles is 4 chunks.
CHUNK_PARTICLES = 262_144

TIME_UNITS = "seconds since 1970-01-01 00:00:00"

_TIMED_ATTRS: dict[str, tuple[type, dict]] = {
    "lon": (np.float64, {"standard_name": "longitude", "units": "degrees_east"}),
    "lat": (np.float64, {"standard_name": "latitude", "units": "degrees_north"}),
    "status": (np.int8, dict(STATUS_ATTRS)),
    "orientation": (np.int8, {"long_name": "side of downwind", "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "right left"}),
    "capsized": (np.int8, {"long_name": "capsized", "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "upright capsized"}),
}


def _epoch_seconds(values: np.ndarray) -> np.ndarray:
    """datetime64 or seconds since epoch to float64 seconds, exactly as xarray encodes datetime64[ns]."""
    a = np.asarray(values)
    if a.dtype.kind == "M":
        return a.astype("datetime64[ns]").astype(np.int64) / 1e9
    ns = np.round(np.asarray(a, dtype=np.float64) * 1e9).astype(np.int64)  # as sarex.times.epoch_s_to_datetime64
    return ns / 1e9


class StreamSink:
    """Drift sink writing a CF-1.8 trajectory NetCDF as the outputs come.

    Parameters
    ----------
    path
        File to write. With ``atomic=False`` (default) it is written in place (the
        caller, e.g. an output target, owns the temporary name); with ``atomic=True`` a
        temporary beside ``path`` is written and renamed onto ``path`` by :meth:`finish`.
    atomic
        See ``path``.
    chunk_particles
        Widest chunk along ``trajectory``.
    """

    def __init__(self, path: str | os.PathLike, *, atomic: bool = False, chunk_particles: int = CHUNK_PARTICLES) -> None:
        self.target = Path(path)
        self.path = temporary_sibling(self.target) if atomic else self.target
        self.atomic = atomic
        self.chunk_particles = int(chunk_particles)
        self._nc: Any = None
        self._written = 0
        self._n_out = 0
        self._per_particle: dict[str, tuple[np.ndarray, dict]] = {}

    # --- the DriftSink protocol -------------------------------------------------------

    def begin(self, out_times_s: np.ndarray, n_particles: int, per_particle: dict[str, tuple[np.ndarray, dict]], capsizing: bool) -> None:
        """Create the file: dimensions, the per-particle variables and the (empty) timed ones."""
        import netCDF4

        self._times = _epoch_seconds(np.asarray(out_times_s))
        self._n_out = self._times.size
        n = int(n_particles)
        # Each chunk is written once, whole, and never read back: no chunk cache (HDF5 writes it
        # through). With netCDF's default (64 MiB per variable) memory grew ~4 MB per output time
        # of 1e6 particles. The setting applies to files created while it is in force.
        # The setting applies to the HDF5 datasets made while it is in force: up to the first sync.
        cache = netCDF4.get_chunk_cache()
        netCDF4.set_chunk_cache(0, 1, 1.0)
        nc = netCDF4.Dataset(self.path, "w", format="NETCDF4")
        self._nc = nc
        try:
            nc.createDimension("trajectory", n)
            nc.createDimension("time", None)
            tr = nc.createVariable("trajectory", np.int32, ("trajectory",))
            tr.setncatts({"cf_role": "trajectory_id", "long_name": "particle id"})
            tr[:] = np.arange(n, dtype=np.int32)
            tv = nc.createVariable("time", np.float64, ("time",), fill_value=False)  # CF 1.8 §2.5.1: no fill on a coordinate
            tv.setncatts({"standard_name": "time", "units": TIME_UNITS, "calendar": "standard"})
            chunk = (max(1, min(n, self.chunk_particles)), 1)
            names = ["lon", "lat", "status", "orientation"] + (["capsized"] if capsizing else [])
            for name in names:
                dtype, attrs = _TIMED_ATTRS[name]
                fill = np.nan if dtype is np.float64 else STATUS_FILL if name == "status" else None
                v = nc.createVariable(name, dtype, ("trajectory", "time"), chunksizes=chunk, fill_value=fill)
                v.setncatts(attrs)
            self._per_particle = per_particle
            for name, (values, attrs) in per_particle.items():
                a = np.asarray(values)
                if a.dtype.kind == "M":
                    v = nc.createVariable(name, np.float64, ("trajectory",), fill_value=np.nan)
                    v.setncatts({**attrs, "units": TIME_UNITS, "calendar": "standard"})
                else:
                    v = nc.createVariable(name, a.dtype, ("trajectory",), fill_value=np.nan if a.dtype.kind == "f" else None)
                    v.setncatts(attrs)
            self._write_particles()
            nc.sync()
        except BaseException:
            self.abort()
            raise
        finally:
            netCDF4.set_chunk_cache(*cache)

    def _write_particles(self) -> None:
        # the engine may change these arrays in place until the end (class changes): written at
        # begin, and at finish if they changed
        for name, (values, _) in self._per_particle.items():
            a = np.asarray(values)
            self._nc[name][:] = _epoch_seconds(a) if a.dtype.kind == "M" else a

    def record(self, j: int, lon: np.ndarray, lat: np.ndarray, status: np.ndarray, side: np.ndarray, capsized: Optional[np.ndarray] = None) -> None:
        """Append output time ``j`` (outputs come in order) and sync the file."""
        if j != self._written:
            raise ValueError(f"output {j} recorded after {self._written - 1}: outputs must come in order")
        nc = self._nc
        nc["time"][j] = self._times[j]
        nc["lon"][:, j] = lon
        nc["lat"][:, j] = lat
        nc["status"][:, j] = status
        nc["orientation"][:, j] = side
        if capsized is not None and "capsized" in nc.variables:
            nc["capsized"][:, j] = capsized
        self._written += 1
        nc.sync()

    def finish(self, attrs: dict, particles_changed: bool = True) -> None:
        """Write the global attributes, close, and (``atomic``) move the file onto the target.

        Output times never reached keep the fill values of an unfinished run (NaN
        positions, status "not released"), as the in-memory dataset has them. The
        per-particle variables, written at :meth:`begin`, are written again if
        ``particles_changed`` (class changes of a case).
        """
        nc = self._nc
        try:
            n = nc.dimensions["trajectory"].size
            nan, zero = np.full(n, np.nan), np.zeros(n, dtype=np.int8)
            for j in range(self._written, self._n_out):
                self.record(j, nan, nan, np.full(n, STATUS_UNRELEASED, dtype=np.int8), zero, zero)
            if particles_changed:
                self._write_particles()
            nc.setncatts({k: _attr(v) for k, v in attrs.items()})
            nc.close()
            self._nc = None
            if self.atomic:
                os.replace(self.path, self.target)
        except BaseException:
            self.abort()
            raise
        return None

    # --- clean-up ---------------------------------------------------------------------

    def abort(self) -> None:
        """Close and remove a partial file this sink created under a temporary name."""
        if self._nc is not None:
            with contextlib.suppress(Exception):
                self._nc.close()
            self._nc = None
        if self.atomic:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def close(self) -> None:
        """Close the file if still open (after an error); a finished file is already closed."""
        if self._nc is not None:
            with contextlib.suppress(Exception):
                self._nc.close()
            self._nc = None

    def __enter__(self) -> "StreamSink":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


def _attr(value: Any) -> Any:
    """A global attribute as xarray would write it (bool as int; numbers and strings unchanged)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return value


def combine_drift_parts(parts: list[str | os.PathLike], path: str | os.PathLike, attrs: Optional[dict] = None,
                        part_values: Optional[dict[str, tuple[list, dict]]] = None, chunk_particles: int = CHUNK_PARTICLES) -> Path:
    """Concatenate drift files along ``trajectory`` into one drift file at ``path``, one output time at a time.

    The parts must share their output times. Weights are rescaled so that a part's
    total weight is its share of the particles (each part's weights sum to 1). Global
    attributes are those of the first part, with the stranded and left-domain
    counts summed and ``attrs`` added. ``part_values`` adds per-particle variables
    constant over each part: name -> (one value per part, attributes). Memory: one
    output time of the whole ensemble.
    """
    import netCDF4

    cache = netCDF4.get_chunk_cache()
    netCDF4.set_chunk_cache(0, 1, 1.0)  # every chunk is read once (see StreamSink.begin); all the while: HDF5 opens datasets lazily
    srcs = [netCDF4.Dataset(p, "r") for p in parts]
    try:
        for s in srcs:
            s.set_auto_maskandscale(False)
        sizes = [s.dimensions["trajectory"].size for s in srcs]
        total = int(sum(sizes))
        times = np.asarray(srcs[0]["time"][:], dtype=np.float64)
        for p, s in zip(parts[1:], srcs[1:]):
            if not np.array_equal(np.asarray(s["time"][:], dtype=np.float64), times):
                raise ValueError(f"{p}: output times differ from those of {parts[0]}")
        capsizing = "capsized" in srcs[0].variables
        sink = StreamSink(path, chunk_particles=chunk_particles)
        sink.begin(times, total, {}, capsizing)
        nc = sink._nc
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        try:
            for name, v in srcs[0].variables.items():
                if v.dimensions != ("trajectory",) or name == "trajectory":
                    continue
                fill = v.getncattr("_FillValue") if "_FillValue" in v.ncattrs() else None
                out = nc.createVariable(name, v.dtype, ("trajectory",), fill_value=fill)
                out.setncatts({a: v.getncattr(a) for a in v.ncattrs() if a != "_FillValue"})
                for k, s in enumerate(srcs):
                    vals = np.asarray(s[name][:])
                    if name == "weight":
                        vals = vals * (sizes[k] / total)
                    out[offsets[k]:offsets[k + 1]] = vals
            for name, (values, vattrs) in (part_values or {}).items():
                dtype = np.asarray(values).dtype
                out = nc.createVariable(name, dtype, ("trajectory",), fill_value=np.nan if dtype.kind == "f" else None)
                out.setncatts(vattrs)
                for k, value in enumerate(values):
                    out[offsets[k]:offsets[k + 1]] = np.full(sizes[k], value, dtype=dtype)
            timed = ["lon", "lat", "status", "orientation"] + (["capsized"] if capsizing else [])
            for j in range(times.size):
                cols = []
                for name in timed:
                    col = np.empty(total, dtype=srcs[0][name].dtype)
                    for k, s in enumerate(srcs):
                        col[offsets[k]:offsets[k + 1]] = s[name][:, j]
                    cols.append(col)
                sink.record(j, *cols[:4], cols[4] if capsizing else None)
            glob = {a: srcs[0].getncattr(a) for a in srcs[0].ncattrs()}
            for key in ("stranded_count", "left_domain_count"):
                if key in glob:
                    glob[key] = int(sum(int(s.getncattr(key)) for s in srcs))
            glob.update(attrs or {})
            sink.finish(glob)
        except BaseException:
            sink.close()
            raise
    finally:
        for s in srcs:
            s.close()
        netCDF4.set_chunk_cache(*cache)
    return Path(path)
