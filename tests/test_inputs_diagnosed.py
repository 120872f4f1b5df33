"""Issue 15 items 5, 11 and 12: the real cause named for bad input, nothing accepted silently."""

from __future__ import annotations

import numpy as np
import pytest
from planning_fixtures import NM, T0, static_normal_drift
from replay_data import ais_lines, static_message
from search_synthetic import T0 as ST0, drift_dataset
from typer.testing import CliRunner

from sarex.cli import app
from sarex.errors import SarexInputError

runner = CliRunner()


@pytest.fixture(scope="module")
def env_ds():
    from sarex.environment.synthetic import korea_strait_dataset

    return korea_strait_dataset("2026-01-15T00:00Z", days=0.5, resolution_deg=0.25)


def _err(r) -> str:
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.output, r.output
    return lines[0]


# --- item 5: containment labels are shares of the total ---------------------------------------


def test_containment_states_share_of_total_and_warns_off_grid():
    from sarex.search.containment import containment_areas, containment_features, containment_warnings
    from sarex.search.grid import ProbabilityGrid

    rng = np.random.default_rng(1)
    n = 4000
    x = rng.standard_normal(n) * 3 * NM
    y = rng.standard_normal(n) * 3 * NM
    ds = drift_dataset(np.c_[x, x], np.c_[y, y], [ST0, ST0 + 3600])
    grid = ProbabilityGrid.from_drift(ds, ST0, cell_nm=0.5, extent_nm=2.0)
    on = float(grid.probability.sum())
    # A 2 NM half-width square holds P(|X|<2)·P(|Y|<2) of a σ = 3 NM normal: 0.495² ≈ 0.245.
    assert on == pytest.approx(0.2451, abs=0.03)
    areas = containment_areas(grid, [0.5, 0.95])
    for a in areas:
        assert a.probability_total == pytest.approx(a.probability * on, rel=1e-12)
        assert f"{100 * a.probability_total:.1f} % of the total" in a.label
    feats = containment_features(areas)
    assert feats[1]["properties"]["probability_of_total"] == pytest.approx(areas[1].probability_total, abs=1e-6)
    (w,) = containment_warnings(grid)
    assert f"only {100 * on:.1f} % of the total probability is afloat on the grid" in w and "outside the grid's extent" in w
    full = ProbabilityGrid.from_drift(ds, ST0, cell_nm=0.5)
    assert containment_warnings(full) == []


def test_iamsar_datum_warns_when_most_particles_are_stranded():
    from sarex.search.datum import iamsar_datum

    n = 1000
    x = np.linspace(-NM, NM, n)
    st = np.zeros((n, 2), np.int8)
    st[:900, 1] = 1  # 90 % stranded at the second output
    ds = drift_dataset(np.c_[x, x], np.c_[x * 0, x * 0], [ST0, ST0 + 3600], status=st)
    d = iamsar_datum(ds, ST0 + 3600)
    assert d.afloat_fraction == pytest.approx(0.1) and d.afloat_particles == 100 and d.stranded_fraction == pytest.approx(0.9)
    (w,) = d.warnings
    assert "100 particles still afloat, 10.0 % of the total probability (90.0 % stranded)" in w
    assert iamsar_datum(ds, ST0).warnings == []


# --- item 11: the real cause ------------------------------------------------------------------


def test_time_axis_without_units_is_named(tmp_path, env_ds):
    from sarex.environment.cf import open_vector_field

    ds = env_ds.copy()
    ds["time"] = ("time", np.arange(ds.sizes["time"], dtype=float))
    p = tmp_path / "e.nc"
    ds.to_netcdf(p)
    with pytest.raises(SarexInputError, match="time axis 'time' has no units attribute"):
        open_vector_field(p, "wind")


def test_implausible_and_all_missing_wind_are_named(tmp_path, env_ds):
    from sarex.environment.cf import open_vector_field
    from sarex.environment.inspect import inspect_file

    big = env_ds.copy(deep=True)
    big["x_wind"][:] = 1e30
    p = tmp_path / "big.nc"
    big.to_netcdf(p)
    with pytest.raises(SarexInputError, match=r"variable x_wind \(wind\): value 1e\+30 .* is not a physical wind speed"):
        open_vector_field(p, "wind")
    nan = env_ds.copy(deep=True)
    for v in nan.data_vars:
        nan[v][:] = np.nan
    q = tmp_path / "nan.nc"
    nan.to_netcdf(q)
    rep = inspect_file(q)
    # Not "usable": both quantities are listed as unusable because every value is missing.
    assert rep.vectors == []
    assert any("every value is missing" in u for u in rep.unusable if u.startswith("wind"))
    assert any("every value is missing" in u for u in rep.unusable if u.startswith("current"))


def test_empty_and_foreign_files_are_not_netcdf(tmp_path):
    from sarex.environment.cf import open_dataset

    e = tmp_path / "empty.nc"
    e.write_bytes(b"")
    with pytest.raises(SarexInputError, match=r"cannot be read as NetCDF \(the file is empty, 0 bytes\)") as ei:
        open_dataset(e)
    assert "backends" not in str(ei.value)
    t = tmp_path / "t.nc"
    t.write_text("hello")
    with pytest.raises(SarexInputError, match="cannot be read as NetCDF \\(not a NetCDF file"):
        open_dataset(t)


def test_nan_positions_and_swapped_lonlat_in_a_drift_file(tmp_path):
    from sarex.io.driftfile import validate_drift
    from sarex.search.grid import ProbabilityGrid

    ds = static_normal_drift(NM, 50, seed=1, hours=2)
    swapped = ds.copy()
    swapped["lon"], swapped["lat"] = ds["lat"], ds["lon"]
    with pytest.raises(SarexInputError, match=r"variable 'lat' holds 129\.\d+, outside -90..90 .*swapped"):
        validate_drift(swapped, "d.nc")
    allnan = ds.copy(deep=True)
    allnan["lon"][:] = np.nan
    allnan["lat"][:] = np.nan
    with pytest.raises(SarexInputError, match="hold no finite position"):
        validate_drift(allnan, "d.nc")
    some = ds.copy(deep=True)
    some["lon"][:, 1] = np.nan
    some["lat"][:, 1] = np.nan
    with pytest.raises(SarexInputError, match=r"the 50 particle\(s\) with status active .* have NaN lon/lat"):
        ProbabilityGrid.from_drift(validate_drift(some, "d.nc"), T0 + 3600, interpolate=False, source="d.nc")


def test_unit_speed_beyond_any_unit_is_named(tmp_path):
    from planning_fixtures import UNITS_TOML

    from sarex.planning.units import load_units

    p = tmp_path / "u.toml"
    p.write_text(UNITS_TOML.replace("search_speed_kn = 12", "search_speed_kn = 100000", 1))
    with pytest.raises(SarexInputError, match=r"search_speed_kn: 100000 kn is faster than any search unit \(at most 600 kn\) \(unit 'KR-DDG'\)") as ei:
        load_units(p)
    assert "endurance" not in str(ei.value)


def test_ais_file_of_static_messages_is_not_empty(tmp_path):
    from sarex.io.ais import read_ais

    p = tmp_path / "static.ais"
    lines = [ln for k in range(50) for ln in static_message(431900001, T0 + 10 * k)]
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(SarexInputError) as ei:
        read_ais(p, {431900001: "JPN-C"})
    msg = str(ei.value)
    assert "empty file" not in msg and "unsupported types {5: 50}" in msg


# --- item 12: accepted silently before ----------------------------------------------------------


def test_sweep_width_outside_tables_is_an_error():
    from sarex.search.sweepwidth import sweep_width_nm

    with pytest.raises(SarexInputError, match=r"altitude: 10000 m is outside the IAMSAR sweep-width tables \(150–600 m"):
        sweep_width_nm("raft-4", "helicopter", 10000, 10)
    with pytest.raises(SarexInputError, match=r"visibility: 1000 nm is beyond the IAMSAR sweep-width tables \(up to 30 nm\)"):
        sweep_width_nm("raft-4", "surface-medium", None, 1000)
    # Inside the tables nothing changes: the 600 m and 30 nm columns themselves.
    assert sweep_width_nm("raft-4", "helicopter", 600, 30) > 0


def test_env_sample_outside_the_files_time_is_an_error(tmp_path, env_ds):
    p = tmp_path / "e.nc"
    env_ds.to_netcdf(p)
    pts = tmp_path / "p.csv"
    pts.write_text("lon,lat\n129.6,34.9\n")
    out = tmp_path / "s.csv"
    r = runner.invoke(app, ["env", "sample", str(p), "--points", str(pts), "--time", "2027-01-01T00:00Z", "--out", str(out)])
    assert "outside the time span of every wind source" in _err(r)
    assert not out.exists()


def test_release_end_after_the_drift_end_is_an_error():
    from sarex.drift import Release, simulate
    from sarex.environment.base import Environment
    from sarex.environment.constant import ConstantField

    env = Environment(ConstantField(0.0, 5.0, "wind"), ConstantField(0.0, 0.0, "current"))
    rel = Release(lon=129.6, lat=34.9, time_s=T0, end_time_s=T0 + 6 * 3600)
    with pytest.raises(SarexInputError, match=r"release end time .* is after the end of the drift .* at least 6"):
        simulate(env, "PIW-1", rel, hours=3, particles=10, seed_value=0, coast=False)
    # Within the drift it runs, and every particle is released by the end.
    ds = simulate(env, "PIW-1", Release(lon=129.6, lat=34.9, time_s=T0, end_time_s=T0 + 3 * 3600), hours=3, particles=10, seed_value=0, coast=False)
    assert np.all(ds["status"].values[:, -1] != -1)


def test_one_empty_nmea_log_does_not_abort_the_evaluation(tmp_path):
    from sarex.io.tracks import read_track_dir

    lines = ais_lines(T0 + 10.0 * np.arange(6), 129.5 + 0.001 * np.arange(6), 34.5 + 0 * np.arange(6), 431900001)
    (tmp_path / "c.ais").write_text("\n".join(lines) + "\n")
    (tmp_path / "ROK-DDH-1.nmea").write_text("")
    tracks, log = read_track_dir(tmp_path, None, {431900001: "JPN-C"})
    assert set(tracks) == {"JPN-C"} and tracks["JPN-C"].time_s.size == 6
    assert any(n.startswith("ROK-DDH-1.nmea: skipped") for n in log.messages())


def test_visibility_beyond_the_tables_names_no_unit():
    from planning_fixtures import UNITS_TOML  # noqa: F401  (the catalogue's units have tables-based widths)

    from sarex.planning.sru import unit_sweep_width_nm
    from sarex.planning.units import Unit

    u = Unit(id="KR-X", nation="KR", type="helicopter", search_speed_kn=90, transit_speed_kn=120, endurance_h=3, start=(129.5, 34.5), altitude_m=300)
    with pytest.raises(SarexInputError) as ei:
        unit_sweep_width_nm(u, "LIFE-RAFT-NB-2", visibility_nm=1000)
    assert str(ei.value).startswith("visibility: 1000 nm is beyond") and "KR-X" not in str(ei.value)
    with pytest.raises(SarexInputError, match="unit 'KR-X'.*altitude: 10000 m"):
        unit_sweep_width_nm(u.model_copy(update={"altitude_m": 10000.0}), "LIFE-RAFT-NB-2")
