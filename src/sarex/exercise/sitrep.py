"""Situation reports (SITREPs) of a case, IAMSAR format, in English, Korean and Japanese (issue 30).

IAMSAR Vol. II (REFERENCES §14): a SITREP is numbered in sequence per case. The short form
(A–F) gives the casualty's identity, position, situation, persons on board, assistance required
and the coordinating RCC; the full form adds G–N (description of the casualty, weather on scene,
initial actions taken, search area, coordinating instructions, future plans, additional
information and case closure; IAMSAR skips the letter I). Each language renders the same facts
with the same number formats, so the figures agree whatever the reader's language.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from sarex.errors import SarexInputError
from sarex.times import from_epoch_s

LANGUAGES = ("en", "ko", "ja")
FORMS = ("short", "full")


class SitrepFacts(NamedTuple):
    """What a SITREP states, drafted from the exercise state (positions degrees, areas NM², times epoch s)."""

    case: str
    time_s: float
    identity: str
    lon: float
    lat: float
    position_time_s: float
    object_key: str
    persons: Optional[int]
    rcc: str
    units_tasked: int
    units_names: tuple[str, ...]
    periods_done: int
    area_searched_nm2: float
    reports: int
    sightings: int
    alerts: int
    osc: str
    aco: str
    on_scene_channel: str
    next_period_start_s: Optional[float]
    wind: str = ""
    remarks: str = ""


_T = {
    "en": {
        "title": "SITREP {n} — {case}", "from": "FROM: {rcc}", "dtg": "DATE-TIME GROUP: {t}",
        "A": "A. IDENTITY OF CASUALTY: {identity}",
        "B": "B. POSITION: {pos} (reported {pt})",
        "C": "C. SITUATION: search for {obj}; {periods} search period(s) completed, {area:.1f} NM² searched, {sightings} sighting(s) reported",
        "D": "D. PERSONS ON BOARD: {persons}",
        "E": "E. ASSISTANCE REQUIRED: SAR units to continue the search",
        "F": "F. COORDINATING RCC: {rcc}",
        "G": "G. DESCRIPTION OF CASUALTY: {obj}",
        "H": "H. WEATHER ON SCENE: {wind}",
        "J": "J. INITIAL ACTIONS TAKEN: {units} unit(s) tasked: {names}",
        "K": "K. SEARCH AREA: {area:.1f} NM² searched in {periods} period(s); {reports} position reports received",
        "L": "L. COORDINATING INSTRUCTIONS: OSC {osc}; ACO {aco}; on-scene channel {ch}; {alerts} separation alert(s) so far",
        "M": "M. FUTURE PLANS: next search period from {next}",
        "N": "N. ADDITIONAL INFORMATION: {remarks}",
        "unknown": "unknown", "none": "none", "no_next": "none planned",
    },
    "ko": {
        "title": "상황보고(SITREP) {n} — {case}", "from": "발신: {rcc}", "dtg": "일시: {t}",
        "A": "A. 조난 대상 식별: {identity}",
        "B": "B. 위치: {pos} ({pt} 보고)",
        "C": "C. 상황: {obj} 수색; 수색 기간 {periods}회 완료, {area:.1f} 해리² 수색, 발견 보고 {sightings}건",
        "D": "D. 승선 인원: {persons}",
        "E": "E. 요청 지원: 수색구조단위의 수색 계속",
        "F": "F. 조정 구조조정본부(RCC): {rcc}",
        "G": "G. 조난 대상 설명: {obj}",
        "H": "H. 현장 기상: {wind}",
        "J": "J. 초기 조치: 단위 {units}개 투입: {names}",
        "K": "K. 수색 구역: 기간 {periods}회 동안 {area:.1f} 해리² 수색; 위치 보고 {reports}건 수신",
        "L": "L. 조정 지시: 현장지휘관(OSC) {osc}; 항공기조정관(ACO) {aco}; 현장 채널 {ch}; 현재까지 분리 경보 {alerts}건",
        "M": "M. 향후 계획: 다음 수색 기간 {next}부터",
        "N": "N. 추가 정보: {remarks}",
        "unknown": "미상", "none": "없음", "no_next": "계획 없음",
    },
    "ja": {
        "title": "状況報告(SITREP) {n} — {case}", "from": "発信: {rcc}", "dtg": "日時: {t}",
        "A": "A. 遭難対象の識別: {identity}",
        "B": "B. 位置: {pos} ({pt} 報告)",
        "C": "C. 状況: {obj}の捜索; 捜索期間 {periods} 回完了、{area:.1f} 平方海里を捜索、発見報告 {sightings} 件",
        "D": "D. 乗船者数: {persons}",
        "E": "E. 要請する支援: 捜索救助ユニットによる捜索の継続",
        "F": "F. 調整救助調整本部(RCC): {rcc}",
        "G": "G. 遭難対象の説明: {obj}",
        "H": "H. 現場の気象: {wind}",
        "J": "J. 初動措置: ユニット {units} 個を投入: {names}",
        "K": "K. 捜索区域: 期間 {periods} 回で {area:.1f} 平方海里を捜索; 位置報告 {reports} 件を受信",
        "L": "L. 調整指示: 現場指揮官(OSC) {osc}; 航空機調整官(ACO) {aco}; 現場チャンネル {ch}; これまでの間隔警報 {alerts} 件",
        "M": "M. 今後の計画: 次の捜索期間は {next} から",
        "N": "N. 追加情報: {remarks}",
        "unknown": "不明", "none": "なし", "no_next": "計画なし",
    },
}


def _dtg(t_s: float) -> str:
    return from_epoch_s(t_s).strftime("%d%H%MZ %b %Y").upper()


def sitrep_text(number: int, form: str, f: SitrepFacts, lang: str) -> str:
    """SITREP ``number`` of the case in ``form`` ("short": A–F, "full": A–N) and ``lang``.

    Parameters
    ----------
    number : the SITREP's number in the case's sequence (1, 2, ...).
    form : "short" or "full".
    f : the facts (the same for every language).
    lang : "en", "ko" or "ja".
    """
    from sarex.planning.message import format_position, object_text

    if lang not in _T:
        raise SarexInputError(f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    if form not in FORMS:
        raise SarexInputError(f"form: {form!r} is not one of {', '.join(FORMS)}")
    t = _T[lang]
    obj = object_text(f.object_key, lang)
    persons = t["unknown"] if f.persons is None else str(f.persons)
    v = dict(identity=f.identity, pos=format_position(f.lon, f.lat), pt=_dtg(f.position_time_s), obj=obj, periods=f.periods_done,
             area=f.area_searched_nm2, sightings=f.sightings, persons=persons, rcc=f.rcc, wind=f.wind or t["unknown"],
             units=f.units_tasked, names=", ".join(f.units_names) or t["none"], reports=f.reports, osc=f.osc or t["none"],
             aco=f.aco or t["none"], ch=f.on_scene_channel or t["none"], alerts=f.alerts,
             next=_dtg(f.next_period_start_s) if f.next_period_start_s is not None else t["no_next"], remarks=f.remarks or t["none"])
    lines = [t["title"].format(n=number, case=f.case), t["from"].format(rcc=f.rcc), t["dtg"].format(t=_dtg(f.time_s)), ""]
    letters = "ABCDEF" + ("GHJKLMN" if form == "full" else "")
    lines += [t[k].format(**v) for k in letters]
    return "\n".join(lines) + "\n"
