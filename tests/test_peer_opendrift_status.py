"""An OpenDrift Leeway file, written by OpenDrift itself, goes through sarex (issue 10, defect 5).

OpenDrift numbers its status codes in order of first use and names them in the
status variable's ``flag_meanings``; after a particle is deactivated (stranded)
it writes NaN positions and a missing status. The case: a person in the water
released off Busan (129.05 E 35.00 N, Gaussian radius 6 km, 400 particles) under
a steady 12 m/s southerly wind and a 0.5 m/s northward current, GSHHG landmask on
(OpenDrift's default), 4 h in 10-min steps, hourly output: a good part of the
cloud strands on the Korean coast, the rest stays afloat.

Checks: the stranded probability of ``sarex probability`` at the last output
equals OpenDrift's own stranded fraction (count of particles whose status is
``stranded``, over all particles) to rounding; the file goes through
``sarex search-update`` and ``sarex plan``, and the stranded particles keep
their status and the positions where they stranded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

pytestmark = [pytest.mark.peer, pytest.mark.slow]
pytest.importorskip("opendrift")

START = datetime(2026, 1, 15, 6, 0)
HOURS = 4
N = 400
runner = CliRunner()


@pytest.fixture(scope="module")
def opendrift_file(tmp_path_factory):
    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_constant

    path = tmp_path_factory.mktemp("od_status") / "leeway.nc"
    o = Leeway(loglevel=50)
    o.add_reader([reader_constant.Reader({"x_wind": -3.0, "y_wind": 12.0, "x_sea_water_velocity": 0.0, "y_sea_water_velocity": 0.5})])
    o.set_config("general:use_auto_landmask", True)
    np.random.seed(1)
    o.seed_elements(lon=129.05, lat=35.0, radius=6000, radius_type="gaussian", number=N, time=START, object_type=1)
    o.run(duration=timedelta(hours=HOURS), time_step=600, time_step_output=3600, outfile=str(path))
    return path


def _opendrift_stranded_fraction(path) -> tuple[float, list[str]]:
    raw = xr.open_dataset(path)
    st = raw["status"]
    names = str(st.attrs["flag_meanings"]).split()
    values = np.atleast_1d(st.attrs["flag_values"])
    stranded_code = int(values[names.index("stranded")])
    ever = np.any(st.values == stranded_code, axis=1)
    raw.close()
    return float(ever.sum()) / N, names


def test_opendrift_file_through_probability_search_update_and_plan(opendrift_file, tmp_path):
    from sarex.cli import app
    from sarex.io.driftfile import STATUS_STRANDED, read_drift

    frac, names = _opendrift_stranded_fraction(opendrift_file)
    assert "stranded" in names
    assert 0.1 < frac < 0.9, f"the case must strand part of the cloud, stranded {frac}"

    # Probability map at the last output time.
    grid = tmp_path / "grid.nc"
    t_end = (START + timedelta(hours=HOURS)).strftime("%Y-%m-%dT%H:%MZ")
    r = runner.invoke(app, ["probability", str(opendrift_file), "--time", t_end, "--out", str(grid)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    g = xr.open_dataset(grid)
    assert g.attrs["stranded_probability_total"] == pytest.approx(frac, abs=1e-12)
    g.close()

    # Stranded particles keep their status and the position where they stranded.
    ds = read_drift(opendrift_file)
    st = ds["status"].values
    assert np.mean(st[:, -1] == STATUS_STRANDED) == pytest.approx(frac, abs=1e-12)
    assert np.all(np.isfinite(ds["lon"].values[st[:, -1] == STATUS_STRANDED, -1]))

    # A search track across the afloat part of the cloud, in the second and third hour.
    afloat = st[:, 2] == 0
    lon_c, lat_c = float(np.mean(ds["lon"].values[afloat, 2])), float(np.mean(ds["lat"].values[afloat, 2]))
    gpx = tmp_path / "track.gpx"
    pts = "".join(
        f'<trkpt lon="{lon_c + dx:.5f}" lat="{lat_c:.5f}"><time>{(START + timedelta(hours=1.5 + k * 0.5)).strftime("%Y-%m-%dT%H:%M:%SZ")}</time></trkpt>'
        for k, dx in enumerate((-0.05, 0.0, 0.05))
    )
    gpx.write_text(f'<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>PV</name><trkseg>{pts}</trkseg></trk></gpx>')
    upd = tmp_path / "updated.nc"
    r = runner.invoke(app, ["search-update", str(opendrift_file), "--track", str(gpx), "--sweep-width-nm", "0.5", "--detection", "random", "--out", str(upd)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    after = read_drift(upd)
    assert np.array_equal(after["status"].values, st)
    w = after["weight"].values
    # particles the track passed lost weight; the weights still sum to one
    assert w.sum() == pytest.approx(1.0, abs=1e-12) and w.min() < 0.99 / N

    out = tmp_path / "plan"
    r = runner.invoke(app, ["plan", str(upd), "--start", (START + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%MZ"), "--hours", "1", "--out", str(out), "--detection", "random", "--search-object", "piw"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert (out / "plan.json").is_file()
