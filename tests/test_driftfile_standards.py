"""The drift file as third-party readers take it (issue 31, item 4).

OpenDrift numbers status codes ``0 … n-1`` in ``flag_meanings`` order with
``active`` = 0 and leaves a not yet seeded particle's status missing
(``opendrift.models.basemodel``: ``status_categories``, ``deactivate_elements``,
``remove_deactivated_elements``; ``opendrift.export.io_netcdf.import_file``).
Before this change sarex wrote ``flag_values = -1 0 1 2``, so ``opendrift.open``
took stranded particles for active ones and active ones for "not released".

The case: a person in the water released off Busan over two hours, in a uniform
north-westerly drift (wind 8 m/s from the south-east, current 0.42 m/s to the
north-west) on a small regular grid with ``outside = deactivate``: most of the
cloud strands on the Korean coast, some leave the grid to the west, the rest
is afloat after 8 h (counts checked to be all non-zero, so each category is
tested).

Checks: the file's status attributes are OpenDrift's convention; the IOOS
compliance checker (cf:1.8) reports no failed check, in both writers (memory
and streaming); a file of the former coding is still read the same; and (peer)
``opendrift.open`` counts active, stranded and deactivated particles as sarex
does, at the end and at every output time.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sarex.io.driftfile import (
    STATUS_ACTIVE,
    STATUS_LEFT_DOMAIN,
    STATUS_STRANDED,
    STATUS_UNRELEASED,
    open_drift,
    read_drift,
    write_drift,
)

T0 = float(np.datetime64("2026-01-15T00:00", "s").astype(np.int64))
NAMES = {STATUS_ACTIVE: "active", STATUS_STRANDED: "stranded", STATUS_LEFT_DOMAIN: "left_domain"}


def _coastal(sink=None):
    from sarex.drift import Release, simulate
    from sarex.environment import Environment, OutsidePolicy, RegularGridField
    from sarex.times import epoch_s_to_datetime64

    times = T0 + 3600.0 * np.arange(13)
    lon = np.round(np.arange(128.9, 129.301, 0.05), 6)
    lat = np.round(np.arange(34.9, 35.301, 0.05), 6)

    def da(v):
        return xr.DataArray(np.full((times.size, lat.size, lon.size), v), dims=("time", "lat", "lon"),
                            coords={"time": epoch_s_to_datetime64(times), "lat": lat, "lon": lon})

    env = Environment(wind=RegularGridField(da(-8.0), da(8.0), name="wind"),
                      current=RegularGridField(da(-0.3), da(0.3), name="current"), outside=OutsidePolicy.DEACTIVATE)
    rel = Release(lon=129.05, lat=35.03, time_s=T0, radius_m=5000, end_time_s=T0 + 7200)
    return simulate(env, "PIW-1", rel, hours=8, particles=600, seed_value=3, sink=sink)


@pytest.fixture(scope="module")
def coastal(tmp_path_factory):
    path = tmp_path_factory.mktemp("coastal") / "drift.nc"
    ds = _coastal()
    write_drift(ds, path)
    return ds, path


def test_status_coding_is_opendrifts(coastal):
    import netCDF4

    ds, path = coastal
    st = ds["status"].values
    counts = {k: int((st[:, -1] == k).sum()) for k in NAMES}
    assert min(counts.values()) >= 20, f"the case must have every status at the end: {counts}"
    assert (st[:, 0] == STATUS_UNRELEASED).sum() > 100  # released over two hours
    with netCDF4.Dataset(path) as nc:
        v = nc["status"]
        assert v.dtype == np.int8
        assert list(v.getncattr("flag_values")) == [0, 1, 2]
        assert v.getncattr("flag_meanings") == "active stranded left_domain"
        assert v.getncattr("_FillValue") == -1
        assert "_FillValue" not in nc["time"].ncattrs()
        assert nc.getncattr("history").startswith("created by sarex")
        v.set_auto_mask(False)
        np.testing.assert_array_equal(v[:], st)  # on disk, the in-memory codes: no copy to recode
    for reader in (read_drift, open_drift):
        back = reader(path)
        assert back["status"].dtype == np.int8
        np.testing.assert_array_equal(back["status"].values, st)


def test_former_coding_still_read(coastal, tmp_path):
    """A file of sarex's former coding (flag_values -1 0 1 2, no fill) reads as before."""
    ds, _ = coastal
    old = ds.copy()
    old["status"].attrs = {"long_name": "particle status", "flag_values": np.array([-1, 0, 1, 2], dtype=np.int8),
                           "flag_meanings": "not_released active stranded left_domain"}
    path = tmp_path / "old.nc"
    old.to_netcdf(path, encoding={"status": {"dtype": "int8"}})
    for reader in (read_drift, open_drift):
        np.testing.assert_array_equal(reader(path)["status"].values, ds["status"].values)


def _cf_failures(path) -> list[str]:
    from compliance_checker.runner import CheckSuite

    cs = CheckSuite()
    cs.load_all_available_checkers()
    results, errors = cs.run_all(cs.load_dataset(str(path)), ["cf:1.8"], skip_checks=[])["cf:1.8"]
    assert not errors
    bad = []
    for r in results:
        ok = r.value if isinstance(r.value, bool) else r.value[0] == r.value[1]
        if not ok:
            bad.append(f"{r.name} (weight {r.weight}): {r.msgs}")
    return bad


def test_ioos_compliance_checker_cf18(coastal, tmp_path):
    pytest.importorskip("compliance_checker")
    from sarex.io.driftstream import StreamSink

    _, path = coastal
    assert _cf_failures(path) == []
    streamed = tmp_path / "streamed.nc"
    _coastal(sink=StreamSink(streamed))
    assert _cf_failures(streamed) == []
    # the checker does see the two defects this test guards against
    bad = tmp_path / "bad.nc"
    ds = xr.load_dataset(path)
    ds.attrs.pop("history")
    ds.to_netcdf(bad, encoding={"time": {"_FillValue": np.nan, "dtype": "float64"}})
    assert len(_cf_failures(bad)) == 2


@pytest.mark.peer
def test_opendrift_counts_as_sarex(coastal):
    pytest.importorskip("opendrift")
    import opendrift

    ds, path = coastal
    st = ds["status"].values
    o = opendrift.open(str(path))
    assert o.status_categories == ["active", "stranded", "left_domain"]
    assert o.num_elements_active() == int((st[:, -1] == STATUS_ACTIVE).sum())
    reasons = [o.status_categories[int(s)] for s in np.atleast_1d(o.elements_deactivated.status)]
    for code in (STATUS_STRANDED, STATUS_LEFT_DOMAIN):
        assert reasons.count(NAMES[code]) == int((st[:, -1] == code).sum())
    # every output time: OpenDrift's category of each particle (missing = not yet seeded)
    raw = o.result["status"].values
    for j in range(st.shape[1]):
        assert int(np.isnan(raw[:, j]).sum()) == int((st[:, j] == STATUS_UNRELEASED).sum())
        for code, name in NAMES.items():
            assert int((raw[:, j] == o.status_categories.index(name)).sum()) == int((st[:, j] == code).sum())
