"""The message log and SITREPs (issue 30) through their use cases on a store: each reader's language,
who reads what, the truth guard, numbering; SITREP figures the same in en/ko/ja."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from sarex.errors import SarexInputError
from sarex.server import messages
from sarex.server.models import AuditEntry
from sarex.server.workflow import Conflict, Denied
from sarex.times import to_epoch_s
from server_harness import demo_store, principal_of

ENTRY = {"unit": "JPN-P1-1", "area": "A3", "alt_ft": 2450, "lon": 129.5, "lat": 34.6}


@pytest.fixture(autouse=True)
def _own_key_location(monkeypatch):
    monkeypatch.delenv("SAREX_AUDIT_KEY_FILE", raising=False)


@pytest.fixture()
def store(tmp_path):
    with demo_store(tmp_path) as st:
        yield st


principal = principal_of


def tx(store, fn, name, *args):
    with store.tx() as s:
        return fn(s, principal(store, name), 1, *args)


def rd(store, fn, name, *args):
    with store.read() as s:
        return fn(s, principal(store, name), 1, *args)


def test_a_standard_phrase_read_in_korean_and_japanese(store):
    sent = tx(store, messages.send, "jpn-p1-1", ["all"], "entering_area", ENTRY, "", "2026-02-11T01:00:00Z")
    assert sent["sender"] == "JPN-P1-1" and sent["lang"] == "ja"
    ko = rd(store, messages.log, "rok-helo-1")
    ja = rd(store, messages.log, "jpn-helo-1")
    assert [m["text"] for m in ko] == ["JPN-P1-1 구역 A3 진입, 고도 2450 ft, 위치 34°36.00'N 129°30.00'E."]
    assert [m["text"] for m in ja] == ["JPN-P1-1 区域 A3 に進入、高度 2450 ft、位置 34°36.00'N 129°30.00'E。"]
    assert rd(store, messages.log, "director")[0]["text"].startswith("JPN-P1-1 entering area A3 at 2450 ft")  # EXCON reads English
    assert rd(store, messages.log, "rok-helo-1", "en")[0]["time"] == "2026-02-11T01:00:00Z"


def test_addressed_messages_and_free_text(store):
    tx(store, messages.send, "rok-ddh-1", ["JPN-DD-1"], None, {}, "Deck ready to receive your helicopter")
    assert [m["text"] for m in rd(store, messages.log, "jpn-dd-1")] == ["[自由文、未翻訳] Deck ready to receive your helicopter"]
    assert rd(store, messages.log, "jpn-dd-1")[0]["untranslated"] is True
    assert rd(store, messages.log, "rok-pkg-1") == []  # not addressed
    assert len(rd(store, messages.log, "rok-ddh-1")) == 1 and len(rd(store, messages.log, "coordinator")) == 1
    with store.read() as s:
        assert s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "message")).scalar() == 1


def test_bad_messages_refused(store):
    with pytest.raises(SarexInputError, match=r"^to\[0\]: 'NOPE'"):
        tx(store, messages.send, "rok-ddh-1", ["NOPE"], "received", {}, "")
    with pytest.raises(SarexInputError, match=r"^params.alt_ft:"):
        tx(store, messages.send, "rok-ddh-1", ["all"], "entering_area", {**ENTRY, "alt_ft": "high"}, "")
    with pytest.raises(Denied):
        tx(store, messages.send, "observer", ["all"], "received", {}, "")


def test_the_truth_guard_applies_to_messages(store):
    from sarex.server import services
    from sarex.server.models import Exercise

    with store.read() as s:
        truth = services.truth_of(services.parse_scenario_text(s.get(Exercise, 1).scenario_toml))
    with pytest.raises(Conflict):
        tx(store, messages.send, "director", ["all"], "sighting",
           {"unit": "ROK-HELO-1", "object": "person", "lon": truth["lon"], "lat": truth["lat"], "time": "2026-02-11T02:00:00Z"}, "")


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


def test_sitreps_numbered_one_two_three_same_figures_in_three_languages(store):
    tx(store, messages.send, "rok-ddh-1", ["all"], "received", {}, "")
    got = [tx(store, messages.send_sitrep, "coordinator", form, {"persons": 3, "remarks": f"update {k}"}, f"2026-02-11T0{k}:00:00Z")
           for k, form in ((1, "short"), (2, "full"), (3, "full"))]
    assert [g["number"] for g in got] == [1, 2, 3]
    for g in got:
        t = g["texts"]
        assert _numbers(t["en"]) == _numbers(t["ko"]) == _numbers(t["ja"])
        assert t["en"].startswith(f"SITREP {g['number']} ") and f"(SITREP) {g['number']} " in t["ko"] and f"(SITREP) {g['number']} " in t["ja"]
    assert "D. PERSONS ON BOARD: 3" in got[0]["texts"]["en"] and "G." not in got[0]["texts"]["en"]
    assert "N. ADDITIONAL INFORMATION: update 3" in got[2]["texts"]["en"]
    assert [r["number"] for r in rd(store, messages.sitreps, "rok-helo-1")] == [1, 2, 3]
    assert rd(store, messages.sitreps, "rok-helo-1")[0]["text"] == got[0]["texts"]["ko"]
    assert rd(store, messages.sitreps, "jpn-helo-1")[0]["text"] == got[0]["texts"]["ja"]
    with pytest.raises(Denied):
        tx(store, messages.send_sitrep, "rok-ddh-1", "short", {}, None)


def test_communications_plan_edited_by_the_coordinator(store):
    from sarex.server import comms

    assert rd(store, comms.get, "rok-helo-1") == {"channels": {}, "callsigns": {}, "aircraft_coordinator": None}
    plan = {"channels": {"on_scene": "VHF ch 67", "aco": "UHF 243.0 MHz"}, "callsigns": {"JPN-P1-1": "JAPANESE NAVY 5501"},
            "aircraft_coordinator": "JPN-P1-1"}
    assert tx(store, comms.put, "coordinator", plan) == plan
    assert rd(store, comms.get, "jpn-helo-1") == plan
    with pytest.raises(Denied):
        tx(store, comms.put, "planner-rok", plan)
    with pytest.raises(SarexInputError, match=r"^channels: .*'radar' is not a channel purpose"):
        tx(store, comms.put, "coordinator", {"channels": {"radar": "x"}})
    with pytest.raises(SarexInputError, match=r"^callsigns.NOPE:"):
        tx(store, comms.put, "coordinator", {"callsigns": {"NOPE": "X"}})
    # the SITREP's coordinating instructions take the plan's on-scene channel and ACO
    sr = tx(store, messages.send_sitrep, "coordinator", "full", {}, "2026-02-11T01:00:00Z")
    assert "ACO JPN-P1-1; on-scene channel VHF ch 67;" in sr["texts"]["en"]
    # and a forecast's scenario carries it into the planner's catalogue (SAP and tasking)
    from sarex.exercise.run import scenario_catalogue
    from sarex.server import services
    from sarex.server.models import Exercise

    with store.read() as s:
        ex = s.get(Exercise, 1)
        cat = scenario_catalogue(comms.apply(services.parse_scenario_text(ex.scenario_toml, case=True), ex))
    assert cat.coordination.aco == "JPN-P1-1" and cat.coordination.channels["on_scene"] == "VHF ch 67"
    assert next(u for u in cat.units if u.id == "JPN-P1-1").callsign == "JAPANESE NAVY 5501"


def test_message_log_table_for_the_after_action_report(store):
    tx(store, messages.send, "jpn-p1-1", ["all"], "entering_area", ENTRY, "", "2026-02-11T01:00:00Z")
    tx(store, messages.send, "rok-ddh-1", ["JPN-DD-1"], None, {}, "Deck ready", "2026-02-11T00:30:00Z")
    with store.read() as s:
        got = messages.log_table(s, 1)
    walls = [m.pop("created_wall") for m in got]  # logged now (wall), whatever the exercise time
    assert all(abs(to_epoch_s(w) - time.time()) < 120 for w in walls)
    assert got == [
            {"time": "2026-02-11T00:30:00Z", "sender": "ROK-DDH-1", "to": ["JPN-DD-1"], "text": "[free text, untranslated] Deck ready", "untranslated": True},
            {"time": "2026-02-11T01:00:00Z", "sender": "JPN-P1-1", "to": ["all"],
             "text": "JPN-P1-1 entering area A3 at 2450 ft, position 34°36.00'N 129°30.00'E.", "untranslated": False}]
