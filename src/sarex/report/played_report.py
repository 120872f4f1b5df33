"""The after-action report's sections on the exercise as played (issue 28), placed before the
rehearsal's: outcome, timeline, plans in force, units, detection opportunities, sightings against
the truth, the counterfactual, objectives with observations and the improvement plan, separation breaches,
the message log, injects.
Every time is exercise time (UTC); a wall time stands beside it where the record has one."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure as MplFigure

from sarex.nations import nation_colour
from sarex.report.html import Figure, Paragraph, Section, Table
from sarex.report.style import DETECTION_COLOUR, TRUTH_COLOUR
from sarex.times import iso, to_epoch_s



def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _t(x) -> str:
    return "—" if not x else str(x).replace("T", " ").replace(":00Z", "Z")


def _map(ev: Any, nations: dict[str, str]) -> Figure:
    fig = MplFigure(figsize=(7.5, 6.0), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    tr = ev.truth_track

    ax.plot(tr.lon, tr.lat, color=TRUTH_COLOUR, lw=2.0, ls="--", label="truth's drift path (truth ocean)")
    for k, what in ((0, "truth in the water"), (-1, "truth at the end")):
        ax.plot(tr.lon[k], tr.lat[k], marker="s" if k == 0 else "^", color=TRUTH_COLOUR, ms=6, ls="none")
        ax.annotate(f"{what} {_t(iso(tr.time_s[k]))[11:]}", (tr.lon[k], tr.lat[k]), textcoords="offset points", xytext=(6, -10), fontsize=8)
    seen = set()
    for u, t in sorted(ev.tracks.items()):
        n = nations.get(u, "")
        ax.plot(t.lon, t.lat, color=nation_colour(n), lw=1.0, marker=".", ms=3, label=f"{n} reported tracks" if n not in seen else None)
        seen.add(n)
    for o in ev.scores["opportunities"]:
        tt = o["time"]
        import numpy as np

        x, y = tr.position_at(np.array([to_epoch_s(tt)]))
        ax.plot(x, y, marker="o", mfc="none", mec=DETECTION_COLOUR, ms=12, mew=2, ls="none")
    if ev.scores["opportunities"]:
        ax.plot([], [], marker="o", mfc="none", mec=DETECTION_COLOUR, ms=12, mew=2, ls="none", label="detection opportunity")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect(1.0 / max(0.2, __import__("math").cos(__import__("math").radians(float(tr.lat[0])))))
    ax.legend(loc="best", fontsize=8)
    ax.set_title("played: reported tracks and the truth, whole exercise (exercise time)", fontsize=10)
    return Figure(fig, f"Units' reported tracks (nation colours) and the truth's drift path (black, dashed) from {_t(ev.scores['timeline']['alert'])} "
                       "to the end; rings mark detection opportunities (a pass within half the unit's sweep width).")


def played_sections(ev: Any, nations: dict[str, str]) -> list[Section]:
    """The played sections of the report."""
    p = ev.scores
    out = []
    s = Section("Played: outcome")
    if p["detected"]:
        d = p["detection"]
        how = "a sighting report within 1 NM and 30 min of the truth" if p["detected_by"] == "sighting" else (
            "a simulated draw on the POD of the sailed passes (no dummy at sea): stated as simulated")
        s.blocks.append(Paragraph(f"Detected in the exercise as played by {d['unit']} at {_t(d['time'])} (exercise time), by {how}."))
    else:
        s.blocks.append(Paragraph("Not detected in the exercise as played."))
    fo = p["first_opportunity"]
    s.blocks.append(Table(["measure", "value"], [
        ["POD of the truth by the sailed tracks (pod_true)", _pct(p["pod_true"])],
        ["detection opportunities", str(len(p["opportunities"]))],
        ["first opportunity", f"{fo['unit']} at {_t(fo['time'])}, {fo['distance_nm']:.2f} NM" if fo else "none"],
        ["POS achieved against the players' forecast (cumulative)", _pct(p["pos_achieved"])],
        ["POS the same tracks achieve against a perfect forecast (truth's ocean)", _pct(p.get("pos_achieved_perfect_forecast"))],
    ], "the exercise as played: all times exercise time (UTC)"))
    s.blocks.append(_map(ev, nations))
    out.append(s)
    s = Section("Played: timeline")
    s.blocks.append(Table(["event", "exercise time (UTC)"], [[k.replace("_", " "), _t(v)] for k, v in p["timeline"].items()], "combined"))
    rows = [[n, _t(v["plan_approved"]), _t(v["first_on_scene"]), _t(v["first_opportunity"])] for n, v in p["timeline_by_nation"].items()]
    s.blocks.append(Table(["organisation", "first plan approved", "first on scene", "first opportunity"], rows, "per nation"))
    out.append(s)
    s = Section("Played: plans in force")
    s.blocks.append(Table(["period", "nation", "approved at", "before the period", "units", "POS promised"],
                          [[str(r["period"]), r["nation"], _t(r["approved_at"]), "yes" if r["approved_before_start"] else "no",
                            ", ".join(r["units"]) or "—", _pct(r["pos_promised"])] for r in p["plans_in_force"]],
                          "a period with no approved plan for a nation had none in force"))
    out.append(s)
    s = Section("Played: units")
    s.blocks.append(Table(["unit", "nation", "reports", "track (NM)", "on task (h)", "sweep width for the truth (NM)", "POS", "opportunities"],
                          [[u, v["nation"], str(v["reports"]), f"{v['track_nm']:.1f}", f"{v['on_task_h']:.1f}", f"{v['sweep_width_nm']:.2f}",
                            _pct(v["pos"]), str(v["opportunities"])] for u, v in p["units"].items()], "as sailed (reported positions)"))
    if p["opportunities"]:
        s.blocks.append(Table(["unit", "time (exercise)", "distance (NM)"], [[o["unit"], _t(o["time"]), f"{o['distance_nm']:.2f}"] for o in p["opportunities"]],
                              "detection opportunities"))
    if p["sightings"]:
        s.blocks.append(Table(["unit", "time (exercise)", "distance to truth (NM)", "time error (min)", "counts"],
                              [[x["unit"], _t(x["time"]), f"{x['distance_nm']:.2f}", f"{x['time_error_min']:+.0f}", "yes" if x["counts"] else "no"]
                               for x in p["sightings"]], "sightings reported against the truth"))
    out.append(s)
    s = Section("Played: counterfactual")
    s.blocks.append(Paragraph(perfect_forecast_text(p)))
    s.blocks.append(Table(["period", "start", "POS achieved (cum.)", "with a perfect forecast (cum.)", "POS promised by approved plans",
                           "planner's plan", "Stone's bound"],
                          [[str(c["period"]), _t(c["start"]), _pct(c["pos_achieved_cumulative"]), _pct(c.get("pos_perfect_forecast_cumulative")),
                            _pct(c["pos_promised"]), _pct(c["pos_planner"]), _pct(c["stone_reference_pos"])] for c in p["counterfactual"]],
                          "the sailed tracks against the players' forecast and against a perfect forecast (the same release drifted in the "
                          "truth's ocean, no forcing error); the planner's plan and Stone's bound on the players' forecast (from the rehearsal)"))
    out.append(s)
    s = Section("Played: objectives, observations and improvement plan")
    obs = ev.observations
    rows = []
    for o in ev.objectives:
        m = {True: "met (by the data)", False: "not met (by the data)", None: "not measurable"}[o["measured"]]
        mine = [x for x in obs if x["objective"] == o["id"]]
        rows.append([o["id"], o["text"], m, "; ".join(f"{x['rating'].replace('_', ' ')} at {_t(x['time'])}: {x['text']}" for x in mine) or "—"])
    rows += [["general", "", "", "; ".join(f"{x['rating']}: {x['text']}" for x in obs if x["objective"] == "general")]] if any(
        x["objective"] == "general" for x in obs) else []
    s.blocks.append(Table(["objective", "text", "measured", "observations (exercise time)"], rows, "objectives") if rows
                    else Paragraph("Objectives: the scenario states none, and no general observation was recorded."))
    plan = [[x["finding"], x["owner"] or "—", x["due"] or "—", x["objective"]] for x in obs if x.get("finding")]
    s.blocks.append(Table(["finding", "owner", "due", "objective"], plan, "improvement plan") if plan else Paragraph("No improvement item recorded."))
    out.append(s)
    out += after_action_sections(p)
    if ev.injects:
        s = Section("Played: injects (MSEL)")
        s.blocks.append(Table(["at (exercise)", "kind", "to", "status", "delivered (exercise)", "delivered (wall)", "text"],
                              [[_t(i["at"]), i["kind"], ",".join(i["to"]), i["status"], _t(i.get("delivered_at")), _t(i.get("delivered_wall")),
                                i["text"][:80]] for i in ev.injects], "the timeline as delivered"))
        out.append(s)
    return out


def perfect_forecast_text(p: dict) -> str:
    """The counterfactual of a perfect forecast in words, with its numbers: what the tracks as sailed would
    have achieved had the players' forecast been the truth's own drift, and the share the forecast cost."""
    got, ideal = p["pos_achieved"], p.get("pos_achieved_perfect_forecast")
    if ideal is None:
        return "The perfect-forecast counterfactual was not computed for this export."
    gap = ideal - got
    why = (f"the forecast cost {100 * gap:.1f} points of POS: the tracks searched where the forecast put the object, not where the "
           "truth's ocean took it" if gap > 0.005 else
           "the forecast cost nothing measurable; the shortfall from 100 % lies in the coverage, the transit and the timing "
           "of the decisions, not in the forecast" if gap > -0.005 else
           f"the forecast's spread happened to cover the tracks better than the truth's ocean would have ({100 * gap:+.1f} points)")
    return (f"Had the forecast been the truth's own drift (the players' release, drifted in the truth's ocean without forcing error), "
            f"the units' tracks as sailed would have achieved a cumulative POS of {_pct(ideal)} instead of {_pct(got)}: {why}.")


#: the breach kinds of :mod:`sarex.exercise.separation`, as the report names them
KIND_NAMES = {"aircraft_separation": "aircraft separation", "low_pass": "low pass over a ship", "ship_cpa": "ships' closest approach",
              "outside_area": "outside its area", "outside_block": "outside its altitude block"}


def _first_ack(b: dict) -> str:
    """``"ROK-HELO-1 +2.5 min"``: the first acknowledgement of an alert and its delay in exercise time; "—" if none."""
    acks = sorted(b.get("acks") or [], key=lambda k: to_epoch_s(k["time"]))
    if not acks:
        return "—"
    k = acks[0]
    delay_min = (to_epoch_s(k["time"]) - to_epoch_s(b["time"])) / 60.0
    return f"{k.get('unit') or k['by']} +{max(0.0, delay_min):.1f} min"


def after_action_sections(p: dict) -> list[Section]:
    """Every separation breach, low pass and unit outside its block or area, and the message log (issue 30 item 6),
    from the ``played`` scores' ``breaches`` and ``messages``; an empty list is stated as "none"."""
    s = Section("Played: separation breaches")
    rows = [[_t(b["time"]), _t(b.get("wall")), KIND_NAMES.get(b["kind"], b["kind"]), ", ".join(b["units"]),
             f"{b['distance_nm']:.2f}", "—" if b.get("vertical_ft") is None else f"{b['vertical_ft']:.0f}", _first_ack(b)]
            for b in p.get("breaches", [])]
    s.blocks.append(Table(["exercise time (UTC)", "raised (wall, UTC)", "kind", "units", "distance (NM)", "vertical (ft)", "first acknowledged"], rows,
                          "every alert raised in play: distance is the horizontal separation (the closest approach for ships, "
                          "the distance outside the area's edge for a unit outside its area); vertical is the altitude separation, "
                          "or the feet outside the block; first acknowledged: by whom, and minutes after the alert in exercise time")
                    if rows else Paragraph("Separation breaches: none recorded in play."))
    out = [s]
    s = Section("Played: message log")
    rows = [[_t(m["time"]), _t(m.get("wall")), m["sender"], ", ".join(m["to"]) or "all", m["text"]] for m in p.get("messages", [])]
    s.blocks.append(Table(["exercise time (UTC)", "logged (wall, UTC)", "from", "to", "text (English)"], rows,
                          "every message between participants; standard phrases rendered in English, free text as sent")
                    if rows else Paragraph("Message log: none recorded in play."))
    out.append(s)
    return out
