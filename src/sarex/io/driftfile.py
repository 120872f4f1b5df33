"""The drift file: a CF-1.8 discrete-sampling-geometry trajectory NetCDF.

This is the contract between the drift engine and everything downstream
(probability, search update, planning, exercises). Layout, like OpenDrift's output:

========================  ==================  ===========================================
variable                  dims                meaning
========================  ==================  ===========================================
``trajectory``            (trajectory)        particle id, ``cf_role = trajectory_id``
``time``                  (time)              output times, UTC
``lon``, ``lat``          (trajectory, time)  position, degrees (NaN before release)
``status``                (trajectory, time)  0 active, 1 stranded, 2 left domain; not released: fill (*)
``orientation``           (trajectory, time)  0 right / 1 left of downwind
``weight``                (trajectory)        probability weight, sums to 1
``release_time``          (trajectory)        when the particle was released
``downwind_slope``        (trajectory)        a_dw + ε/20, fraction of U10
``downwind_offset``       (trajectory)        b_dw + ε/2, m/s
``downwind_eps``          (trajectory)        ε_dw, m/s
``crosswind_z``           (trajectory)        standard-normal crosswind draw (ε_cw = z·S_side)
========================  ==================  ===========================================

(*) The status coding is OpenDrift's (``opendrift.models.basemodel``: codes
``0 … n-1`` in ``flag_meanings`` order, ``active`` = 0, a particle not yet seeded
has a missing value), so that ``opendrift.open`` counts active, stranded and
deactivated particles as sarex does: ``flag_values = 0 1 2``, ``flag_meanings =
"active stranded left_domain"``, and "not released" is the ``_FillValue`` (-1,
sarex's in-memory code :data:`STATUS_UNRELEASED`, so the bytes on disk are the
in-memory codes). Files of sarex before this coding (``flag_values = -1 0 1 2``)
and other models' files (OpenDrift numbers codes in order of first use and writes
NaN positions after a particle is deactivated) are read through the names
(:func:`canonical_status`): a stranded particle stays where it stranded, with
status stranded, as in sarex's own files.

Global attributes record the object class and its coefficients, the seed, the
LKP, the release, the numerical scheme, the environment and the model version;
``searches`` (JSON) lists the searches applied by a Bayesian update.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from sarex import __version__
from sarex._lazy_dask import install as _install_lazy_dask, no_distributed_import
from sarex.errors import SarexInputError
from sarex.io.atomic import atomic_path
from sarex.times import iso

_install_lazy_dask()  # xarray need not import dask.array here (sarex._lazy_dask)

FORMAT = "sarex-drift-1"

STATUS_UNRELEASED = -1
STATUS_ACTIVE = 0
STATUS_STRANDED = 1
STATUS_LEFT_DOMAIN = 2

#: The status variable's attributes in OpenDrift's convention (codes 0..n-1 in flag_meanings order).
STATUS_ATTRS = {
    "long_name": "particle status",
    "flag_values": np.array([STATUS_ACTIVE, STATUS_STRANDED, STATUS_LEFT_DOMAIN], dtype=np.int8),
    "flag_meanings": "active stranded left_domain",
    "comment": "not yet released: _FillValue",
}

#: The status variable's fill value on disk: "not released", sarex's in-memory code for it.
STATUS_FILL = np.int8(STATUS_UNRELEASED)

#: ``flag_meanings`` of sarex's drift files before the OpenDrift coding (flag_values -1 0 1 2), still read.
LEGACY_STATUS_MEANINGS = "not_released active stranded left_domain"

#: Status names of CF ``flag_meanings`` (sarex's, OpenDrift's) and the sarex code each means.
#: Any other name is a deactivation (OpenDrift: missing_data, outside, seafloor...): left the domain.
STATUS_NAMES = {
    "not_released": STATUS_UNRELEASED,
    "not_seeded": STATUS_UNRELEASED,
    "active": STATUS_ACTIVE,
    "stranded": STATUS_STRANDED,
    "left_domain": STATUS_LEFT_DOMAIN,
}


def write_drift(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a drift dataset atomically (temporary file, then rename).

    The status is written in OpenDrift's coding (module docstring); the time
    coordinate has no ``_FillValue`` (CF 1.8 §2.5.1: a coordinate variable has
    none) and the file a ``history`` (:func:`drift_history`).
    """
    if "status" in ds and "_FillValue" in ds["status"].attrs:
        ds = ds.copy()
        ds["status"].attrs = {k: v for k, v in ds["status"].attrs.items() if k != "_FillValue"}
    if "history" not in ds.attrs:
        ds = ds.copy()
        ds.attrs["history"] = drift_history(ds.attrs)
    enc: dict[Hashable, dict[str, object]] = {v: {"zlib": False} for v in ds.data_vars}
    for name in ("time", "release_time"):
        if name in ds.variables:
            enc[name] = {"units": "seconds since 1970-01-01 00:00:00", "calendar": "standard", "dtype": "float64"}
    if "time" in ds.variables:
        enc["time"]["_FillValue"] = None
    for name in ("lon", "lat"):
        if name in ds:
            enc[name]["_FillValue"] = np.nan
    if "status" in ds:
        enc["status"].update(dtype="int8", _FillValue=STATUS_FILL)
    with atomic_path(path) as tmp, no_distributed_import():
        ds.to_netcdf(tmp, engine="netcdf4", encoding=enc)
    return Path(path)


def drift_history(attrs: dict) -> str:
    """The CF ``history`` of a drift file without one: what made it.

    No wall-clock time: the same drift (same seed) must give the same file bit for bit.
    """
    return f"created by {attrs.get('source', 'sarex')}" + (f": {attrs['title']}" if "title" in attrs else "")


def _raw_status(ds: xr.Dataset) -> xr.Dataset:
    """The status read undecoded (int codes, the fill value kept as "not released"), its fill in the encoding."""
    if "status" in ds.variables:
        fill = ds["status"].attrs.pop("_FillValue", None)
        if fill is not None:
            ds["status"].encoding["_FillValue"] = fill
    return ds


def read_drift(path: str | Path) -> xr.Dataset:
    """Read and validate a drift file (sarex's own, or any CF trajectory file with lon/lat).

    A missing ``weight`` is taken as uniform; a missing ``status`` as active where
    lon/lat are finite.
    """
    p = Path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    try:
        ds = _raw_status(xr.load_dataset(p, mask_and_scale={"status": False}))
    except Exception as exc:  # noqa: BLE001
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(f"{p}: cannot be read as NetCDF ({msg})") from None
    return validate_drift(ds, str(p))


def open_drift(path: str | Path) -> xr.Dataset:
    """Open a drift file lazily: a (trajectory, time) variable is read only where it is indexed.

    For a consumer that needs one or a few output times (a probability map, the last
    state, a search period) of a large file: ``ds["lon"][:, j].values`` reads one time
    slice. A file sarex wrote (``sarex_format``, sarex's status coding) is checked for
    its structure and weights only (its positions come from the model); any other file
    is read whole and validated as by :func:`read_drift`.
    """
    p = Path(path)
    if not p.exists():
        raise SarexInputError(f"{p}: no such file")
    try:
        import netCDF4

        # the store holds the open handle itself (never reopened by name), so the dataset stays
        # readable after an output target renames the file it was written to
        # engine named: xarray's guess would import every installed backend (cfgrib, eccodes) first
        ds = xr.open_dataset(xr.backends.NetCDF4DataStore(netCDF4.Dataset(p, "r")), engine="store", cache=False,
                             mask_and_scale={"status": False})
    except Exception as exc:  # noqa: BLE001
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SarexInputError(f"{p}: cannot be read as NetCDF ({msg})") from None
    ds = _raw_status(ds)
    st = ds.variables.get("status")
    own = (ds.attrs.get("sarex_format") == FORMAT and st is not None and str(st.dtype) == "int8"
           and str(st.attrs.get("flag_meanings", "")) in (STATUS_ATTRS["flag_meanings"], LEGACY_STATUS_MEANINGS))
    if not own:
        ds = ds.load()
        ds.close()
        return validate_drift(ds, str(p))
    return validate_drift(ds, str(p), check_positions=False)


def validate_drift(ds: xr.Dataset, source: str = "drift dataset", check_positions: bool = True) -> xr.Dataset:
    """Check a drift dataset's structure and fill optional variables."""
    for dim in ("trajectory", "time"):
        if dim not in ds.dims:
            raise SarexInputError(f"{source}: not a drift file (no {dim!r} dimension)")
    for v in ("lon", "lat"):
        if v not in ds:
            raise SarexInputError(f"{source}: not a drift file (no {v!r} variable)")
        if set(ds[v].dims) != {"trajectory", "time"}:
            raise SarexInputError(f"{source}: variable {v!r} must have dims (trajectory, time), has {ds[v].dims}")
    ds = ds.transpose("trajectory", "time", ...)
    if check_positions:
        _check_lonlat(ds, source)
    if check_positions and "status" in ds and "flag_meanings" in ds["status"].attrs:
        ds = canonical_status(ds, source)
    if "status" not in ds:
        st = np.where(np.isfinite(ds["lon"].values), STATUS_ACTIVE, STATUS_UNRELEASED).astype(np.int8)
        ds["status"] = (("trajectory", "time"), st, STATUS_ATTRS)
    if "weight" not in ds:
        n = ds.sizes["trajectory"]
        ds["weight"] = (("trajectory",), np.full(n, 1.0 / n), {"long_name": "probability weight", "units": "1"})
    w = ds["weight"].values
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise SarexInputError(f"{source}: variable 'weight' must be finite, >= 0 and not all zero")
    return ds


def _check_lonlat(ds: xr.Dataset, source: str) -> None:
    """Latitudes beyond ±90° (lon and lat swapped, or projected metres) are refused, naming the value."""
    lat = np.asarray(ds["lat"].values, dtype=np.float64)
    lon = np.asarray(ds["lon"].values, dtype=np.float64)
    ok = np.isfinite(lat)
    if not (ok & np.isfinite(lon)).any():
        raise SarexInputError(f"{source}: variables 'lon'/'lat' hold no finite position (all NaN), so no particle can be placed")
    if ok.any() and float(np.max(np.abs(lat[ok]))) > 90.0:
        bad = float(lat[ok][np.argmax(np.abs(lat[ok]))])
        hint = " (lon and lat swapped?)" if np.all(np.abs(lon[np.isfinite(lon)]) <= 90.0) else ""
        raise SarexInputError(f"{source}: variable 'lat' holds {bad:g}, outside -90..90 degrees north{hint}")
    ok = np.isfinite(lon)
    if ok.any() and (float(np.min(lon[ok])) < -180.0 or float(np.max(lon[ok])) > 360.0):
        bad = float(lon[ok][np.argmax(np.abs(lon[ok]))])
        raise SarexInputError(f"{source}: variable 'lon' holds {bad:g}, outside -180..360 degrees east")


def canonical_status(ds: xr.Dataset, source: str = "drift dataset") -> xr.Dataset:
    """Recode ``status`` to sarex's codes through its ``flag_values``/``flag_meanings``.

    Missing status values (NaN or the fill value) before a particle's first
    position are "not released"; after a particle was stranded or deactivated
    they repeat its last status and its last position (OpenDrift stops writing
    positions of deactivated particles). A file already in sarex's coding (codes
    that mean what sarex's codes mean, "not released" as -1) comes back unchanged.
    """
    st = ds["status"]
    names = str(st.attrs["flag_meanings"]).split()
    values = np.atleast_1d(np.asarray(st.attrs.get("flag_values", np.arange(len(names)))))
    if len(names) != values.size:
        raise SarexInputError(f"{source}: variable 'status': {values.size} flag_values but {len(names)} flag_meanings")
    code = {int(v): STATUS_NAMES.get(n, STATUS_LEFT_DOMAIN) for v, n in zip(values, names)}
    raw = np.asarray(st.values, dtype=np.float64)
    known = np.isfinite(raw) & np.isin(raw, values.astype(np.float64))
    fill = st.attrs.get("_FillValue", st.encoding.get("_FillValue"))
    if fill is not None:
        known &= raw != float(fill)
    lon = np.asarray(ds["lon"].values, dtype=np.float64)
    identity = all(k == v for k, v in code.items())
    if identity and str(st.dtype) == "int8" and (known | (raw == STATUS_UNRELEASED)).all():
        return ds
    out = np.full(raw.shape, STATUS_UNRELEASED, dtype=np.int8)
    for v, c in code.items():
        out[known & (raw == v)] = c
    lon_out, lat_out = lon.copy(), np.asarray(ds["lat"].values, dtype=np.float64).copy()
    seen = known.any(axis=1)
    last = np.where(seen, raw.shape[1] - 1 - np.argmax(known[:, ::-1], axis=1), -1)
    for i in np.flatnonzero(seen & (last < raw.shape[1] - 1)):
        j = last[i]
        if out[i, j] in (STATUS_UNRELEASED, STATUS_ACTIVE):
            out[i, j + 1 :] = STATUS_LEFT_DOMAIN  # vanished without a reason: no longer in the model
        else:
            out[i, j + 1 :] = out[i, j]
            lon_out[i, j + 1 :] = lon[i, j]
            lat_out[i, j + 1 :] = lat_out[i, j]
    ds = ds.copy()
    ds["status"] = (("trajectory", "time"), out, STATUS_ATTRS)
    ds["lon"] = (("trajectory", "time"), lon_out, ds["lon"].attrs)
    ds["lat"] = (("trajectory", "time"), lat_out, ds["lat"].attrs)
    return ds


def searches_applied(ds: xr.Dataset) -> list[dict]:
    """The record of searches applied to this ensemble (``searches`` attribute, JSON)."""
    raw = ds.attrs.get("searches", "[]")
    try:
        return list(json.loads(raw))
    except (TypeError, ValueError):
        return []


@dataclass(frozen=True)
class DriftRecord:
    """What a drift file records of its run: the CF global attributes, from plain values.

    The drift engine fills it (:func:`sarex.drift.simulate.run_drift`); :meth:`attrs` gives the
    attributes in the order the file lists them. Times are s since epoch (written as ISO 8601
    UTC); ``release`` has the keys of :class:`sarex.drift.Release` (``time_s``, ``end_time_s``).
    """

    object_key: str
    object_description: str
    object_kind: str
    #: the object's Leeway coefficients (``*_pct``, ``*_cm_s``), as the class table gives them
    object_coefficients: dict
    seed: int
    release: dict
    scheme: str
    time_step_s: float
    output_step_s: float
    jibe_probability_per_hour: float
    capsizing: bool
    coastline: bool
    environment: str
    outside_policy: str
    #: the forcing error's parameters (``ForcingError.as_dict``), or ``None`` without one
    forcing_error: dict | None
    stranded_count: int
    left_domain_count: int

    def attrs(self) -> dict:
        """The drift file's global attributes (CF-1.8 trajectory; see the module docstring)."""
        r = self.release
        return {
            "Conventions": "CF-1.8",
            "featureType": "trajectory",
            "title": f"sarex Leeway drift of {self.object_key}",
            "source": f"sarex {__version__}",
            "history": f"created by sarex {__version__}",  # no wall time: same seed, same file bit for bit
            "sarex_format": FORMAT,
            "sarex_model_version": __version__,
            "object_class": self.object_key,
            "object_description": self.object_description,
            "object_kind": self.object_kind,
            "object_coefficients": json.dumps(self.object_coefficients),
            "seed": int(self.seed),
            "lkp_lon": float(r["lon"]),
            "lkp_lat": float(r["lat"]),
            "lkp_radius_m": float(r["radius_m"]),
            "lkp_time": iso(r["time_s"]),
            "release": json.dumps(
                {
                    "lon": r["lon"],
                    "lat": r["lat"],
                    "time": iso(r["time_s"]),
                    "radius_m": r["radius_m"],
                    "radius_type": r["radius_type"],
                    "end_lon": r["end_lon"],
                    "end_lat": r["end_lat"],
                    "end_time": None if r["end_time_s"] is None else iso(r["end_time_s"]),
                    "end_radius_m": r["end_radius_m"],
                }
            ),
            "scheme": self.scheme,
            "time_step_s": float(self.time_step_s),
            "output_step_s": float(self.output_step_s),
            "jibe_probability_per_hour": float(self.jibe_probability_per_hour),
            "capsizing": int(bool(self.capsizing)),
            "coastline": "GSHHG full resolution (roaring-landmask)" if self.coastline else "off",
            "environment": self.environment,
            "outside_policy": self.outside_policy,
            "forcing_error": "none" if self.forcing_error is None else json.dumps(self.forcing_error),
            "stranded_count": self.stranded_count,
            "left_domain_count": self.left_domain_count,
            "searches": "[]",
        }
