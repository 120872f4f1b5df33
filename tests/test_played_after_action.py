"""The played after-action report's breach table and message log (issue 30 item 6): a hand-made export carried
through the use case's reading (:func:`sarex.app.played._after_action`) and rendered (:mod:`sarex.report.played_report`)."""

from __future__ import annotations

import html
import json
import subprocess
import sys

import pytest

from sarex.app.played import _after_action
from sarex.errors import SarexInputError
from sarex.report.html import Report, render_html
from sarex.report.played_report import after_action_sections

EXPORT = {
    # out of order on purpose: the report lists by exercise time
    "breaches": [
        {"time": "2026-02-11T02:15:30Z", "kind": "outside_block", "units": ["JPN-P1-1"], "distance_nm": 0.0, "vertical_ft": 700.0,
         "created_wall": "2026-12-07T10:03:02Z"},
        {"time": "2026-02-11T01:00:10Z", "kind": "low_pass", "units": ["JPN-P1-1", "ROK-DDH-1"], "distance_nm": 0.8, "vertical_ft": 300.0,
         "created_wall": "2026-12-07T10:00:01Z",
         # acknowledged by the coordinator 4 min 20 s later, then by the ship; listed out of order on purpose
         "acks": [{"by": "rok-ddh-1", "unit": "ROK-DDH-1", "time": "2026-02-11T01:06:40Z"},
                  {"by": "coordinator", "unit": None, "time": "2026-02-11T01:04:30Z"}]},
    ],
    "messages": [
        {"time": "2026-02-11T00:30:00Z", "sender": "ROK-DDH-1", "to": ["JPN-DD-1"], "text": "[free text, untranslated] Deck ready",
         "untranslated": True, "created_wall": "2026-12-07T09:30:00Z"},
        {"time": "2026-02-11T01:00:00Z", "sender": "JPN-P1-1", "to": ["all"], "text": "JPN-P1-1 entering area A3 at 2450 ft.",
         "untranslated": False, "created_wall": "2026-12-07T10:00:00Z"},
        {"time": "2026-02-11T01:05:00Z", "sender": "rcc", "to": [], "text": "SITREP 1", "untranslated": True},
    ],
}


def _page(p: dict) -> str:
    return html.unescape(render_html(Report("t", sections=after_action_sections(p))))


def _rows(page: str, first_cell: str) -> str:
    """The text of the table row that starts with ``first_cell`` (tags dropped)."""
    import re

    for tr in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)]
        if cells and cells[0] == first_cell:
            return " | ".join(cells)
    raise AssertionError(f"no row starting {first_cell!r}")


def test_the_export_s_breaches_and_messages_are_carried_in_exercise_time_order():
    breaches, messages = _after_action(EXPORT)
    assert [b["time"] for b in breaches] == ["2026-02-11T01:00:10Z", "2026-02-11T02:15:30Z"]
    assert breaches[0] == {"kind": "low_pass", "units": ["JPN-P1-1", "ROK-DDH-1"], "time": "2026-02-11T01:00:10Z", "wall": "2026-12-07T10:00:01Z",
                           "distance_nm": 0.8, "vertical_ft": 300.0, "acks": EXPORT["breaches"][1]["acks"]}
    assert [m["sender"] for m in messages] == ["ROK-DDH-1", "JPN-P1-1", "rcc"] and messages[2]["wall"] is None
    assert _after_action({}) == ([], [])  # an export from before the breaches were exported


def test_a_bad_breach_time_is_refused_in_one_line_naming_the_row():
    bad = {"breaches": [EXPORT["breaches"][0], {**EXPORT["breaches"][1], "time": "yesterday"}]}
    with pytest.raises(SarexInputError, match=r"breaches\[1\]\.time: 'yesterday'"):
        _after_action(bad)
    bad = {"breaches": [{**EXPORT["breaches"][1], "acks": [{"by": "x", "time": "soon"}]}]}
    with pytest.raises(SarexInputError, match=r"breaches\[0\]\.acks\[0\]\.time: 'soon'"):
        _after_action(bad)


def test_the_report_lists_every_breach_and_message_with_times_and_distances():
    breaches, messages = _after_action(EXPORT)
    page = _page({"breaches": breaches, "messages": messages})
    # first acknowledged: the coordinator, 01:04:30 - 01:00:10 = 4 min 20 s = 4.3 min
    assert _rows(page, "2026-02-11 01:00:10Z") == ("2026-02-11 01:00:10Z | 2026-12-07 10:00:01Z | low pass over a ship | JPN-P1-1, ROK-DDH-1 | 0.80 | 300 | coordinator +4.3 min")
    assert _rows(page, "2026-02-11 02:15:30Z") == ("2026-02-11 02:15:30Z | 2026-12-07 10:03:02Z | outside its altitude block | JPN-P1-1 | 0.00 | 700 | —")
    assert page.index("2026-02-11 01:00:10Z") < page.index("2026-02-11 02:15:30Z")
    assert _rows(page, "2026-02-11 00:30Z") == "2026-02-11 00:30Z | 2026-12-07 09:30Z | ROK-DDH-1 | JPN-DD-1 | [free text, untranslated] Deck ready"
    assert _rows(page, "2026-02-11 01:00Z") == "2026-02-11 01:00Z | 2026-12-07 10:00Z | JPN-P1-1 | all | JPN-P1-1 entering area A3 at 2450 ft."
    assert _rows(page, "2026-02-11 01:05Z") == "2026-02-11 01:05Z | — | rcc | all | SITREP 1"
    assert "none recorded" not in page


def test_an_exercise_without_breaches_or_messages_says_none():
    page = _page({"breaches": [], "messages": []})
    assert "Separation breaches: none recorded in play." in page and "Message log: none recorded in play." in page
    assert "<table" not in page


def test_the_cli_refuses_an_export_with_a_bad_message_time(tmp_path):
    from sarex.server.services import builtin_scenario_text

    data = {"format": "sarex-played/1", "seed": 3, "scenario_toml": builtin_scenario_text("korea-japan"), "positions": [], "plans": [],
            "periods": [], "messages": [{"time": "not a time", "sender": "x"}]}
    f = tmp_path / "e.json"
    f.write_text(json.dumps(data))
    r = subprocess.run([sys.executable, "-m", "sarex.cli", "exercise", "evaluate-played", str(f), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "messages[0].time: 'not a time'" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()
