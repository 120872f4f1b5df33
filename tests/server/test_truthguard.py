"""The truth guard reads every written form of a position, time and class (issue 27, item 11).

The truth is the built-in Korea–Japan exercise's: PIW-2 at 129.7531°E 34.8412°N, 2026-02-10T20:47Z
(Unix 1 770 756 420, hand-checked: 20 494 days × 86 400 s + 20 h 47 min). The expected forms
below are written by hand (34.8412° = 34°50.472' = 34°50'28.3"; 129.7531° = 129°45.186').
"""

from __future__ import annotations

import pytest

from sarex.server.truthguard import TOL_DEG, TOL_S, Truth, check_fields, check_text

TRUTH = Truth(129.7531, 34.8412, 1770756420.0, "PIW-2")


@pytest.mark.parametrize("text,what", [
    ("129.753E 34.841N", "position"),  # decimal with hemisphere letters
    ("object near 129.7531", "position"),
    ("34°50.5'N", "position"),  # DDM rounded to a tenth of a minute (34.84167°)
    ("34 50.47N", "position"),  # DDM with a space
    ("34-50.47N", "position"),
    ("34°50′28″N", "position"),  # DMS with the typographic primes
    ("34 50 28N", "position"),
    ("3450.47N", "position"),  # NMEA DDMM.mm
    ("12945.19E", "position"),  # NMEA DDDMM.mm
    ("345028N", "position"),  # compact DMS
    ("lat 34.84 (two decimals)", "position"),  # 0.0012° off: within 0.01°
    ("102047Z FEB 2026", "time"),  # DTG
    ("102047zfeb26", "time"),  # DTG, lower case and packed
    ("110547I FEB 2026", "time"),  # DTG in Korea/Japan time (UTC+9)
    ("1770756420", "time"),  # epoch seconds
    ("1770756420000", "time"),  # epoch milliseconds
    ("2026-02-10T20:47:00Z", "time"),
    ("2026-02-10 20:52Z", "time"),  # 5 min off
    ("went over at 20:47 UTC", "time"),
    ("went over at 2047Z", "time"),
    ("10 Feb 2026 2047", "time"),
    ("piw-2", "object class"),
    ("a Piw 2 was seen", "object class"),
    ("PIW2", "object class"),
])
def test_every_form_of_the_truth_is_found(text, what):
    leaks = check_text(text, TRUTH, public_classes=["PIW-1"])
    assert what in {x.what for x in leaks}, (text, leaks)


@pytest.mark.parametrize("text", [
    # what the participants are told anyway: the LKP (129.72E 34.86N, 1.2 NM off), its time (43 min before), its class
    "Datum 34°51.60'N 129°43.20'E at 102130Z FEB 2026, PIW-1, radius 2 NM",
    "F/V Haenam-ho reports one crew member overboard at 2130Z, no lifejacket known",
    "weather: wind 18 kn, sea 1.2 m, visibility 8 NM; next period starts 2026-02-11T06:00Z",
    "PIW 24 hours survival estimate",  # PIW then 24, not PIW 2
    "MMSI 440123456, call sign DSXY2",
])
def test_what_participants_know_passes(text):
    assert check_text(text, TRUTH, public_classes=["PIW-1"]) == []


def test_tolerances_are_the_stated_ones():
    assert TOL_DEG == 0.01 and TOL_S == 600.0
    assert check_text("34.8511", TRUTH) and not check_text("34.8513", TRUTH)  # 0.0099° and 0.0101° off
    assert check_text("2026-02-10T20:57Z", TRUTH) and not check_text("2026-02-10T20:58Z", TRUTH)  # 10 and 11 min
    # structured values: a position both of whose coordinates are close (1e-5° from the truth), a time
    assert [x.what for x in check_fields(TRUTH, 129.75311, 34.84121)] == ["position"]
    assert check_fields(TRUTH, 129.72, 34.86) == []  # the LKP
    assert [x.what for x in check_fields(TRUTH, time_s=1770756420.0 + 300)] == ["time"]
    assert check_fields(TRUTH, time_s=1770756420.0 + 43 * 60) == []


def test_a_public_class_is_no_secret():
    assert check_text("PIW-2", TRUTH, public_classes=["piw 2"]) == []
    assert check_text("PIW-1", TRUTH, public_classes=["PIW-1"]) == []
