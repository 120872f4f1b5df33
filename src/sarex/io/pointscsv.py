"""Point lists (``lon,lat`` CSV) for ``sarex env sample``, validated on load."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sarex.errors import SarexInputError


@dataclass(frozen=True)
class PointList:
    """Positions in degrees (longitude east, latitude north), in file order."""

    lon: np.ndarray
    lat: np.ndarray

    def __post_init__(self) -> None:
        if self.lon.shape != self.lat.shape or self.lon.ndim != 1:
            raise ValueError("lon and lat must be 1-D arrays of the same length")


def read_points_csv(path: str | Path) -> PointList:
    """Read a CSV with a header holding ``lon`` and ``lat`` columns (other columns ignored).

    Raises :class:`SarexInputError` naming the file, row and value for a missing
    file or column, a non-number, or a position off the globe.
    """
    p = Path(path)
    if not p.is_file():
        raise SarexInputError(f"{p}: no such file")
    with open(p, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
        for need in ("lon", "lat"):
            if need not in cols:
                raise SarexInputError(f"{p}: header {reader.fieldnames} has no {need!r} column (expected lon,lat)")
        lon, lat = [], []
        for row_no, row in enumerate(reader, start=2):
            vals = []
            for need, lo, hi in (("lon", -180.0, 360.0), ("lat", -90.0, 90.0)):
                text = (row.get(cols[need]) or "").strip()
                try:
                    x = float(text)
                except ValueError:
                    raise SarexInputError(f"{p}: row {row_no} {need} {text!r} is not a number") from None
                if not (lo <= x <= hi):
                    raise SarexInputError(f"{p}: row {row_no} {need} {x} is outside {lo:g} to {hi:g} degrees")
                vals.append(x)
            lon.append(vals[0])
            lat.append(vals[1])
    if not lon:
        raise SarexInputError(f"{p}: no points (the file has a header but no rows)")
    return PointList(np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64))
