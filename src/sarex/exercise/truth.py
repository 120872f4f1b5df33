"""The hidden truth of an exercise: one Leeway object drifting in the *truth* environment.

The truth object is a single Monte-Carlo Leeway particle with its own draws of
the downwind and crosswind leeway perturbations and its own jibes (Allen &
Plourde 1999; Breivik & Allen 2008, as in :mod:`sarex.drift`), started at the
true position and time and driven by the truth environment, which differs from
the forecast environment the planners use. Its track is revealed only in the
evaluation.

The drift engine assigns the side of downwind by particle index (half right,
half left), so a one-particle run would always start right of downwind. To give
the truth an unbiased side, two particles are drifted with the truth's seed and
one of them is chosen by a separate draw from the same seed: each particle's
marginal is exactly the Leeway model's, so the chosen one is a fair draw.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.environment.base import Environment
from sarex.environment.coast import Coastline
from sarex.exercise.scenario import Scenario, open_spec
from sarex.seeds import TRUTH, stream


@dataclass(frozen=True)
class TruthTrack:
    """Where the truth object is, at regular times.

    Attributes
    ----------
    lon, lat
        Degrees (east, north).
    time_s
        Seconds since epoch.
    status
        Drift status per time (0 active, 1 stranded, 2 left domain; see :mod:`sarex.io.driftfile`).
    object_class
        Leeway class key.
    seed
        Seed the track was drawn with.
    """

    lon: np.ndarray
    lat: np.ndarray
    time_s: np.ndarray
    status: np.ndarray
    object_class: str
    seed: int

    def position_at(self, time_s: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position at any time(s) within the track, linear in lon/lat between outputs (degrees)."""
        t = np.asarray(time_s, dtype=np.float64)
        return np.interp(t, self.time_s, self.lon), np.interp(t, self.time_s, self.lat)


def truth_seed(seed: int | np.random.SeedSequence) -> tuple[int, int]:
    """Derive (drift seed, particle choice 0/1) from an integer or a SeedSequence."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    state = ss.generate_state(2, dtype=np.uint64)
    return int(state[0] & np.uint64(0x7FFFFFFFFFFFFFFF)), int(state[1] & np.uint64(1))


def drift_truth(
    env: Environment,
    object_class: str,
    lon: float,
    lat: float,
    start_s: float,
    hours: float,
    seed: int | np.random.SeedSequence,
    *,
    output_s: float = 600.0,
    step_s: float = 600.0,
    coast: Coastline | bool = True,
) -> tuple[TruthTrack, xr.Dataset]:
    """Drift one truth object in ``env`` from (``lon``, ``lat``) at ``start_s`` for ``hours``.

    Returns the track and the one-trajectory drift dataset (drift-file format,
    weight 1). Deterministic per ``seed``.
    """
    from sarex.drift import simulate

    drift_seed, pick = truth_seed(seed)
    ds = simulate(
        env,
        object_class,
        lon=lon,
        lat=lat,
        start=start_s,
        radius_m=0.0,
        hours=hours,
        particles=2,
        seed_value=drift_seed,
        step_s=step_s,
        output_s=output_s,
        coast=coast,
    )
    one = ds.isel(trajectory=[pick])
    one["weight"] = (("trajectory",), np.ones(1), dict(ds["weight"].attrs))
    one = one.assign_coords(trajectory=("trajectory", np.zeros(1, dtype=np.int32), dict(ds["trajectory"].attrs)))
    one.attrs["title"] = f"sarex exercise truth ({object_class}) - EVALUATORS ONLY"
    one.attrs["sarex_role"] = "exercise truth (evaluator only; never give to participants)"
    one.attrs["truth_seed"] = str(seed if not isinstance(seed, np.random.SeedSequence) else seed.entropy)
    one.attrs["seed"] = drift_seed
    times = one["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    track = TruthTrack(
        lon=one["lon"].values[0].copy(),
        lat=one["lat"].values[0].copy(),
        time_s=times,
        status=one["status"].values[0].copy(),
        object_class=object_class,
        seed=drift_seed,
    )
    return track, one


_local = threading.local()


def truth_environment(sc: Scenario) -> Environment:
    """The truth environment of a scenario, built once per thread (replicates reuse it safely).

    Environments keep sampling scratch buffers, so one object must not be shared
    by threads running at the same time; each thread (or process) gets its own.
    """
    cache = getattr(_local, "envs", None)
    if cache is None:
        cache = _local.envs = {}
    key = (sc.truth.environment.model_dump_json(), sc.truth.time, sc.end_time_s)
    if key not in cache:
        cache.clear()
        cache[key] = open_spec(sc.truth.environment, sc.truth.time, sc.end_time_s)
    return cache[key]


def scenario_truth(
    sc: Scenario, seed: int | np.random.SeedSequence = 0, *, coast: Coastline | bool = True, output_s: float = 600.0
) -> tuple[TruthTrack, xr.Dataset]:
    """The truth track of a scenario, from the true entry into the water to the end of the exercise.

    An integer ``seed`` is the user's seed: the truth draws from its truth stream
    (:func:`sarex.seeds.stream`), the same in ``exercise truth`` and ``exercise run``.
    """
    if not isinstance(seed, np.random.SeedSequence):
        seed = stream(seed, TRUTH)
    t0 = sc.truth.time
    t1 = sc.end_time_s
    env = truth_environment(sc)
    hours = math.ceil((t1 - t0) / 600.0) / 6.0
    track, ds = drift_truth(env, sc.truth.object_class, sc.truth.lon, sc.truth.lat, t0, hours, seed, coast=coast, output_s=output_s)
    ds.attrs["scenario"] = sc.name
    ds.attrs["truth_environment"] = sc.truth.environment.describe()
    return track, ds


def truth_ensemble_dataset(
    sc: Scenario, n: int, seed: int, *, radius_m: float = 0.0, coast: Coastline | bool = True, output_s: float = 600.0
) -> xr.Dataset:
    """Truths for ``n`` replicates drifted together as one ensemble of ``n`` Leeway particles (drift-file format).

    Replicate ``i`` gets particle ``i``: each particle has its own downwind and
    crosswind draws and jibes, so these are ``n`` independent draws of the truth
    (sides of downwind alternate by index, exactly balanced); ``radius_m`` spreads
    their start around the true position (gaussian, as the drift's LKP radius). One
    vectorised drift costs about as much as a single one-particle drift, which the
    per-step kernel overheads dominate; and since it runs once in the driver, the
    replicates' truths do not depend on how they are later spread over workers.
    """
    from sarex.drift import simulate

    if n < 1:
        raise ValueError("n must be >= 1")
    drift_seed, _ = truth_seed(np.random.SeedSequence([int(seed), 0x7472757468]))
    t0, t1 = sc.truth.time, sc.end_time_s
    hours = math.ceil((t1 - t0) / 600.0) / 6.0
    return simulate(
        truth_environment(sc),
        sc.truth.object_class,
        lon=sc.truth.lon,
        lat=sc.truth.lat,
        start=t0,
        radius_m=radius_m,
        hours=hours,
        particles=int(n),
        seed_value=drift_seed,
        output_s=output_s,
        coast=coast,
    )
