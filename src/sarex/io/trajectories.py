"""Observed trajectories (drifters, DMBs, found debris, a forecast's members) from any common file.

Every reader returns a list of :class:`~sarex.io.track.Track` (the one timed-track
model: lon, lat, time s since epoch, name), one per drifter, in file order:

* CF-1.8 discrete-sampling-geometry trajectory NetCDF (REFERENCES §7) in the layouts
  OpenDrift and trajan write: a 1-D ``time`` dimension with ``lon/lat(trajectory,
  time)`` (OpenDrift, sarex drift files), a 2-D ``obs`` layout with per-point
  ``time(trajectory, obs)`` (trajan), and the contiguous ragged layout (``rowSize``
  with ``sample_dimension``) or the indexed ragged one (``instance_dimension``).
  Positions that are NaN (not released, masked) are dropped.
* GPX 1.1 tracks (``<trk>``, one drifter per track name) through :mod:`sarex.io.gpx`.
* CSV with a header ``time,lon,lat[,id]`` (ISO 8601 UTC times).

Each trajectory must have at least two positions at strictly increasing times in the
order given: an observed track whose clock runs backwards is a user error, not
something to sort quietly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import xarray as xr

from sarex.errors import SarexInputError
from sarex.io.track import Track
from sarex.times import datetime64_to_epoch_s, parse_utc, to_epoch_s
from sarex.io.gpx import read_gpx_tracks

NETCDF_EXTENSIONS = {".nc", ".nc4", ".netcdf", ".cdf"}


def read_trajectories(path: str | Path) -> list[Track]:
    """Read the observed trajectories of a CF trajectory NetCDF, GPX or CSV file (by extension).

    Raises
    ------
    SarexInputError
        One line naming the file, trajectory, field and value for a missing or
        unreadable file, an unknown layout, fewer than two positions or times that
        do not increase.
    """
    p = Path(path)
    if not p.is_file():
        raise SarexInputError(f"{p}: no such file")
    ext = p.suffix.lower()
    if ext == ".gpx":
        tracks = _read_gpx(p)
    elif ext == ".csv":
        tracks = _read_csv(p)
    elif ext in NETCDF_EXTENSIONS:
        tracks = _read_netcdf(p)
    else:
        raise SarexInputError(f"{p}: unknown trajectory file type {ext!r} (expected .nc, .gpx or .csv)")
    if not tracks:
        raise SarexInputError(f"{p}: holds no trajectory")
    return tracks


def checked_track(tid: str, time_s, lon, lat, source: str) -> Track:
    """A :class:`Track` from positions in file order, after dropping NaN positions and checking times."""
    t = np.asarray(time_s, dtype=np.float64)
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(x) & np.isfinite(y)
    t, x, y = t[ok], x[ok], y[ok]
    if t.size < 2:
        raise SarexInputError(f"{source}: trajectory {tid!r} has {t.size} valid position(s); a trajectory needs at least 2")
    back = np.flatnonzero(np.diff(t) <= 0.0)
    if back.size:
        from sarex.times import iso

        i = int(back[0]) + 1
        raise SarexInputError(
            f"{source}: trajectory {tid!r} time at point {i + 1} ({iso(t[i])}) is not after point {i} ({iso(t[i - 1])}); "
            "times must increase"
        )
    bad = (np.abs(y) > 90.0) | (x < -180.0) | (x > 360.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SarexInputError(f"{source}: trajectory {tid!r} point {i + 1} lon={x[i]} lat={y[i]} is off the globe")
    return Track(x, y, t, str(tid), (source,))


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(p: Path) -> list[Track]:
    with open(p, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        alias = {"lon": ("lon", "longitude"), "lat": ("lat", "latitude"), "time": ("time", "timestamp", "datetime")}
        use = {}
        for need, names in alias.items():
            hit = next((cols[n] for n in names if n in cols), None)
            if hit is None:
                raise SarexInputError(f"{p}: header {reader.fieldnames} has no {need!r} column (expected time,lon,lat[,id])")
            use[need] = hit
        id_col = next((cols[n] for n in ("id", "trajectory", "drifter", "name") if n in cols), None)
        per: dict[str, list[tuple[float, float, float]]] = {}
        for row_no, row in enumerate(reader, start=2):
            tid = (row.get(id_col) or "").strip() if id_col else p.stem
            tid = tid or p.stem
            text_t = (row.get(use["time"]) or "").strip()
            t = to_epoch_s(_parse_time(text_t, f"{p}: row {row_no} time"))
            vals = []
            for need in ("lon", "lat"):
                text = (row.get(use[need]) or "").strip()
                try:
                    vals.append(float(text))
                except ValueError:
                    raise SarexInputError(f"{p}: row {row_no} {need} {text!r} is not a number") from None
            per.setdefault(tid, []).append((t, vals[0], vals[1]))
    out = []
    for tid, rows in per.items():
        a = np.array(rows, dtype=np.float64)
        out.append(checked_track(tid, a[:, 0], a[:, 1], a[:, 2], p.name))
    if not out:
        raise SarexInputError(f"{p}: no positions (the file has a header but no rows)")
    return out


def _parse_time(text: str, what: str):

    return parse_utc(text, what)


# --- GPX ---------------------------------------------------------------------------------


def _read_gpx(p: Path) -> list[Track]:

    # strict: points in file order, every point timed (a clock running backwards is an error, not re-sorted)
    return [checked_track(tr.name, tr.time_s, tr.lon, tr.lat, p.name) for tr in read_gpx_tracks(p, strict=True)]


# --- CF trajectory NetCDF ----------------------------------------------------------------


def _coord(ds: xr.Dataset, axis: str, source: str) -> str:
    names = {"lon": ("lon", "longitude", "LON", "Longitude"), "lat": ("lat", "latitude", "LAT", "Latitude")}[axis]
    for n in names:
        if n in ds.variables:
            return n
    sn = {"lon": "longitude", "lat": "latitude"}[axis]
    for n, v in ds.variables.items():
        if v.attrs.get("standard_name") == sn:
            return str(n)
    raise SarexInputError(f"{source}: no {sn} variable (lon/longitude or standard_name {sn!r})")


def _ids(ds: xr.Dataset, dim: str, n: int) -> list[str]:
    for v in ds.variables.values():
        if v.attrs.get("cf_role") == "trajectory_id" and v.dims == (dim,):
            vals = v.values
            return [(x.decode() if isinstance(x, bytes) else str(x)).strip() for x in vals]
    if dim in ds.variables and ds[dim].dims == (dim,):
        return [str(x) for x in ds[dim].values]
    return [str(i) for i in range(n)]


def _seconds(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values)
    if np.issubdtype(v.dtype, np.datetime64):
        out = datetime64_to_epoch_s(v).astype(np.float64)
        out[np.isnat(v)] = np.nan
        return out
    return v.astype(np.float64)


def _read_netcdf(p: Path) -> list[Track]:
    src = p.name
    try:
        ds = xr.load_dataset(p)
    except Exception as exc:  # noqa: BLE001
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(f"{p}: cannot be read as NetCDF ({msg})") from None
    return trajectories_from_dataset(ds, src)


def trajectories_from_dataset(ds: xr.Dataset, source: str = "dataset") -> list[Track]:
    """The trajectories of an open CF trajectory dataset (see the module docstring for the layouts)."""
    if "time" not in ds.variables:
        raise SarexInputError(f"{source}: no 'time' variable")
    lon_n, lat_n = _coord(ds, "lon", source), _coord(ds, "lat", source)
    lon, lat, time = ds[lon_n], ds[lat_n], ds["time"]
    if lon.ndim == 2:
        tdim = next((d for d in lon.dims if d in ("trajectory", "traj", "drifter")), lon.dims[0])
        odim = next(d for d in lon.dims if d != tdim)
        lon, lat = lon.transpose(tdim, odim), lat.transpose(tdim, odim)
        n = lon.shape[0]
        ids = _ids(ds, tdim, n)
        if time.ndim == 1 and time.dims == (odim,):  # OpenDrift / sarex: shared time axis
            tt = np.broadcast_to(_seconds(time.values), lon.shape)
        elif time.ndim == 2:  # trajan 2-D obs: time per point
            tt = _seconds(time.transpose(tdim, odim).values)
        else:
            raise SarexInputError(f"{source}: 'time' has dims {time.dims}; expected ({odim},) or ({tdim}, {odim})")
        lo, la = lon.values, lat.values
        return [checked_track(ids[i], tt[i], lo[i], la[i], source) for i in range(n)]
    if lon.ndim == 1 and time.ndim == 1 and lon.dims == time.dims:
        odim = lon.dims[0]
        tt, lo, la = _seconds(time.values), lon.values, lat.values
        size_var = next((v for v in ds.variables.values() if v.attrs.get("sample_dimension") == odim), None)
        index_var = next((v for v in ds.variables.values() if "instance_dimension" in v.attrs and v.dims == (odim,)), None)
        if size_var is not None:  # contiguous ragged array
            sizes = np.asarray(size_var.values, dtype=np.int64)
            if sizes.sum() != lo.size:
                raise SarexInputError(f"{source}: {size_var.name!r} adds up to {sizes.sum()}, the {odim!r} dimension has {lo.size}")
            ids = _ids(ds, size_var.dims[0], sizes.size)
            edges = np.concatenate([[0], np.cumsum(sizes)])
            return [checked_track(ids[i], tt[a:b], lo[a:b], la[a:b], source) for i, (a, b) in enumerate(zip(edges[:-1], edges[1:]))]
        if index_var is not None:  # indexed ragged array
            idx = np.asarray(index_var.values, dtype=np.int64)
            inst = index_var.attrs["instance_dimension"]
            n = ds.sizes.get(inst, int(idx.max()) + 1)
            ids = _ids(ds, inst, n)
            return [checked_track(ids[i], tt[idx == i], lo[idx == i], la[idx == i], source) for i in range(n) if np.any(idx == i)]
        return [checked_track(source.rsplit(".", 1)[0], tt, lo, la, source)]  # a single trajectory
    raise SarexInputError(f"{source}: variables {lon_n!r}/{lat_n!r} with dims {lon.dims} are not a known trajectory layout")
