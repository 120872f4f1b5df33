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

from sarex.drift import simulate
from sarex.environment.base import Environment, OutsidePolicy
from sarex.environment.regular import RegularGridField, axis_scale, cell_index
from sarex.environment.synthetic import korea_strait_dataset

step_module = importlib.import_module("sarex.drift.step")

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
