"""Monte-Carlo Leeway drift: the orchestrator around the numba kernels.

State is a structure of arrays (one array per property, one element per
particle). Each step: release due particles, sample wind and current (numba),
compute the object velocity and move along rhumb lines on WGS84 (numba), strand
particles that reach land, jibe. Output every ``output_s`` seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime

import numpy as np
import xarray as xr

from sarex import __version__
from sarex.drift.geodesy import move_kernel
from sarex.drift.forcing_error import ForcingError
from sarex.drift.fused import drift_step_kernel
from sarex.drift.kernels import jibe_kernel, jibe_probability_per_step, leeway_velocity_kernel
from sarex.drift.ensemble import Ensemble
from sarex.drift.objects import LeewayObject, get_object
from sarex.drift.seeding import Release, seed
from sarex.environment.base import Environment, OutsidePolicy
from sarex.environment.coast import Coastline
from sarex.environment.regular import RegularGridField
from sarex.errors import OutsideDomainError, SarexInputError
from sarex.io.driftfile import (
    FORMAT,
    STATUS_ACTIVE,
    STATUS_ATTRS,
    STATUS_LEFT_DOMAIN,
    STATUS_STRANDED,
    STATUS_UNRELEASED,
)
from sarex.times import datetime64_to_epoch_s, epoch_s_to_datetime64, iso

SCHEMES = ("euler", "rk2")

# OpenDrift's capsizing parameterisation (hourly probability 0.5 + 0.5·tanh((U − U_t)/σ),
# leeway reduced to 40 % afterwards): defaults of its Leeway model.
CAPSIZE_WIND_THRESHOLD_M_S = 30.0
CAPSIZE_WIND_SIGMA_M_S = 5.0
CAPSIZE_LEEWAY_FRACTION = 0.4


def simulate(
    env: Environment,
    object_class: str | LeewayObject | None = None,
    release: Release | None = None,
    *,
    lon: float | None = None,
    lat: float | None = None,
    start: str | datetime | float | None = None,
    radius_m: float = 0.0,
    hours: float = 24.0,
    particles: int = 5000,
    seed_value: int = 0,
    step_s: float = 600.0,
    output_s: float = 3600.0,
    scheme: str = "rk2",
    coast: Coastline | bool = True,
    jibe_probability_per_hour: float = 0.04,
    capsize: bool = False,
    progress: Callable[[int, int], None] | None = None,
    ensemble: Ensemble | None = None,
    forcing_error: ForcingError | None = None,
    _resume: xr.Dataset | None = None,
) -> xr.Dataset:
    """Drift an ensemble of Leeway particles and return the drift dataset.

    Parameters
    ----------
    env
        Wind and current (:class:`~sarex.environment.Environment`).
    object_class
        Leeway class key (e.g. ``"LIFE-RAFT-NB-2"``) or object.
    release
        Where and when particles start; or give ``lon``, ``lat``, ``start``, ``radius_m``.
    hours
        Duration after the (first) release, h (> 0).
    particles
        Ensemble size (> 0).
    seed_value
        Random seed: the same seed gives the same output bit for bit, whatever
        the number of threads.
    step_s, output_s
        Model time step and output interval, s; ``output_s`` must be a multiple of ``step_s``.
    scheme
        ``"euler"`` (forward Euler, as OpenDrift) or ``"rk2"`` (explicit midpoint, second order).
    coast
        A :class:`Coastline`, ``True`` for GSHHG stranding, ``False`` to switch stranding off.
    jibe_probability_per_hour
        Probability per hour of switching side of downwind (Allen 2005: 0.04).
    capsize
        Let objects capsize in strong wind (OpenDrift's parameterisation).
    progress
        Called as ``progress(step, n_steps)``.
    ensemble
        Pre-seeded particles (a mixture of classes and starts, with prior weights; see
        :class:`~sarex.drift.ensemble.Ensemble`) instead of ``object_class``/``release``/
        ``particles``/``seed_value``-drawn ones; ``seed_value`` still keys the per-step draws.

    Returns
    -------
    xarray.Dataset
        The drift file contents (see :mod:`sarex.io.driftfile`).
    """
    if ensemble is not None:
        object_class = ensemble.objects[int(np.bincount(ensemble.object_index, weights=ensemble.weight).argmax())]
        particles = ensemble.size
        if release is None:
            i0 = int(np.argmin(ensemble.time_s))
            release = Release(float(ensemble.lon[i0]), float(ensemble.lat[i0]), float(ensemble.time_s[i0]))
    if object_class is None:
        raise SarexInputError("object: give an object class")
    obj = get_object(object_class) if isinstance(object_class, str) else object_class
    if release is None:
        if lon is None or lat is None or start is None:
            raise SarexInputError("release: give a Release or lon, lat and start")
        release = Release.point(lon, lat, start, radius_m)
    from sarex.seeds import check_seed

    if isinstance(particles, bool) or not isinstance(particles, (int, np.integer)):
        raise SarexInputError(f"particles: {particles!r} must be a whole number (got {type(particles).__name__})")
    seed_value = check_seed(seed_value, "seed")
    n = int(particles)
    if n <= 0:
        raise SarexInputError(f"particles: {particles} must be > 0")
    if not (hours > 0) or not math.isfinite(hours):
        raise SarexInputError(f"hours: {hours} must be > 0")
    if scheme not in SCHEMES:
        raise SarexInputError(f"scheme: {scheme!r} must be one of {', '.join(SCHEMES)}")
    if not (step_s > 0):
        raise SarexInputError(f"step: {step_s} s must be > 0")
    ratio = output_s / step_s
    if output_s <= 0 or abs(ratio - round(ratio)) > 1e-9:
        raise SarexInputError(f"output interval {output_s:g} s must be a positive multiple of the time step {step_s:g} s")
    if not (0.0 <= jibe_probability_per_hour < 1.0):
        raise SarexInputError(f"jibe probability: {jibe_probability_per_hour} must be in [0, 1)")
    k_out = int(round(ratio))
    duration = hours * 3600.0
    if _resume is None and release.end_time_s is not None and release.end_time_s > release.time_s + duration:
        # Particles released after the end would never be released, and every summary would
        # count only the released share without saying so.
        raise SarexInputError(
            f"release end time {iso(release.end_time_s)} is after the end of the drift ({iso(release.time_s + duration)}, "
            f"start + {hours:g} h); give --hours of at least {(release.end_time_s - release.time_s) / 3600.0:.4g} or an earlier --end-time"
        )
    n_steps = int(math.ceil(duration / step_s - 1e-9))
    t0 = release.time_s
    # A resumed run goes on from the last output of an earlier one; steps keep their global
    # index, so the per-step draws (jibing) are those a single longer run would have made.
    step0 = 0
    if _resume is not None:
        t_last = float(datetime64_to_epoch_s(np.atleast_1d(_resume["time"].values[-1]))[0])
        k = (t_last - t0) / step_s
        if abs(k - round(k)) > 1e-6:
            raise SarexInputError(f"continue: the drift file's last time {iso(t_last)} is not a whole number of {step_s:g}-s steps after its release")
        step0 = int(round(k))
    t_start = t0 + step0 * step_s
    t_end = t_start + n_steps * step_s
    _check_times(env, t_start, max(t_end, release.last_time_s if _resume is None else t_end))

    if coast is True:
        coastline: Coastline | None = Coastline(bbox=_coast_bbox(release))
    elif coast is False or coast is None:
        coastline = None
    else:
        coastline = coast
    if _resume is None and ensemble is None:
        _check_lkp(env, release, coastline)

    if ensemble is None:
        rng = np.random.default_rng(np.random.SeedSequence(int(seed_value)))
        lon_p, lat_p, rel_t = seed(release, n, rng)
        if coastline is not None:
            lon_p, lat_p = _reseed_off_land(release, lon_p, lat_p, rng, coastline)
        (a_dw, b_dw, s_dw, a_r, b_r, s_r, a_l, b_l, s_l) = obj.coefficients_si
        ds_div, do_div = obj.eps_divisors
        eps_dw = rng.standard_normal(n) * s_dw
        bad = a_dw + eps_dw / ds_div < 0.0
        while bad.any():  # redraw negative downwind slopes (Breivik & Allen 2008)
            eps_dw[bad] = rng.standard_normal(int(bad.sum())) * s_dw
            bad = a_dw + eps_dw / ds_div < 0.0
        z_cw = rng.standard_normal(n)
        side = (np.arange(n) % 2).astype(np.int8)  # half right (0), half left (1) of downwind
        dw_slope = a_dw + eps_dw / ds_div
        dw_offset = b_dw + eps_dw / do_div
        cw_coef = np.array([[a_r, b_r, s_r, a_l, b_l, s_l]], dtype=np.float64)
        cls = np.zeros(1, dtype=np.int16)  # one class: every particle reads row 0
        pids = np.arange(n, dtype=np.int64)
        weight = np.full(n, 1.0 / n)
    else:
        lon_p, lat_p, rel_t, cls, dw_slope, dw_offset, eps_dw, z_cw, side, cw_coef, pids, weight = ensemble.arrays()
    leeway_factor = np.ones(n)
    capsized = np.zeros(n, dtype=np.int8)
    step_key = 0 if ensemble is None else int(ensemble.step_offset)
    n_events = 0 if ensemble is None else ensemble.event_time_s.size
    next_event = 0
    seed_u64 = int(seed_value) & 0xFFFFFFFFFFFFFFFF

    release_step = np.ceil((rel_t - t0) / step_s - 1e-9).astype(np.int64)
    status = np.full(n, STATUS_UNRELEASED, dtype=np.int8)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if _resume is not None:
        if _resume.sizes["trajectory"] != n:
            raise SarexInputError(f"continue: {_resume.sizes['trajectory']} particles in the file, {n} expected")
        if ensemble is None:  # an ensemble is rebuilt as it was; its class changes are replayed by the loop
            eps_dw = np.asarray(_resume["downwind_eps"].values, dtype=np.float64)
            z_cw = np.asarray(_resume["crosswind_z"].values, dtype=np.float64)
            dw_slope = a_dw + eps_dw / ds_div
            dw_offset = b_dw + eps_dw / do_div
        lon[:] = _resume["lon"].values[:, -1]
        lat[:] = _resume["lat"].values[:, -1]
        status[:] = _resume["status"].values[:, -1]
        side[:] = _resume["orientation"].values[:, -1]
        if "capsized" in _resume:
            capsized[:] = _resume["capsized"].values[:, -1]
            leeway_factor[capsized == 1] = CAPSIZE_LEEWAY_FRACTION
    out_times = [t_start + s * step_s for s in range(0, n_steps + 1, k_out)]
    if (n_steps % k_out) != 0:
        out_times.append(t_end)
    n_out = len(out_times)
    # Column-major (trajectory, time): recording a time is one contiguous copy per variable
    # (a strided write into row-major arrays cost more than the drift for a million particles).
    # Every column is written by record() below.
    out_lon = np.empty((n, n_out), order="F")
    out_lat = np.empty((n, n_out), order="F")
    out_status = np.empty((n, n_out), dtype=np.int8, order="F")
    out_side = np.empty((n, n_out), dtype=np.int8, order="F")
    out_caps = np.empty((n, n_out), dtype=np.int8, order="F") if capsize else None

    p_jibe = jibe_probability_per_step(jibe_probability_per_hour, step_s)
    ve = np.zeros(n)
    vn = np.zeros(n)
    new_lon = np.empty(n)
    new_lat = np.empty(n)
    mid_lon = np.empty(n)
    mid_lat = np.empty(n)
    counters = {"stranded": 0, "left_domain": 0, "jibes": 0, "unreleased": int(np.sum(status == STATUS_UNRELEASED)) if _resume is not None else n}
    # Both fields plain lon/lat grids: one fused kernel per step (bit-identical to the general
    # step). Exact type: subclasses (projected grids) sample differently.
    fused = not capsize and type(env.wind) is RegularGridField and type(env.current) is RegularGridField
    rk2 = scheme == "rk2"

    def release_due(step: int) -> None:
        if counters["unreleased"] == 0:
            return
        due = (status == STATUS_UNRELEASED) & (release_step <= step)
        if due.any():
            lon[due] = lon_p[due]
            lat[due] = lat_p[due]
            status[due] = STATUS_ACTIVE
            counters["unreleased"] -= int(due.sum())

    def fused_step(t: float, active: np.ndarray) -> bool:
        """Fill new_lon/new_lat with the fused kernel; False when the general step must do it."""
        times = (t, t + 0.5 * step_s) if rk2 else (t,)
        for f in (env.wind, env.current):
            a, b = f.time_range()
            if not all(a - 1e-6 <= tt <= b + 1e-6 for tt in times):
                return False
        w0 = env.wind.window_at(t, lon, lat, active)
        c0 = env.current.window_at(t, lon, lat, active)
        if rk2:
            w1 = env.wind.window_at(times[1], lon, lat, active)
            c1 = env.current.window_at(times[1], lon, lat, active)
        else:
            w1, c1 = w0, c0
        n_bad = drift_step_kernel(
            lon, lat, active, float(step_s), rk2, *w0, *c0, _same_axes(w0, c0), *w1, *c1, _same_axes(w1, c1),
            dw_slope, dw_offset, side, z_cw, cw_coef, cls, leeway_factor, new_lon, new_lat,
        )
        return n_bad == 0

    def velocity(x, y, t, active, first: bool = True) -> np.ndarray:
        wu, wv, cu, cv, left = env.sample(x, y, t, active)
        if left.any():
            status[left] = STATUS_LEFT_DOMAIN
            counters["left_domain"] += int(left.sum())
            active = active & ~left
        leeway_velocity_kernel(wu, wv, cu, cv, dw_slope, dw_offset, side, z_cw, cw_coef, cls, leeway_factor, active, ve, vn)
        if capsize and first:
            _capsize(wu, wv, active, step_s, seed_u64, pids, step + step_key, capsized, leeway_factor)
        return active

    def record(j: int) -> None:
        out_lon[:, j] = lon
        out_lat[:, j] = lat
        out_status[:, j] = status
        out_side[:, j] = side
        if out_caps is not None:
            out_caps[:, j] = capsized

    if forcing_error is not None:
        # a continuation restarts the error from its stationary distribution (not stored in the file)
        fe_u, fe_v = forcing_error.initial(seed_u64, pids)
        fe_lon = np.empty(n)
        fe_lat = np.empty(n)
    if _resume is None:
        release_due(0)
    record(0)
    j_out = 1
    for step in range(step0, step0 + n_steps):
        t = t0 + step * step_s
        if next_event < n_events:  # changes of object class due by this step
            next_event = ensemble.apply_changes(next_event, t + 1e-6, cls, dw_slope, dw_offset, eps_dw)
        release_due(step)
        active = status == STATUS_ACTIVE
        if active.any():
            if not (fused and fused_step(t, active)):
                active = velocity(lon, lat, t, active)
                if rk2:
                    move_kernel(lon, lat, ve, vn, 0.5 * step_s, active, mid_lon, mid_lat)
                    active = velocity(mid_lon, mid_lat, t + 0.5 * step_s, active, first=False)
                move_kernel(lon, lat, ve, vn, step_s, active, new_lon, new_lat)
            if forcing_error is not None:  # the forcing's own error, added over the step (sarex.drift.forcing_error)
                move_kernel(new_lon, new_lat, fe_u, fe_v, step_s, active, fe_lon, fe_lat)
                new_lon, fe_lon = fe_lon, new_lon
                new_lat, fe_lat = fe_lat, new_lat
                forcing_error.advance(fe_u, fe_v, seed_u64, pids, step + step_key, step_s)
            if coastline is not None:
                hit = coastline.on_land(new_lon, new_lat, active)
                if hit.any():
                    _strand(coastline, lon, lat, new_lon, new_lat, hit)
                    new_lon[hit] = lon[hit]
                    new_lat[hit] = lat[hit]
                    status[hit] = STATUS_STRANDED
                    counters["stranded"] += int(hit.sum())
                    active = active & ~hit
            # new_lon/new_lat now hold every particle's position after the step (the kernels
            # copy the inactive ones): swap buffers instead of copying (the closures see the swap).
            lon, new_lon = new_lon, lon
            lat, new_lat = new_lat, lat
            if p_jibe > 0.0:
                counters["jibes"] += int(jibe_kernel(side, seed_u64, pids, step + step_key, p_jibe, active))
        if j_out < n_out and abs((t + step_s) - out_times[j_out]) < 1e-6:
            release_due(step + 1)
            record(j_out)
            j_out += 1
        if progress is not None:
            progress(step + 1 - step0, n_steps)
    if j_out < n_out:  # never reached (the last output is the end of the last step): the old np.full defaults
        out_lon[:, j_out:] = np.nan
        out_lat[:, j_out:] = np.nan
        out_status[:, j_out:] = STATUS_UNRELEASED
        out_side[:, j_out:] = 0
        if out_caps is not None:
            out_caps[:, j_out:] = 0

    attrs = {
        "Conventions": "CF-1.8",
        "featureType": "trajectory",
        "title": f"sarex Leeway drift of {obj.key}",
        "source": f"sarex {__version__}",
        "sarex_format": FORMAT,
        "sarex_model_version": __version__,
        "object_class": obj.key,
        "object_description": obj.description,
        "object_kind": obj.kind,
        "object_coefficients": json.dumps(
            {k: getattr(obj, k) for k in obj.__dataclass_fields__ if k.endswith(("_pct", "_cm_s"))}
        ),
        "seed": int(seed_value),
        "lkp_lon": float(release.lon),
        "lkp_lat": float(release.lat),
        "lkp_radius_m": float(release.radius_m),
        "lkp_time": iso(release.time_s),
        "release": json.dumps(
            {
                "lon": release.lon,
                "lat": release.lat,
                "time": iso(release.time_s),
                "radius_m": release.radius_m,
                "radius_type": release.radius_type,
                "end_lon": release.end_lon,
                "end_lat": release.end_lat,
                "end_time": None if release.end_time_s is None else iso(release.end_time_s),
                "end_radius_m": release.end_radius_m,
            }
        ),
        "scheme": scheme,
        "time_step_s": float(step_s),
        "output_step_s": float(output_s),
        "jibe_probability_per_hour": float(jibe_probability_per_hour),
        "capsizing": int(bool(capsize)),
        "coastline": "GSHHG full resolution (roaring-landmask)" if coastline is not None else "off",
        "environment": env.describe(),
        "outside_policy": env.outside.value,
        "forcing_error": "none" if forcing_error is None else json.dumps(forcing_error.as_dict()),
        "stranded_count": counters["stranded"],
        "left_domain_count": counters["left_domain"],
        "searches": "[]",
    }
    return _assemble(out_times, out_lon, out_lat, out_status, out_side, out_caps, rel_t, dw_slope, dw_offset, eps_dw, z_cw, attrs, weight)


def _assemble(out_times, out_lon, out_lat, out_status, out_side, out_caps, rel_t, dw_slope, dw_offset, eps_dw, z_cw, attrs, weight):
    n = out_lon.shape[0]
    data = {
        "lon": (("trajectory", "time"), out_lon, {"standard_name": "longitude", "units": "degrees_east"}),
        "lat": (("trajectory", "time"), out_lat, {"standard_name": "latitude", "units": "degrees_north"}),
        "status": (("trajectory", "time"), out_status, dict(STATUS_ATTRS)),
        "orientation": (
            ("trajectory", "time"),
            out_side,
            {"long_name": "side of downwind", "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "right left"},
        ),
        "weight": (("trajectory",), weight, {"long_name": "probability weight", "units": "1"}),
        "release_time": (("trajectory",), epoch_s_to_datetime64(rel_t), {"long_name": "release time"}),
        "downwind_slope": (("trajectory",), dw_slope, {"long_name": "downwind leeway slope a_dw + eps/20", "units": "1"}),
        "downwind_offset": (("trajectory",), dw_offset, {"long_name": "downwind leeway offset b_dw + eps/2", "units": "m s-1"}),
        "downwind_eps": (("trajectory",), eps_dw, {"long_name": "downwind leeway perturbation eps_dw", "units": "m s-1"}),
        "crosswind_z": (
            ("trajectory",),
            z_cw,
            {"long_name": "standard normal crosswind draw; eps_cw = z * S_yx of the current side", "units": "1"},
        ),
    }
    if out_caps is not None:
        data["capsized"] = (("trajectory", "time"), out_caps, {"long_name": "capsized", "flag_values": np.array([0, 1], dtype=np.int8), "flag_meanings": "upright capsized"})
    ds = xr.Dataset(
        data,
        coords={
            "trajectory": ("trajectory", np.arange(n, dtype=np.int32), {"cf_role": "trajectory_id", "long_name": "particle id"}),
            "time": ("time", epoch_s_to_datetime64(np.asarray(out_times)), {"standard_name": "time"}),
        },
        attrs=attrs,
    )
    return ds


def _same_axes(wind_window, current_window) -> bool:
    """Whether two windows (as from ``RegularGridField.window_at``) lie on the same lon/lat axes."""
    return bool(
        np.array_equal(wind_window[2], current_window[2]) and np.array_equal(wind_window[3], current_window[3])
    )


def _check_times(env: Environment, t0: float, t1: float) -> None:
    for f in (env.wind, env.current):
        a, b = f.time_range()
        if not (a - 1e-6 <= t0 <= b + 1e-6):
            raise SarexInputError(
                f"start time {iso(t0)} is outside the time range of {f.name} ({iso(a)} to {iso(b)})"
            )
        if env.outside is OutsidePolicy.ERROR and t1 > b + 1e-6:
            raise SarexInputError(
                f"the run needs forcing until {iso(t1)} but {f.name} ends at {iso(b)}: shorten --hours or give a longer file"
            )


def _coast_bbox(release: Release) -> tuple[float, float, float, float]:
    lons = [release.lon] + ([release.end_lon] if release.end_lon is not None else [])
    lats = [release.lat] + ([release.end_lat] if release.end_lat is not None else [])
    pad = 2.5
    lon0 = ((min(lons) + 180.0) % 360.0) - 180.0
    return lon0 - pad, max(-89.9, min(lats) - pad), lon0 + (max(lons) - min(lons)) + pad, min(89.9, max(lats) + pad)


def _check_lkp(env: Environment, release: Release, coastline: Coastline | None) -> None:
    pts = [(release.lon, release.lat, release.time_s)]
    if release.end_lon is not None:
        pts.append((release.end_lon, release.end_lat, release.last_time_s))
    for lo, la, t in pts:
        if coastline is not None and coastline.on_land(np.array([lo]), np.array([la]))[0]:
            raise SarexInputError(f"LKP lon={lo:.5f} lat={la:.5f} is on land (GSHHG); use --no-coast to drift anyway")
        strict = Environment(env.wind, env.current, OutsidePolicy.ERROR)
        try:
            wu, wv, cu, cv, _ = strict.sample(np.array([lo]), np.array([la]), t)
        except OutsideDomainError as exc:
            raise SarexInputError(f"LKP outside the environment: {exc}") from None
        if not np.all(np.isfinite([wu[0], wv[0], cu[0], cv[0]])):
            raise SarexInputError(f"LKP lon={lo:.5f} lat={la:.5f}: the forcing is NaN there")


def _reseed_off_land(release, lon, lat, rng, coastline, tries: int = 20):
    """Particles drawn on land around a coastal LKP are drawn again (up to ``tries`` times), else put at the LKP."""
    land = coastline.on_land(lon, lat)
    for _ in range(tries):
        if not land.any():
            break
        k = int(land.sum())
        sub = Release(release.lon, release.lat, release.time_s, release.radius_m, radius_type=release.radius_type)
        lo, la, _ = seed(sub, k, rng)
        lon[land], lat[land] = lo, la
        land = coastline.on_land(lon, lat)
    lon[land] = release.lon
    lat[land] = release.lat
    return lon, lat


def _strand(coastline: Coastline, lon, lat, new_lon, new_lat, hit, iterations: int = 10) -> None:
    """Put stranding particles at the last sea point of their step (bisection to 1/1024 of the step)."""
    idx = np.flatnonzero(hit)
    a_lon, a_lat = lon[idx].copy(), lat[idx].copy()  # in the sea
    b_lon, b_lat = new_lon[idx].copy(), new_lat[idx].copy()  # on land
    for _ in range(iterations):
        m_lon = 0.5 * (a_lon + b_lon)
        m_lat = 0.5 * (a_lat + b_lat)
        land = coastline.on_land(m_lon, m_lat)
        b_lon = np.where(land, m_lon, b_lon)
        b_lat = np.where(land, m_lat, b_lat)
        a_lon = np.where(land, a_lon, m_lon)
        a_lat = np.where(land, a_lat, m_lat)
    lon[idx] = a_lon
    lat[idx] = a_lat


def _capsize(wu, wv, active, step_s, seed_u64, pids, step, capsized, leeway_factor) -> None:
    from sarex.drift.rng import uniform_array

    cand = active & (capsized == 0)
    if not cand.any():
        return
    idx = np.flatnonzero(cand)
    speed = np.hypot(wu[idx], wv[idx])
    p = (0.5 + 0.5 * np.tanh((speed - CAPSIZE_WIND_THRESHOLD_M_S) / CAPSIZE_WIND_SIGMA_M_S)) * step_s / 3600.0
    u = uniform_array(np.uint64(seed_u64), pids[idx], step, 2)
    flip = idx[u < p]
    capsized[flip] = 1
    leeway_factor[flip] = CAPSIZE_LEEWAY_FRACTION
