"""Forcing error (Ornstein–Uhlenbeck current perturbation per particle): displacement statistics and reproducibility."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sarex.drift.custom_objects import ObjectSpec
from sarex.drift.forcing_error import SAR_DEFAULT, ForcingError, forcing_error_from_attrs, parse_forcing_error
from sarex.drift.objects import LeewayObject
from sarex.drift.simulate import simulate
from sarex.environment import Environment
from sarex.environment.constant import ConstantField
from sarex.errors import SarexInputError
from sarex.geo import metres_per_radian

T0 = 1768435200.0
STILL = LeewayObject(**ObjectSpec(key="STILL", kind="windage", windage_pct=0.0, windage_std_pct=0.0).to_fields())


def test_displacement_spread_follows_the_ou_process():
    env = Environment(ConstantField(0.0, 0.0), ConstantField(0.0, 0.0))
    sigma, tau = 0.05, 12 * 3600.0
    ds = simulate(env, STILL, lon=129.0, lat=34.0, start=T0, hours=24, particles=20000, coast=False, seed_value=2,
                  forcing_error=ForcingError(sigma, tau))
    east = np.radians(ds["lon"].values - 129.0) * 6378137.0 * math.cos(math.radians(34.0)) / math.sqrt(1 - 6.69438e-3 * math.sin(math.radians(34.0)) ** 2)
    for j in (6, 12, 24):
        t = j * 3600.0
        # Var of ∫ OU over [0, t] (stationary start): 2σ²τ(t − τ(1 − e^{−t/τ}))
        theory = sigma * math.sqrt(2 * tau * (t - tau * (1 - math.exp(-t / tau))))
        assert east[:, j].std() == pytest.approx(theory, rel=0.03)  # 20 000 draws: ~0.5 % sampling error, plus the 10-min steps
        assert abs(east[:, j].mean()) < 4 * theory / math.sqrt(20000)


def test_forcing_error_is_reproducible_and_off_by_default():
    env = Environment(ConstantField(8.0, 0.0), ConstantField(0.1, 0.0))
    kw = dict(lon=129.0, lat=34.0, start=T0, hours=6, particles=500, coast=False, seed_value=5)
    a = simulate(env, "PIW-1", forcing_error=ForcingError(), **kw)
    b = simulate(env, "PIW-1", forcing_error=ForcingError(), **kw)
    np.testing.assert_array_equal(a["lon"].values, b["lon"].values)
    off = simulate(env, "PIW-1", **kw)
    assert off.attrs["forcing_error"] == "none" and "Ornstein" in a.attrs["forcing_error"]
    assert not np.array_equal(off["lon"].values[:, -1], a["lon"].values[:, -1])


def test_wind_error_moves_an_object_by_its_slope():
    # σ_c = 0, σ_w = 2 m/s, windage α = 3 %: the velocity error is an OU process with σ = α·σ_w = 0.06 m/s.
    env = Environment(ConstantField(0.0, 0.0), ConstantField(0.0, 0.0))
    kite = LeewayObject(**ObjectSpec(key="KITE", kind="windage", windage_pct=3.0, windage_std_pct=0.0).to_fields())
    tau = 24 * 3600.0
    ds = simulate(env, kite, lon=129.0, lat=34.0, start=T0, hours=12, particles=20000, coast=False, seed_value=4,
                  forcing_error=ForcingError(0.0, tau, 2.0))
    north = np.radians(ds["lat"].values[:, -1] - 34.0) * float(metres_per_radian(34.0)[1])
    t = 12 * 3600.0
    theory = 0.06 * math.sqrt(2 * tau * (t - tau * (1 - math.exp(-t / tau))))
    assert north.std() == pytest.approx(theory, rel=0.03)
    # the same error on an object that ignores the wind (α = 0) is no error at all
    still = simulate(env, STILL, lon=129.0, lat=34.0, start=T0, hours=12, particles=200, coast=False, seed_value=4,
                     forcing_error=ForcingError(0.0, tau, 2.0))
    np.testing.assert_allclose(still["lat"].values[:, -1], 34.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(still["lon"].values[:, -1], 129.0, rtol=0, atol=1e-12)


def test_forcing_error_choices_parse():
    assert parse_forcing_error("none") is None
    assert parse_forcing_error(None) is SAR_DEFAULT and parse_forcing_error("SAR") is SAR_DEFAULT
    fe = parse_forcing_error("0.03,12,1.5")
    assert (fe.current_sigma_m_s, fe.current_tau_s, fe.wind_sigma_m_s) == (0.03, 12 * 3600.0, 1.5)
    assert parse_forcing_error("0.03,12").wind_sigma_m_s == 0.0
    for bad in ("0.03", "a,b", "-0.1,12", "0.03,0", "0.03,12,-1", "0.03,12,1,4", "nan,12"):
        with pytest.raises(SarexInputError, match="--forcing-error"):
            parse_forcing_error(bad)
    assert forcing_error_from_attrs({"forcing_error": json.dumps(fe.as_dict())}) == fe
    assert forcing_error_from_attrs({}) is None


def test_sar_products_carry_the_forcing_error_and_none_switches_it_off(tmp_path, synth_nc):
    """`sarex drift` records the SAR default; `--forcing-error none` is the plain engine bit for bit."""
    from typer.testing import CliRunner

    from sarex.cli import app
    from sarex.environment import open_environment
    from sarex.io.driftfile import read_drift

    base = ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00Z", "--hours", "3", "--particles", "300",
            "--env", synth_nc, "--seed", "3"]
    runner = CliRunner()
    r = runner.invoke(app, base + ["--out", str(tmp_path / "a.nc")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    on = read_drift(tmp_path / "a.nc")
    assert forcing_error_from_attrs(on.attrs) == SAR_DEFAULT and "forcing error" in r.output
    r = runner.invoke(app, base + ["--out", str(tmp_path / "b.nc"), "--forcing-error", "none"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    off = read_drift(tmp_path / "b.nc")
    assert off.attrs["forcing_error"] == "none"
    plain = simulate(open_environment(synth_nc), "PIW-1", lon=129.6, lat=34.9, start="2026-01-15T06:00Z", hours=3, particles=300,
                     seed_value=3)
    np.testing.assert_array_equal(off["lon"].values, plain["lon"].values)
    assert not np.array_equal(on["lon"].values[:, -1], plain["lon"].values[:, -1])
    r = runner.invoke(app, base + ["--out", str(tmp_path / "c.nc"), "--forcing-error", "0.05"])
    assert r.exit_code == 2 and "--forcing-error" in r.output and not (tmp_path / "c.nc").exists()


@pytest.mark.slow
def test_sar_default_is_calibrated_when_the_forecast_ocean_is_not_the_real_one():
    """Pooled variant oceans (each truth in its own variant of the synthetic strait): the truths fall
    inside the forecast's 50 % and 90 % areas about 50 % and 90 % of the time at 6, 12 and 24 h.

    Small N (5 000 forecast particles, 400 truths): the binomial sampling error is 2.5 points at 50 %
    and 1.5 at 90 %, so the tolerances are 7 and 4.5 points (≈ 3σ). Without the forcing error the
    same truths are under-covered (full figures: docs/observations.md, 40–43 % / 83 %).
    """
    import forcing_calibration as fc

    truth = fc.truths(list(range(3001, 3401)), seed=11)
    on = fc.coverage(fc.forecast_cloud(SAR_DEFAULT, particles=5000, seed=5), truth)
    off = fc.coverage(fc.forecast_cloud(None, particles=5000, seed=5), truth)
    for h in fc.LEADS_H:
        assert on[h][0] == pytest.approx(50.0, abs=7.0), (h, on)
        assert on[h][1] == pytest.approx(90.0, abs=4.5), (h, on)
        assert off[h][1] < 87.0, (h, off)


def test_case_drift_carries_the_forcing_error(tmp_path):
    from typer.testing import CliRunner

    from case_data import POINT_AREA
    from sarex.cli import app
    from sarex.io.driftfile import read_drift

    case = tmp_path / "case.toml"
    case.write_text(POINT_AREA)
    base = ["drift", "--case", str(case), "--hours", "1", "--particles", "200", "--synthetic"]
    r = CliRunner().invoke(app, base + ["--out", str(tmp_path / "a.nc")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, base + ["--out", str(tmp_path / "b.nc"), "--forcing-error", "0.02,6"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert forcing_error_from_attrs(read_drift(tmp_path / "a.nc").attrs) == SAR_DEFAULT
    assert forcing_error_from_attrs(read_drift(tmp_path / "b.nc").attrs) == ForcingError(0.02, 6 * 3600.0, 0.0)


def test_compiled_advance_equals_the_numpy_ou_step():
    """The one-pass OU kernel of a step against the array-by-array reference :meth:`ForcingError.advance`
    (numpy Box–Muller). Transcendentals may differ by an ulp between numpy and libm: 1e-12."""
    n = 5000
    rng = np.random.default_rng(3)
    slope = rng.uniform(0.01, 0.05, n)
    factor = np.where(rng.random(n) < 0.3, 0.4, 1.0)
    pids = np.arange(n, dtype=np.int64) * 7 + 11
    du0, dv0 = SAR_DEFAULT.initial(5, pids, slope * factor)
    du, dv = du0.copy(), dv0.copy()
    from sarex.drift.forcing_error import draw_keys

    SAR_DEFAULT.advance_compiled(du, dv, 600.0, draw_keys(5, pids), 17, slope, factor)
    ru, rv = du0.copy(), dv0.copy()
    SAR_DEFAULT.advance(ru, rv, 5, pids, 17, 600.0, slope * factor)
    np.testing.assert_allclose(du, ru, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dv, rv, rtol=1e-12, atol=1e-15)
    assert np.abs(du - du0).max() > 1e-4  # it did advance (σ·sqrt(1 − a²) ≈ 3e-3 m/s per step)


def test_compiled_initial_draw_equals_the_numpy_box_muller():
    """The stationary draw at release: σ times two Box–Muller normals of (seed, particle, step −1),
    here recomputed with numpy from the same counter-based uniforms; 1e-12 for libm vs the kernel."""
    from sarex.drift.forcing_error import _normals

    pids = np.arange(4000, dtype=np.int64) * 3 + 1
    slope = np.linspace(0.0, 0.05, pids.size)
    x, y = _normals(9, pids, -1)
    for s, sig in ((None, SAR_DEFAULT.current_sigma_m_s), (slope, np.sqrt(0.05**2 + (slope * 2.0) ** 2))):
        du, dv = SAR_DEFAULT.initial(9, pids, s)
        np.testing.assert_allclose(du, sig * x, rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(dv, sig * y, rtol=1e-12, atol=1e-16)
    assert abs(np.std(x) - 1.0) < 0.05 and abs(np.mean(y)) < 0.05  # they are standard normals
