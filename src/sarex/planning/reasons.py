"""Why a unit got its area and pattern, or was held in reserve: message templates in English, Korean and Japanese.

A reason is a tuple of parts ``(key, params)``, joined by "; " when rendered.
Every language formats the same parameters with the same format specifications,
so the numbers in the en/ko/ja SAP messages are identical; plan.json keeps the
English text. Terms follow the IAMSAR Manual's Korean and Japanese editions as
used in :mod:`sarex.planning.message` (POC/POD/POS, 수색범위율/カバレッジ).
"""

from __future__ import annotations

from typing import Any

Part = tuple[str, dict[str, Any]]
Reason = tuple[Part, ...]

_EN = {
    "kind_PS": "parallel sweep, legs along the long side",
    "kind_CS": "creeping line, legs along the short side",
    "spread": "σ {major:.1f} × {minor:.1f} NM",
    "ts": "TS: the probability lies along a line ({spread}, ratio {ratio:.1f}); {n} pass(es) along it, S {s:.1f} NM",
    "ps": "{kind}: area too large or datum too uncertain for VS/SS ({spread}); {kind_text}, S {s:.1f} NM ≥ 2 × turn radius {d:.2f} NM",
    "cross": "then a second pass at right angles ({n} legs, S {s:.1f} NM) because legs closer than {s0:.1f} NM cannot be flown or would exceed the coverage bound",
    "interleave": "{kind}: area too large or datum too uncertain for VS/SS ({spread}); S {s:.2f} NM is less than 2 × turn radius {d:.2f} NM, "
                  "so the legs are flown interleaved (order 1, 1+{k}, 2, 2+{k}, …; consecutive legs ≥ {st:.2f} NM apart)",
    "vs": "VS: precise datum (σ {sigma:.1f} NM ≤ {limit:g} NM), small area: sector radius {r:.1f} NM holds 90 % of the drift, coverage {cov:.2f}",
    "ss": "SS: reliable datum (σ {sigma:.1f} NM ≤ {limit:g} NM) and small area ({a:.0f} NM²): expanding square from the datum, S {s:.1f} NM, coverage {cov:.2f}",
    "datum_kept": "adds {alt:.1f} % POS vs {ps:.1f} % for a parallel sweep there",
    "datum_dropped": "{kind} on the datum considered but adds {alt:.1f} % vs {ps:.1f} %",
    "cut_short": "pattern cut short: the transit around land takes longer",
    "holds": "its area holds POC {poc:.1f} % while searched, the unit adds {m:.1f} % POS",
    "forced": "forced by the SMC",
    "pinned": "area pinned by the SMC",
    "reserve": "adds {m:.1f} % POS to the plan (< {thr:.0f} % threshold): held in reserve for a later period or a new datum; the SMC can force it",
    "excluded": "excluded by the SMC",
    "pin_bad": "the SMC's pinned area cannot be searched by this unit (out of reach, or no flyable pattern fits)",
    "no_room": "no free sea area (off land, apart from the other units' areas) within reach",
    "late": "cannot arrive before the period ends ({d:.0f} nm to the search area, arrives {arr} vs period end {end})",
    "above_guidance": "coverage {cov:.1f} above the {g:.1f} guidance: the area holds POC {poc:.1f} % where the probability is densest",
    "spacing_floor": "S {s:.2f} NM is the closest this unit can fly (type minimum or turn diameter, {smin:.2f} NM): it searches {h:.1f} h of the {hh:.1f} h it could; "
                     "better use of the rest: a track-line sweep along the drift, the next period, or a wider area for a larger object",
    "exercise": "exercise: every participating unit is tasked",
    "late_reach": "arrives at the probability area only at {arr} ({d:.0f} nm), {mins:.0f} min before the period ends {end}: the area it can search in time holds {pos:.1f} % (< {thr:.0f} %); for the next period",
    "endurance": "cannot reach any search area within its endurance ({d:.0f} nm away, round trip {h:.1f} h vs endurance {e:.1f} h)",
    "infeasible": "no feasible area after refinement",
    "no_pattern": "in the {h:.1f} h it could search, no pattern it can fly fits the probability area ({d:.0f} nm away)",
    "below_guidance": "coverage {cov:.2f} below the {g:.1f} guidance: sweep width {w:.2f} NM at the type's closest practical track spacing {s:.2f} NM",
    "wave_cap": "on scene until {leave}, then leaves the core to {nxt} (arrives {arr}, {gap:.0f} min later), which searches it again; endurance and the period allow until {until}",
}

_KO = {
    "kind_PS": "평행 수색, 긴 변을 따라 구간 배치",
    "kind_CS": "크리핑 라인 수색, 짧은 변을 따라 구간 배치",
    "spread": "σ {major:.1f} × {minor:.1f} 해리",
    "ts": "TS: 확률이 선을 따라 분포 ({spread}, 비율 {ratio:.1f}); 선을 따라 {n}회 통과, 간격 {s:.1f} 해리",
    "ps": "{kind}: VS/SS에는 구역이 너무 넓거나 기준점이 불확실함 ({spread}); {kind_text}, 간격 {s:.1f} 해리 ≥ 2 × 선회 반경 {d:.2f} 해리",
    "cross": "이어서 직각 방향으로 두 번째 수색 (구간 {n}개, 간격 {s:.1f} 해리): {s0:.1f} 해리보다 좁은 구간은 선회할 수 없거나 수색범위율 상한을 넘음",
    "interleave": "{kind}: VS/SS에는 구역이 너무 넓거나 기준점이 불확실함 ({spread}); 간격 {s:.2f} 해리가 2 × 선회 반경 {d:.2f} 해리보다 작아 "
                  "구간을 교차 순서로 수색 (순서 1, 1+{k}, 2, 2+{k}, …; 연속 구간 간격 ≥ {st:.2f} 해리)",
    "vs": "VS: 기준점이 정확함 (σ {sigma:.1f} 해리 ≤ {limit:g} 해리), 작은 구역: 섹터 반경 {r:.1f} 해리가 표류의 90 %를 포함, 수색범위율 {cov:.2f}",
    "ss": "SS: 기준점이 신뢰할 만하고 (σ {sigma:.1f} 해리 ≤ {limit:g} 해리) 구역이 작음 ({a:.0f} 해리²): 기준점에서 확대 사각 수색, 간격 {s:.1f} 해리, 수색범위율 {cov:.2f}",
    "datum_kept": "성공확률 {alt:.1f} % 추가 (같은 곳의 평행 수색은 {ps:.1f} %)",
    "datum_dropped": "기준점 {kind} 수색을 검토했으나 {alt:.1f} % 추가 (평행 수색 {ps:.1f} %)",
    "cut_short": "수색 패턴 단축: 육지를 우회하는 이동에 시간이 더 걸림",
    "holds": "수색 중 구역의 포함확률(POC) {poc:.1f} %, 이 단위가 더하는 성공확률 {m:.1f} %",
    "forced": "SMC가 투입을 지시함",
    "pinned": "SMC가 구역을 지정함",
    "reserve": "계획에 성공확률 {m:.1f} %만 추가 (기준 {thr:.0f} % 미만): 다음 기간 또는 새 기준점을 위해 대기; SMC가 투입을 지시할 수 있음",
    "excluded": "SMC가 제외함",
    "pin_bad": "SMC가 지정한 구역을 이 단위가 수색할 수 없음 (도달 불가 또는 선회 가능한 패턴 없음)",
    "no_room": "도달 범위 내에 빈 해역이 없음 (육지와 다른 단위 구역 제외)",
    "late": "기간 종료 전에 도착할 수 없음 (수색 구역까지 {d:.0f} 해리, 도착 {arr}, 기간 종료 {end})",
    "above_guidance": "수색범위율 {cov:.1f}: 권고치 {g:.1f} 초과: 확률이 가장 높은 곳으로 구역의 포함확률(POC) {poc:.1f} %",
    "spacing_floor": "간격 {s:.2f} 해리는 이 단위가 수색할 수 있는 최소 간격 (유형 최소값 또는 선회 직경, {smin:.2f} 해리): {h:.1f} 시간만 수색 (가능한 시간 {hh:.1f} 시간); "
                     "나머지는 표류선을 따른 항적선 수색, 다음 기간 또는 더 큰 물체를 위한 넓은 구역에 쓰는 것이 좋음",
    "exercise": "훈련: 참가한 모든 단위를 투입",
    "late_reach": "확률 구역에 {arr}에야 도착 ({d:.0f} 해리), {mins:.0f}분 후 기간 종료 ({end}): 제때 수색할 수 있는 구역의 성공확률 {pos:.1f} % (< {thr:.0f} %); 다음 기간용",
    "endurance": "항속 시간 내에 어떤 수색 구역에도 도달할 수 없음 ({d:.0f} 해리 거리, 왕복 {h:.1f} 시간, 항속 {e:.1f} 시간)",
    "infeasible": "최적화 후 가능한 구역이 없음",
    "no_pattern": "수색 가능한 {h:.1f} 시간 안에 확률 구역 ({d:.0f} 해리 거리)에 맞는 수행 가능한 수색 패턴이 없음",
    "below_guidance": "수색범위율 {cov:.2f}: 권고치 {g:.1f} 미만: 탐지폭 {w:.2f} 해리, 이 유형의 실제 최소 항적 간격 {s:.2f} 해리",
    "wave_cap": "{leave}까지 현장 수색 ({nxt} 도착 {arr}, 재수색 {gap:.0f}분 전에 핵심 구역을 떠남; 항속 시간과 기간으로는 {until}까지 가능)",
}

_JA = {
    "kind_PS": "平行捜索、長辺に沿ったレグ",
    "kind_CS": "クリーピングライン捜索、短辺に沿ったレグ",
    "spread": "σ {major:.1f} × {minor:.1f} 海里",
    "ts": "TS: 確率が線に沿って分布 ({spread}、比 {ratio:.1f}); 線に沿って {n} 回通過、間隔 {s:.1f} 海里",
    "ps": "{kind}: VS/SS には区域が広すぎるか基準点が不確実 ({spread}); {kind_text}、間隔 {s:.1f} 海里 ≥ 2 × 旋回半径 {d:.2f} 海里",
    "cross": "続いて直角方向に二回目の捜索 (レグ {n} 本、間隔 {s:.1f} 海里): {s0:.1f} 海里より狭いレグは旋回できないかカバレッジ上限を超える",
    "interleave": "{kind}: VS/SS には区域が広すぎるか基準点が不確実 ({spread}); 間隔 {s:.2f} 海里が 2 × 旋回半径 {d:.2f} 海里より小さいため "
                  "レグを交互の順序で捜索 (順序 1, 1+{k}, 2, 2+{k}, …; 連続するレグの間隔 ≥ {st:.2f} 海里)",
    "vs": "VS: 基準点が正確 (σ {sigma:.1f} 海里 ≤ {limit:g} 海里)、小区域: 扇形半径 {r:.1f} 海里が漂流の 90 % を含む、カバレッジ {cov:.2f}",
    "ss": "SS: 基準点が信頼でき (σ {sigma:.1f} 海里 ≤ {limit:g} 海里) 区域が小さい ({a:.0f} 平方海里): 基準点から方形拡大捜索、間隔 {s:.1f} 海里、カバレッジ {cov:.2f}",
    "datum_kept": "成功確率 {alt:.1f} % を追加 (同じ場所の平行捜索は {ps:.1f} %)",
    "datum_dropped": "基準点での {kind} を検討したが追加は {alt:.1f} % (平行捜索 {ps:.1f} %)",
    "cut_short": "捜索パターンを短縮: 陸地を迂回する移動に時間がかかる",
    "holds": "捜索中の区域の存在確率(POC) {poc:.1f} %、このユニットが加える成功確率 {m:.1f} %",
    "forced": "SMC が投入を指示",
    "pinned": "SMC が区域を指定",
    "reserve": "計画への成功確率の追加は {m:.1f} % (基準 {thr:.0f} % 未満): 次の期間または新たな基準点のため待機; SMC は投入を指示できる",
    "excluded": "SMC が除外",
    "pin_bad": "SMC が指定した区域をこのユニットは捜索できない (到達不能、または旋回可能なパターンがない)",
    "no_room": "到達範囲内に空いた海域がない (陸地と他ユニットの区域を除く)",
    "late": "期間終了前に到着できない (捜索区域まで {d:.0f} 海里、到着 {arr}、期間終了 {end})",
    "above_guidance": "カバレッジ {cov:.1f} は目安 {g:.1f} を超える: 確率が最も高い場所で区域の存在確率(POC) {poc:.1f} %",
    "spacing_floor": "間隔 {s:.2f} 海里はこのユニットが飛べる最小間隔 (種別の最小値または旋回直径、{smin:.2f} 海里): {h:.1f} 時間のみ捜索 (可能な時間 {hh:.1f} 時間); "
                     "残りは漂流に沿った航跡線捜索、次の期間、またはより大きな目標のための広い区域に使うのがよい",
    "exercise": "訓練: 参加する全ユニットを投入",
    "late_reach": "確率の高い区域への到着は {arr} ({d:.0f} 海里)、期間終了の {mins:.0f} 分前 ({end}): 間に合う区域の成功確率 {pos:.1f} % (< {thr:.0f} %); 次の期間へ",
    "endurance": "航続時間内にどの捜索区域にも到達できない ({d:.0f} 海里、往復 {h:.1f} 時間、航続 {e:.1f} 時間)",
    "infeasible": "最適化後に実行可能な区域がない",
    "no_pattern": "捜索できる {h:.1f} 時間内に確率区域 ({d:.0f} 海里先) に合う飛行・航行可能な捜索パターンがない",
    "below_guidance": "カバレッジ {cov:.2f} は目安 {g:.1f} 未満: 捜索幅 {w:.2f} 海里、この種別の実用上の最小航跡間隔 {s:.2f} 海里",
    "wave_cap": "{leave} まで現場で捜索 ({nxt} が {arr} に到着して再捜索する {gap:.0f} 分前に中心区域を離れる; 航続時間と期間では {until} まで可能)",
}

TEMPLATES = {"en": _EN, "ko": _KO, "ja": _JA}
_SEP = {"en": "; ", "ko": "; ", "ja": "; "}


def part(key: str, **params: Any) -> Part:
    """One part of a reason (``key`` names a template in :data:`TEMPLATES`)."""
    if key not in _EN:
        raise KeyError(f"no reason template {key!r}")
    return (key, params)


def render(reason: Reason, lang: str = "en") -> str:
    """The reason as text in ``lang``; parameters that are reasons themselves (``spread``) are rendered too."""
    t = TEMPLATES[lang]
    out = []
    for key, params in reason:
        p = {k: (render((v,), lang) if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], dict) else v)
             for k, v in params.items()}
        if "kind_text" not in p and "kind" in p and key == "ps":
            p["kind_text"] = t[f"kind_{p['kind']}"]
        out.append(t[key].format(**p))
    return _SEP[lang].join(out)
