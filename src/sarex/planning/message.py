"""The search action plan (SAP) message in the IAMSAR format, in English, Korean and Japanese.

IAMSAR Manual Vol. II ch. 5 (REFERENCES §6): situation, search areas (corner
points), execution (SRU assignments: area, pattern, commence search point,
creep direction, track spacing, times on task), coordination (SMC, OSC,
frequencies) and reports. Positions are written as degrees and decimal minutes,
latitude first as mariners read them; times in UTC ("Z").
"""

from __future__ import annotations

import numpy as np

from sarex.geo import NM_M
from sarex.planning.planner import Plan
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
        "assign": "{unit} {name} [{service}]: area {k}, {pattern} ({kind}), CSP {csp}, first leg {first:03.0f}°T, creep {creep:03.0f}°T, track spacing S {s:.2f} NM, {legs} legs, search speed {v:.0f} kn{alt}",
        "times": "depart {dep}, on task {t0} – {t1}, return {ret}; coverage {c:.2f}, POD {pod:.0f} %, POS {pos:.1f} %",
        "alt": ", altitude {a:.0f} m",
        "unassigned": "{unit} {name}: NOT ASSIGNED – {why}",
        "s4": "4. COORDINATION",
        "smc": "SAR mission coordinator (SMC)",
        "osc": "On-scene coordinator (OSC)",
        "freq": "Frequencies",
        "s5": "5. REPORTS",
        "s6": "6. PLAN SUMMARY",
        "summary": "Total probability of success {pos:.1f} % ({model} detection); optimal allocation of the same effort ({effort:.0f} NM²): {bound:.1f} %.",
        "none": "none",
    },
    "ko": {
        "title": "수색실행계획 (SEARCH ACTION PLAN)",
        "from": "발신",
        "to": "수신",
        "to_all": "전 수색구조단위(SRU), 현장지휘관(OSC)",
        "dtg": "일시",
        "s1": "1. 상황",
        "object": "수색 대상",
        "lkp": "최종 확인 위치",
        "period": "수색 기간",
        "picture": "확률 분포",
        "particles": "표류 입자 {n}개 (몬테카를로 Leeway), 이전 수색 {searches}회 반영",
        "s2": "2. 수색 구역",
        "area": "구역 {k} ({unit}): {nm2:.1f} 해리², 꼭짓점",
        "s3": "3. 실행 (수색구조단위 할당)",
        "assign": "{unit} {name} [{service}]: 구역 {k}, {pattern} ({kind}), 수색개시점(CSP) {csp}, 첫 구간 {first:03.0f}°T, 진행 방향 {creep:03.0f}°T, 항로 간격 S {s:.2f} 해리, 구간 {legs}개, 수색 속력 {v:.0f} 노트{alt}",
        "times": "출발 {dep}, 수색 {t0} – {t1}, 귀환 {ret}; 수색범위율 {c:.2f}, 탐지확률(POD) {pod:.0f} %, 성공확률(POS) {pos:.1f} %",
        "alt": ", 고도 {a:.0f} m",
        "unassigned": "{unit} {name}: 미할당 – {why}",
        "s4": "4. 조정",
        "smc": "수색구조임무조정관(SMC)",
        "osc": "현장지휘관(OSC)",
        "freq": "통신 주파수",
        "s5": "5. 보고",
        "s6": "6. 계획 요약",
        "summary": "총 성공확률 {pos:.1f} % ({model} 탐지 모델); 동일 수색량({effort:.0f} 해리²)의 최적 배분: {bound:.1f} %.",
        "none": "없음",
    },
    "ja": {
        "title": "捜索実行計画 (SEARCH ACTION PLAN)",
        "from": "発信",
        "to": "宛先",
        "to_all": "全捜索救助ユニット(SRU)、現場指揮官(OSC)",
        "dtg": "日時",
        "s1": "1. 状況",
        "object": "捜索対象",
        "lkp": "最終確認位置",
        "period": "捜索期間",
        "picture": "確率分布",
        "particles": "漂流粒子 {n} 個 (モンテカルロ Leeway)、既実施捜索 {searches} 回を反映",
        "s2": "2. 捜索区域",
        "area": "区域 {k} ({unit}): {nm2:.1f} 平方海里、頂点",
        "s3": "3. 実施 (捜索救助ユニットの割当て)",
        "assign": "{unit} {name} [{service}]: 区域 {k}、{pattern} ({kind})、捜索開始点(CSP) {csp}、第1レグ {first:03.0f}°T、進出方向 {creep:03.0f}°T、航跡間隔 S {s:.2f} 海里、レグ {legs} 本、捜索速力 {v:.0f} ノット{alt}",
        "times": "発進 {dep}、捜索 {t0} – {t1}、帰投 {ret}; カバレッジ {c:.2f}、探知確率(POD) {pod:.0f} %、成功確率(POS) {pos:.1f} %",
        "alt": "、高度 {a:.0f} m",
        "unassigned": "{unit} {name}: 割当てなし – {why}",
        "s4": "4. 調整",
        "smc": "捜索救助任務調整官(SMC)",
        "osc": "現場指揮官(OSC)",
        "freq": "周波数",
        "s5": "5. 報告",
        "s6": "6. 計画概要",
        "summary": "総成功確率 {pos:.1f} % ({model} 探知モデル); 同一捜索量({effort:.0f} 平方海里)の最適配分: {bound:.1f} %.",
        "none": "なし",
    },
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


def _z(t_s: float) -> str:
    return from_epoch_s(t_s).strftime("%d%H%MZ %b %Y").upper()


def sap_message(plan: Plan, catalogue: UnitCatalogue, lang: str = "en", situation: dict | None = None) -> str:
    """The search action plan message as text.

    Parameters
    ----------
    plan : the plan.
    catalogue : units and coordination.
    lang : "en", "ko" or "ja".
    situation : optional ``object``, ``lkp_lon``, ``lkp_lat``, ``lkp_time``, ``particles``, ``searches``.
    """
    if lang not in _T:
        raise ValueError(f"language {lang!r} not one of {LANGUAGES}")
    t = _T[lang]
    pn = _PATTERNS[lang]
    sit = situation or {}
    units = {u.id: u for u in catalogue.units}
    co = catalogue.coordination
    osc = catalogue.osc_unit()
    lines = [t["title"], "=" * 40]
    lines.append(f"{t['from']}: {co.smc or 'SMC'}")
    lines.append(f"{t['to']}: {t['to_all']}")
    lines.append(f"{t['dtg']}: {_z(plan.start_s)}")
    lines.append("")
    lines.append(t["s1"])
    if "object" in sit:
        lines.append(f"  {t['object']}: {sit['object']}")
    if "lkp_lon" in sit and "lkp_lat" in sit:
        when = f" {sit['lkp_time']}" if sit.get("lkp_time") else ""
        lines.append(f"  {t['lkp']}: {format_position(sit['lkp_lon'], sit['lkp_lat'])}{when}")
    lines.append(f"  {t['period']}: {_z(plan.start_s)} – {_z(plan.end_s)}")
    if "particles" in sit:
        lines.append(f"  {t['picture']}: " + t["particles"].format(n=sit["particles"], searches=sit.get("searches", 0)))
    lines.append("")
    lines.append(t["s2"])
    for k, a in enumerate(plan.assignments, start=1):
        c = a.rect.corners()
        lon, lat = plan.frame.inverse(c[:, 0], c[:, 1])
        lines.append("  " + t["area"].format(k=k, unit=a.unit_id, nm2=a.rect.area_m2 / NM_M**2))
        for lo, la in zip(lon, lat):
            lines.append(f"    {format_position(float(lo), float(la))}")
    lines.append("")
    lines.append(t["s3"])
    for k, a in enumerate(plan.assignments, start=1):
        u = units[a.unit_id]
        clon, clat = plan.frame.inverse(np.array([a.pattern.x[0]]), np.array([a.pattern.y[0]]))
        alt = t["alt"].format(a=u.altitude_m) if u.altitude_m else ""
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
                s=a.spacing_m / NM_M,
                legs=a.n_legs,
                v=u.search_speed_kn,
                alt=alt,
            )
        )
        lines.append(
            "    "
            + t["times"].format(dep=_z(a.depart_s), t0=_z(a.arrive_s), t1=_z(a.search_end_s), ret=_z(a.return_s), c=a.coverage, pod=100 * a.pod, pos=100 * a.pos)
        )
    for uid, why in plan.unassigned.items():
        u = units.get(uid)
        lines.append("  " + t["unassigned"].format(unit=uid, name=u.name if u else "", why=why))
    lines.append("")
    lines.append(t["s4"])
    lines.append(f"  {t['smc']}: {co.smc or '-'}")
    lines.append(f"  {t['osc']}: {osc.id + ' ' + osc.name if osc else t['none']}")
    lines.append(f"  {t['freq']}: {', '.join(co.frequencies) if co.frequencies else t['none']}")
    lines.append("")
    lines.append(t["s5"])
    lines.append(f"  {co.reports}")
    lines.append("")
    lines.append(t["s6"])
    lines.append(
        "  " + t["summary"].format(pos=100 * plan.total_pos, model=plan.model, effort=plan.total_effort_m2 / NM_M**2, bound=100 * plan.bound_pos)
    )
    return "\n".join(lines) + "\n"
