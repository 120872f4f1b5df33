"""The fused drift step (one numba pass per step on gridded forcing) is bit-identical
to the general step (sample into arrays, velocity kernel, move kernel).

The general step is forced by wrapping the fields in a plain object that is not a
``RegularGridField``; the fused one is counted to make sure it really ran.
"""

from __future__ import annotations

import importlib

import numba as nb
import numpy as np
import pytest
import xarray as xr

from sarex.drift import simulate
from sarex.environment.base import Environment, OutsidePolicy
from sarex.environment.gridsample import axis_scale, cell_index
from sarex.environment.regular import RegularGridField
from sarex.environment.synthetic import korea_strait_dataset

step_module = importlib.import_module("sarex.drift.step")
fused_module = importlib.import_module("sarex.drift.fused")

START = "2026-01-15T06:00Z"


class _PlainField:
    """Delegates to a field but is not a RegularGridField, so simulate() takes the general step."""

    def __init__(self, field):
        self._f = field
        self.name = field.name

    def time_range(self):
        return self._f.time_range()

    def domain_description(self):
        return self._f.domain_description()

    def sample(self, *args):
        return self._f.sample(*args)


def _fields(wind_ds, current_ds):
    return (
        RegularGridField(wind_ds["x_wind"], wind_ds["y_wind"], "wind"),
        RegularGridField(current_ds["x_sea_water_velocity"], current_ds["y_sea_water_velocity"], "current"),
    )


@pytest.fixture(scope="module")
def synth():
    return korea_strait_dataset(START, days=1.5)


@pytest.fixture(scope="module")
def synth_coarse():
    """Another grid (0.1°): wind and current windows then have different axes."""
    return korea_strait_dataset(START, days=1.5, resolution_deg=0.1)


@nb.njit
def _cell_indices(xs, x):
    out = np.empty(x.size, np.int64)
    scale = axis_scale(xs)
    for k in range(x.size):
        out[k] = cell_index(xs, x[k], scale)
    return out


def test_cell_index_matches_binary_search():
    rng = np.random.default_rng(7)
    axes = [
        np.linspace(127.5, 131.5, 81),
        np.cumsum(rng.uniform(0.01, 1.0, 60)),  # non-uniform
        np.array([-1.0, 2.0]),
        np.arange(0.0, 360.0, 0.25),
    ]
    for xs in axes:
        x = np.concatenate(
            [rng.uniform(xs[0], xs[-1], 20_000), xs, np.nextafter(xs, np.inf), np.nextafter(xs, -np.inf)]
        )
        x = x[(x >= xs[0]) & (x <= xs[-1])]
        expected = np.clip(np.searchsorted(xs, x) - 1, 0, xs.size - 2)
        assert np.array_equal(_cell_indices(xs, x), expected)


@pytest.mark.parametrize(
    "scheme, outside, lon, lat, grids",
    [
        ("euler", "error", 129.2, 34.6, "same"),
        ("rk2", "error", 129.2, 34.6, "same"),
        ("rk2", "error", 129.2, 34.6, "different"),
        # Near the east edge: particles leave the domain, the fused step hands over to the general one.
        ("rk2", "deactivate", 131.35, 35.0, "same"),
    ],
)
def test_fused_step_is_bit_identical_to_general_step(synth, synth_coarse, monkeypatch, scheme, outside, lon, lat, grids):
    calls = []
    kernel = step_module.drift_step_kernel

    def counting(*args):
        calls.append(1)
        return kernel(*args)

    monkeypatch.setattr(step_module, "drift_step_kernel", counting)
    kw = dict(lon=lon, lat=lat, start=START, radius_m=3000.0, hours=18, particles=3000, seed_value=11,
              scheme=scheme, coast=False, output_s=1800)
    current_ds = synth if grids == "same" else synth_coarse
    wind, current = _fields(synth, current_ds)
    fused = simulate(Environment(wind, current, OutsidePolicy(outside)), "LIFE-RAFT-NB-2", **kw)
    assert len(calls) > 0  # the fused path really ran
    n_fused = len(calls)
    wind, current = _fields(synth, current_ds)
    general = simulate(Environment(_PlainField(wind), _PlainField(current), OutsidePolicy(outside)), "LIFE-RAFT-NB-2", **kw)
    assert len(calls) == n_fused  # ... and the reference did not use it
    for v in ("lon", "lat", "status", "orientation"):
        assert np.array_equal(fused[v].values, general[v].values, equal_nan=True), v
    if outside == "deactivate":
        left = int(fused.attrs["left_domain_count"])
        assert 0 < left < 3000 and left == int(general.attrs["left_domain_count"])


def _drift(env, **kw):
    base = dict(lon=129.2, lat=34.6, start=START, radius_m=4000.0, hours=12, particles=2000, seed_value=5, coast=False, output_s=3600)
    base.update(kw)
    return simulate(env, "LIFE-RAFT-NB-2", **base)


def _assert_same(a, b):
    for v in a.variables:
        assert np.array_equal(a[v].values, b[v].values, equal_nan=a[v].dtype.kind == "f"), v
    for k in ("stranded_count", "left_domain_count"):
        assert a.attrs[k] == b.attrs[k], k


@pytest.mark.parametrize(
    "kw",
    [
        dict(capsize=True, jibe_probability_per_hour=0.5),
        dict(capsize=True, scheme="euler"),
        dict(forcing_error="on", capsize=True),
        dict(coast=True, lon=129.05, lat=35.0, capsize=True),
        dict(outside="deactivate", lon=131.35, lat=35.0, radius_m=20000.0, capsize=True, forcing_error="on"),
        dict(outside="fallback", lon=131.35, lat=35.0, radius_m=20000.0, forcing_error="on"),
    ],
    ids=["capsize-jibe", "capsize-euler", "forcing-error", "coast", "deactivate", "fallback"],
)
def test_every_process_combination_runs_fused_and_equals_the_general_path(synth, synth_coarse, monkeypatch, kw):
    """Two grids (0.05° wind, 0.1° current): the fused step runs for every combination of
    processes and gives the general path's output bit for bit (same seed)."""
    from sarex.drift.forcing_error import ForcingError

    kw = dict(kw)
    outside = OutsidePolicy(kw.pop("outside", "error"))
    if kw.get("forcing_error") == "on":
        kw["forcing_error"] = ForcingError(0.1, 3600.0, 2.0)  # with particles handed over in the last two cases
    calls = []
    kernel = step_module.drift_step_kernel
    monkeypatch.setattr(step_module, "drift_step_kernel", lambda *a: calls.append(1) or kernel(*a))
    fused = _drift(Environment(*_fields(synth, synth_coarse), outside), **kw)
    n_fused = len(calls)
    assert n_fused >= 12  # at least one call per step
    general = _drift(Environment(*_fields(synth, synth_coarse), outside), fused=False, **kw)
    assert len(calls) == n_fused  # the reference ran the general path only
    _assert_same(fused, general)
    if outside is OutsidePolicy.DEACTIVATE:
        assert 0 < fused.attrs["left_domain_count"] < 2000
    if kw.get("coast"):
        assert fused.attrs["stranded_count"] > 0


def test_class_changes_run_fused_and_equal_the_general_path(synth):
    from sarex.drift.ensemble import Ensemble
    from sarex.drift.objects import get_object
    from sarex.times import parse_utc

    t0 = parse_utc(START, "start").timestamp()
    rng = np.random.default_rng(3)
    n = 1000
    objs = (get_object("LIFE-RAFT-NB-2"), get_object("PIW-1"))
    ens = lambda: Ensemble(  # noqa: E731
        lon=129.2 + 0.02 * rng.standard_normal(n), lat=34.6 + 0.02 * rng.standard_normal(n), time_s=np.full(n, t0), objects=objs,
        object_index=np.zeros(n, dtype=np.int16), z_dw=np.abs(rng.standard_normal(n)), z_cw=rng.standard_normal(n),
        side=(np.arange(n) % 2).astype(np.int8), rng_id=np.arange(n, dtype=np.int64), weight=np.full(n, 1.0 / n),
        event_time_s=t0 + rng.uniform(0, 6 * 3600, n), event_particle=np.arange(n), event_object=np.ones(n, dtype=np.int16))
    state = rng.bit_generator.state
    run = lambda fused: simulate(Environment(*_fields(synth, synth)), None, hours=8, coast=False, capsize=True, ensemble=ens(), fused=fused)  # noqa: E731
    fused = run(True)
    rng.bit_generator.state = state
    general = run(False)
    _assert_same(fused, general)
    assert np.abs(fused.downwind_slope.values - general.downwind_slope.values).max() == 0.0


def test_results_do_not_depend_on_the_thread_count(synth, synth_coarse):
    if nb.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one thread only")
    kw = dict(capsize=True, particles=5000)
    before = nb.get_num_threads()
    try:
        nb.set_num_threads(1)
        one = _drift(Environment(*_fields(synth, synth_coarse)), **kw)
        nb.set_num_threads(2)
        two = _drift(Environment(*_fields(synth, synth_coarse)), **kw)
    finally:
        nb.set_num_threads(before)
    _assert_same(one, two)


def test_descending_latitudes_give_the_same_drift_without_a_new_specialisation(synth, synth_coarse):
    env = lambda w: Environment(*_fields(w, synth_coarse))  # noqa: E731
    ref = _drift(env(synth), hours=3)
    n_sig = len(fused_module._chunk_range.signatures)
    flipped = synth.isel(lat=slice(None, None, -1))
    assert flipped.lat.values[0] > flipped.lat.values[-1]
    out = _drift(env(flipped), hours=3)
    assert len(fused_module._chunk_range.signatures) == n_sig
    _assert_same(ref, out)


def test_files_in_either_latitude_order_share_the_compiled_kernels(tmp_path, synth, synth_coarse):
    """Forcing read from files (read-only dimension coordinates), latitudes ascending or stored north to
    south, wind and current apart: one signature of each kernel the step uses, whatever the order."""
    from sarex.drift.forcing_error import ou_advance_kernel
    from sarex.environment.cf import open_vector_field
    from sarex.environment.gridsample import sample_regular_kernel

    paths = {}
    for name, ds, var in (("w", synth, ["x_wind", "y_wind"]), ("c", synth_coarse, ["x_sea_water_velocity", "y_sea_water_velocity"])):
        for order in ("up", "down"):
            d = ds[var] if order == "up" else ds[var].isel(lat=slice(None, None, -1))
            paths[name, order] = tmp_path / f"{name}_{order}.nc"
            d.to_netcdf(paths[name, order])
    kernels = (fused_module._chunk_range, ou_advance_kernel, sample_regular_kernel)
    counts = None
    from sarex.drift.forcing_error import ForcingError

    for wo, co in (("up", "up"), ("down", "up"), ("up", "down"), ("down", "down")):
        env = Environment(open_vector_field(paths["w", wo], "wind"), open_vector_field(paths["c", co], "current"))
        _drift(env, hours=1, particles=500, forcing_error=ForcingError(0.05, 3600.0, 2.0))
        now = [len(k.signatures) for k in kernels]
        assert counts is None or now == counts, (wo, co, now, counts)
        counts = now


@pytest.fixture(scope="module")
def lambert_roms(tmp_path_factory):
    """A Lambert wind file (grid-relative components) and a ROMS current file (bent, rotated
    curvilinear grid with a land corner) over the same sea, as the benchmark's case."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    import forcing_data as fd

    d = tmp_path_factory.mktemp("lambert_roms")
    x = np.arange(-500_000.0, 500_001.0, 20_000.0)
    y = np.arange(-600_000.0, 0.1, 20_000.0)
    wind = fd.uniform_east_projected(fd.LAMBERT, x, y, speed=9.0, kind="wind", nt=10)
    # a wind that changes with position, so a wrong grid point shows
    wind["u"] = wind["u"].copy(data=wind["u"].values * (1.0 + 0.3 * np.sin(wind.x.values / 150_000.0)))
    wind["time"] = np.array([np.datetime64("2026-01-01T00:00") + np.timedelta64(3 * h, "h") for h in range(10)])
    roms = fd.roms_dataset(ny=60, nx=70, nt=25)
    roms["ocean_time"] = np.array([np.datetime64("2026-01-01T00:00") + np.timedelta64(h, "h") for h in range(25)])
    paths = d / "lambert_wind.nc", d / "roms_current.nc", d / "lambert_current.nc", d / "roms_wind.nc"
    wind.to_netcdf(paths[0])
    roms.to_netcdf(paths[1])
    # the other way round: a 0.45 m/s current on the Lambert grid, a 1.5 m/s wind on the ROMS grid
    with xr.set_options(keep_attrs=True):
        wind.assign(u=wind.u * 0.05, v=wind.v * 0.05).to_netcdf(paths[2])
        roms.assign(u=roms.u * 5.0, v=roms.v * 5.0).to_netcdf(paths[3])
    return paths


@pytest.mark.parametrize("swap", [False, True], ids=["lambert-wind-roms-current", "roms-wind-lambert-current"])
def test_lambert_and_curvilinear_grids_run_fused_and_equal_the_general_path(lambert_roms, monkeypatch, swap):
    """The fused step on a Lambert grid and a curvilinear grid (whichever carries which
    variable): bit for bit the general path, with particles that meet the ROMS grid's land
    corner and its edge (handed back) and leave it (deactivated)."""
    from sarex.environment.cf import open_vector_field
    from sarex.environment.curvilinear import CurvilinearGridField
    from sarex.environment.projected import ProjectedGridField

    wind_path, current_path = (lambert_roms[3], lambert_roms[2]) if swap else lambert_roms[:2]

    def env():
        # the kind only picks the variables and levels of each file: the environment takes either field as either
        w, c = open_vector_field(wind_path, "current" if swap else "wind"), open_vector_field(current_path, "wind" if swap else "current")
        lam, curv = (c, w) if swap else (w, c)
        assert type(lam) is ProjectedGridField and lam._lcc is not None and type(curv) is CurvilinearGridField
        return Environment(w, c, OutsidePolicy("deactivate"))

    calls = []
    kernel = step_module.drift_step_kernel
    monkeypatch.setattr(step_module, "drift_step_kernel", lambda *a: calls.append(1) or kernel(*a))
    # 129.70E 34.30N: about 20 km from the land corner (the grid's first fifth of xi, quarter of eta)
    kw = dict(lon=129.55, lat=34.32, start="2026-01-01T00:00Z", radius_m=12000.0, hours=14, particles=3000, seed_value=4,
              coast=False, output_s=3600, capsize=True)
    fused = simulate(env(), "LIFE-RAFT-NB-2", **kw)
    n_fused = len(calls)
    assert n_fused >= 84  # every step ran fused
    general = simulate(env(), "LIFE-RAFT-NB-2", fused=False, **kw)
    assert len(calls) == n_fused
    _assert_same(fused, general)
    left = int(fused.attrs["left_domain_count"])
    assert 0 < left < 3000  # some particles left a grid: handed back to the general path, which deactivated them


def test_stacked_sources_run_fused_and_equal_the_general_path_with_the_same_counts(synth, synth_coarse, tmp_path, monkeypatch):
    """Several sources per variable (a stack, first covering source wins): wind from a Lambert
    grid that ends after 8 h, then a 0.1° grid; current from a small 0.05° "coastal" grid
    with a land patch, then the 0.1° grid. Particles straddle the coastal grid's edge, so
    each source serves some; the fused step gives the general path's drift bit for bit and
    the stacks count the same samples per source."""
    import sys
    from pathlib import Path

    from sarex.environment.cf import open_vector_field
    from sarex.environment.stack import StackedField, sample_counts

    sys.path.insert(0, str(Path(__file__).parent))
    import forcing_data as fd

    lam = fd.uniform_east_projected(fd.LAMBERT, *fd.lambert_axes(), speed=7.0, kind="wind", nt=4)
    lam["time"] = np.array([np.datetime64("2026-01-15T06:00") + np.timedelta64(3 * h, "h") for h in range(4)])  # 06-15 h
    lam["u"] = lam["u"].copy(data=lam["u"].values * (1.0 + 0.2 * np.cos(lam.y.values[:, None] / 120_000.0)))
    lp = tmp_path / "lambert.nc"
    lam.to_netcdf(lp)
    coastal = synth.sel(lon=slice(129.0, 129.5), lat=slice(34.4, 34.9)).copy(deep=True)
    for v in ("x_sea_water_velocity", "y_sea_water_velocity"):
        coastal[v][:, 3:5, 4:6] = np.nan  # "land" in the coastal model: the regional one serves there

    def env():
        wind = StackedField([open_vector_field(lp, "wind"), _fields(synth_coarse, synth_coarse)[0]])
        current = StackedField([_fields(synth, coastal)[1], _fields(synth, synth_coarse)[1]])
        return Environment(wind, current, OutsidePolicy("deactivate"))

    calls = []
    kernel = step_module.drift_step_kernel
    monkeypatch.setattr(step_module, "drift_step_kernel", lambda *a: calls.append(1) or kernel(*a))
    kw = dict(lon=129.47, lat=34.86, start=START, radius_m=15000.0, hours=12, particles=3000, seed_value=8, coast=False,
              output_s=3600, capsize=True)
    e_fused = env()
    fused = simulate(e_fused, "LIFE-RAFT-NB-2", **kw)
    n_fused = len(calls)
    assert n_fused >= 72
    e_general = env()
    general = simulate(e_general, "LIFE-RAFT-NB-2", fused=False, **kw)
    assert len(calls) == n_fused
    _assert_same(fused, general)
    for f, g in ((e_fused.wind, e_general.wind), (e_fused.current, e_general.current)):
        cf, cg = sample_counts(f), sample_counts(g)
        assert cf == cg
        served = [c for name, c in cf.items() if name != "none"]
        assert min(served) > 10_000  # each source served a good share


@pytest.mark.parametrize("lon, lat", [(129.55, 34.22), (128.6, 34.3)], ids=["across-the-edge", "drifting-in"])
def test_a_curvilinear_grid_in_a_stack_runs_fused_and_equals_the_general_path(synth_coarse, tmp_path, monkeypatch, lon, lat):
    """A ROMS-style coastal current (bent grid rotated 30°, land corner) in front of a regional
    0.1° one. Released across the ROMS grid's south-east edge, particles drift in it and out
    of it into the regional grid; released west of it, inside its longitude/latitude box but
    outside the grid, they drift into it with no cell known there (the fused step hands
    them to the general step's search; sending them to the regional grid instead fails this
    case). The fused step gives the general path's drift bit for bit and the stack counts
    the same samples per source."""
    import sys
    from pathlib import Path

    from sarex.environment.cf import open_vector_field
    from sarex.environment.curvilinear import CurvilinearGridField
    from sarex.environment.stack import StackedField, sample_counts

    sys.path.insert(0, str(Path(__file__).parent))
    import forcing_data as fd

    roms = fd.roms_dataset(ny=40, nx=50, nt=20)  # ~2.5 km cells from 129.0E 34.0N
    roms["ocean_time"] = np.array([np.datetime64("2026-01-15T05:00") + np.timedelta64(h, "h") for h in range(20)])
    rp = tmp_path / "roms.nc"
    roms.to_netcdf(rp)

    def env():
        curv = open_vector_field(rp, "current")
        assert type(curv) is CurvilinearGridField
        wind, regional = _fields(synth_coarse, synth_coarse)
        return Environment(wind, StackedField([curv, regional]), OutsidePolicy("deactivate"))

    calls = []
    kernel = step_module.drift_step_kernel
    monkeypatch.setattr(step_module, "drift_step_kernel", lambda *a: calls.append(1) or kernel(*a))
    # the grid's xi axis runs 30° north of east from 129.0E 34.0N, its eta axis 30° west of north
    kw = dict(lon=lon, lat=lat, start=START, radius_m=15000.0, hours=12, particles=3000, seed_value=11, coast=False,
              output_s=3600, capsize=True)
    e_fused = env()
    fused = simulate(e_fused, "LIFE-RAFT-NB-2", **kw)
    n_fused = len(calls)
    assert n_fused >= 72  # every step ran fused
    e_general = env()
    general = simulate(e_general, "LIFE-RAFT-NB-2", fused=False, **kw)
    assert len(calls) == n_fused
    _assert_same(fused, general)
    cf, cg = sample_counts(e_fused.current), sample_counts(e_general.current)
    assert cf == cg
    served = [c for name, c in cf.items() if name != "none"]
    assert min(served) > 10_000, cf  # each source served a good share

