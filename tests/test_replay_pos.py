"""Replay: POS achieved by the sailed tracks against the planners' drift ensemble."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import xarray as xr
from scipy.special import erf
from typer.testing import CliRunner

import replay_data as rd
from test_exercise_replay import SCENARIO


def _static_cloud(path, lon, lat, t0, t1):
    """A drift file whose particles do not move (uniform weights), spanning [t0, t1]."""
    times = (np.array([t0, t1]) * 1e9).astype("datetime64[ns]")
    n = lon.size
    ds = xr.Dataset(
        {
            "lon": (("trajectory", "time"), np.repeat(lon[:, None], 2, axis=1)),
            "lat": (("trajectory", "time"), np.repeat(lat[:, None], 2, axis=1)),
            "status": (("trajectory", "time"), np.zeros((n, 2), dtype=np.int8)),
            "weight": (("trajectory",), np.full(n, 1.0 / n)),
        },
        coords={"trajectory": np.arange(n), "time": times},
        attrs={"object_class": "PIW-1"},
    )
    ds.to_netcdf(path)


def _between_legs_2_and_3(n=4000, seed=0):
    """Particles uniform over one track spacing between JPN-C's 2nd and 3rd legs, away from the leg ends."""
    rng = np.random.default_rng(seed)
    east = rng.uniform(2.5, 5.0, n) * rd.NM  # legs at 0, 2.5, 5, 7.5 NM east of the CSP
    north = rng.uniform(2.0, 6.0, n) * rd.NM  # legs 8 NM long, northward first
    lon, lat = rd.move(np.full(n, 129.95), np.full(n, 34.45), east, north, 1.0)
    return lon, lat


@pytest.mark.parametrize("shift_nm, expect", [(0.0, "law"), (8.0, "missed")])
def test_pos_achieved_follows_the_parallel_sweep_law(tmp_path, shift_nm, expect):
    rd.make_set(tmp_path / "d", {"JPN-C": (shift_nm, 0.0)} if shift_nm else None)
    scen = tmp_path / "scenario.toml"
    scen.write_text(SCENARIO)
    lon, lat = _between_legs_2_and_3()
    _static_cloud(tmp_path / "drift.nc", lon, lat, rd.T0 - 3600.0, rd.T0 + 12 * 3600.0)
    out = tmp_path / "out"
    r = CliRunner().invoke(app_(), ["exercise", "evaluate", str(scen), "--tracks", str(tmp_path / "d" / "tracks"),
                                    "--planned", str(tmp_path / "d" / "planned.gpx"), "--out", str(out), "--drift", str(tmp_path / "drift.nc"), "--detection", "inverse-cube"])
    assert r.exit_code == 0, r.output
    m = re.search(r"JPN-C ([0-9.]+) %", r.output)
    pos_c = float(m.group(1)) / 100.0
    law = erf(math.sqrt(math.pi) * 0.8 / 2.0)  # inverse cube, C = W/S = 2.0/2.5
    if expect == "law":
        assert pos_c == pytest.approx(law, abs=0.03)
        # the other units search elsewhere: they find (almost) nothing of this cloud
        assert float(re.search(r"ROK-A ([0-9.]+) %", r.output).group(1)) < 1.0
    else:
        # sailed 8 NM east of the plan: the nearest leg passes 3 NM from the cloud
        assert pos_c < 0.1
    assert "POS achieved" in (out / "replay.html").read_text()


def app_():
    from sarex.cli import app

    return app
