"""Assembling a plan from the planner's rectangles: pattern choice, reserve units, routes and times.

Steps (deterministic):

1. Every unit's flyable sweep is fitted into its rectangle and named from the
   situation (PS/CS/TS), and the first unit whose situation calls for it may fly
   a VS or SS on the datum instead (:mod:`sarex.planning.choice`).
2. *Effort where it counts*: a unit's marginal POS is what the plan loses
   without it, the others unchanged, ``Σ_k w_k·POD_jk·Π_{i≠j}(1 − POD_ik)``.
   While some unit that the SMC neither forced nor pinned adds less than
   ``min_marginal_pos``, the one adding least is held in reserve with the reason
   (removing a unit can only raise the others' marginal POS).
3. Routes: departure → transit (around land for surface units, when the
   planner has a land raster) → the pattern → transit back, flown fly-by with
   the unit's turn radius (:func:`sarex.planning.patterns.flyby_cumulative_m`);
   every stated time (departure, on task at the CSP, each waypoint, off task,
   return) comes from that geometry at the transit or search speed.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from sarex.geo import NM_M
from sarex.planning.choice import Choice, datum_choice, situation_of, sweep_choice
from sarex.planning.patterns import route_cumulative_m, truncate_pattern
from sarex.planning.plantypes import Assignment, Plan
from sarex.planning.reasons import part, render
from sarex.planning.share import hhmm


def _marginals(w: np.ndarray, pods: dict[str, np.ndarray], ids: list[str]) -> dict[str, float]:
    out = {}
    for j in ids:
        rest = np.ones_like(w)
        for i in ids:
            if i != j:
                rest = rest * (1.0 - pods[i])
        out[j] = float(np.sum(w * pods[j] * rest))
    return out


def _practice_parts(s, f, arrive_s: float, search_m: float, coverage: float, poc: float, st, end_s: float) -> tuple:
    """Why the coverage is above or below IAMSAR's guidance, and whether the minimum track spacing leaves the unit idle (issue 32)."""
    out: tuple = ()
    if coverage > st.max_coverage * 1.001:
        out += (part("above_guidance", cov=coverage, g=st.max_coverage, poc=100 * poc),)
    elif coverage < st.min_coverage * 0.999:
        out += (part("below_guidance", cov=coverage, g=st.min_coverage, w=s.sweep_width_m / NM_M, s=f.spacing_m / NM_M),)
    could_s = min(end_s - arrive_s, s.endurance_s - (f.out_m + f.back_m) / s.transit_speed_ms, s.on_scene_s or math.inf)
    flown_s = search_m / s.search_speed_ms
    # The closest legs it can fly: the type's practical minimum, or a turn diameter where legs are not interleaved.
    s_min = max(s.min_spacing_m, 0.0 if f.interleave else 2.0 * s.turn_radius_m)
    if s_min > 0 and f.spacing_m <= s_min * 1.02 and flown_s < 0.75 * could_s:
        out += (part("spacing_floor", s=f.spacing_m / NM_M, smin=s_min / NM_M, h=flown_s / 3600, hh=could_s / 3600),)
    if st.exercise:
        out += (part("exercise"),)
    return out


def _wave_part(cap: tuple, fits: dict, depart_s: float, arrive_s: float, leave_s: float, back_m: float, end_s: float) -> tuple:
    """The reason part of a unit whose time on scene the wave layout capped (:meth:`sarex.planning.seeds.PlannerSeeds._wave_seed`):
    when it leaves, the unit of the next wave it leaves the core to, and until when its endurance (the unit uncapped) and the
    period would have let it stay; empty where the cap does not bind (the unit would leave within 10 min of that anyway)."""
    orig, nxt, nxt_est_s = cap
    until = min(end_s, depart_s + orig.endurance_s - back_m / orig.transit_speed_ms)
    if orig.on_scene_s is not None:
        until = min(until, arrive_s + orig.on_scene_s)
    if until <= leave_s + 600.0:
        return ()
    nxt_s = fits[nxt].arrive_s if nxt in fits else nxt_est_s
    return (part("wave_cap", leave=hhmm(leave_s), nxt=nxt, arr=hhmm(nxt_s), gap=max(0.0, (nxt_s - leave_s) / 60.0), until=hhmm(until)),)


def assemble(pl, by_id: dict, rects: dict, unassigned: dict[str, str], reserve: dict[str, str], smc: dict[str, str]) -> Plan:
    """The plan for the rectangles ``rects`` chosen by the planner ``pl`` (see module docstring)."""
    c = pl.cloud
    st = pl.settings
    w = c.weight
    fits = {}
    for uid, r0 in rects.items():
        f = pl._fit(by_id[uid], r0)
        if f is None:  # pragma: no cover - rects were feasible when chosen
            unassigned[uid] = pl._note_unassigned(uid, (part("infeasible"),))
            continue
        fits[uid] = f
    pods = {uid: pl.full.pod(by_id[uid], f) for uid, f in fits.items()}
    choices: dict[str, Choice] = {}
    datum_taken = False
    for uid, f in fits.items():
        s = by_id[uid]
        others = np.ones_like(w)
        for o in fits:
            if o != uid:
                others = others * (1.0 - pods[o])
        m = int(np.argmin(np.abs(c.times_s - (f.arrive_s + 0.5 * f.search_s))))
        sit = situation_of(c.x[:, m], c.y[:, m], w * others)
        ch = sweep_choice(sit, f.rect, f.n, f.spacing_m, f.track_m, s.start_xy, s.turn_radius_m, st, f.n_cross, f.spacing_cross_m, f.interleave)
        if not datum_taken and smc.get(uid) != "pinned":
            taken = [choices[o].eval_rect if o in choices else fits[o].rect for o in fits if o != uid]

            def free(r, s=s, taken=taken) -> bool:
                if any(not r.separated_from(o, st.gap_m) for o in taken):
                    return False
                return not (s.keep_off_land and pl.land is not None and pl.land.touches_land(r))

            alt = datum_choice(sit, s, f.rect.area_m2, f.spacing_m, f.track_m, st, free)
            if alt is not None:
                f_alt = replace(f, rect=alt.eval_rect, track_m=alt.track_m, search_s=alt.track_m / s.search_speed_ms, n_cross=0)
                pod_alt = pl.full.pod(s, f_alt)
                g_ps, g_alt = float(np.sum(w * others * pods[uid])), float(np.sum(w * others * pod_alt))
                if g_alt >= 0.95 * g_ps:
                    ch = replace(alt, parts=alt.parts + (part("datum_kept", alt=100 * g_alt, ps=100 * g_ps),))
                    fits[uid], pods[uid], datum_taken = f_alt, pod_alt, True
                else:
                    ch = replace(ch, parts=ch.parts + (part("datum_dropped", kind=alt.pattern.kind, alt=100 * g_alt, ps=100 * g_ps),))
        choices[uid] = ch

    active = list(fits)
    reserve_parts = {u: (part("excluded"),) for u in reserve}
    thr = st.min_marginal_pos
    while True:
        marg = _marginals(w, pods, active)
        weak = [u for u in active if smc.get(u) not in ("forced", "pinned") and marg[u] < thr and not st.exercise]
        if not weak:
            break
        j = min(weak, key=lambda u: (marg[u], u))
        reserve_parts[j] = (part("reserve", m=100 * marg[j], thr=100 * thr),)
        reserve[j] = render(reserve_parts[j])
        active.remove(j)
    marg = _marginals(w, pods, active)

    pod_mat = np.array([pods[u] for u in active]) if active else np.zeros((0, w.size))
    pod_all = 1.0 - np.prod(1.0 - pod_mat, axis=0) if active else np.zeros(w.size)
    owner = np.argmax(pod_mat, axis=0) if active else np.zeros(w.size, dtype=int)
    seen = pod_mat.max(axis=0) > 0 if active else np.zeros(w.size, dtype=bool)
    out = []
    for j, uid in enumerate(active):
        s, f, ch = by_id[uid], fits[uid], choices[uid]
        pat = ch.pattern
        mine = seen & (owner == j)
        poc = float(np.sum(w[mine]))
        pos = float(np.sum(w[mine] * pod_all[mine]))
        route_out = pl._transit(s, s.start_xy, pat.csp)
        route_back = pl._transit(s, (float(pat.x[-1]), float(pat.y[-1])), s.start_xy)
        c_out, c_pat, c_back = route_cumulative_m(route_out, pat, route_back)
        out_m, search_m, back_m = c_out[-1], c_pat[-1], c_back[-1]
        arrive = f.arrive_s
        depart = arrive - out_m / s.transit_speed_ms
        if depart < s.ready_s:  # a transit around land longer than the straight line budgeted: later on task, shorter search
            arrive += s.ready_s - depart
            depart = s.ready_s
            limit = min(c.end_s, s.ready_s + s.endurance_s - back_m / s.transit_speed_ms - 1e-6)
            if s.on_scene_s is not None:
                limit = min(limit, arrive + s.on_scene_s)
            keep = (limit - arrive) * s.search_speed_ms
            if keep < c_pat[-1]:
                pat = truncate_pattern(pat, keep)
                ch = replace(ch, pattern=pat, parts=ch.parts + (part("cut_short"),))
                route_back = pl._transit(s, (float(pat.x[-1]), float(pat.y[-1])), s.start_xy)
                c_out, c_pat, c_back = route_cumulative_m(route_out, pat, route_back)
                out_m, search_m, back_m = c_out[-1], c_pat[-1], c_back[-1]
        wt = arrive + c_pat / s.search_speed_ms
        effort = s.sweep_width_m * search_m
        area = float(pat.area.area)
        parts = ch.parts + (part("holds", poc=100 * poc, m=100 * marg[uid]),) + _practice_parts(s, f, arrive, search_m, effort / area, poc, st, c.end_s)
        if uid in getattr(pl, "_wave_caps", {}):
            parts += _wave_part(pl._wave_caps[uid], fits, depart, arrive, float(wt[-1]), back_m, c.end_s)
        if smc.get(uid) in ("forced", "pinned"):
            parts += (part(smc[uid]),)
        reason = render(parts)
        out.append(
            Assignment(
                unit_id=uid, rect=ch.eval_rect if pat.kind != "VS" else replace(ch.eval_rect, leg_m=2 * pat.spacing_m, creep_m=2 * pat.spacing_m),
                pattern=pat, n_legs=f.n + f.n_cross if pat.kind in ("PS", "CS", "TS") else pat.x.size - 1, cross_legs=f.n_cross if pat.kind in ("PS", "CS") else 0, spacing_m=pat.spacing_m,
                track_m=search_m, effort_m2=effort, coverage=effort / area,
                depart_s=depart, arrive_s=arrive, search_end_s=float(wt[-1]), return_s=float(wt[-1] + back_m / s.transit_speed_ms),
                transit_out_m=float(out_m), transit_back_m=float(back_m),
                search_speed_ms=s.search_speed_ms, transit_speed_ms=s.transit_speed_ms, start_xy=s.start_xy, waypoint_times_s=wt,
                poc=poc, pod=pos / poc if poc > 0 else 0.0, pos=pos, marginal_pos=marg[uid], reason=reason, reason_parts=parts,
                turn_radius_m=s.turn_radius_m, smc=smc.get(uid, ""), route_out_xy=route_out, route_back_xy=route_back,
                class_widths_m=s.class_widths_m,
            )
        )
    total_effort = sum(a.effort_m2 for a in out)
    return Plan(c.frame, c.start_s, c.end_s, pl.model, pl.seed, out, unassigned, float(np.sum(w * pod_all)), float("nan"), total_effort, pod_all,
                reserve=reserve, reserve_parts=reserve_parts, unassigned_parts=dict(pl._unassigned_parts), min_marginal_pos=thr, coverage_bounds=(st.min_coverage, st.max_coverage))
