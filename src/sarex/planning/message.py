"""The search action plan (SAP) message in the IAMSAR format, in English, Korean and Japanese.

IAMSAR Manual Vol. II ch. 5 (REFERENCES §6): situation, search areas (corner
points), execution (SRU assignments: area, pattern, commence search point,
creep direction, track spacing, times on task), coordination (SMC, OSC,
frequencies) and reports. Positions are written as degrees and decimal minutes,
latitude first as mariners read them; times in UTC ("Z").
"""

from __future__ import annotations

import numpy as np

from sarex.drift.objects import leeway_objects
from sarex.geo import NM_M
from sarex.planning.airspace import airspace_of
from sarex.planning.planner import Plan
from sarex.planning.reasons import render
from sarex.search.podmodel import pod_from_coverage
from sarex.planning.units import UnitCatalogue
from sarex.times import from_epoch_s

LANGUAGES = ("en", "ko", "ja")

_T = {
    "en": {
        "title": "SEARCH ACTION PLAN",
        "from": "FROM",
        "to": "TO",
        "to_all": "ALL SRUs, OSC",
        "dtg": "DATE-TIME GROUP",
        "s1": "1. SITUATION",
        "object": "Search object",
        "lkp": "Last known position",
        "period": "Search period",
        "picture": "Probability picture",
        "particles": "{n} drift particles (Monte-Carlo Leeway), {searches} earlier searches applied",
        "s2": "2. SEARCH AREAS",
        "area": "Area {k} ({unit}): {nm2:.1f} NM², corners",
        "s3": "3. EXECUTION (SRU ASSIGNMENTS)",
        "assign": "{unit} {name} [{service}]: area {k}, {pattern} ({kind}), CSP {csp}, first leg {first:03.0f}°T, creep {creep:03.0f}°T, track spacing S {s} NM, {legs}, search speed {v:.0f} kn{alt}",
        "times": "depart {dep}, on task {t0} – {t1}, return {ret}; coverage {c:.2f} (POD {pod_c:.0f} % for an object that stays in the area); drifting object: POC {poc:.0f} %, POD {pod:.0f} %, POS {pos:.1f} %",
        "legs": ("{n} leg", "{n} legs"),
        "alt": ", search altitude {a:.0f} ft, altitude block {lo:.0f}–{hi:.0f} ft",
        "alt_changed": " (requested {r:.0f} ft; moved for separation)",
        "entry": "entry point {e}, exit point {x}; report entering and leaving to the ACO",
        "aco": "Aircraft coordinator (ACO)",
        "airspace": "Aircraft in the same or adjacent areas (within {buf:g} NM) at overlapping times are separated vertically by at least {v:.0f} ft; helicopters below fixed-wing.",
        "conflict": "AIRSPACE CONFLICT: {a} and {b} {gap:.1f} NM apart, blocks {vert:.0f} ft apart (< {v:.0f} ft): the ACO separates them laterally (≥ {buf:g} NM) or in time",
        "comms": "Communications",
        "ch": {"control": "control", "on_scene": "on-scene", "aco": "ACO", "monitor": "monitor"},
        "callsigns": "Call signs",
        "unassigned": "{unit} {name}: NOT ASSIGNED – {why}",
        "why": "why: {reason}",
        "reserve": "{unit} {name}: IN RESERVE – {why}",
        "s4": "4. COORDINATION",
        "smc": "SAR mission coordinator (SMC)",
        "osc": "On-scene coordinator (OSC)",
        "freq": "Frequencies",
        "s5": "5. REPORTS",
        "s6": "6. PLAN SUMMARY",
        "summary": "Planner estimate of the probability of success {pos:.1f} % ({model} detection). Stone static optimum of the same effort ({effort:.0f} NM²) and detection: {bound:.1f} % (the best for an object that does not drift; a plan that follows the drift can exceed it).",
        "tracks": "Planned-tracks POS (the legs in order and on time against the drifting object): {p:.1f} %.",
        "alive": "Probability of finding the person alive by the end of the period: {a:.1f} % (the case's survival model; the plan maximises {obj}).",
        "unit_summary": "{unit}'s marginal POS {m:.1f} %: what this plan's POS loses without {unit}, the other units unchanged. POS in {unit}'s own area: {pos:.1f} %.",
        "defs": "Definitions: coverage C = W × track length / area. Each drift particle is counted in the one area where it is most exposed to search: a unit's POC is the probability that the object is in its area while searched, POS its probability of being detected there, POD = POS/POC; the units' POC and POS add up to the plan's. The planner estimate spreads each unit's effort evenly over its area and time on task.",
        "none": "none",
        "multi": "Period {k} of {n}: expected to add {add:.1f} % to the cumulative POS, {cum:.1f} % after this period (each period planned alone: {alone:.1f} %).",
    },
    "ko": {
        "title": "수색실행계획",
        "from": "발신",
        "to": "수신",
        "to_all": "전 수색구조단위(SRU), 현장지휘관(OSC)",
        "dtg": "일시",
        "s1": "1. 상황",
        "object": "수색 대상",
        "lkp": "최종 확인 위치",
        "period": "수색 기간",
        "picture": "확률 분포",
        "particles": "표류 입자 {n}개 (몬테카를로 리웨이 표류 모델), 이전 수색 {searches}회 반영",
        "s2": "2. 수색 구역",
        "area": "구역 {k} ({unit}): {nm2:.1f} 해리², 꼭짓점",
        "s3": "3. 실행 (수색구조단위 할당)",
        "assign": "{unit} {name} [{service}]: 구역 {k}, {pattern} ({kind}), 수색개시점(CSP) {csp}, 첫 구간 {first:03.0f}°T, 진행 방향 {creep:03.0f}°T, 항로 간격 {s} 해리, {legs}, 수색 속력 {v:.0f} 노트{alt}",
        "times": "출발 {dep}, 수색 {t0} – {t1}, 귀환 {ret}; 수색범위율 {c:.2f} (대상이 구역에 머물 때 탐지확률 {pod_c:.0f} %); 표류 대상: 포함확률(POC) {poc:.0f} %, 탐지확률(POD) {pod:.0f} %, 성공확률(POS) {pos:.1f} %",
        "legs": ("구간 {n}개", "구간 {n}개"),
        "alt": ", 수색 고도 {a:.0f} ft, 고도 블록 {lo:.0f}–{hi:.0f} ft",
        "alt_changed": " (요청 {r:.0f} ft; 분리를 위해 조정)",
        "entry": "진입점 {e}, 이탈점 {x}; 진입·이탈 시 항공기조정관(ACO)에 보고",
        "aco": "항공기조정관(ACO)",
        "airspace": "같은 구역 또는 인접 구역({buf:g} 해리 이내)에서 시간이 겹치는 항공기는 수직으로 {v:.0f} ft 이상 분리; 헬기는 고정익기 아래.",
        "conflict": "공역 충돌: {a}와 {b} 거리 {gap:.1f} 해리, 블록 간격 {vert:.0f} ft (< {v:.0f} ft): ACO가 수평({buf:g} 해리 이상) 또는 시간으로 분리",
        "comms": "통신",
        "ch": {"control": "통제", "on_scene": "현장", "aco": "ACO", "monitor": "청취"},
        "callsigns": "호출부호",
        "unassigned": "{unit} {name}: 미할당 – {why}",
        "why": "근거: {reason}",
        "reserve": "{unit} {name}: 예비 – {why}",
        "s4": "4. 조정",
        "smc": "수색구조임무조정관(SMC)",
        "osc": "현장지휘관(OSC)",
        "freq": "통신 주파수",
        "s5": "5. 보고",
        "s6": "6. 계획 요약",
        "summary": "계획 추정 성공확률 {pos:.1f} % ({model} 탐지 모델). 동일 수색량({effort:.0f} 해리²)·탐지 모델의 스톤 정적 최적 배분: {bound:.1f} % (표류하지 않는 대상에 대한 최적값; 표류를 따라가는 계획은 이를 넘을 수 있음).",
        "tracks": "계획 항적 성공확률 (구간을 순서·시각대로 표류 대상에 적용): {p:.1f} %.",
        "alive": "기간 종료까지 생존 상태로 발견할 확률: {a:.1f} % (사례의 생존 모델; 이 계획은 {obj}을(를) 최대화함).",
        "unit_summary": "{unit} 부대의 한계 성공확률(POS) {m:.1f} %: 다른 부대는 그대로 두고 {unit} 부대가 빠지면 이 계획의 성공확률이 잃는 값. {unit} 부대 구역의 성공확률(POS): {pos:.1f} %.",
        "defs": "정의: 수색범위율 C = 탐지폭 W × 항적 길이 / 면적. 각 표류 입자는 수색 노출이 가장 큰 한 구역에만 계산됨: 단위의 POC는 수색 중 대상이 그 구역에 있을 확률, POS는 그곳에서 탐지될 확률, POD = POS/POC; 단위별 POC와 POS의 합은 계획 전체 값과 같음.",
        "none": "없음",
        "multi": "기간 {k}/{n}: 누적 성공확률에 {add:.1f} % 추가 예상, 이 기간 후 누적 {cum:.1f} % (각 기간을 따로 계획할 때: {alone:.1f} %).",
    },
    "ja": {
        "title": "捜索実行計画",
        "from": "発信",
        "to": "宛先",
        "to_all": "全捜索救助ユニット(SRU)、現場指揮官(OSC)",
        "dtg": "日時",
        "s1": "1. 状況",
        "object": "捜索対象",
        "lkp": "最終確認位置",
        "period": "捜索期間",
        "picture": "確率分布",
        "particles": "漂流粒子 {n} 個 (モンテカルロ・リーウェイ漂流モデル)、既実施捜索 {searches} 回を反映",
        "s2": "2. 捜索区域",
        "area": "区域 {k} ({unit}): {nm2:.1f} 平方海里、頂点",
        "s3": "3. 実施 (捜索救助ユニットの割当て)",
        "assign": "{unit} {name} [{service}]: 区域 {k}、{pattern} ({kind})、捜索開始点(CSP) {csp}、第1レグ {first:03.0f}°T、進出方向 {creep:03.0f}°T、航跡間隔 {s} 海里、{legs}、捜索速力 {v:.0f} ノット{alt}",
        "times": "発進 {dep}、捜索 {t0} – {t1}、帰投 {ret}; カバレッジ {c:.2f} (対象が区域内に留まる場合の探知確率 {pod_c:.0f} %); 漂流対象: 存在確率(POC) {poc:.0f} %、探知確率(POD) {pod:.0f} %、成功確率(POS) {pos:.1f} %",
        "legs": ("レグ {n} 本", "レグ {n} 本"),
        "alt": "、捜索高度 {a:.0f} ft、高度ブロック {lo:.0f}–{hi:.0f} ft",
        "alt_changed": " (要求 {r:.0f} ft; 間隔設定のため変更)",
        "entry": "進入点 {e}、離脱点 {x}; 進入・離脱時に航空機調整官(ACO)へ報告",
        "aco": "航空機調整官(ACO)",
        "airspace": "同一または隣接区域({buf:g} 海里以内)で時間が重なる航空機は垂直に {v:.0f} ft 以上分離; ヘリコプターは固定翼機の下。",
        "conflict": "空域競合: {a} と {b} の距離 {gap:.1f} 海里、ブロック間隔 {vert:.0f} ft (< {v:.0f} ft): ACO が水平({buf:g} 海里以上)または時間で分離",
        "comms": "通信",
        "ch": {"control": "統制", "on_scene": "現場", "aco": "ACO", "monitor": "聴守"},
        "callsigns": "呼出符号",
        "unassigned": "{unit} {name}: 割当てなし – {why}",
        "why": "理由: {reason}",
        "reserve": "{unit} {name}: 予備 – {why}",
        "s4": "4. 調整",
        "smc": "捜索救助任務調整官(SMC)",
        "osc": "現場指揮官(OSC)",
        "freq": "周波数",
        "s5": "5. 報告",
        "s6": "6. 計画概要",
        "summary": "計画推定の成功確率 {pos:.1f} % ({model} 探知モデル)。同一捜索量({effort:.0f} 平方海里)・探知モデルのストーン静的最適配分: {bound:.1f} % (漂流しない対象での最適値; 漂流に追従する計画はこれを上回り得る)。",
        "tracks": "計画航跡の成功確率 (レグを順序・時刻どおり漂流対象に適用): {p:.1f} %。",
        "alive": "期間終了までに生存状態で発見する確率: {a:.1f} % (事例の生存モデル; この計画は{obj}を最大化)。",
        "unit_summary": "{unit} の限界成功確率(POS) {m:.1f} %: 他のユニットはそのままで {unit} が抜けた場合にこの計画の成功確率が失う値。{unit} の区域の成功確率(POS): {pos:.1f} %。",
        "defs": "定義: カバレッジ C = 捜索幅 W × 航跡長 / 面積。各漂流粒子は捜索への露出が最大の一区域にのみ数える: ユニットの POC は捜索中に対象がその区域にある確率、POS はそこで探知される確率、POD = POS/POC; ユニットの POC と POS の和は計画全体の値に等しい。",
        "none": "なし",
        "multi": "期間 {k}/{n}: 累積成功確率に {add:.1f} % の追加を見込む、この期間後の累積 {cum:.1f} % (各期間を個別に計画した場合: {alone:.1f} %)。",
    },
}

#: What the plan maximises, as the SAP names it (``PlannerSettings.objective``).
_OBJECTIVE = {
    "en": {"pos": "the probability of success", "alive": "finding the person alive"},
    "ko": {"pos": "성공확률", "alive": "생존 발견 확률"},
    "ja": {"pos": "成功確率", "alive": "生存発見確率"},
}

_PATTERNS = {
    "en": {"PS": "parallel sweep", "CS": "creeping line", "SS": "expanding square", "VS": "sector search", "TS": "track line"},
    "ko": {"PS": "평행 수색", "CS": "크리핑 라인 수색", "SS": "확대 사각 수색", "VS": "섹터 수색", "TS": "항적선 수색"},
    "ja": {"PS": "平行捜索", "CS": "クリーピングライン捜索", "SS": "方形拡大捜索", "VS": "扇形捜索", "TS": "航跡線捜索"},
}


def format_position(lon: float, lat: float) -> str:
    """``34°36.00'N 129°30.00'E`` (degrees and decimal minutes, latitude first)."""

    def dm(v: float, pos: str, neg: str, width: int) -> str:
        h = pos if v >= 0 else neg
        v = abs(v)
        d = int(v)
        m = (v - d) * 60.0
        if round(m, 2) >= 60.0:
            d, m = d + 1, 0.0
        return f"{d:0{width}d}°{m:05.2f}'{h}"

    return f"{dm(lat, 'N', 'S', 2)} {dm(lon, 'E', 'W', 3)}"


#: "(Leeway class X)" after the object's description, per language
_CLASS = {"en": "Leeway class {key}", "ko": "리웨이 분류 {key}", "ja": "リーウェイ分類 {key}"}
#: the detection models' names (:data:`sarex.search.podmodel.MODEL_NAMES`) as the Korean and Japanese text says them
_MODELS = {
    "ko": {"exponential": "지수", "random": "지수", "inverse-cube": "역세제곱", "inverse_cube": "역세제곱",
           "definite": "확정 거리", "definite-range": "확정 거리", "cookie-cutter": "확정 거리"},
    "ja": {"exponential": "指数", "random": "指数", "inverse-cube": "逆三乗", "inverse_cube": "逆三乗",
           "definite": "確定距離", "definite-range": "確定距離", "cookie-cutter": "確定距離"},
}
#: the catalogue's default reporting instructions (:class:`sarex.planning.units.Coordination`) in Korean and Japanese
_REPORTS = {
    "ko": "현장 도착 시, 수색 중 매시간, 수색 완료 시, 그리고 발견 즉시 보고.",
    "ja": "現場到着時、捜索中は毎時、捜索完了時、及び発見時に報告せよ。",
}


def object_text(key: str, lang: str = "en") -> str:
    """The search object as a watch officer reads it: its description, then the Leeway class in brackets."""
    obj = leeway_objects().get(str(key))
    return f"{obj.description} ({_CLASS.get(lang, _CLASS['en']).format(key=key)})" if obj is not None else str(key)


def _reports_text(co, lang: str) -> str:
    """Section 5 in ``lang``: the catalogue's own translation, else the default's, else as written."""
    own = co.reports_translated.get(lang)
    if own:
        return own
    default = type(co).model_fields["reports"].default
    return _REPORTS[lang] if lang in _REPORTS and co.reports == default else co.reports


def _spacing_text(s_nm: float) -> str:
    """Track spacing in NM: one decimal, two below 0.25 NM (interleaved legs of helicopters are 0.04 NM apart, not "0.0")."""
    return f"{s_nm:.2f}" if s_nm < 0.25 else f"{s_nm:.1f}"


def _z(t_s: float) -> str:
    return from_epoch_s(t_s).strftime("%d%H%MZ %b %Y").upper()


def _communications(t: dict, catalogue: UnitCatalogue, unit_ids: list[str]) -> list[str]:
    """The communications plan's lines: channels by purpose, call signs of the units addressed."""
    co = catalogue.coordination
    out = []
    if co.channels:
        out.append(f"  {t['comms']}: " + "; ".join(f"{t['ch'][k]} {v}" for k, v in co.channels.items()))
    units = {u.id: u for u in catalogue.units}
    signs = [f"{i} \"{units[i].callsign}\"" for i in unit_ids if i in units and units[i].callsign]
    if signs:
        out.append(f"  {t['callsigns']}: " + ", ".join(signs))
    return out


def sap_message(
    plan: Plan, catalogue: UnitCatalogue, lang: str = "en", situation: dict | None = None,
    *, unit: str | None = None, period: dict | None = None,
) -> str:
    """The search action plan message as text: to all SRUs, or with ``unit`` to that one unit.

    A unit's message holds its own area and assignment and, instead of the whole
    plan's POS, the unit's marginal POS (what the plan loses without it, the other
    units unchanged) and the POS in its own area.

    Parameters
    ----------
    plan : the plan.
    catalogue : units and coordination.
    lang : "en", "ko" or "ja".
    situation : optional ``object``, ``lkp_lon``, ``lkp_lat``, ``lkp_time``, ``particles``, ``searches``.
    unit : a unit id: the message to that unit alone (its area, its marginal POS).
    period : for one of several periods planned together, ``period``, ``periods``, ``added_pos``,
        ``cumulative_pos``, ``cumulative_pos_each_period_alone`` (:func:`sarex.report.planfiles.period_info`).
    """
    if lang not in _T:
        raise ValueError(f"language {lang!r} not one of {LANGUAGES}")
    t = _T[lang]
    pn = _PATTERNS[lang]
    sit = situation or {}
    units = {u.id: u for u in catalogue.units}
    co = catalogue.coordination
    osc = catalogue.osc_unit()
    space = airspace_of(plan, catalogue)
    numbered = list(enumerate(plan.assignments, start=1))
    mine = None
    if unit is not None:
        mine = next((a for a in plan.assignments if a.unit_id == unit), None)
        if mine is None:
            raise ValueError(f"unit {unit!r} has no assignment in the plan")
        numbered = [(k, a) for k, a in numbered if a.unit_id == unit]
    lines = [t["title"], "=" * 40]
    lines.append(f"{t['from']}: {co.smc or 'SMC'}")
    lines.append(f"{t['to']}: {t['to_all'] if unit is None else (unit + ' ' + (units[unit].name if unit in units else '')).strip()}")
    lines.append(f"{t['dtg']}: {_z(plan.start_s)}")
    lines.append("")
    lines.append(t["s1"])
    if "object" in sit:
        lines.append(f"  {t['object']}: {object_text(sit['object'], lang)}")
    if "lkp_lon" in sit and "lkp_lat" in sit:
        when = f" {sit['lkp_time']}" if sit.get("lkp_time") else ""
        lines.append(f"  {t['lkp']}: {format_position(sit['lkp_lon'], sit['lkp_lat'])}{when}")
    lines.append(f"  {t['period']}: {_z(plan.start_s)} – {_z(plan.end_s)}")
    if "particles" in sit:
        lines.append(f"  {t['picture']}: " + t["particles"].format(n=sit["particles"], searches=sit.get("searches", 0)))
    lines.append("")
    lines.append(t["s2"])
    for k, a in numbered:
        c = a.rect.corners()
        lon, lat = plan.frame.inverse(c[:, 0], c[:, 1])
        lines.append("  " + t["area"].format(k=k, unit=a.unit_id, nm2=a.rect.area_m2 / NM_M**2))
        for lo, la in zip(lon, lat):
            lines.append(f"    {format_position(float(lo), float(la))}")
    lines.append("")
    lines.append(t["s3"])
    for k, a in numbered:
        u = units[a.unit_id]
        clon, clat = plan.frame.inverse(np.array([a.pattern.x[0]]), np.array([a.pattern.y[0]]))
        blk = space.blocks.get(u.id)
        alt = ""
        if blk is not None:
            alt = t["alt"].format(a=blk.search_alt_ft, lo=blk.low_ft, hi=blk.high_ft)
            alt += t["alt_changed"].format(r=blk.requested_alt_ft) if blk.altitude_changed else ""
        creep = a.pattern.creep_bearing_deg
        lines.append(
            "  "
            + t["assign"].format(
                unit=u.id,
                name=u.name,
                service=u.service,
                k=k,
                pattern=pn[a.pattern.kind],
                kind=a.pattern.kind,
                csp=format_position(float(clon[0]), float(clat[0])),
                first=a.pattern.first_leg_bearing_deg,
                creep=0.0 if creep != creep else creep,
                s=_spacing_text(a.spacing_m / NM_M),
                legs=t["legs"][0 if a.n_legs == 1 else 1].format(n=a.n_legs),
                v=u.search_speed_kn,
                alt=alt,
            )
        )
        lines.append(
            "    "
            + t["times"].format(dep=_z(a.depart_s), t0=_z(a.arrive_s), t1=_z(a.search_end_s), ret=_z(a.return_s), c=a.coverage,
                                  pod_c=100 * float(pod_from_coverage(a.coverage, plan.model)), poc=100 * a.poc, pod=100 * a.pod, pos=100 * a.pos)
        )
        if blk is not None:
            lines.append("    " + t["entry"].format(e=format_position(*blk.entry), x=format_position(*blk.exit)))
        if a.reason:
            lines.append("    " + t["why"].format(reason=render(a.reason_parts, lang) if a.reason_parts else a.reason))
    for uid, why in plan.unassigned.items() if unit is None else ():
        u = units.get(uid)
        why = render(plan.unassigned_parts[uid], lang) if uid in plan.unassigned_parts else why
        lines.append("  " + t["unassigned"].format(unit=uid, name=u.name if u else "", why=why))
    for uid, why in plan.reserve.items() if unit is None else ():
        u = units.get(uid)
        why = render(plan.reserve_parts[uid], lang) if uid in plan.reserve_parts else why
        lines.append("  " + t["reserve"].format(unit=uid, name=u.name if u else "", why=why))
    lines.append("")
    lines.append(t["s4"])
    lines.append(f"  {t['smc']}: {co.smc or '-'}")
    lines.append(f"  {t['osc']}: {osc.id + ' ' + osc.name if osc else t['none']}")
    lines.append(f"  {t['aco']}: {space.aco}")
    if space.blocks:
        st = space.settings
        lines.append("  " + t["airspace"].format(buf=st.lateral_buffer_nm, v=st.vertical_separation_ft))
        mine_ids = {a.unit_id for _, a in numbered}
        for p in space.conflicts:
            if mine_ids & set(p.units):
                lines.append("  " + t["conflict"].format(a=p.units[0], b=p.units[1], gap=p.gap_nm, vert=p.vertical_ft,
                                                         v=st.vertical_separation_ft, buf=st.lateral_buffer_nm))
    lines.append(f"  {t['freq']}: {', '.join(co.frequencies) if co.frequencies else t['none']}")
    lines.extend(_communications(t, catalogue, [a.unit_id for _, a in numbered]))
    lines.append("")
    lines.append(t["s5"])
    lines.append(f"  {_reports_text(co, lang)}")
    lines.append("")
    lines.append(t["s6"])
    if mine is not None:
        lines.append("  " + t["unit_summary"].format(unit=unit, m=100 * mine.marginal_pos, pos=100 * mine.pos))
        lines.append("  " + t["defs"])
        return "\n".join(lines) + "\n"
    lines.append(
        "  " + t["summary"].format(pos=100 * plan.total_pos, model=_MODELS.get(lang, {}).get(plan.model, plan.model), effort=plan.total_effort_m2 / NM_M**2, bound=100 * plan.bound_pos)
    )
    if plan.pos_planned == plan.pos_planned:
        lines.append("  " + t["tracks"].format(p=100 * plan.pos_planned))
    if plan.p_found_alive == plan.p_found_alive:
        lines.append("  " + t["alive"].format(a=100 * plan.p_found_alive, obj=_OBJECTIVE[lang][plan.objective]))
    if period:
        lines.append("  " + t["multi"].format(k=period["period"], n=period["periods"], add=100 * period["added_pos"],
                                              cum=100 * period["cumulative_pos"], alone=100 * period["cumulative_pos_each_period_alone"]))
    lines.append("  " + t["defs"])
    return "\n".join(lines) + "\n"
