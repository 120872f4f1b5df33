"""Inputs (issue 31, item 6): one identity for a fix, AIS log prefixes, bounded replay offsets.

* A fix without a ``report_id`` is identified by unit, time to the second and position
  to 1e-6° (:func:`sarex.server.reports.fix_report_id`), wherever it enters.
* AIS logs with a Unix-seconds prefix (``1770768600.000 !AIVDM,...``) and with
  Gatehouse ``$PGHP`` wrapper lines are read (the wrapper decoded by pyais).
* ``exercise evaluate`` of a 6-fix RMC log along one leg of a parallel sweep: the
  offset fit of antiparallel legs (normals opposite up to rounding) gave offsets of
  millions of metres; now each component of the offset is no larger than the largest
  cross-track error.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import replay_data as rd  # noqa: E402

from sarex.exercise.trackkeeping import systematic_offset  # noqa: E402
from sarex.io.ais import read_ais  # noqa: E402
from sarex.io.nmea import nmea_checksum  # noqa: E402
from sarex.io.track import IngestLog  # noqa: E402
from sarex.server.reports import fix_report_id  # noqa: E402

T = 1770768600.0  # 2026-02-11T00:10:00Z


def test_fix_identity_to_the_second_and_microdegree():
    a = fix_report_id("ROK-HELO-1", T, 129.6, 34.75)
    assert fix_report_id("ROK-HELO-1", T + 0.4, 129.6 + 4e-7, 34.75 - 4e-7) == a  # same fix, GGA vs RMC rounding
    assert fix_report_id("ROK-HELO-1", T + 1.0, 129.6, 34.75) != a  # the next second
    assert fix_report_id("ROK-HELO-1", T, 129.6 + 2e-6, 34.75) != a  # 0.18 m east
    assert fix_report_id("ROK-HELO-2", T, 129.6, 34.75) != a  # another unit
    assert fix_report_id("U", T, -0.0000001, 0.0) == fix_report_id("U", T, 0.0, 0.0)  # -0.000000 is 0.000000


def _ais(mmsi: int, lon: float, lat: float) -> str:
    from pyais.encode import encode_dict

    return encode_dict({"type": 1, "mmsi": mmsi, "lon": lon, "lat": lat}, radio_channel="A", talker_id="AI")[0]


def _pghp(t: float) -> str:
    d = datetime.fromtimestamp(t, tz=timezone.utc)
    body = f"PGHP,1,{d.year},{d.month},{d.day},{d.hour},{d.minute},{d.second},{d.microsecond // 1000},440,0,0,1,2C"
    return f"${body}*{nmea_checksum(body):02X}"


def test_ais_epoch_prefix_and_gatehouse_headers(tmp_path):
    mmsi = 440900002
    lines = [
        f"{T:.3f} {_ais(mmsi, 129.625, 34.78)}",            # Unix seconds
        f"{T * 1000 + 60000:.0f} {_ais(mmsi, 129.63, 34.781)}",  # Unix milliseconds
        _pghp(T + 120), _ais(mmsi, 129.635, 34.782),          # Gatehouse wrapper, then the sentence
        _pghp(T + 180)[:-2] + "00", _ais(mmsi, 129.64, 34.783),  # wrapper with a bad checksum: no time
    ]
    p = tmp_path / "gatehouse.ais"
    p.write_text("\n".join(lines) + "\n")
    log = IngestLog()
    tr = read_ais(p, {mmsi: "ROK-PKG-1"}, log)["ROK-PKG-1"]
    np.testing.assert_array_equal(tr.time_s, [T, T + 60, T + 120])
    np.testing.assert_allclose(tr.lon, [129.625, 129.63, 129.635], atol=1e-5)
    assert log.counts["gatehouse.ais"]["no_time"] == 1 and log.counts["gatehouse.ais"]["used"] == 3
    assert "not_ais" not in log.counts["gatehouse.ais"]  # the wrapper lines are headers, not skipped lines


def test_offset_fit_of_antiparallel_legs_is_bounded():
    """Two antiparallel legs whose normals differ by rounding (1e-9): the common normal component only."""
    ax = np.array([0.0, 0.0, 1000.0, 1000.0 + 1e-6])
    ay = np.array([0.0, 10000.0, 10000.0, 0.0])
    # a track 200 m east of both legs: XTE -200 on the northbound leg (left normal west), +200 on the southbound one
    legs = np.array([0] * 50 + [2] * 50)
    xte = np.where(legs == 0, -200.0, 200.0)
    e, n = systematic_offset(xte, legs, ax, ay)
    assert e == pytest.approx(200.0, abs=0.01) and abs(n) < 0.01
    # ... with the medians disagreeing (a track that is no translation) the offset stays within them
    xte = np.where(legs == 0, -14823.9, 11103.0)
    e, n = systematic_offset(xte, legs, ax, ay)
    assert abs(e) <= 14823.9 and abs(n) < 1.0


def test_evaluate_six_rmc_fixes_along_one_leg(tmp_path):
    from sarex.exercise.planned import read_planned_dir
    from sarex.exercise.replay import evaluate_replay
    from sarex.exercise.replay_tables import unit_csv
    from sarex.io.tracks import read_track_dir

    plan = rd.parallel_sweep("JPN-B", 129.7, 34.8, legs=5)
    rd.write_planned(tmp_path / "planned.gpx", [plan])
    (tmp_path / "tracks").mkdir()
    rows = {}
    for leg in (0, 8):  # the first leg, sailed 0.1 NM east of it; the last leg, on it
        wx, wy = plan.lon[leg], plan.lat[leg]
        brg, ln = plan.legs[leg]
        pts = [rd.step(*rd.step(wx, wy, brg, ln * k / 5), 90.0, 0.1 * rd.NM if leg == 0 else 0.0) for k in range(6)]
        lines = [s for s in rd.nmea_lines(rd.T0 + 600 * np.arange(6), *zip(*pts)) if "RMC" in s]
        (tmp_path / "tracks" / "JPN-B.nmea").write_text("\n".join(lines) + "\n")
        tracks, _ = read_track_dir(tmp_path / "tracks", None, {})
        res = evaluate_replay(read_planned_dir(tmp_path / "planned.gpx"), tracks, {"JPN-B": "JPN"})
        text = unit_csv(res).splitlines()
        rows[leg] = dict(zip(text[0].split(","), text[1].split(",")))
    # along the first leg, 0.1 NM = 185.2 m east: the offset's east component is that translation
    assert float(rows[0]["offset_east_m"]) == pytest.approx(185.2, abs=1.0)
    # along the last leg (the evaluation sequences it against earlier legs): bounded by the XTE, not 1e6 m
    for leg in (0, 8):
        for c in ("offset_east_m", "offset_north_m"):
            assert abs(float(rows[leg][c])) <= float(rows[leg]["xte_max_m"]) + 1.0, (leg, c, rows[leg])
