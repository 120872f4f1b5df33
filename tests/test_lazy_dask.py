"""xarray does not import dask.array for sarex's own files, and still knows dask arrays afterwards."""

from __future__ import annotations

import subprocess
import sys

_CODE = r"""
import sys
import numpy as np
import sarex.environment, sarex.io.driftfile
import xarray as xr
from sarex.environment.synthetic import korea_strait_dataset
p = sys.argv[1]
korea_strait_dataset("2026-01-15T00:00Z", days=0.2, resolution_deg=0.25).to_netcdf(p)
with xr.open_dataset(p) as ds:
    v = ds["x_wind"][0, 1:3, 2:4].values
print("dask.array loaded:", "dask.array" in sys.modules)
import dask.array as da
a = xr.DataArray(da.zeros((4, 4), chunks=2), dims=("y", "x"))
print("chunks:", a.chunks)
print("lazy sum is dask:", type((a + 1).data).__module__.startswith("dask"))
with xr.open_dataset(p, chunks={"time": 1}) as ds:
    print("open with chunks is dask:", ds["x_wind"].chunks is not None)
"""


def test_no_dask_array_import_and_dask_still_works(tmp_path):
    r = subprocess.run([sys.executable, "-c", _CODE, str(tmp_path / "w.nc")], capture_output=True, text=True, check=True)
    lines = r.stdout.splitlines()
    assert lines == [
        "dask.array loaded: False",
        "chunks: ((2, 2), (2, 2))",
        "lazy sum is dask: True",
        "open with chunks is dask: True",
    ]


_WRITE = r"""
import sys
import numpy as np
import xarray as xr
from sarex.drift import simulate
from sarex.environment.synthetic import korea_strait_environment
from sarex.io.driftfile import read_drift, write_drift
ds = simulate(korea_strait_environment("2026-01-15T00:00Z", days=1), "PIW-1", lon=129.2, lat=34.6, start="2026-01-15T06:00Z",
              hours=1, particles=10, coast=False)
write_drift(ds, sys.argv[1])
print("distributed loaded:", "distributed" in sys.modules)
back = read_drift(sys.argv[1])
print("same lon:", bool(np.array_equal(back.lon.values, ds.lon.values)))
import distributed
print("importable after:", distributed.Client.__name__)
"""


def test_writing_a_drift_file_does_not_import_distributed(tmp_path):
    r = subprocess.run([sys.executable, "-c", _WRITE, str(tmp_path / "d.nc")], capture_output=True, text=True, check=True)
    assert r.stdout.splitlines() == ["distributed loaded: False", "same lon: True", "importable after: Client"]
