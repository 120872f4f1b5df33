"""Replicates on Dask: same seed -> bit-for-bit the same results with 1 and with 2 workers."""

from __future__ import annotations

import numpy as np
import pytest

from sarex.exercise.replicates import replicate_seeds, run_replicates, run_serial
from sarex.exercise.truth import drift_truth
from sarex.times import to_epoch_s

T0 = to_epoch_s("2026-02-11T00:00:00Z")
LKP = (129.75, 34.84)
# A fixed search: one unit steaming north then south through the drift area at 10 kn, a fix every 5 min.
_T = T0 + np.arange(0.0, 6 * 3600.0 + 1, 300.0)
_LAT = 34.80 + np.interp(_T - T0, [0.0, 3 * 3600.0, 6 * 3600.0], [0.0, 0.25, 0.0])
_LON = np.interp(_T - T0, [0.0, 3 * 3600.0, 6 * 3600.0], [129.80, 129.80, 129.86])
W_M = 3000.0  # sweep width of the inverse-cube lateral range curve


def cheap_replicate(i: int, ss: np.random.SeedSequence, hours: float) -> np.ndarray:
    """Truth drift in a differently seeded synthetic field, then one detection draw at closest approach."""
    from sarex.environment.synthetic import korea_strait_environment

    env = korea_strait_environment("2026-02-11T00:00:00Z", days=1, resolution_deg=0.1, variant=7)  # own buffers per task
    track, _ = drift_truth(env, "PIW-1", LKP[0], LKP[1], T0, hours, ss, coast=False)
    lon, lat = track.position_at(_T)
    k = np.cos(np.radians(lat))
    r = np.hypot((lon - _LON) * 111320.0 * k, (lat - _LAT) * 110574.0)
    j = int(np.argmin(r))
    pod = 1.0 - np.exp(-(W_M**2) / (4.0 * np.pi * max(r[j], 1.0) ** 2))
    det_rng = np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 1)))
    detected = det_rng.random() < pod
    return np.array([i, float(detected), _T[j] if detected else np.nan, r[j], track.lon[-1], track.lat[-1]])


def test_seeds_are_spawned_children():
    s = replicate_seeds(42, 3)
    ref = np.random.SeedSequence(42).spawn(3)
    assert [x.spawn_key for x in s] == [x.spawn_key for x in ref] == [(0,), (1,), (2,)]
    assert all(x.entropy == 42 for x in s)


def test_dask_results_identical_with_one_and_two_workers():
    n = 8
    serial = np.array(run_serial(cheap_replicate, n, 2026, 6.0))
    one = np.array(run_replicates(cheap_replicate, n, 2026, 6.0, workers=1, processes=False, progress=False))
    seen = []
    two = np.array(
        run_replicates(cheap_replicate, n, 2026, 6.0, workers=2, processes=False, batch_size=1, progress=lambda d, t: seen.append(d))
    )
    # bit-for-bit, NaN positions included
    assert serial.tobytes() == one.tobytes() == two.tobytes()
    np.testing.assert_array_equal(two[:, 0], np.arange(n))  # replicate order kept
    assert seen[-1] == n and len(seen) == n
    # the replicates really differ (own draws): distinct end positions
    assert len(np.unique(serial[:, 4])) == n
    # another master seed gives other results
    other = np.array(run_serial(cheap_replicate, 2, 2027, 6.0))
    assert not np.array_equal(other[:, 4], serial[:2, 4])


def test_bad_scheduler_address_is_a_user_error():
    from sarex.errors import SarexInputError

    with pytest.raises(SarexInputError, match="--scheduler: cannot connect"):
        run_replicates(cheap_replicate, 1, 0, 1.0, scheduler="tcp://127.0.0.1:9", progress=False, connect_timeout_s=1.0)
