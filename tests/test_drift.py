"""Leeway drift engine: exactness, the stochastic model, seeding, stranding, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize

from sarex.drift import Release, get_object, leeway_objects, simulate
from sarex.drift.geodesy import move
from sarex.geo import WGS84_A, WGS84_E2
from sarex.drift.kernels import jibe_probability_per_step
from sarex.environment import ConstantField, Environment, OutsidePolicy
from sarex.environment.synthetic import korea_strait_environment
from sarex.errors import SarexInputError

START = "2026-01-15T06:00Z"


def _meridian_arc(phi: float) -> float:
    """Independent reference: meridian arc length by adaptive quadrature of M(φ)."""
    m = lambda p: WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * math.sin(p) ** 2) ** 1.5  # noqa: E731
    return integrate.quad(m, 0.0, phi, epsabs=1e-10, epsrel=1e-13, limit=200)[0]


def _rhumb_reference(lon0, lat0, ve, vn, t):
    """End point after time t at constant (ve, vn) on WGS84, by quadrature and root finding."""
    phi0 = math.radians(lat0)
    m_target = _meridian_arc(phi0) + vn * t
    phi1 = optimize.brentq(lambda p: _meridian_arc(p) - m_target, phi0 - 0.05, phi0 + 0.05, xtol=1e-15, rtol=1e-15)

    def phi_at(tau):  # latitude after tau seconds
        if vn == 0:
            return phi0
        mt = _meridian_arc(phi0) + vn * tau
        return optimize.brentq(lambda p: _meridian_arc(p) - mt, phi0 - 0.05, phi0 + 0.05, xtol=1e-15, rtol=1e-15)

    g = lambda tau: 1.0 / (WGS84_A / math.sqrt(1 - WGS84_E2 * math.sin(phi_at(tau)) ** 2) * math.cos(phi_at(tau)))  # noqa: E731
    dlam = ve * integrate.quad(g, 0.0, t, epsabs=0, epsrel=1e-13, limit=200)[0]
    return lon0 + math.degrees(dlam), math.degrees(phi1)


def _metres_between(lon_a, lat_a, lon_b, lat_b):
    phi = math.radians(0.5 * (lat_a + lat_b))
    w = 1 - WGS84_E2 * math.sin(phi) ** 2
    m = WGS84_A * (1 - WGS84_E2) / w**1.5
    n = WGS84_A / math.sqrt(w)
    return math.hypot(math.radians(lon_b - lon_a) * n * math.cos(phi), math.radians(lat_b - lat_a) * m)


def test_rhumb_step_matches_quadrature_reference():
    for lon0, lat0, ve, vn, t in [(129.2, 34.6, 0.7, -0.4, 86400.0), (10.0, 60.0, -1.2, 0.3, 43200.0), (0.0, -45.0, 0.0, 1.0, 3600.0), (5.0, 20.0, 2.0, 0.0, 7200.0)]:
        n_steps = int(t / 600.0)
        x, y = np.array([lon0]), np.array([lat0])
        for _ in range(n_steps):
            x, y = move(x, y, ve, vn, 600.0)
        rx, ry = _rhumb_reference(lon0, lat0, ve, vn, t)
        err = _metres_between(x[0], y[0], rx, ry)
        assert err <= 1e-9 * math.hypot(ve, vn) * t, (lon0, lat0, err)


def test_one_long_rhumb_step_within_1e_10():
    """One 15-km step (4.2 m/s for an hour) at any latitude and heading: within 1e-10 of quadrature and root finding."""
    for lat0 in (-70.0, -20.0, 0.0, 34.6, 60.0, 75.0):
        for ve, vn in ((3.0, 3.0), (-3.0, 3.0), (0.5, -4.2), (4.2, 0.0), (0.0, 4.2)):
            x, y = move(np.array([129.2]), np.array([lat0]), ve, vn, 3600.0)
            rx, ry = _rhumb_reference(129.2, lat0, ve, vn, 3600.0)
            assert _metres_between(x[0], y[0], rx, ry) <= 1e-10 * math.hypot(ve, vn) * 3600.0, (lat0, ve, vn)


def test_rk2_stage_point_within_2_cm_of_the_rhumb_line_over_5_km():
    """The RK2 midpoint (where the velocity is sampled) is a cheap step: within 2 cm of the exact
    rhumb-line point for 5-km steps at any heading up to 80°, and it wraps longitudes as the step does."""
    from sarex.drift.geodesy import stage_point_kernel

    worst = 0.0
    for lat0 in (-80.0, -35.0, 0.0, 34.6, 60.0, 80.0):
        for az in np.arange(0.0, 360.0, 30.0):
            ve, vn = 2.0 * math.sin(math.radians(az)), 2.0 * math.cos(math.radians(az))
            out_x, out_y = np.empty(1), np.empty(1)
            stage_point_kernel(np.array([129.2]), np.array([lat0]), np.array([ve]), np.array([vn]), 2500.0,
                               np.ones(1, dtype=bool), out_x, out_y)
            rx, ry = _rhumb_reference(129.2, lat0, ve, vn, 2500.0)
            worst = max(worst, _metres_between(out_x[0], out_y[0], rx, ry))
    assert 1e-4 < worst < 0.02  # not the exact step (that would be rhumb_step), but close to it
    out_x, out_y = np.empty(2), np.empty(2)
    stage_point_kernel(np.array([179.99, -179.99]), np.array([34.6, 34.6]), np.array([10.0, -10.0]), np.zeros(2), 600.0,
                       np.ones(2, dtype=bool), out_x, out_y)
    assert -180.0 < out_x[0] < -179.9 and 179.9 < out_x[1] < 180.0


@pytest.mark.parametrize("scheme", ["euler", "rk2"])
def test_constant_forcing_displacement_is_exact(scheme):
    """Bar: with constant wind and current and jibing off, each particle moves (current + its own leeway)·t, to 1e-9."""
    wind_u, wind_v = 6.0, -8.0  # 10 m/s towards the south-east
    cur_u, cur_v = 0.15, 0.25
    env = Environment(ConstantField(wind_u, wind_v, "wind"), ConstantField(cur_u, cur_v, "current"))
    obj = get_object("LIFE-RAFT-NB-2")
    hours = 24.0
    ds = simulate(env, obj, lon=129.2, lat=34.6, start=START, radius_m=500, hours=hours, particles=400,
                  seed_value=3, scheme=scheme, coast=False, jibe_probability_per_hour=0.0)
    a_r, b_r, s_r, a_l, b_l, s_l = obj.coefficients_si[3:]
    speed = math.hypot(wind_u, wind_v)
    de, dn = wind_u / speed, wind_v / speed
    t = hours * 3600.0
    errs = []
    for k in range(0, 400, 8):
        side = int(ds.orientation.values[k, -1])
        assert side == int(ds.orientation.values[k, 0])  # jibing off
        a, b, s = (a_r, b_r, s_r) if side == 0 else (a_l, b_l, s_l)
        eps = float(ds.crosswind_z.values[k]) * s
        l_dw = float(ds.downwind_slope.values[k]) * speed + float(ds.downwind_offset.values[k])
        l_cw = (a + eps / 20) * speed + b + eps / 2
        ve = cur_u + l_dw * de + l_cw * dn
        vn = cur_v + l_dw * dn - l_cw * de
        rx, ry = _rhumb_reference(ds.lon.values[k, 0], ds.lat.values[k, 0], ve, vn, t)
        err = _metres_between(ds.lon.values[k, -1], ds.lat.values[k, -1], rx, ry)
        errs.append(err / (math.hypot(ve, vn) * t))
    assert max(errs) < 1e-9
    # Right-side particles end up to the right of downwind of left-side ones (crosswind sign convention).
    cross = (ds.lon.values[:, -1] - 129.2) * dn - (ds.lat.values[:, -1] - 34.6) * de
    right = ds.orientation.values[:, -1] == 0
    assert cross[right].mean() > cross[~right].mean()


def test_mean_leeway_matches_table():
    """Ensemble-mean leeway at constant 10 m/s wind equals the class's mean downwind/crosswind model."""
    env = Environment(ConstantField(0.0, 10.0, "wind"), ConstantField(0.0, 0.0, "current"))  # wind towards north
    obj = get_object("PIW-1")
    n = 20000
    ds = simulate(env, obj, lon=0.0, lat=0.0, start=START, hours=1, particles=n, seed_value=11,
                  scheme="euler", coast=False, jibe_probability_per_hour=0.0)
    m_per_deg = 110574.0  # at the equator
    dn_m = (ds.lat.values[:, -1] - 0.0) * m_per_deg
    de_m = (ds.lon.values[:, -1] - 0.0) * 111320.0
    dw_mean = dn_m.mean() / 3600.0
    expected_dw, exp_r, exp_l = obj.mean_leeway_m_s(10.0)
    # ε_dw is redrawn where a_dw + ε/20 < 0 (Breivik & Allen 2008): a normal truncated at
    # c = −20·a_dw/S; at U = 10 m/s the perturbation of L_dw equals ε itself.
    from scipy.stats import truncnorm

    s_dw = obj.dw_std_cm_s / 100.0
    trunc = truncnorm(-20.0 * (obj.dw_slope_pct / 100.0) / s_dw, np.inf, loc=0.0, scale=s_dw)
    assert dw_mean == pytest.approx(expected_dw + trunc.mean(), abs=4 * trunc.std() / math.sqrt(n))
    right = ds.orientation.values[:, 0] == 0
    assert (de_m[right].mean() / 3600.0) == pytest.approx(exp_r, abs=4 * 0.094 / math.sqrt(n / 2))
    assert (de_m[~right].mean() / 3600.0) == pytest.approx(exp_l, abs=4 * 0.094 / math.sqrt(n / 2))
    assert np.std(dn_m / 3600.0) == pytest.approx(trunc.std(), rel=0.03)


def test_jibing_rate():
    """4 %/h jibing: the fraction of particles that changed side after 1 h is 4 % (each step's draw independent)."""
    env = Environment(ConstantField(0.0, 10.0, "wind"), ConstantField(0.0, 0.0, "current"))
    n = 50000
    ds = simulate(env, "PIW-1", lon=0.0, lat=0.0, start=START, hours=1, particles=n, seed_value=5, scheme="euler", coast=False)
    changed = ds.orientation.values[:, -1] != ds.orientation.values[:, 0]
    # Odd number of jibes in 6 steps with per-step p: (1 - (1-2p)^6)/2.
    p = jibe_probability_per_step(0.04, 600.0)
    expected = (1 - (1 - 2 * p) ** 6) / 2
    assert changed.mean() == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    assert 1 - (1 - p) ** 6 == pytest.approx(0.04, rel=1e-12)


def test_same_seed_same_bits_any_thread_count():
    import numba

    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    kw = dict(lon=129.6, lat=34.9, start=START, radius_m=1000, hours=6, particles=3000, seed_value=42, coast=False)
    a = simulate(env, "LIFE-RAFT-DB-11", **kw)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = simulate(env, "LIFE-RAFT-DB-11", **kw)
    finally:
        numba.set_num_threads(old)
    c = simulate(env, "LIFE-RAFT-DB-11", **{**kw, "seed_value": 43})
    np.testing.assert_array_equal(a.lon.values, b.lon.values)
    np.testing.assert_array_equal(a.orientation.values, b.orientation.values)
    assert np.abs(a.lon.values[:, -1] - c.lon.values[:, -1]).max() > 1e-4


def test_rk2_is_second_order_and_euler_first():
    """Against a fine-step RK2 reference in the tidal field, halving the step cuts the error ~2x (Euler) and ~4x (RK2)."""
    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    kw = dict(lon=129.6, lat=34.9, start=START, hours=12, particles=50, seed_value=1, coast=False, jibe_probability_per_hour=0.0)
    ref = simulate(env, "PIW-1", step_s=60, output_s=3600, scheme="rk2", **kw)

    def err(scheme, step):
        ds = simulate(env, "PIW-1", step_s=step, output_s=3600, scheme=scheme, **kw)
        return np.mean(np.hypot(ds.lon.values[:, -1] - ref.lon.values[:, -1], ds.lat.values[:, -1] - ref.lat.values[:, -1]))

    e_ratio = err("euler", 1800) / err("euler", 900)
    r_ratio = err("rk2", 1800) / err("rk2", 900)
    assert 1.6 < e_ratio < 2.5
    assert 3.0 < r_ratio < 5.0


def test_stranding_on_tsushima():
    """A raft just west of Tsushima in a NW monsoon strands on the island's coast, on the sea side of it."""
    from sarex.environment.coast import Coastline

    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    ds = simulate(env, "LIFE-RAFT-NB-2", lon=129.2, lat=34.6, start=START, radius_m=500, hours=24, particles=500, seed_value=2)
    st = ds.status.values[:, -1]
    assert (st == 1).mean() > 0.9
    coast = Coastline(bbox=(128.5, 33.5, 130.0, 35.0))
    lon, lat = ds.lon.values[:, -1], ds.lat.values[:, -1]
    assert not coast.on_land(lon, lat).any()  # stranded particles rest at the last sea point
    # ... within about 1/1000 of a step (< 50 m) of land towards the south-east.
    step_lon = lon + 0.0005
    step_lat = lat - 0.0005
    assert coast.on_land(step_lon[st == 1], step_lat[st == 1]).mean() > 0.5
    # Stranded particles do not move again.
    j = np.argmax(ds.status.values == 1, axis=1)
    k = np.flatnonzero(st == 1)[0]
    assert np.all(ds.lon.values[k, j[k]:] == ds.lon.values[k, -1])


def test_cone_and_time_window_release():
    env = Environment(ConstantField(0.0, 0.0), ConstantField(0.0, 0.0))
    rel = Release(lon=129.0, lat=34.0, time_s=1768456800.0, radius_m=0.0, end_lon=130.0, end_lat=34.0,
                  end_time_s=1768456800.0 + 4 * 3600.0, end_radius_m=0.0)
    ds = simulate(env, "PIW-1", rel, hours=6, particles=101, seed_value=0, coast=False, output_s=3600)
    # Particle i is released at 4h·i/100 along the track: not released before, at its point after.
    st = ds.status.values
    assert (st[:, 0] == 0).sum() == 1  # only the first particle at t0
    assert (st[:, 2] == 0).sum() == 51  # released by 2 h: i <= 50
    np.testing.assert_allclose(ds.lon.values[50, 2], 129.5, atol=1e-9)  # geodesic midpoint, at its release time
    assert np.isnan(ds.lon.values[100, 3]) and ds.lon.values[100, 4] == pytest.approx(130.0, abs=1e-9)


def test_gaussian_and_uniform_radius():
    env = Environment(ConstantField(0.0, 0.0), ConstantField(0.0, 0.0))
    for rtype, check in (("gaussian", lambda r: np.std(r[:, 0])), ("uniform", lambda r: np.max(np.hypot(r[:, 0], r[:, 1])))):
        rel = Release(lon=0.0, lat=0.0, time_s=1768456800.0, radius_m=1000.0, radius_type=rtype)
        ds = simulate(env, "PIW-1", rel, hours=1, particles=20000, seed_value=4, coast=False)
        r = np.column_stack([ds.lon.values[:, 0] * 111319.49, ds.lat.values[:, 0] * 110574.27])
        assert check(r) == pytest.approx(1000.0, rel=0.02)


def test_object_table():
    objs = leeway_objects()
    assert len(objs) == 85  # OpenDrift's OBJECTPROP.DAT
    raft = objs["LIFE-RAFT-NB-2"]
    assert (raft.dw_slope_pct, raft.dw_offset_cm_s, raft.dw_std_cm_s) == (5.34, 9.91, 9.82)
    assert objs["PIW-1"].cwl_slope_pct == -0.54
    for o in objs.values():
        assert min(o.dw_std_cm_s, o.cwr_std_cm_s, o.cwl_std_cm_s) >= 0
    assert objs["SLDMB"].coefficients_si == (0.0,) * 9  # drifter buoy: no windage at all
    with pytest.raises(SarexInputError, match="unknown Leeway object class 'RAFT'"):
        get_object("RAFT")


def test_left_domain_policy():
    env = korea_strait_environment("2026-01-15T00:00Z", days=2, outside=OutsidePolicy.DEACTIVATE)
    ds = simulate(env, "FISHING-VESSEL-1", lon=131.45, lat=34.5, start=START, hours=12, particles=200, seed_value=0, coast=False)
    assert (ds.status.values[:, -1] == 2).mean() > 0.5
    env_err = korea_strait_environment("2026-01-15T00:00Z", days=2)
    from sarex.errors import OutsideDomainError

    with pytest.raises(OutsideDomainError, match="outside the field's domain"):
        simulate(env_err, "FISHING-VESSEL-1", lon=131.45, lat=34.5, start=START, hours=12, particles=200, seed_value=0, coast=False)


def test_capsizing_rate_and_reduced_leeway():
    """OpenDrift's capsizing: hourly probability 0.5 + 0.5·tanh((U − 30)/5), leeway × 0.4 afterwards."""
    env = Environment(ConstantField(0.0, 40.0, "wind"), ConstantField(0.0, 0.0, "current"))
    n = 20000
    ds = simulate(env, "LIFE-RAFT-DB-11", lon=0.0, lat=0.0, start=START, hours=1, particles=n, seed_value=8,
                  scheme="euler", coast=False, jibe_probability_per_hour=0.0, capsize=True)
    p_step = (0.5 + 0.5 * math.tanh((40.0 - 30.0) / 5.0)) * 600.0 / 3600.0
    expected = 1 - (1 - p_step) ** 6
    frac = ds.capsized.values[:, -1].mean()
    assert frac == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    # Capsized particles spent part of the hour at 0.4x leeway: between 0.4x and 1x as far downwind.
    moved = ds.lat.values[:, -1] * 110574.0
    never = ds.capsized.values[:, -1] == 0
    assert moved[never].mean() > moved[~never].mean() > 0.4 * moved[never].mean()


@pytest.mark.parametrize("scheme", ["euler", "rk2"])
def test_continued_drift_equals_one_long_run(scheme):
    """12 h + a 12-h continuation is bit for bit the 24-h run (same forcing, same seed), coast on."""
    from sarex.drift.continuation import continue_drift

    env = korea_strait_environment("2026-01-15T00:00Z", days=2)
    kw = dict(lon=129.3, lat=34.75, start=START, radius_m=2000, particles=1500, seed_value=6, scheme=scheme)
    full = simulate(env, "LIFE-RAFT-NB-2", hours=24, **kw)
    cont = continue_drift(env, simulate(env, "LIFE-RAFT-NB-2", hours=12, **kw), 12)
    assert (full.status.values[:, -1] == 1).any()  # some strand on Tsushima: state carried over too
    for v in ("lon", "lat", "status", "orientation"):
        np.testing.assert_array_equal(cont[v].values, full[v].values)
    np.testing.assert_array_equal(cont.time.values, full.time.values)


@pytest.mark.parametrize("d_max_m, tol_m", [(50e3, 1e-6), (1e6, 2e-5), (1.9e7, 2e-4)])
def test_seeding_offsets_are_geodesics_as_proj_gives_them(d_max_m, tol_m):
    """offset_points (Vincenty's direct problem) against PROJ's Geod.fwd (Karney's algorithm):
    start points anywhere up to 89.9°, offsets in every direction up to ``d_max_m``."""
    from sarex.geo import GEOD, offset_points

    rng = np.random.default_rng(2)
    n = 50_000
    lon, lat = rng.uniform(-180, 360, n), rng.uniform(-89.9, 89.9, n)
    az, d = rng.uniform(-180, 180, n), rng.uniform(0, d_max_m, n)
    east, north = d * np.sin(np.radians(az)), d * np.cos(np.radians(az))
    x, y = offset_points(lon, lat, east, north)
    rx, ry, _ = GEOD.fwd(lon, lat, np.degrees(np.arctan2(east, north)), np.hypot(east, north))
    _, _, miss = GEOD.inv(x, y, rx, ry)
    assert miss.max() < tol_m
    assert x.min() >= -180.0 and x.max() < 180.0
    # one start point for many offsets, and a zero offset
    x1, y1 = offset_points(129.2, 34.6, east[:100], north[:100])
    r1x, r1y, _ = GEOD.fwd(np.full(100, 129.2), np.full(100, 34.6), np.degrees(np.arctan2(east[:100], north[:100])), np.hypot(east[:100], north[:100]))
    assert GEOD.inv(x1, y1, r1x, r1y)[2].max() < tol_m
    z = offset_points(np.array([129.2, 309.2]), np.array([34.6, -34.6]), [0.0, 0.0], [0.0, 0.0])
    assert z[0][0] == 129.2 and z[1][0] == 34.6 and z[1][1] == -34.6
    assert abs(z[0][1] - (-50.8)) < 1e-12  # a 0..360 start longitude comes back in [-180, 180)


def test_keyed_draws_are_the_counter_draws():
    """Kernels drawing each step use the per-particle part of the counter computed once
    (stream_keys): the same uniforms as hashing (seed, particle, step, stream) every time."""
    import numba

    from sarex.drift.rng import stream_keys, uniform01, uniform_keyed

    @numba.njit
    def both(seed, pids, step, stream, keys):
        a, b = np.empty(pids.size), np.empty(pids.size)
        for i in range(pids.size):
            a[i] = uniform01(seed, pids[i], step, stream)
            b[i] = uniform_keyed(keys[i], step)
        return a, b

    pids = np.arange(0, 50_000, 7, dtype=np.int64)
    for seed, stream, step in ((np.uint64(0), 1, 0), (np.uint64(2**63 + 5), 101, 12345), (np.uint64(42), 102, 2**62)):
        a, b = both(seed, pids, step, stream, stream_keys(seed, pids, stream))
        assert np.array_equal(a, b)
        assert 0.49 < a.mean() < 0.51 and a.min() >= 0.0 and a.max() < 1.0
