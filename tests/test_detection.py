"""Detection models, POD along timed tracks, sweep width tables, GPX tracks (issue 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import erf

from sarex.drift import leeway_objects
from sarex.errors import SarexInputError
from sarex.search.detection import SearchUnit, lateral_range_pod, pod_along_tracks
from sarex.search.podmodel import pod_from_coverage
from sarex.search.sweepwidth import (
    PLATFORMS,
    SEARCH_OBJECTS,
    search_object_for_leeway,
    sweep_width_nm,
    uncorrected_sweep_width_nm,
    weather_correction,
)
from sarex.io.gpx import read_gpx_tracks
from sarex.io.track import Track
from search_synthetic import PROJ, T0, drift_dataset, stationary_dataset

W = 1852.0


def _track(xs, ys, speed_m_s=10.0, t_start=T0 + 60.0, name="t") -> Track:
    xs = np.asarray(xs, float)
    ys = np.asarray(ys, float)
    lon, lat = PROJ.inverse(xs, ys)
    t = t_start + np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)) / speed_m_s)])
    return Track(lon, lat, t, name)


def test_pod_from_coverage_closed_forms():
    c = np.array([0.0, 0.5, 1.0, 2.0, 3.0])
    assert np.allclose(pod_from_coverage(c, "definite"), [0, 0.5, 1, 1, 1])
    assert np.allclose(pod_from_coverage(c, "inverse-cube"), erf(math.sqrt(math.pi) * c / 2.0))
    assert np.allclose(pod_from_coverage(c, "exponential"), 1 - np.exp(-c))
    assert pod_from_coverage(1.0, "random") == pytest.approx(1 - math.exp(-1))
    # IAMSAR "ideal" POD at C = 1 is 0.79
    assert pod_from_coverage(1.0, "inverse-cube") == pytest.approx(0.79, abs=0.005)
    with pytest.raises(SarexInputError):
        pod_from_coverage(-0.1, "definite")
    with pytest.raises(SarexInputError):
        pod_from_coverage(1.0, "gaussian")


@pytest.mark.parametrize("model", ["definite", "inverse-cube", "exponential"])
def test_lateral_range_curves_integrate_to_sweep_width(model):
    w = 1234.0
    # definite and inverse cube: the lateral range curve integrates to W; exponential: the
    # effort density −ln(1 − p(x)) integrates to W (one pass detects less than it sweeps)
    f = (lambda x: -math.log1p(-lateral_range_pod(x, w, model))) if model == "exponential" else (lambda x: lateral_range_pod(x, w, model))
    total = 2.0 * sum(
        quad(f, a, b, limit=200, epsabs=1e-10)[0]
        for a, b in ((0.0, w / 2), (w / 2, 20 * w), (20 * w, 1e4 * w))
    )
    tail = w * w / (4 * math.pi * 1e4 * w) * 2 if model == "inverse-cube" else 0.0  # beyond 1e4 W: ∫ W²/(4πx²)
    assert total + tail == pytest.approx(w, rel=1e-6)


def _parallel_sweep_pod(model: str, c: float, n: int = 60000, seed: int = 0) -> float:
    """Mean POD over a uniform density in a rectangle swept by parallel legs at spacing S = W/C."""
    rng = np.random.default_rng(seed)
    s = W / c
    nl = 12
    lx, ly = nl * s, 12 * W
    x = rng.uniform(0, lx, n)
    y = rng.uniform(0, ly, n)
    ds = stationary_dataset(x, y, hours=24 * 400)
    xs, ys = [], []
    for k in range(-30, nl + 30):  # extra legs outside: the inverse-cube tail of legs beyond is < 0.3 % of exposure
        xs += [(k + 0.5) * s] * 2
        ys += [-25 * W, ly + 25 * W] if k % 2 == 0 else [ly + 25 * W, -25 * W]
    return float(pod_along_tracks(ds, [SearchUnit(_track(xs, ys), W, model)]).mean())


@pytest.mark.parametrize("c", [0.5, 1.0, 2.0])
def test_parallel_sweep_inverse_cube_gives_erf(c):
    """Bar: POD within 1 % (absolute) of erf(√π·C/2)."""
    pod = _parallel_sweep_pod("inverse-cube", c)
    assert abs(pod - erf(math.sqrt(math.pi) * c / 2.0)) < 0.01


@pytest.mark.parametrize("c", [0.5, 1.0, 2.0])
def test_parallel_sweep_definite_and_exponential(c):
    assert abs(_parallel_sweep_pod("definite", c) - min(1.0, c)) < 0.01
    assert abs(_parallel_sweep_pod("exponential", c) - (1.0 - math.exp(-c))) < 0.01


@pytest.mark.parametrize("c", [0.5, 1.0, 2.0])
def test_random_tracks_give_exponential_law(c):
    """Bar: random straight tracks over a uniform density: POD → 1 − e^{−C} (definite-range sensor)."""
    rng = np.random.default_rng(11)
    w = W / 50.0  # narrow sweeps: many lines, so the realised coverage is close to its mean
    r0 = 30 * W
    # a regular grid of points over the disc (uniform density without sampling noise)
    g = np.arange(-r0, r0, r0 / 80) + r0 / 160
    gx, gy = np.meshgrid(g, g)
    inside = gx**2 + gy**2 < r0**2
    ds = stationary_dataset(gx[inside], gy[inside], hours=24 * 100)
    d = r0 + w / 2  # lines with offset beyond d cannot detect anything in the disc
    n_lines = int(round(c * 2 * d / w))  # each point is swept by one line with probability w/(2d)
    units = []
    for k in range(n_lines):
        a = rng.uniform(0, np.pi)
        p = rng.uniform(-d, d)
        ux, uy = math.cos(a), math.sin(a)
        cx, cy = -uy * p, ux * p
        units.append(SearchUnit(_track([cx - 2 * r0 * ux, cx + 2 * r0 * ux], [cy - 2 * r0 * uy, cy + 2 * r0 * uy], speed_m_s=100.0, name=f"l{k}"), w, "definite"))
    pod = pod_along_tracks(ds, units).mean()
    c_eff = n_lines * w / (2 * d)
    assert abs(pod - (1 - math.exp(-c_eff))) < 0.01
    assert abs(c_eff - c) < 0.01


def test_finite_leg_inverse_cube_closed_form():
    # stationary particles at lateral range x from a leg running from s = -l1 to s = +l2
    x = np.array([0.3, 0.5, 1.0, 2.0, 0.4, 0.8]) * W
    s_part = np.array([0.0, 1.0, -2.0, 0.5, 7.0, -6.0]) * W  # the last two lie beyond the leg's ends
    ds = stationary_dataset(s_part, x)
    l1, l2 = 5.0 * W, 5.0 * W
    pod = pod_along_tracks(ds, [SearchUnit(_track([-l1, l2], [0.0, 0.0]), W, "inverse-cube")])
    a = -l1 - s_part
    b = l2 - s_part
    expo = W * W / (8 * math.pi * x**2) * (b / np.hypot(x, b) - a / np.hypot(x, a))
    # the kernel projects about the cloud centroid, the test about PROJ: 1e-6 relative geometry
    assert np.allclose(pod, 1 - np.exp(-expo), rtol=2e-5, atol=0)
    # an infinite leg gives the lateral range curve
    ds1 = stationary_dataset(np.zeros(4), np.array([0.2, 0.5, 1.0, 3.0]) * W)
    xs = np.linspace(-300 * W, 300 * W, 601)  # waypoints every W keep the leg straight in any local projection
    pod1 = pod_along_tracks(ds1, [SearchUnit(_track(xs, np.zeros_like(xs), speed_m_s=100.0), W, "inverse-cube")])
    assert np.allclose(pod1, lateral_range_pod(np.array([0.2, 0.5, 1.0, 3.0]) * W, W, "inverse-cube"), rtol=0, atol=1e-5)


def test_definite_range_uses_closest_approach_to_the_leg():
    x = np.array([0.0, 0.49, 0.51, 0.3, 0.3, 0.0]) * W
    s = np.array([0.0, 2.0, 2.0, 5.0 + 0.39, 5.0 + 0.41, -5.0 - 0.49]) * W
    ds = stationary_dataset(s, x)
    pod = pod_along_tracks(ds, [SearchUnit(_track([-5 * W, 5 * W], [0.0, 0.0]), W, "definite")])
    # beyond the end at (0.3, 0.39): distance 0.492 W <= W/2; at (0.3, 0.41): 0.508 W > W/2
    assert pod.tolist() == [1.0, 1.0, 0.0, 1.0, 0.0, 1.0]


def test_particles_keep_drifting_during_the_search():
    """A stationary searcher watching particles drift past at lateral range x sees the lateral range curve."""
    v = 0.5  # m/s east
    hours = 48
    t = T0 + 3600.0 * np.arange(hours + 1)  # hourly outputs, as the drift engine writes
    x_lat = np.array([0.3, 0.6, 1.0]) * W
    x0 = -v * hours * 3600.0 / 2
    xp = np.tile(x0 + v * (t - T0), (3, 1))
    ds = drift_dataset(xp, np.tile(x_lat[:, None], (1, t.size)), t)
    lon, lat = PROJ.inverse(np.zeros(2), np.zeros(2))
    still = Track(lon, lat, t[[0, -1]], "moored")  # the searcher does not move: the particles pass it
    pod = pod_along_tracks(ds, [SearchUnit(still, W, "inverse-cube")])
    half = v * hours * 3600.0 / 2
    expo = W * W / (8 * math.pi * x_lat**2) * 2 * half / np.hypot(x_lat, half)
    assert np.allclose(pod, 1 - np.exp(-expo), rtol=2e-5, atol=0)
    # a searcher moving with the particles never closes in: no exposure beyond the fixed offset
    lon2, lat2 = PROJ.inverse(xp[0], np.full(t.size, 2.0 * W))
    with_flow = Track(lon2, lat2, t, "escort")
    pod2 = pod_along_tracks(ds, [SearchUnit(with_flow, W, "definite")])
    assert pod2.tolist() == [0.0, 0.0, 0.0]


def test_track_and_unit_validation():
    ds = stationary_dataset(np.zeros(3), np.zeros(3), hours=2)
    with pytest.raises(SarexInputError, match="outside the drift file time span"):
        pod_along_tracks(ds, [SearchUnit(_track([0, 1e5], [0, 0], speed_m_s=1.0), W)])
    with pytest.raises(SarexInputError, match="no points"):
        Track(np.array([]), np.array([]), np.array([]))
    with pytest.raises(SarexInputError, match="earlier"):
        Track(np.array([129.0, 129.1, 129.2]), np.array([34.0, 34.0, 34.0]), np.array([10.0, 5.0, 20.0]))
    with pytest.raises(SarexInputError, match="> 0"):
        SearchUnit(_track([0, 1000], [0, 0]), 0.0)
    with pytest.raises(SarexInputError, match="> 0"):
        SearchUnit(_track([0, 1000], [0, 0]), -5.0)


def test_gpx_tracks_and_routes(tmp_path):
    import gpxpy.gpx

    g = gpxpy.gpx.GPX()
    trk = gpxpy.gpx.GPXTrack(name="sru")
    seg = gpxpy.gpx.GPXTrackSegment()
    trk.segments.append(seg)
    g.tracks.append(trk)
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2026, 1, 15, 6, tzinfo=timezone.utc)
    for k in range(3):
        seg.points.append(gpxpy.gpx.GPXTrackPoint(34.5 + 0.01 * k, 129.5, time=t0 + timedelta(minutes=10 * k)))
    rte = gpxpy.gpx.GPXRoute(name="plan")
    for k in range(2):
        rte.points.append(gpxpy.gpx.GPXRoutePoint(34.4, 129.4 + 0.01 * k, time=t0 + timedelta(minutes=5 * k)))
    g.routes.append(rte)
    p = tmp_path / "u.gpx"
    p.write_text(g.to_xml())
    tracks = read_gpx_tracks(p, strict=True, routes=True)
    assert [t.lon.size for t in tracks] == [3, 2]
    assert tracks[0].time_s[2] - tracks[0].time_s[0] == 1200.0
    assert tracks[0].lat[1] == pytest.approx(34.51)
    empty = tmp_path / "e.gpx"
    empty.write_text(gpxpy.gpx.GPX().to_xml())
    with pytest.raises(SarexInputError, match="no track or route points"):
        read_gpx_tracks(empty, strict=True, routes=True)
    seg.points[1].time = None
    p.write_text(g.to_xml())
    with pytest.raises(SarexInputError, match="sru: point 2 has no time"):
        read_gpx_tracks(p, strict=True, routes=True)
    # the same reader, lenient (logs of what units sailed): the untimed point is skipped and counted
    from sarex.io.track import IngestLog

    log = IngestLog()
    (sru,) = read_gpx_tracks(p, log)
    assert sru.name == "sru" and sru.lon.size == 2 and log.count("no_time_point") == 1
    # a <time> gpxpy cannot read is not "no time": named with its value (strict: an error; lenient: counted apart)
    p.write_text(g.to_xml().replace("<trkpt", "<trkpt", 1).replace("</trkpt>", "<time>yesterday noon</time></trkpt>", 2)
                 .replace("<time>yesterday noon</time></trkpt>", "</trkpt>", 1))
    with pytest.raises(SarexInputError, match=r"sru: point 2: time 'yesterday noon' is not an ISO 8601 time"):
        read_gpx_tracks(p, strict=True, routes=True)
    log = IngestLog()
    (sru,) = read_gpx_tracks(p, log)
    assert sru.lon.size == 2 and log.count("bad_time_point") == 1 and log.count("no_time_point") == 0
    assert any("1 GPX point(s) with an unreadable time" in m for m in log.messages())


def test_sweep_width_tables_and_corrections():
    # IAMSAR Vol. II App. N values
    assert uncorrected_sweep_width_nm("raft-4", "helicopter", 300, 10) == pytest.approx(2.3)
    assert uncorrected_sweep_width_nm("piw", "surface-medium", None, 10) == pytest.approx(0.5)
    assert uncorrected_sweep_width_nm("raft-4", "surface-large", None, 10) == pytest.approx(4.2)
    assert uncorrected_sweep_width_nm("power-boat-78ft", "fixed-wing", 600, 20) == pytest.approx(16.8)
    # interpolation: visibility, altitude, size
    assert uncorrected_sweep_width_nm("raft-4", "helicopter", 300, 7.5) == pytest.approx((1.7 + 2.3) / 2)
    assert uncorrected_sweep_width_nm("raft-4", "helicopter", 450, 10) == pytest.approx((2.3 + 2.3) / 2)
    assert uncorrected_sweep_width_nm("raft-6", "fixed-wing", 225, 10) == pytest.approx((2.2 + 2.2) / 2)
    assert uncorrected_sweep_width_nm("raft-8", "surface-large", None, 10) == pytest.approx(5.0 + (5.1 - 5.0) * 2 / 9)
    assert uncorrected_sweep_width_nm("raft-40", "surface-small", None, 10) == pytest.approx(5.2)
    assert uncorrected_sweep_width_nm("raft-4", "surface-small", None, 0.5) == pytest.approx(0.35)
    # corrections: W = W0·fw·fv·ff
    w = sweep_width_nm("piw", "fixed-wing", 150, 10, weather_factor=0.5, fatigue=True, speed_kn=150)
    assert w == pytest.approx(0.1 * 0.5 * 1.2 * 0.9)
    assert sweep_width_nm("raft-4", "helicopter", 300, 10, speed_kn=120) == pytest.approx(2.3 * 0.9)
    assert sweep_width_nm("raft-4", "surface-medium", speed_kn=15) == pytest.approx(4.0)
    assert weather_correction("piw", wind_kn=20) == 0.5 and weather_correction("ship-120ft", wind_kn=30) == 0.9
    assert weather_correction("raft-4", sea_m=2.0) == 0.25 and weather_correction("raft-4", wind_kn=10) == 1.0
    with pytest.raises(SarexInputError, match="gives 0 nm"):
        sweep_width_nm("piw", "fixed-wing", 600, 10)
    with pytest.raises(SarexInputError):
        sweep_width_nm("piw", "submarine")
    with pytest.raises(SarexInputError):
        sweep_width_nm("dinghy", "helicopter")
    with pytest.raises(SarexInputError):
        sweep_width_nm("piw", "helicopter", visibility_nm=0.0)


def test_every_leeway_class_has_a_sweep_width():
    seen = set()
    for key in leeway_objects():
        obj = search_object_for_leeway(key)
        assert obj in SEARCH_OBJECTS
        seen.add(obj)
        for platform in PLATFORMS:
            if platform in ("helicopter", "fixed-wing") and obj == "piw":
                continue  # PIW from aircraft at 300 m: 0.1 nm
            assert sweep_width_nm(obj, platform, 300, 10) > 0
    assert search_object_for_leeway("PIW-3") == "piw"
    assert search_object_for_leeway("LIFE-RAFT-DB-18") == "raft-15"
    assert search_object_for_leeway("FISHING-VESSEL-5") == "power-boat-53ft"
    assert len(seen) >= 8
    with pytest.raises(SarexInputError):
        search_object_for_leeway("UFO")


def test_finite_leg_exponential_closed_form():
    from scipy.stats import norm

    # particles abeam the middle, near the ends and beyond the ends of a leg from s = -l1 to +l2
    x = np.array([0.2, 1.0, 0.5, 0.5, 2.0, 0.1, 12.0]) * W
    s_part = np.array([0.0, 0.0, 4.5, -4.8, 6.0, -20.0, 0.0]) * W
    ds = stationary_dataset(s_part, x)
    l1 = l2 = 5.0 * W
    pod = pod_along_tracks(ds, [SearchUnit(_track([-l1, l2], [0.0, 0.0]), W, "exponential")])
    sig = W  # effort spread: one sweep width
    expo = W * norm.pdf(x, scale=sig) * (norm.cdf((l2 - s_part) / sig) - norm.cdf((-l1 - s_part) / sig))
    assert np.allclose(pod, 1 - np.exp(-expo), rtol=2e-5, atol=1e-15)
    assert pod[5] < 1e-20 and pod[6] < 1e-20  # 15 σ past the end, 12 σ abeam
