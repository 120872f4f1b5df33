"""Ingest of GPX, NMEA 0183 and AIS logs (sarex.io.tracks): times, positions, and skipped content."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest
from replay_data import _cs, ais_lines, nmea_lines, static_message, write_gpx_track

from sarex.errors import SarexInputError
from sarex.io.ais import read_ais
from sarex.io.gpx import read_gpx_tracks
from sarex.io.nmea import read_nmea, split_sentence
from sarex.io.tracks import IngestLog, read_track_dir

T = datetime(2026, 2, 11, 23, 59, 40, tzinfo=timezone.utc).timestamp()


def _fixes(n=6, dt=10.0):
    t = T + dt * np.arange(n)
    lon = 129.5 + 0.001 * np.arange(n)
    lat = 34.5 - 0.0005 * np.arange(n)
    return t, lon, lat


def test_nmea_checksum_reference():
    # a published example sentence (NMEA 0183 GGA, checksum 47)
    s = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
    body, status = split_sentence(s)
    assert status == "ok" and body.startswith("GPGGA,123519")
    assert split_sentence(s.replace("*47", "*48"))[1] == "bad_checksum"
    assert split_sentence(s[:40])[1] == "truncated"


def test_nmea_positions_times_and_midnight(tmp_path):
    t, lon, lat = _fixes()
    p = tmp_path / "unit.nmea"
    p.write_text("\n".join(nmea_lines(t, lon, lat)) + "\n")
    tr = read_nmea(p)
    assert tr.name == "unit"
    # the fixes cross midnight (23:59:40 -> 00:00:30): times must keep increasing by 10 s
    np.testing.assert_allclose(tr.time_s, t, atol=0.011)
    # 4-decimal minutes: 1e-4' = 1.7e-6 deg
    np.testing.assert_allclose(tr.lon, lon, atol=1e-6)
    np.testing.assert_allclose(tr.lat, lat, atol=1e-6)


def test_nmea_gga_only_needs_a_date(tmp_path):
    t, lon, lat = _fixes()
    gga = [s for s in nmea_lines(t, lon, lat) if "GGA" in s]
    p = tmp_path / "gga.nmea"
    p.write_text("\n".join(gga) + "\n")
    with pytest.raises(SarexInputError, match="no date"):
        read_nmea(p)
    tr = read_nmea(p, date="2026-02-11")
    # the first fixes are 23:59:40 of the given day; the roll-over moves the later ones to the next day
    assert tr.time_s[0] == pytest.approx(T, abs=0.011)
    np.testing.assert_allclose(np.diff(tr.time_s), 10.0, atol=0.02)


def test_nmea_gga_before_first_rmc_takes_its_date(tmp_path):
    t, lon, lat = _fixes()
    lines = nmea_lines(t, lon, lat)
    # keep GGA only for the first 3 fixes (before midnight), RMC only after: GGAs are dated from a later RMC
    lines = [s for k, s in enumerate(lines) if (k // 2 < 3 and "GGA" in s) or (k // 2 >= 3 and "RMC" in s)]
    p = tmp_path / "mixed.nmea"
    p.write_text("\n".join(lines) + "\n")
    tr = read_nmea(p)
    np.testing.assert_allclose(tr.time_s, t, atol=0.011)


def test_corrupt_nmea_skipped_and_counted(tmp_path):
    t, lon, lat = _fixes(40)
    lines = nmea_lines(t, lon, lat)
    lines[4] = lines[4].replace(",N,", ",S,", 1)  # changed content: checksum no longer matches
    lines[9] = lines[9][:25]  # truncated
    lines[12] = "$GPRMC,garbage*" + _cs("GPRMC,garbage")  # valid checksum, unparsable
    lines.insert(20, "\x00\x00\xff")
    p = tmp_path / "bad.nmea"
    p.write_text("\n".join(lines) + "\n")
    log = IngestLog()
    tr = read_nmea(p, log=log)
    assert log.count("bad_checksum") == 1
    assert log.count("truncated") == 1
    assert log.count("malformed") == 1
    assert log.count("used") == 80 - 3
    assert len(tr) == 40  # every fix still has its GGA or RMC twin
    assert any("1 sentence(s) with a bad checksum" in m and "1 truncated" in m and "1 non-NMEA" in m for m in log.messages())


def test_ais_positions_multisentence_and_unsupported(tmp_path):
    t, lon, lat = _fixes(8)
    lines = ais_lines(t, lon, lat, 431900001, msg_type=1)
    lines[3:3] = static_message(431900001, t[3])  # two-sentence type 5 in the middle
    lines.append(ais_lines(t[:1], lon[:1], lat[:1], 431900001, msg_type=18)[0].replace("\\c:", "\\s:r1,c:", 1).replace(f"*{_cs('c:' + str(int(round(t[0]))))}\\", f"*{_cs('s:r1,c:' + str(int(round(t[0]))))}\\"))
    p = tmp_path / "log.ais"
    p.write_text("\n".join(lines) + "\n")
    log = IngestLog()
    tracks = read_ais(p, {431900001: "JPN-DD-1"}, log)
    tr = tracks["JPN-DD-1"]
    np.testing.assert_allclose(tr.time_s, t, atol=0.5)
    # AIS resolution 1/10000 minute
    np.testing.assert_allclose(tr.lon, lon, atol=2e-6)
    np.testing.assert_allclose(tr.lat, lat, atol=2e-6)
    assert log.ais_types["log.ais"][5] == 1
    msg = " ".join(log.messages())
    assert "unsupported types (type 5: 1)" in msg and "types 1, 2, 3 and 18" in msg


def test_ais_only_unsupported_types_is_a_clear_error(tmp_path):
    p = tmp_path / "static.ais"
    p.write_text("\n".join(static_message(431900001, T) + static_message(431900001, T + 60)) + "\n")
    with pytest.raises(SarexInputError, match=r"static.ais: no AIS position report .*unsupported types \{5: 2\}"):
        read_ais(p)


def test_ais_without_receive_time_and_incomplete_fragments(tmp_path):
    t, lon, lat = _fixes(4)
    lines = ais_lines(t, lon, lat, 431900001)
    bare = lines[1].split(" ", 1)[1]  # drop the ISO prefix
    frag = static_message(431900001, T)[0]  # first of two fragments only
    p = tmp_path / "x.ais"
    p.write_text("\n".join([lines[0], bare, frag, lines[2], lines[3]]) + "\n")
    log = IngestLog()
    tr = read_ais(p, None, log)["431900001"]
    assert len(tr) == 3
    assert log.count("no_time") == 1
    assert log.count("incomplete") == 1


def test_gpx_tracks_and_folder_mapping(tmp_path):
    t, lon, lat = _fixes(5)
    write_gpx_track(tmp_path / "a.gpx", "ROK-DDH-1", t, lon, lat)
    (tmp_path / "notes.txt").write_text("not a track\n")
    (tr,) = read_gpx_tracks(tmp_path / "a.gpx")
    assert tr.name == "ROK-DDH-1"
    np.testing.assert_allclose(tr.time_s, t, atol=1e-6)
    np.testing.assert_allclose(tr.lon, lon, atol=1e-9)
    tracks, log = read_track_dir(tmp_path, {"ROK-DDH-1": "ROK-DDH-1"})
    assert list(tracks) == ["ROK-DDH-1"]
    with pytest.raises(SarexInputError, match="no GPX"):
        read_track_dir(tmp_path, {"OTHER": "OTHER"})
