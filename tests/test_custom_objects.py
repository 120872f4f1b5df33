"""User object classes (TOML/CSV) in the drift, and least-squares fits of their coefficients."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarex.drift import simulate
from sarex.drift.fit import fit_object
from sarex.drift.objects import _USER, get_object, read_object_file, register_objects
from sarex.environment import Environment
from sarex.environment.constant import ConstantField
from sarex.errors import SarexInputError
from sarex.io.track import Track

T0 = 1768435200.0  # 2026-01-15T00:00Z

TOML = """
[[object]]
key = "iSphere-test"
kind = "windage"
description = "iSphere-like drifter"
windage_pct = 2.0
windage_std_pct = 0.5
sweep_width_object = "piw"

[[object]]
key = "MY-RAFT"
dw_slope_pct = 3.0
dw_offset_cm_s = 1.0
dw_std_cm_s = 2.0
cwr_slope_pct = 0.5
cwr_offset_cm_s = 0.0
cwr_std_cm_s = 1.0
cwl_slope_pct = -0.5
cwl_offset_cm_s = 0.0
cwl_std_cm_s = 1.0
"""


@pytest.fixture
def objects_file(tmp_path):
    p = tmp_path / "objects.toml"
    p.write_text(TOML)
    yield p
    _USER.clear()


def test_windage_object_drifts_as_current_plus_alpha_wind(objects_file):
    register_objects(read_object_file(objects_file))
    obj = get_object("isphere-test")
    assert obj.kind == "windage" and obj.dw_slope_pct == 2.0
    wind, cur = (6.0, 8.0), (0.1, -0.05)  # |W| = 10 m/s
    env = Environment(ConstantField(*wind), ConstantField(*cur))
    n, hours = 4000, 10.0
    ds = simulate(env, "ISPHERE-TEST", lon=129.0, lat=34.0, start=T0, hours=hours, particles=n, coast=False, seed_value=4)
    # each particle: α_p = 2 % + ε, ε ~ N(0, 0.5 %), offset 0, no crosswind
    alpha = np.asarray(ds["downwind_slope"].values)
    np.testing.assert_allclose(ds["downwind_offset"].values, 0.0, atol=0)
    assert alpha.mean() == pytest.approx(0.02, abs=3 * 0.005 / math.sqrt(n))
    assert alpha.std() == pytest.approx(0.005, rel=0.05)
    # displacement of each particle: (c + α_p W)·t exactly (uniform forcing, rhumb lines)
    from sarex.geo import metres_per_radian as _metric

    t = hours * 3600.0
    rx, ry = _metric(np.array([34.0]))
    lon_end = ds["lon"].values[:, -1]
    lat_end = ds["lat"].values[:, -1]
    dn = np.radians(lat_end - 34.0) * ry  # exact meridional metric only to first order: tolerance 1e-3 rel
    np.testing.assert_allclose(dn, (cur[1] + alpha * wind[1]) * t, rtol=2e-3)
    de = np.radians(lon_end - 129.0) * rx
    np.testing.assert_allclose(de, (cur[0] + alpha * wind[0]) * t, rtol=2e-3)


def test_registry_by_environment_variable_and_sweep_width(objects_file, monkeypatch):
    from sarex.search.sweepwidth import search_object_for_leeway

    monkeypatch.setenv("SAREX_OBJECTS", str(objects_file))
    assert get_object("MY-RAFT").cwr_slope_pct == 0.5
    assert search_object_for_leeway("ISPHERE-TEST") == "piw"
    assert get_object("PIW-1").dw_slope_pct == 0.96  # built-ins still there


@pytest.mark.parametrize(
    "text, why",
    [
        ('[[object]]\nkey = "X"\nkind = "windage"\nwindage_pct = -1.0\n', "windage_pct: -1.0 is negative"),
        (TOML.replace("dw_slope_pct = 3.0", "dw_slope_pct = -3.0"), "dw_slope_pct: -3.0 is negative"),
        (TOML.replace("dw_std_cm_s = 2.0", "dw_std_cm_s = -2.0"), "dw_std_cm_s"),
        (TOML.replace("cwl_std_cm_s = 1.0\n", ""), "cwl_std_cm_s: missing"),
    ],
)
def test_bad_object_file_is_one_line(tmp_path, text, why):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(SarexInputError) as e:
        read_object_file(p)
    assert why in str(e.value) and "bad.toml" in str(e.value) and "\n" not in str(e.value)


def test_csv_object_file(tmp_path):
    p = tmp_path / "o.csv"
    p.write_text("key,kind,description,windage_pct,windage_std_pct\nDMB-1,windage,datum marker buoy,1.2,0.3\n")
    o = read_object_file(p)["DMB-1"]
    assert (o.kind, o.dw_slope_pct, o.dw_std_cm_s, o.cwr_slope_pct) == ("windage", 1.2, 0.3, 0.0)


# --- fits: coverage of the 2-standard-error interval on simulated tracks ---------------


def _simulate_tracks(env, n, hours, leeway, sigma_v, gps_m, seed):
    """Tracks of n objects by the test's own midpoint integrator (10-min steps), hourly fixes with GPS noise."""
    from sarex.geo import metres_per_radian as _metric

    rng = np.random.default_rng(seed)
    lon = 129.3 + rng.uniform(-0.4, 0.4, n)
    lat = 34.2 + rng.uniform(-0.3, 0.3, n)
    dt = 600.0

    def vel(x, y, t):
        wu, wv, cu, cv, _ = env.sample(x, y, t)
        return cu + leeway(wu, wv)[0], cv + leeway(wu, wv)[1]

    fixes = [(lon.copy(), lat.copy())]
    for k in range(int(hours * 6)):
        t = T0 + k * dt
        rx, ry = _metric(lat)
        ve, vn = vel(lon, lat, t)
        xm = lon + np.degrees(0.5 * dt * ve / rx)
        ym = lat + np.degrees(0.5 * dt * vn / ry)
        ve, vn = vel(xm, ym, t + 0.5 * dt)
        ve = ve + sigma_v * rng.standard_normal(n)
        vn = vn + sigma_v * rng.standard_normal(n)
        rx, ry = _metric(ym)
        lon = lon + np.degrees(dt * ve / rx)
        lat = lat + np.degrees(dt * vn / ry)
        if (k + 1) % 6 == 0:
            fixes.append((lon.copy(), lat.copy()))
    fx = np.array([f[0] for f in fixes]).T
    fy = np.array([f[1] for f in fixes]).T
    rx, ry = _metric(fy)
    fx = fx + np.degrees(gps_m * rng.standard_normal(fx.shape) / rx)
    fy = fy + np.degrees(gps_m * rng.standard_normal(fy.shape) / ry)
    times = T0 + 3600.0 * np.arange(fx.shape[1])
    return [Track(fx[i], fy[i], times, f"t{i}") for i in range(n)]


@pytest.fixture(scope="module")
def strait():
    from sarex.environment.synthetic import korea_strait_environment

    return korea_strait_environment("2026-01-15T00:00Z", days=3)


@pytest.mark.slow
def test_windage_fit_within_two_standard_errors(strait):
    alpha = 0.025
    tracks = _simulate_tracks(strait, 200, 24, lambda wu, wv: (alpha * wu, alpha * wv), sigma_v=0.05, gps_m=10.0, seed=11)
    hits = 0
    for tr in tracks:
        f = fit_object([tr], strait, "windage")
        hits += abs(f.coefficients["windage_pct"] - 100 * alpha) <= 2 * f.standard_errors["windage_pct"]
    assert hits >= 180, f"{hits}/200 within 2 SE"
    assert hits <= 199  # not vacuous: the errors are not wildly inflated


@pytest.mark.slow
def test_leeway_fit_within_two_standard_errors(strait):
    a, b, ac, bc = 0.03, 0.02, 0.006, -0.01  # slopes as fractions, offsets m/s (right side)

    def leeway(wu, wv):
        u = np.hypot(wu, wv)
        de, dn = wu / u, wv / u
        ldw, lcw = a * u + b, ac * u + bc
        return ldw * de + lcw * dn, ldw * dn - lcw * de

    tracks = _simulate_tracks(strait, 200, 48, leeway, sigma_v=0.05, gps_m=10.0, seed=12)
    hits = {k: 0 for k in ("dw_slope_pct", "dw_offset_cm_s", "cwr_slope_pct", "cwr_offset_cm_s")}
    truth = {"dw_slope_pct": 100 * a, "dw_offset_cm_s": 100 * b, "cwr_slope_pct": 100 * ac, "cwr_offset_cm_s": 100 * bc}
    for tr in tracks:
        f = fit_object([tr], strait, "leeway")
        for k in hits:
            hits[k] += abs(f.coefficients[k] - truth[k]) <= 2 * f.standard_errors[k]
    assert all(v >= 180 for v in hits.values()), hits


def test_cli_fit_object_writes_a_usable_object_file(tmp_path, strait):
    from typer.testing import CliRunner

    from sarex.cli import app
    from sarex.times import iso

    alpha = 0.015
    tracks = _simulate_tracks(strait, 10, 24, lambda wu, wv: (alpha * wu, alpha * wv), sigma_v=0.05, gps_m=10.0, seed=5)
    rows = ["time,lon,lat,id"] + [f"{iso(t)},{x:.7f},{y:.7f},{tr.name}" for tr in tracks for t, x, y in zip(tr.time_s, tr.lon, tr.lat)]
    obs = tmp_path / "dmb.csv"
    obs.write_text("\n".join(rows) + "\n")
    out = tmp_path / "fitted.toml"
    r = CliRunner().invoke(app, ["fit-object", str(obs), "--synthetic", "--key", "dmb-fit", "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    o = read_object_file(out)["DMB-FIT"]
    assert o.kind == "windage"
    assert abs(o.dw_slope_pct - 1.5) <= 3 * o.dw_std_cm_s  # pooled over 10 tracks; the spread is the standard error
    # a track outside the forcing: one line, exit 2, nothing written
    far = tmp_path / "far.csv"
    far.write_text("time,lon,lat\n2026-01-15T00:00Z,140.0,20.0\n2026-01-15T01:00Z,140.01,20.0\n2026-01-15T02:00Z,140.02,20.0\n")
    out2 = tmp_path / "far.toml"
    r = CliRunner().invoke(app, ["fit-object", str(far), "--synthetic", "--out", str(out2)])
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1 and "outside" in r.output
    assert not out2.exists()


def test_cli_drift_with_a_negative_slope_object_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sarex.cli import app

    bad = tmp_path / "objects.toml"
    bad.write_text(TOML.replace("dw_slope_pct = 3.0", "dw_slope_pct = -3.0"))
    monkeypatch.setenv("SAREX_OBJECTS", str(bad))
    out = tmp_path / "d.nc"
    r = CliRunner().invoke(app, ["drift", "--lon", "129.9", "--lat", "34.0", "--start", "2026-01-15T00:00Z", "--hours", "2",
                                 "--synthetic", "--object", "MY-RAFT", "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "dw_slope_pct: -3.0 is negative" in r.output and "objects.toml" in r.output and len(r.output.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_objects_option_reaches_drift_case_plan_and_exercise(tmp_path):
    """`--objects FILE` makes a custom class usable by key in drift, case, plan and exercise commands."""
    from importlib import resources

    from typer.testing import CliRunner

    from sarex.cli import app
    from sarex.io.driftfile import read_drift

    # a file of its own name, so that no other test's registration can make this one pass
    f = tmp_path / "mine.toml"
    f.write_text(TOML.replace("iSphere-test", "OPT-SPHERE").replace("MY-RAFT", "OPT-RAFT"))
    run = lambda args: CliRunner().invoke(app, args, catch_exceptions=False)  # noqa: E731
    try:
        d = tmp_path / "d.nc"
        drift = ["drift", "--lon", "129.9", "--lat", "34.0", "--start", "2026-01-15T00:00Z", "--hours", "2", "--synthetic",
                 "--particles", "200", "--object", "OPT-SPHERE", "--out", str(d)]
        r = CliRunner().invoke(app, drift)
        assert r.exit_code == 2 and "unknown Leeway object class 'OPT-SPHERE'" in r.output and not d.exists()
        r = run(drift + ["--objects", str(f)])
        assert r.exit_code == 0, r.output
        ds = read_drift(d)
        assert ds.attrs["object_class"] == "OPT-SPHERE" and np.allclose(ds["downwind_offset"].values, 0.0)
        # the plan takes the sweep-width object of the custom class ("piw")
        _USER.clear()
        r = run(["plan", str(d), "--start", "2026-01-15T01:00Z", "--hours", "1", "--out", str(tmp_path / "plan"), "--objects", str(f)])
        assert r.exit_code == 0, r.output
        _USER.clear()
        case = tmp_path / "case.toml"
        case.write_text('[[scenario]]\nname = "S"\nweight = 1.0\nobjects = [{class = "OPT-RAFT", weight = 1.0}]\n'
                        'type = "point"\nlon = 129.9\nlat = 34.0\ntime = "2026-01-15T00:00:00Z"\nradius_m = 500\n')
        r = CliRunner().invoke(app, ["case", "check", str(case)])
        assert r.exit_code == 2 and "OPT-RAFT" in r.output
        r = run(["case", "check", str(case), "--objects", str(f)])
        assert r.exit_code == 0 and "OPT-RAFT" in r.output, r.output
        _USER.clear()
        sc = tmp_path / "sc.toml"
        text = resources.files("sarex.data").joinpath("korea_japan_sarex.toml").read_text(encoding="utf-8")
        sc.write_text(text.replace('object_class = "PIW-1"', 'object_class = "OPT-RAFT"', 1))
        r = CliRunner().invoke(app, ["exercise", "check", str(sc), "--no-coast"])
        assert r.exit_code == 2 and "OPT-RAFT" in r.output
        r = run(["exercise", "check", str(sc), "--no-coast", "--objects", str(f)])
        assert r.exit_code == 0 and "OPT-RAFT" in r.output, r.output
    finally:
        _USER.clear()
