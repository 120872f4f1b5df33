"""Small real GRIB2 files in the GFS (NOMADS) and ECMWF open-data layouts, written with eccodes.

Each forecast step is one file of several messages (as the providers publish: many
parameters per file), beside its index: NOMADS ``.idx`` lines
(``n:offset:d=YYYYMMDDHH:VAR:LEVEL:FCST:``) and ECMWF ``.index`` JSON lines (``_offset``,
``_length``, ``param``, ``levtype``, ``step``, ...). A global 1° grid keeps them small.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

#: (GFS idx name, level text, discipline, category, number, surface type, surface value, ECMWF param, ECMWF levtype)
FIELDS = [
    ("PRMSL", "mean sea level", 0, 3, 1, 101, 0, "msl", "sfc"),
    ("TMP", "2 m above ground", 0, 0, 0, 103, 2, "2t", "sfc"),
    ("UGRD", "10 m above ground", 0, 2, 2, 103, 10, "10u", "sfc"),
    ("VGRD", "10 m above ground", 0, 2, 3, 103, 10, "10v", "sfc"),
    ("RH", "2 m above ground", 0, 1, 1, 103, 2, "2r", "sfc"),
    ("UGRD", "850 mb", 0, 2, 2, 100, 85000, "u", "pl"),
    ("VGRD", "850 mb", 0, 2, 3, 100, 85000, "v", "pl"),
]


def field_values(k: int, step_h: int, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A smooth, step- and field-dependent value on the grid (what each message holds)."""
    LON, LAT = np.meshgrid(lon, lat)
    return (3.0 + k) * np.sin(np.radians(LON) * (1 + k)) * np.cos(np.radians(LAT)) + 0.1 * step_h


def _message(k: int, run: datetime, step_h: int, centre: str) -> bytes:
    import eccodes

    name, _, disc, cat, num, stype, sval, _, _ = FIELDS[k]
    gid = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib2")
    try:
        for key, val in [("centre", centre), ("Ni", 360), ("Nj", 181), ("latitudeOfFirstGridPointInDegrees", 90.0),
                         ("longitudeOfFirstGridPointInDegrees", 0.0), ("latitudeOfLastGridPointInDegrees", -90.0),
                         ("longitudeOfLastGridPointInDegrees", 359.0), ("iDirectionIncrementInDegrees", 1.0),
                         ("jDirectionIncrementInDegrees", 1.0), ("dataDate", int(run.strftime("%Y%m%d"))), ("dataTime", run.hour * 100),
                         ("discipline", disc), ("parameterCategory", cat), ("parameterNumber", num),
                         ("typeOfFirstFixedSurface", stype), ("scaleFactorOfFirstFixedSurface", 0), ("scaledValueOfFirstFixedSurface", sval),
                         ("forecastTime", step_h), ("bitsPerValue", 16)]:
            eccodes.codes_set(gid, key, val)
        lon, lat = np.arange(0.0, 360.0, 1.0), np.arange(90.0, -90.5, -1.0)
        eccodes.codes_set_values(gid, field_values(k, step_h, lon, lat).ravel())
        return eccodes.codes_get_message(gid)
    finally:
        eccodes.codes_release(gid)


def gfs_tree(root: Path, run: datetime, steps: list[int]) -> list[Path]:
    """``gfs.YYYYMMDD/HH/atmos/gfs.tHHz.pgrb2.0p25.fFFF`` and ``.idx`` under ``root`` (NOMADS layout)."""
    d = Path(root) / f"gfs.{run:%Y%m%d}" / f"{run:%H}" / "atmos"
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for s in steps:
        path = d / f"gfs.t{run:%H}z.pgrb2.0p25.f{s:03d}"
        data, lines = b"", []
        for k, f in enumerate(FIELDS):
            fc = "anl" if s == 0 else f"{s} hour fcst"
            lines.append(f"{k + 1}:{len(data)}:d={run:%Y%m%d%H}:{f[0]}:{f[1]}:{fc}:")
            data += _message(k, run, s, "kwbc")
        path.write_bytes(data)
        Path(str(path) + ".idx").write_text("\n".join(lines) + "\n")
        out.append(path)
    return out


def ecmwf_tree(root: Path, run: datetime, steps: list[int]) -> list[Path]:
    """``YYYYMMDD/HHz/ifs/0p25/oper/YYYYMMDDHH0000-{s}h-oper-fc.grib2`` and ``.index`` (data.ecmwf.int layout)."""
    stream = "oper" if run.hour in (0, 12) else "scda"
    d = Path(root) / f"{run:%Y%m%d}" / f"{run:%H}z" / "ifs" / "0p25" / stream
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for s in steps:
        path = d / f"{run:%Y%m%d%H}0000-{s}h-{stream}-fc.grib2"
        data, lines = b"", []
        for k, f in enumerate(FIELDS):
            msg = _message(k, run, s, "ecmf")
            entry = {"domain": "g", "date": f"{run:%Y%m%d}", "time": f"{run:%H}00", "expver": "0001", "class": "od", "type": "fc",
                     "stream": stream, "step": str(s), "levtype": f[8], "param": f[7], "_offset": len(data), "_length": len(msg)}
            if f[8] == "pl":
                entry["levelist"] = str(f[6] // 100)
            lines.append(json.dumps(entry))
            data += msg
        path.write_bytes(data)
        path.with_suffix(".index").write_text("\n".join(lines) + "\n")
        out.append(path)
    return out


RUN = datetime(2026, 5, 1, 0, tzinfo=timezone.utc)
__all__ = ["RUN", "ecmwf_tree", "field_values", "gfs_tree", "timedelta"]
