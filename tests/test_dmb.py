"""DMB correction: biased forecast current corrected by DMB tracks from the truth; no harm when unbiased."""

from __future__ import annotations

import numpy as np
import pytest

from sarex.drift.custom_objects import ObjectSpec
from sarex.drift.objects import LeewayObject
from sarex.drift.dmb import dmb_corrected, dmb_current_errors
from sarex.drift.simulate import simulate
from sarex.drift.summary import weighted_centroid
from sarex.environment import Environment
from sarex.environment.constant import ConstantField
from sarex.environment.synthetic import korea_strait_environment
from sarex.io.trajectories import trajectories_from_dataset
from sarex.search.skill import separation_m

T0 = 1768435200.0  # 2026-01-15T00:00Z
LKP = (129.9, 34.0)
DMB = LeewayObject(**ObjectSpec(key="DMB-T", kind="windage", windage_pct=0.5, windage_std_pct=0.0).to_fields())


class Biased:
    """A current field plus a constant (east, north) bias, m/s."""

    def __init__(self, base, du, dv):
        self.base, self.du, self.dv, self.name = base, du, dv, "biased current"

    def time_range(self):
        return self.base.time_range()

    def domain_description(self):
        return "biased " + self.base.domain_description()

    def sample(self, lon, lat, time_s, active, out_u, out_v, out_flag):
        self.base.sample(lon, lat, time_s, active, out_u, out_v, out_flag)
        out_u[active] += self.du
        out_v[active] += self.dv


def test_uniform_error_is_measured_exactly():
    truth = Environment(ConstantField(8.0, 0.0), ConstantField(0.3, 0.1))
    fc = Environment(ConstantField(8.0, 0.0), ConstantField(0.1, 0.1))  # 0.2 m/s too slow eastward
    ds = simulate(truth, DMB, lon=LKP[0], lat=LKP[1], start=T0, hours=6, particles=2, coast=False, radius_m=500.0)
    tracks = trajectories_from_dataset(ds, "dmb")
    err = dmb_current_errors(tracks, fc, windage_pct=0.5)
    np.testing.assert_allclose(err.du, 0.2, atol=2e-4)  # rhumb-line steps vs the mid-latitude metric
    np.testing.assert_allclose(err.dv, 0.0, atol=2e-4)
    env = dmb_corrected(fc, tracks, windage_pct=0.5)
    wu, wv, cu, cv, _ = env.sample(np.array([LKP[0]]), np.array([LKP[1]]), T0 + 3 * 3600.0)
    n = err.du.size  # all data within ~10 km and 3 h: weights near 1, shrinkage k0 = 1
    assert 0.2 * (n - 2) / (n - 1) < cu[0] - 0.1 < 0.2 * n / (n + 1) + 1e-3


def _centroid_error_km(fc_env, truth_env, dmb_tracks=None):
    env = fc_env if dmb_tracks is None else dmb_corrected(fc_env, dmb_tracks, windage_pct=DMB.dw_slope_pct)
    kw = dict(lon=LKP[0], lat=LKP[1], start=T0, radius_m=1000.0, hours=24, particles=2000, coast=False, seed_value=7)
    f = simulate(env, "PIW-1", **kw)
    t = simulate(truth_env, "PIW-1", **kw)
    w = f["weight"].values
    cf = weighted_centroid(f["lon"].values[:, -1], f["lat"].values[:, -1], w)
    ct = weighted_centroid(t["lon"].values[:, -1], t["lat"].values[:, -1], w)
    return float(separation_m(cf[0], cf[1], ct[0], ct[1])) / 1000.0


@pytest.fixture(scope="module")
def fields():
    truth = korea_strait_environment("2026-01-15T00:00Z", days=2, variant=1)
    base = korea_strait_environment("2026-01-15T00:00Z", days=2)
    # three DMBs dropped at the LKP, fixed hourly for 12 h, drifting in the truth
    ds = simulate(truth, DMB, lon=LKP[0], lat=LKP[1], start=T0, radius_m=2000.0, hours=12, particles=3, coast=False, seed_value=1)
    return truth, base, trajectories_from_dataset(ds, "dmb")


@pytest.mark.slow
def test_dmb_correction_cuts_a_biased_forecast_error(fields):
    truth, base, dmb = fields
    fc = Environment(base.wind, Biased(base.current, 0.2, 0.0))
    before = _centroid_error_km(fc, truth)
    after = _centroid_error_km(fc, truth, dmb)
    assert before > 15.0  # 0.2 m/s for a day is 17 km
    assert after <= 0.5 * before, (before, after)


@pytest.mark.slow
def test_dmb_correction_does_no_harm_unbiased(fields):
    truth, base, dmb = fields
    before = _centroid_error_km(base, truth)
    after = _centroid_error_km(base, truth, dmb)
    assert after <= 1.05 * before, (before, after)


def test_drift_continue_with_dmb_cli(tmp_path, fields):
    from typer.testing import CliRunner

    from sarex.cli import app
    from sarex.drift.continuation import continue_drift
    from sarex.io.driftfile import read_drift
    from sarex.times import iso

    truth, base, dmb = fields
    run = CliRunner()
    first = tmp_path / "d6.nc"
    r = run.invoke(app, ["drift", "--lon", str(LKP[0]), "--lat", str(LKP[1]), "--start", "2026-01-15T00:00Z", "--hours", "6", "--particles", "300",
                         "--synthetic", "--no-coast", "--out", str(first), "--seed", "4"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    csv = tmp_path / "dmb.csv"
    csv.write_text("time,lon,lat,id\n" + "\n".join(f"{iso(t)},{x:.7f},{y:.7f},{tr.name}" for tr in dmb for t, x, y in zip(tr.time_s, tr.lon, tr.lat) if t <= T0 + 6 * 3600) + "\n")
    outs = {}
    for name, extra in (("plain", []), ("dmb", ["--dmb", str(csv), "--dmb-windage-pct", "0.5"])):
        outs[name] = tmp_path / f"{name}.nc"
        r = run.invoke(app, ["drift-continue", str(first), "--hours", "18", "--synthetic", "--no-coast", "--out", str(outs[name]), *extra], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    # the same particles continued in the truth: the DMB-corrected continuation ends closer to it
    ref = continue_drift(truth, read_drift(first), 18, coast=False)
    c_ref = weighted_centroid(ref["lon"].values[:, -1], ref["lat"].values[:, -1], ref["weight"].values)
    err = {}
    for name, p in outs.items():
        ds = read_drift(p)
        c = weighted_centroid(ds["lon"].values[:, -1], ds["lat"].values[:, -1], ds["weight"].values)
        err[name] = float(separation_m(c[0], c[1], c_ref[0], c_ref[1]))
    assert err["dmb"] < err["plain"], err
    # a DMB track whose time runs backwards: one line, exit 2, no output
    bad = tmp_path / "bad.csv"
    bad.write_text("time,lon,lat\n2026-01-15T03:00Z,129.9,34.0\n2026-01-15T02:00Z,129.91,34.0\n")
    out = tmp_path / "never.nc"
    r = run.invoke(app, ["drift-continue", str(first), "--hours", "3", "--synthetic", "--out", str(out), "--dmb", str(bad)])
    assert r.exit_code == 2 and "times must increase" in r.output and len(r.output.strip().splitlines()) == 1
    assert not out.exists()
