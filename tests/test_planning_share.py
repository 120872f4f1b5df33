"""Issue 32: plans that share the probability among every unit that can reach it.

Clouds of three shapes (round; elongated along its drift; bimodal from two scenarios), in open
water and near land (Tsushima), planned for the nine built-in ROK–Japan units with the README
case's sweep widths (LIFE-RAFT-NB-2, visibility 10 NM). Bars (issue 32):

* planner estimate ≥ 95 % of Stone's static optimum for the plan's on-task effort
  (:func:`sarex.planning.planner.stone_bound`, the closed-form water filling of
  :mod:`sarex.planning.optimal` on the period-mean grid: an independent reference);
* every unit that can reach the area is tasked and finds ≥ 1 % POS in its own area, or is left
  out for reach or endurance with the numbers (arrival time, endurance) in the reason;
* no pattern with track spacing below its unit type's practical minimum
  (:data:`sarex.planning.units.MIN_SPACING_NM`).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sarex.geo import LocalProjection
from sarex.planning.cloud import period_cloud
from sarex.planning.land import land_around_cloud
from sarex.planning.planner import Planner
from sarex.planning.rectangle import Rectangle
from sarex.planning.sru import make_sru, unit_sweep_width_nm
from sarex.planning.units import MIN_SPACING_NM, example_catalogue
from sarex.times import epoch_s_to_datetime64, to_epoch_s

NM = 1852.0
T0 = to_epoch_s("2026-01-15T12:00Z")
#: (lon, lat) of the clouds' centre: the south-western Sea of Japan (about 45 NM off Korea), and 8 NM off Tsushima's east coast.
OPEN_WATER = (130.30, 35.80)
NEAR_LAND = (129.47, 34.40)


def mixture_drift(centre, modes, particles: int = 6000, hours: int = 6, seed: int = 3) -> xr.Dataset:
    """Particles of a mixture of normal modes ``(weight, dx_nm, dy_nm, sx_nm, sy_nm, u_ms, v_ms)`` moving with their mode."""
    rng = np.random.default_rng(seed)
    w = np.array([m[0] for m in modes], dtype=float)
    k = rng.choice(len(modes), size=particles, p=w / w.sum())
    times = T0 + 1800.0 * np.arange(2 * hours + 1)
    xs, ys = np.empty((particles, times.size)), np.empty((particles, times.size))
    for j, (_, dx, dy, sx, sy, u, v) in enumerate(modes):
        sel = k == j
        n = int(sel.sum())
        x0 = dx * NM + rng.normal(0, sx * NM, n)
        y0 = dy * NM + rng.normal(0, sy * NM, n)
        xs[sel] = x0[:, None] + u * (times - T0)[None, :]
        ys[sel] = y0[:, None] + v * (times - T0)[None, :]
    lon, lat = LocalProjection(*centre).inverse(xs, ys)
    return xr.Dataset(
        {"lon": (("trajectory", "time"), lon), "lat": (("trajectory", "time"), lat),
         "status": (("trajectory", "time"), np.zeros(lon.shape, dtype=np.int8)),
         "weight": (("trajectory",), np.full(particles, 1.0 / particles))},
        coords={"trajectory": np.arange(particles), "time": epoch_s_to_datetime64(times)},
        attrs={"object_class": "LIFE-RAFT-NB-2"},
    )


SHAPES = {
    "round": [(1.0, 0, 0, 3.0, 3.0, 0.1, 0.05)],
    "elongated": [(1.0, 0, 0, 7.0, 1.8, 0.35, 0.0)],  # σ along the drift 4× across it
    "bimodal": [(0.6, -6.0, -2.0, 2.5, 2.5, 0.15, 0.0), (0.4, 7.0, 3.0, 2.5, 2.5, 0.05, 0.1)],
}


def nine_units(cloud):
    cat = example_catalogue()
    return cat, [make_sru(u, cloud.frame, T0, unit_sweep_width_nm(u, "LIFE-RAFT-NB-2", 10.0, 1.0, False, None, "built-in")) for u in cat.units]


def check_bars(plan, cat, srus):
    types = {u.id: u.type for u in cat.units}
    assert not plan.reserve, plan.reserve
    for uid, why in plan.unassigned.items():
        assert ("arrives" in why) or ("endurance" in why), (uid, why)
    assert len(plan.assignments) + len(plan.unassigned) == len(srus)
    for a in plan.assignments:
        assert a.pos >= 0.01, (a.unit_id, a.pos)
        assert a.spacing_m >= MIN_SPACING_NM[types[a.unit_id]] * NM * (1 - 1e-9), (a.unit_id, a.spacing_m / NM)
    assert plan.total_pos >= 0.95 * plan.bound_pos, (plan.total_pos, plan.bound_pos)


#: Cases below the bar (none since the wave layout: in open water 45 NM off Korea the ships come on task only after
#: 3.8–4.8 h; the aircraft now leave the core to them 30 min before they arrive and the ships search it again,
#: :meth:`sarex.planning.seeds.PlannerSeeds._wave_seed`; elongated 93.9 % → 98.4 %, bimodal 91.5 % → 97.8 % of Stone).
_SHORT: set[tuple[str, str]] = set()


@pytest.mark.parametrize("where", [pytest.param("open", id="open-water"), pytest.param("land", id="near-land", marks=pytest.mark.slow)])
@pytest.mark.parametrize("shape", ["round", pytest.param("elongated", marks=pytest.mark.slow), pytest.param("bimodal", marks=pytest.mark.slow)])
def test_every_unit_shares_and_plan_near_stone(shape, where, request):
    if (shape, where) in _SHORT:
        request.applymarker(pytest.mark.xfail(reason="below 95 % of Stone in open water far from the bases (issue 32, open)", strict=True))
    centre = OPEN_WATER if where == "open" else NEAR_LAND
    cloud = period_cloud(mixture_drift(centre, SHAPES[shape]), T0, T0 + 6 * 3600)
    land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    # The case is what it says: no land within 20 NM of the centre in open water, land within 10 NM near land.
    if where == "open":
        assert not land.touches_land(Rectangle(0.0, 0.0, 0.0, 40 * NM, 40 * NM))
    else:
        assert land.touches_land(Rectangle(0.0, 0.0, 0.0, 20 * NM, 20 * NM))
    cat, srus = nine_units(cloud)
    plan = Planner(cloud, "exponential", seed=0, land=land).plan(srus)
    print(shape, where, f"POS {plan.total_pos:.4f} Stone {plan.bound_pos:.4f} ratio {plan.total_pos / plan.bound_pos:.3f}",
          {a.unit_id: round(100 * a.pos, 1) for a in plan.assignments}, plan.unassigned)
    check_bars(plan, cat, srus)


def test_wave_cap_stated_in_reason_en_ko_ja():
    """The open-water elongated case (1 500 particles): the fixed-wing aircraft on task first are told to leave the core
    before the ships come on task (the wave layout); their reason says when they leave — the assignment's end time,
    formatted here by hand — in en/ko/ja, while the ships, not capped, carry no such clause."""
    import datetime as dt

    from sarex.planning.reasons import render

    cloud = period_cloud(mixture_drift(OPEN_WATER, SHAPES["elongated"], particles=1500), T0, T0 + 6 * 3600)
    land = land_around_cloud(cloud.frame, cloud.x, cloud.y)
    cat, srus = nine_units(cloud)
    plan = Planner(cloud, "exponential", seed=0, land=land).plan(srus)
    by = {a.unit_id: a for a in plan.assignments}
    units = {u.id: u for u in cat.units}
    words = {"en": ("on scene until", "endurance"), "ko": ("까지 현장 수색", "항속"), "ja": ("まで現場で捜索", "航続")}
    ships = [by[u.id] for u in cat.units if u.type.startswith("surface") and u.id in by]
    assert ships, sorted(by)
    first_ship_s = min(a.arrive_s for a in ships)
    capped = 0
    for uid in ("JP-P1", "KR-P3CK"):
        a = by[uid]
        # Capped by hand: it leaves ≥ 30 min before the first ship arrives, though endurance (from departure, less the
        # transit home) and the period would let it stay ≥ 1 h longer.
        stay_s = min(T0 + 6 * 3600, a.depart_s + units[uid].endurance_h * 3600 - a.transit_back_m / a.transit_speed_ms)
        assert a.search_end_s <= first_ship_s - 1800 + 60, (uid, a.search_end_s, first_ship_s)
        assert stay_s >= a.search_end_s + 3600, (uid, stay_s, a.search_end_s)
        leave = dt.datetime.fromtimestamp(a.search_end_s, dt.timezone.utc).strftime("%d%H%MZ")
        until = dt.datetime.fromtimestamp(stay_s, dt.timezone.utc).strftime("%d%H%MZ")
        for lang, (on, endu) in words.items():
            text = render(a.reason_parts, lang)
            assert any(f in text for f in (f"{on} {leave}", f"{leave}{on}", f"{leave} {on}")), (uid, lang, text)
            assert endu in text and until in text, (uid, lang, text)
        assert a.reason == render(a.reason_parts, "en")
        capped += 1
    assert capped == 2
    for a in ships:
        for lang, (on, _) in words.items():
            assert on not in render(a.reason_parts, lang), (a.unit_id, lang)
