"""Issue 13: every unit's marginal POS and reasons in plan.json and the SAP; the demo-like bar with the example catalogue."""

from __future__ import annotations

import json
import re

import pytest
from planning_fixtures import NM, T0, static_normal_drift

from sarex.planning.cloud import period_cloud
from sarex.planning.message import sap_message
from sarex.planning.output import plan_summary
from sarex.planning.planner import Planner
from sarex.planning.reasons import render
from sarex.planning.sru import make_sru
from sarex.planning.units import example_catalogue


@pytest.fixture(scope="module")
def example_plan():
    """The built-in Korea–Japan catalogue (nine units, real turn radii) on a σ = 4 NM cloud near 129.5E 34.6N."""
    cat = example_catalogue()
    cloud = period_cloud(static_normal_drift(4 * NM, 6000, seed=5, hours=6), T0, T0 + 6 * 3600)
    widths = {u.id: (u.sweep_width_nm or (1.7 if u.is_aircraft else 0.6)) for u in cat.units}
    srus = [make_sru(u, cloud.frame, T0, widths[u.id]) for u in cat.units]
    return Planner(cloud, "exponential", seed=0).plan(srus), cat, srus


def test_demo_bar_effort_where_it_counts_and_flyable(example_plan):
    plan, cat, srus = example_plan
    by_id = {s.id: s for s in srus}
    # Issue 32: nine units on one small cloud all share it (before: one unit tasked, eight "in reserve, adds 0.0 %").
    assert plan.assignments and not plan.reserve
    assert {a.unit_id for a in plan.assignments} | set(plan.unassigned) == {u.id for u in cat.units}
    assert all(("arrives" in why) or ("endurance" in why) for why in plan.unassigned.values()), plan.unassigned
    w = plan.pod_per_particle
    for a in plan.assignments:
        assert a.pos >= 0.01 or a.smc  # ≥ 1 % found in its own area
        s = by_id[a.unit_id]
        assert a.spacing_m >= s.min_spacing_m * (1 - 1e-9) and (a.spacing_m >= 2 * s.turn_radius_m or a.pattern.interleave)
        assert 0.5 * (1 - 1e-9) <= a.coverage <= 10.0 * (1 + 1e-9)
        if a.coverage > 2.0 * (1 + 1e-3):  # above IAMSAR's guidance only with the reason
            assert "above the 2.0 guidance" in a.reason
    assert w is not None and sum(a.pos for a in plan.assignments) == pytest.approx(plan.total_pos, rel=1e-9)


def test_plan_json_and_sap_explain_every_unit(example_plan):
    plan, cat, _ = example_plan
    js = json.loads(json.dumps(plan_summary(plan, cat)))
    assert {r["unit"] for r in js["units"]} == {a.unit_id for a in plan.assignments}
    for r in js["units"]:
        assert r["pos"] >= 0.01 and r["reason"].startswith(r["pattern"]) and "% POS" in r["reason"]
    assert js["reserve"] == plan.reserve and all("held in reserve" in v for v in js["reserve"].values())
    assert js["min_marginal_pos"] == 0.0 and js["coverage_bounds"] == [0.5, 2.0]
    for lang, word in (("en", "IN RESERVE"), ("ko", "예비"), ("ja", "予備")):
        txt = sap_message(plan, cat, lang)
        assert txt.count(word) == len(plan.reserve)
        for a in plan.assignments:
            assert (a.reason if lang == "en" else render(a.reason_parts, lang)) in txt
            if lang != "en":
                assert a.reason not in txt  # translated, not the English text


_REASON_LINE = {"en": ("why: ", (": IN RESERVE – ", ": NOT ASSIGNED – ")), "ko": ("근거: ", (": 예비 – ", ": 미할당 – ")),
                "ja": ("理由: ", (": 予備 – ", ": 割当てなし – "))}


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def test_sap_reasons_translated_with_the_same_numbers(example_plan):
    """Issue 13 item 4: the reasons (area, pattern, reserve) are in Korean/Japanese, with the same numbers in the same order."""
    plan, cat, _ = example_plan
    got = {}
    for lang in ("en", "ko", "ja"):
        why, marks = _REASON_LINE[lang]
        lines = sap_message(plan, cat, lang).splitlines()
        reasons = [ln.split(why, 1)[1] for ln in lines if why in ln]
        held = [ln.split(m, 1)[1] for ln in lines for m in marks if m in ln]
        assert len(reasons) == len(plan.assignments) and len(held) == len(plan.reserve) + len(plan.unassigned)
        got[lang] = [_numbers(r) for r in reasons + held]
        if lang != "en":
            assert not any(w in " ".join(reasons + held) for w in ("area too large", "held in reserve", "threshold", "adds"))
    assert got["ko"] == got["en"] and got["ja"] == got["en"]
    assert sum(len(n) for n in got["en"]) >= 4 * len(plan.assignments)  # the reasons carry numbers to compare


def test_every_reason_template_has_the_same_fields_in_every_language():
    import string

    from sarex.planning.reasons import TEMPLATES

    fields = {lang: {k: [(f, spec) for _, f, spec, _ in string.Formatter().parse(v) if f] for k, v in t.items()} for lang, t in TEMPLATES.items()}
    assert set(fields["ko"]) == set(fields["en"]) == set(fields["ja"])
    for k, f in fields["en"].items():
        assert fields["ko"][k] == f and fields["ja"][k] == f, k


def test_sap_states_the_probability_of_finding_alive_in_every_language(example_plan):
    """Issue 32: with a survival model the SAP gives the probability of finding the person alive beside the POS,
    the same number in en/ko/ja; without one (NaN) no such line."""
    plan, cat, _ = example_plan
    from dataclasses import replace

    alive = replace(plan, p_found_alive=0.4321, objective="alive")
    lines = {lang: [ln for ln in sap_message(alive, cat, lang).splitlines() if "43.2 %" in ln] for lang in ("en", "ko", "ja")}
    assert len(lines["en"]) == 1 and "alive" in lines["en"][0] and "finding the person alive" in lines["en"][0]
    assert len(lines["ko"]) == 1 and "생존" in lines["ko"][0]
    assert len(lines["ja"]) == 1 and "生存" in lines["ja"][0]
    assert not any("alive" in ln for ln in sap_message(replace(plan, p_found_alive=float("nan")), cat, "en").splitlines())
