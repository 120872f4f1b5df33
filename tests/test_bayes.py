"""Bayesian update after unsuccessful searches: brute-force check and cumulative POS (issue 4)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad

from sarex.errors import SarexInputError
from sarex.io.driftfile import read_drift, searches_applied, write_drift
from sarex.search.bayes import apply_search, bayes_update
from sarex.search.detection import SearchUnit
from sarex.search.grid import centroid_kernel
from sarex.search.positions import output_times_s
from sarex.geo import LocalProjection
from sarex.io.track import Track
from search_synthetic import PROJ, T0, drift_dataset, stationary_dataset

W = 1852.0


def _track(xs, ys, t_start, speed_m_s, name="t") -> Track:
    xs = np.asarray(xs, float)
    ys = np.asarray(ys, float)
    lon, lat = PROJ.inverse(xs, ys)
    t = t_start + np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)) / speed_m_s)])
    return Track(lon, lat, t, name)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_update_matches_brute_force_on_a_fine_grid():
    """Bar: per-particle update equals a brute-force computation to 1e-6.

    Prior: a Gaussian on a fine grid of 0.1 nm nodes (one particle per node), drifting
    at (0.3, 0.1) m/s with hourly outputs. Brute force: integrate the inverse-cube
    detection rate (W²/8π)·|v_rel|/r³ over time along the true relative path with
    adaptive quadrature, in the same local projection, then apply Bayes' rule.
    """
    g = np.arange(-10, 11) * 0.1 * 1852.0
    gx, gy = np.meshgrid(g, g)
    gx, gy = gx.ravel(), gy.ravel()
    prior = np.exp(-0.5 * (gx**2 + gy**2) / (0.4 * 1852.0) ** 2)
    prior /= prior.sum()
    t = T0 + 3600.0 * np.arange(7)
    vx, vy = 0.3, 0.1
    xp = gx[:, None] + vx * (t - T0)[None, :]
    yp = gy[:, None] + vy * (t - T0)[None, :]
    ds = drift_dataset(xp, yp, t, weight=prior)
    # three legs, crossing an output time, by a unit at 20 m/s
    track = _track([-1.2 * W, 1.5 * W, 1.5 * W, -0.5 * W], [-0.33 * W, -0.33 * W, 0.62 * W, 0.62 * W], T0 + 3000.0, 20.0)
    out = apply_search(ds, [SearchUnit(track, 0.8 * W, "inverse-cube")])

    # brute force in the kernel's projection (centred on the mean waypoint)
    c = centroid_kernel(track.lon, track.lat, np.ones(track.lon.size), np.ones(track.lon.size, bool))
    proj = LocalProjection(float(c[0]), float(c[1]))
    px, py = proj.forward(ds["lon"].values, ds["lat"].values)
    sx, sy = proj.forward(track.lon, track.lat)
    w_m = 0.8 * W
    tout = output_times_s(ds)

    def searcher(tt):
        return np.interp(tt, track.time_s, sx), np.interp(tt, track.time_s, sy)

    def searcher_velocity(tt):
        k = min(max(int(np.searchsorted(track.time_s, tt, side="right") - 1), 0), track.time_s.size - 2)
        dt = track.time_s[k + 1] - track.time_s[k]
        return (sx[k + 1] - sx[k]) / dt, (sy[k + 1] - sy[k]) / dt

    pod_bf = np.empty(prior.size)
    breaks = np.unique(np.concatenate([track.time_s, tout[(tout > track.start_s) & (tout < track.end_s)]]))
    for i in range(prior.size):
        def rate(tt, i=i):
            k = min(int(np.searchsorted(tout, tt, side="right") - 1), tout.size - 2)
            f = (tt - tout[k]) / (tout[k + 1] - tout[k])
            ppx = px[i, k] + f * (px[i, k + 1] - px[i, k])
            ppy = py[i, k] + f * (py[i, k + 1] - py[i, k])
            pvx = (px[i, k + 1] - px[i, k]) / (tout[k + 1] - tout[k])
            pvy = (py[i, k + 1] - py[i, k]) / (tout[k + 1] - tout[k])
            qx, qy = searcher(tt)
            ux, uy = searcher_velocity(tt)
            r = math.hypot(qx - ppx, qy - ppy)
            return w_m * w_m / (8 * math.pi) * math.hypot(ux - pvx, uy - pvy) / r**3

        expo = sum(quad(rate, a, b, epsabs=0, epsrel=1e-11, limit=200)[0] for a, b in zip(breaks[:-1], breaks[1:]))
        pod_bf[i] = -math.expm1(-expo)
    post_bf = prior * (1 - pod_bf) / (1 - np.sum(prior * pod_bf))
    assert np.max(np.abs(out.pod - pod_bf)) < 1e-6
    assert np.all(np.abs(out.dataset["weight"].values - post_bf) <= 1e-6 * post_bf)
    assert out.pos == pytest.approx(float(np.sum(prior * pod_bf)), abs=1e-7)
    assert 0.05 < out.pos < 0.95  # a case where the update matters


def test_cumulative_pos_for_independent_searches_is_the_product_rule():
    rng = np.random.default_rng(0)
    w0 = rng.uniform(0.1, 1.0, 500)
    w0 /= w0.sum()
    a = bayes_update(w0, np.full(500, 0.3))
    b = bayes_update(a.weight, np.full(500, 0.5), prior_weight=w0, survival=a.survival)
    assert a.pos == pytest.approx(0.3) and b.pos == pytest.approx(0.5)
    assert b.cumulative_pos == pytest.approx(1 - 0.7 * 0.5, abs=1e-12)
    assert b.weight == pytest.approx(w0, rel=1e-12)  # uniform POD leaves the map unchanged


def _cloud(n=20000, seed=4):
    rng = np.random.default_rng(seed)
    return stationary_dataset(rng.standard_normal(n) * 1.5 * W, rng.standard_normal(n) * 1.5 * W, hours=6)


def test_overlapping_searches_give_less_than_the_product_rule():
    ds = _cloud()
    sweep = _track([-4 * W, 4 * W, 4 * W, -4 * W], [-0.5 * W, -0.5 * W, 0.5 * W, 0.5 * W], T0 + 600.0, 10.0)
    first = apply_search(ds, [SearchUnit(sweep, W, "inverse-cube")])
    again = Track(sweep.lon, sweep.lat, sweep.time_s + 3600.0, "same area again")
    second = apply_search(first.dataset, [SearchUnit(again, W, "inverse-cube")])
    w0 = ds["weight"].values
    # both searches see the same particles with the same POD
    assert np.array_equal(second.pod, first.pod)
    exact = float(np.sum(w0 * (1 - (1 - first.pod) * (1 - second.pod))))
    naive = 1 - (1 - first.pos) ** 2  # product rule with each search's POS on the prior
    assert second.cumulative_pos == pytest.approx(exact, abs=1e-12)
    assert second.cumulative_pos < naive - 0.02
    # chaining conditional POS values is exact: 1 − (1 − POS₁)(1 − POS₂|not found in 1)
    assert second.cumulative_pos == pytest.approx(1 - (1 - first.pos) * (1 - second.pos), abs=1e-12)
    # disjoint searches give more than the product rule: POS₁ + POS₂
    west = _track([-3 * W, -3 * W], [-6 * W, 6 * W], T0 + 600.0, 10.0, "west")
    east = _track([3 * W, 3 * W], [-6 * W, 6 * W], T0 + 600.0, 10.0, "east")
    a = apply_search(ds, [SearchUnit(west, W, "definite")])
    b = apply_search(a.dataset, [SearchUnit(east, W, "definite")])
    pos_east_on_prior = float(np.sum(w0 * b.pod))
    assert b.cumulative_pos == pytest.approx(a.pos + pos_east_on_prior, abs=1e-12)
    assert b.cumulative_pos > 1 - (1 - a.pos) * (1 - pos_east_on_prior)


def test_search_record_and_file_chain(tmp_path):
    ds = _cloud(3000)
    write_drift(ds, tmp_path / "d0.nc")
    d0 = read_drift(tmp_path / "d0.nc")
    tr = _track([-2 * W, 2 * W], [0.0, 0.0], T0 + 600.0, 8.0, "sru-1")
    o1 = apply_search(d0, [SearchUnit(tr, 1.5 * W, "random")], label="first light")
    write_drift(o1.dataset, tmp_path / "d1.nc")
    d1 = read_drift(tmp_path / "d1.nc")
    tr2 = _track([-2 * W, 2 * W], [W, W], T0 + 7200.0, 8.0, "sru-2")
    o2 = apply_search(d1, [SearchUnit(tr2, W, "definite"), SearchUnit(tr, 0.5 * W, "inverse-cube")])
    write_drift(o2.dataset, tmp_path / "d2.nc")
    d2 = read_drift(tmp_path / "d2.nc")
    rec = searches_applied(d2)
    assert [r["search"] for r in rec] == [1, 2] and rec[0]["label"] == "first light"
    assert rec[0]["units"][0]["model"] == "exponential" and rec[0]["units"][0]["sweep_width_nm"] == pytest.approx(1.5)
    assert len(rec[1]["units"]) == 2 and rec[1]["start"] == "2026-01-15T00:10:00Z"
    assert rec[1]["cumulative_pos"] == pytest.approx(o2.cumulative_pos) and rec[0]["pos"] == pytest.approx(o1.pos)
    assert d2["weight"].sum() == pytest.approx(1.0)
    assert np.allclose(d2["prior_weight"].values, ds["weight"].values)
    surv = (1 - o1.pod) * (1 - o2.pod)
    assert np.allclose(d2["survival"].values, surv)
    assert o2.cumulative_pos == pytest.approx(1 - np.sum(ds["weight"].values * surv), abs=1e-12)
    assert json.loads(d2.attrs["searches"])[1]["pos"] == pytest.approx(o2.pos)


def test_a_search_that_cannot_fail_is_rejected():
    ds = stationary_dataset(np.zeros(5), np.linspace(-10, 10, 5), hours=2)
    tr = _track([-W, W], [0.0, 0.0], T0 + 60.0, 5.0)
    with pytest.raises(SarexInputError, match="POS = 1"):
        apply_search(ds, [SearchUnit(tr, W, "definite")])
    with pytest.raises(SarexInputError, match="POD values"):
        bayes_update(np.ones(3) / 3, np.array([0.1, 1.2, 0.0]))


def test_search_on_a_simulated_drift_keeps_the_drift_file_format(tmp_path):
    from sarex.drift import simulate
    from sarex.environment.base import Environment
    from sarex.environment.constant import ConstantField
    from sarex.io.driftfile import validate_drift
    from sarex.search.grid import ProbabilityGrid

    env = Environment(ConstantField(8.0, 2.0), ConstantField(0.3, 0.0))
    ds = simulate(env, "PIW-1", lon=129.5, lat=34.5, start="2026-01-15T00:00Z", radius_m=1000.0, hours=6,
                  particles=3000, seed_value=3, coast=False)
    g = ProbabilityGrid.from_drift(ds, "2026-01-15T03:00Z", cell_nm=0.25, extent_nm=4.0)
    clon, clat = g.projection.lon0, g.projection.lat0
    cx, cy = PROJ.forward(np.array([clon]), np.array([clat]))
    tr = _track([cx[0] - 3 * W, cx[0] + 3 * W], [cy[0], cy[0]], T0 + 2.5 * 3600.0, 6.0)
    out = apply_search(ds, [SearchUnit(tr, 0.5 * W, "inverse-cube")])
    validate_drift(out.dataset)
    write_drift(out.dataset, tmp_path / "u.nc")
    back = read_drift(tmp_path / "u.nc")
    assert np.allclose(back["weight"].values, out.dataset["weight"].values)
    assert back.attrs["object_class"] == "PIW-1" and len(searches_applied(back)) == 1
    # the map after the search has less probability along the line the unit swept (y ≈ 0 on the grid)
    g2 = ProbabilityGrid.from_drift(back, "2026-01-15T03:00Z", cell_nm=0.25, extent_nm=4.0, centre=(clon, clat))
    rows = np.abs(g.y_centres_m) < 0.25 * W
    assert out.pos > 0.1
    assert g2.probability[rows].sum() < 0.8 * g.probability[rows].sum()
    assert g2.probability.sum() + g2.outside_weight == pytest.approx(1.0)


def test_particles_not_at_sea_are_not_detected():
    x = np.zeros(4)
    y = np.full(4, 0.2 * W)
    st = np.array([[0, 0], [1, 1], [2, 2], [-1, -1]])
    ds = drift_dataset(np.column_stack([x, x]), np.column_stack([y, y]), [T0, T0 + 7200.0], status=st)
    tr = _track([-2 * W, 2 * W], [0.0, 0.0], T0 + 60.0, 5.0)
    out = apply_search(ds, [SearchUnit(tr, W, "inverse-cube")])
    assert out.pod[0] > 0.5 and out.pod[1] == pytest.approx(out.pod[0])  # stranded: detectable where it lies
    assert out.pod[2] == 0.0 and out.pod[3] == 0.0  # left the domain / not released
