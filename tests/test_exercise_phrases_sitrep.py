"""Standard phrases and SITREPs in en/ko/ja (issue 30): hand-written expected texts; the same figures in each language."""

from __future__ import annotations

import re

import pytest

from sarex.errors import SarexInputError
from sarex.exercise.phrases import PHRASES, language_of, render
from sarex.exercise.sitrep import SitrepFacts, sitrep_text
from sarex.times import to_epoch_s

ENTRY = {"unit": "JPN-P1-1", "area": "A3", "alt_ft": 2450, "lon": 129.5, "lat": 34.6}


def test_entry_report_in_each_language():
    assert render("entering_area", ENTRY, "", "en") == "JPN-P1-1 entering area A3 at 2450 ft, position 34°36.00'N 129°30.00'E."
    assert render("entering_area", ENTRY, "", "ko") == "JPN-P1-1 구역 A3 진입, 고도 2450 ft, 위치 34°36.00'N 129°30.00'E."
    assert render("entering_area", ENTRY, "", "ja") == "JPN-P1-1 区域 A3 に進入、高度 2450 ft、位置 34°36.00'N 129°30.00'E。"


def test_sighting_with_time_and_object():
    p = {"unit": "ROK-HELO-1", "object": "life_raft", "lon": 129.75, "lat": 34.85, "time": "2026-02-11T02:47:00Z"}
    assert render("sighting", p, "", "en") == "ROK-HELO-1 sighted a life raft in position 34°51.00'N 129°45.00'E at 110247Z FEB 2026."
    assert render("sighting", p, "", "ko") == "ROK-HELO-1 110247Z FEB 2026에 위치 34°51.00'N 129°45.00'E에서 구명뗏목 발견."
    assert render("sighting", p, "", "ja") == "ROK-HELO-1 110247Z FEB 2026 に位置 34°51.00'N 129°45.00'E で救命いかだを発見。"


def test_free_text_is_marked_untranslated():
    assert render(None, {}, "Deck crew ready", "ko") == "[자유 문장, 번역 안 됨] Deck crew ready"
    assert render(None, {}, "Deck crew ready", "ja").startswith("[自由文、未翻訳]")


def test_readers_language_from_nation():
    assert (language_of("KOR"), language_of("JPN"), language_of("EXCON"), language_of(None)) == ("ko", "ja", "en", "en")


@pytest.mark.parametrize("phrase, params, field", [
    ("nope", {}, "phrase"),
    ("entering_area", {**ENTRY, "alt_ft": -5}, "params.alt_ft"),
    ("entering_area", {**ENTRY, "lat": 95}, "params.lat"),
    ("entering_area", {k: v for k, v in ENTRY.items() if k != "area"}, "params"),
    ("sighting", {"unit": "X", "object": "whale", "lon": 1.0, "lat": 1.0, "time": "2026-02-11T02:47:00Z"}, "params.object"),
    ("received", {"unit": "A B"}, "params"),
])
def test_bad_parameters_named(phrase, params, field):
    with pytest.raises(SarexInputError) as e:
        render(phrase, params, "", "en")
    assert str(e.value).startswith(field + ":")


def test_every_phrase_has_the_same_placeholders_in_each_language():
    for key, t in PHRASES.items():
        ph = {lang: sorted(re.findall(r"{(\w+)}", t[lang])) for lang in ("en", "ko", "ja")}
        assert ph["en"] == ph["ko"] == ph["ja"], key


def _facts(k: int) -> SitrepFacts:
    t0 = to_epoch_s("2026-02-11T00:00Z")
    return SitrepFacts(case="Korea-Japan SAREX", time_s=t0 + 3600 * k, identity="fishing boat SAREX-1", lon=129.8, lat=34.9,
                       position_time_s=t0 - 3600, object_key="PIW-1", persons=3, rcc="RCC Busan", units_tasked=2 + k,
                       units_names=("ROK-DDH-1", "JPN-DD-1"), periods_done=k - 1, area_searched_nm2=123.4 * (k - 1), reports=17 * k,
                       sightings=0, alerts=k - 1, osc="ROK-DDH-1", aco="JPN-P1-1", on_scene_channel="VHF ch 67",
                       next_period_start_s=t0 + 6 * 3600 * k)


def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_sitreps_numbered_with_the_same_figures_in_three_languages(k):
    texts = {lang: sitrep_text(k, "full", _facts(k), lang) for lang in ("en", "ko", "ja")}
    assert texts["en"].startswith(f"SITREP {k} — ") and texts["ko"].startswith(f"상황보고(SITREP) {k} — ") and texts["ja"].startswith(f"状況報告(SITREP) {k} — ")
    assert _numbers(texts["en"]) == _numbers(texts["ko"]) == _numbers(texts["ja"])
    area = f"{123.4 * (k - 1):.1f}"
    for text in texts.values():
        assert area in text and f"{17 * k} " in text.replace("건", " ").replace("件", " ") + " "
        assert [ln[:2] for ln in text.splitlines()[4:]] == ["A.", "B.", "C.", "D.", "E.", "F.", "G.", "H.", "J.", "K.", "L.", "M.", "N."]
        assert "34°54.00'N 129°48.00'E" in text
    short = sitrep_text(k, "short", _facts(k), "ja")
    assert [ln[:2] for ln in short.splitlines()[4:]] == ["A.", "B.", "C.", "D.", "E.", "F."]
