"""Standard phrases of the message log between participants (issue 30), in English, Korean and Japanese.

In the spirit of the IMO Standard Marine Communication Phrases (SMCP, Resolution A.918(22);
REFERENCES §14): a fixed list of messages, each a template with typed parameters, so that a
message sent in one language is read in each reader's own (the same figures, formatted alike).
The entry, exit, on-scene, sighting and completion reports of IAMSAR (MSC.1/Circ.1513) are
standard phrases. Free text is never translated; it is shown as written and marked so.

Parameters: ``unit``, ``other``, ``area`` (codes, letters, digits, ``-`` and ``_``), ``alt_ft``,
``low_ft``, ``high_ft`` (whole feet), ``lon``/``lat`` (degrees, shown as degrees and decimal minutes),
``time`` (ISO UTC, shown as a date-time group) and ``object`` (one of :data:`OBJECTS`).
"""

from __future__ import annotations

import math
import re
from typing import Mapping

from sarex.errors import SarexInputError
from sarex.times import from_epoch_s, to_epoch_s

LANGUAGES = ("en", "ko", "ja")
#: a nation's reading language (ISO 3166 alpha-3); others read English
NATION_LANGUAGE = {"KOR": "ko", "JPN": "ja"}

PHRASES: dict[str, dict[str, str]] = {
    "on_scene": {
        "en": "{unit} on scene; commencing search of area {area} at {time}.",
        "ko": "{unit} 현장 도착; {time}에 구역 {area} 수색 개시.",
        "ja": "{unit} 現場到着; {time} に区域 {area} の捜索を開始する。",
    },
    "entering_area": {
        "en": "{unit} entering area {area} at {alt_ft} ft, position {pos}.",
        "ko": "{unit} 구역 {area} 진입, 고도 {alt_ft} ft, 위치 {pos}.",
        "ja": "{unit} 区域 {area} に進入、高度 {alt_ft} ft、位置 {pos}。",
    },
    "leaving_area": {
        "en": "{unit} leaving area {area} at {alt_ft} ft, position {pos}.",
        "ko": "{unit} 구역 {area} 이탈, 고도 {alt_ft} ft, 위치 {pos}.",
        "ja": "{unit} 区域 {area} から離脱、高度 {alt_ft} ft、位置 {pos}。",
    },
    "sighting": {
        "en": "{unit} sighted {object} in position {pos} at {time}.",
        "ko": "{unit} {time}에 위치 {pos}에서 {object} 발견.",
        "ja": "{unit} {time} に位置 {pos} で{object}を発見。",
    },
    "search_completed": {
        "en": "{unit} search of area {area} completed; nothing sighted.",
        "ko": "{unit} 구역 {area} 수색 완료; 발견 없음.",
        "ja": "{unit} 区域 {area} の捜索完了; 発見なし。",
    },
    "report_position": {
        "en": "{other}, report your position, course, speed and altitude.",
        "ko": "{other}, 귀 위치, 침로, 속력 및 고도를 보고 바람.",
        "ja": "{other}、貴位置、針路、速力及び高度を報告せよ。",
    },
    "keep_clear": {
        "en": "{other}, I am engaged in search and rescue operations. Keep clear of me.",
        "ko": "{other}, 본 함(기)은 수색구조 작업 중임. 본 함(기)을 피하라.",
        "ja": "{other}、本船(機)は捜索救助作業中。本船(機)を避けよ。",
    },
    "fly_block": {
        "en": "{other}, fly in altitude block {low_ft}–{high_ft} ft.",
        "ko": "{other}, 고도 블록 {low_ft}–{high_ft} ft 내에서 비행하라.",
        "ja": "{other}、高度ブロック {low_ft}–{high_ft} ft 内を飛行せよ。",
    },
    "received": {"en": "Received, understood.", "ko": "수신, 이해함.", "ja": "受信、了解。"},
    "say_again": {"en": "Say again.", "ko": "다시 송신 바람.", "ja": "再送せよ。"},
}

OBJECTS = {
    "person": {"en": "a person in the water", "ko": "해상 익수자", "ja": "海上の要救助者"},
    "life_raft": {"en": "a life raft", "ko": "구명뗏목", "ja": "救命いかだ"},
    "boat": {"en": "a small boat", "ko": "소형 선박", "ja": "小型船"},
    "debris": {"en": "debris", "ko": "부유물", "ja": "漂流物"},
    "flare": {"en": "a flare", "ko": "조명탄", "ja": "信号弾"},
}

#: parameters each phrase takes (``pos`` is given as ``lon`` and ``lat``)
PARAMS = {key: sorted({("lon" if m == "pos" else m) for m in re.findall(r"{(\w+)}", t["en"])} | ({"lat"} if "{pos}" in t["en"] else set()))
          for key, t in PHRASES.items()}
UNTRANSLATED = {"en": "[free text, untranslated]", "ko": "[자유 문장, 번역 안 됨]", "ja": "[自由文、未翻訳]"}
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def language_of(nation: str | None) -> str:
    """The language a participant of ``nation`` reads (English unless Korean or Japanese)."""
    return NATION_LANGUAGE.get(nation or "", "en")


def _dtg(t_s: float) -> str:
    return from_epoch_s(t_s).strftime("%d%H%MZ %b %Y").upper()


def check_params(phrase: str, params: Mapping[str, object]) -> dict:
    """The parameters of a standard phrase, checked; :class:`~sarex.errors.SarexInputError` naming the field otherwise."""
    if phrase not in PHRASES:
        raise SarexInputError(f"phrase: {phrase!r} is not a standard phrase ({', '.join(PHRASES)})")
    want = set(PARAMS[phrase])
    got = set(params)
    if got != want:
        missing, extra = sorted(want - got), sorted(got - want)
        raise SarexInputError(f"params: phrase {phrase!r} takes {sorted(want)}" + (f"; missing {missing}" if missing else "") + (f"; unknown {extra}" if extra else ""))
    out: dict = {}
    for k, v in params.items():
        f = f"params.{k}"
        if k in ("unit", "other", "area"):
            if not isinstance(v, str) or not _CODE.match(v):
                raise SarexInputError(f"{f}: {v!r} is not a code (letters, digits, - and _, at most 64)")
            out[k] = v
        elif k in ("alt_ft", "low_ft", "high_ft"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not 0 <= v <= 60000:
                raise SarexInputError(f"{f}: {v!r} is not a height in feet (0 to 60000)")
            out[k] = int(round(v))
        elif k in ("lon", "lat"):
            lim = 180.0 if k == "lon" else 90.0
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or abs(v) > lim:
                raise SarexInputError(f"{f}: {v!r} is not a {'longitude' if k == 'lon' else 'latitude'} in degrees")
            out[k] = float(v)
        elif k == "time":
            out[k] = to_epoch_s(str(v))
        elif k == "object":
            if v not in OBJECTS:
                raise SarexInputError(f"{f}: {v!r} is not one of {', '.join(OBJECTS)}")
            out[k] = v
    return out


def render(phrase: str | None, params: Mapping[str, object], text: str, lang: str) -> str:
    """A message in ``lang``: the standard phrase with its parameters, or the free text marked untranslated."""
    if lang not in LANGUAGES:
        raise SarexInputError(f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    if not phrase:
        return f"{UNTRANSLATED[lang]} {text}"
    from sarex.planning.message import format_position

    p = check_params(phrase, params)
    values = {k: v for k, v in p.items() if k not in ("lon", "lat", "time", "object")}
    if "lon" in p:
        values["pos"] = format_position(p["lon"], p["lat"])
    if "time" in p:
        values["time"] = _dtg(p["time"])
    if "object" in p:
        values["object"] = OBJECTS[p["object"]][lang]
    return PHRASES[phrase][lang].format(**values)
