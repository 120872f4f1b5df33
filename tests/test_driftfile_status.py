"""Status codes read through flag_meanings (issue 10, defect 5), a hand-made OpenDrift-style file.

OpenDrift numbers status codes in order of first use: here ``missing_data`` (left
the forcing) happened before ``stranded``, so stranded is 2, which in sarex's own
coding means "left domain". After deactivation OpenDrift writes NaN positions
and a missing status.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sarex.io.driftfile import STATUS_ACTIVE, STATUS_LEFT_DOMAIN, STATUS_STRANDED, STATUS_UNRELEASED, read_drift
from sarex.search.grid import ProbabilityGrid

NAN = np.nan


def _opendrift_like(path):
    times = np.array(["2026-01-15T06:00", "2026-01-15T07:00", "2026-01-15T08:00"], dtype="datetime64[ns]")
    lon = np.array([[129.0, 129.01, 129.02], [129.1, 129.11, NAN], [129.2, NAN, NAN], [NAN, 129.3, 129.31]])
    lat = np.array([[35.0, 35.01, 35.02], [35.0, 35.02, NAN], [35.0, NAN, NAN], [NAN, 35.0, 35.01]])
    status = np.array([[0, 0, 0], [0, 2, NAN], [1, NAN, NAN], [NAN, 0, 0]])
    ds = xr.Dataset(
        {"lon": (("trajectory", "time"), lon), "lat": (("trajectory", "time"), lat),
         "status": (("trajectory", "time"), status, {"flag_values": np.array([0, 1, 2], dtype=np.int32), "flag_meanings": "active missing_data stranded"})},
        coords={"trajectory": np.arange(4), "time": times},
    )
    ds.to_netcdf(path)


def test_status_read_through_flag_meanings(tmp_path):
    _opendrift_like(tmp_path / "od.nc")
    ds = read_drift(tmp_path / "od.nc")
    st = ds["status"].values
    assert st.dtype == np.int8
    np.testing.assert_array_equal(st, [[0, 0, 0], [0, 1, 1], [2, 2, 2], [-1, 0, 0]])
    # a stranded particle stays where it stranded
    assert ds["lon"].values[1, 2] == 129.11 and ds["lat"].values[1, 2] == 35.02
    assert (STATUS_ACTIVE, STATUS_STRANDED, STATUS_LEFT_DOMAIN, STATUS_UNRELEASED) == (0, 1, 2, -1)
    g = ProbabilityGrid.from_drift(ds, float(ds["time"].values[-1].astype("datetime64[s]").astype(np.int64)), cell_nm=1.0)
    assert g.stranded_probability == 0.25 and g.left_weight == 0.25


def test_sarex_file_unchanged(tmp_path):
    from sarex.io.driftfile import STATUS_ATTRS, canonical_status

    ds = xr.Dataset({"lon": (("trajectory", "time"), np.zeros((2, 2))), "lat": (("trajectory", "time"), np.zeros((2, 2))),
                     "status": (("trajectory", "time"), np.array([[0, 1], [-1, 2]], dtype=np.int8), STATUS_ATTRS)})
    assert canonical_status(ds) is ds
