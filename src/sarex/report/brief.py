"""The participants' brief: what every rescue centre and unit is told at the start of an exercise.

Built from :meth:`Scenario.participant_view` only, so it cannot contain the
truth (object actually in the water, true position and time, true environment).
"""

from __future__ import annotations

from sarex.geo import NM_M
from sarex.exercise.scenario import ParticipantScenario
from sarex.report.html import Paragraph, Report, Table
from sarex.times import iso


def build_brief(pv: ParticipantScenario) -> Report:
    """A report (HTML/PDF via :mod:`sarex.report.html`) with the situation, participants, periods and rules."""
    from sarex.drift.objects import get_object

    rep = Report(f"{pv.name} — participants' brief", "Situation, participants, search periods")
    r = pv.reported
    s = rep.section("Situation")
    if pv.description.strip():
        s.blocks.append(Paragraph(" ".join(pv.description.split())))
    s.blocks.append(
        Paragraph(
            f"Reported: {r.summary or 'distress'}. Last known position {abs(r.lat):.3f}°{'N' if r.lat >= 0 else 'S'} "
            f"{abs(r.lon):.3f}°{'E' if r.lon >= 0 else 'W'} at {iso(r.time)}, uncertainty {r.radius_m / NM_M:.1f} NM. "
            f"Search object: {get_object(r.object_class).description} ({r.object_class})."
        )
    )
    s.blocks.append(Paragraph(f"Forecast wind and current: {pv.forecast.describe()}."))
    s = rep.section("Participants")
    s.blocks.append(Paragraph(f"On-scene coordinator: {pv.on_scene_coordinator}."))
    s.blocks.append(Table(["nation", "service", "rescue centre"], [[n.code, n.name, n.rescue_centre] for n in pv.nations], "Nations"))
    if pv.units:
        s.blocks.append(
            Table(["unit", "nation", "type", "name"], [[u.id, u.nation, u.type, u.name] for u in pv.units], "Units")
        )
    else:
        s.blocks.append(Paragraph(f"Units: see {pv.units_file.name if pv.units_file else 'the units file'}."))
    s = rep.section("Search periods and stopping rule")
    s.blocks.append(
        Table(
            ["period", "start (UTC)", "end (UTC)", "hours"],
            [[str(k + 1), iso(p.start), iso(p.end), f"{p.duration_h:g}"] for k, p in enumerate(pv.periods)],
            "Search periods",
        )
    )
    st = pv.stopping
    rules = (["on detection"] if st.on_detection else []) + (
        [f"after {st.max_periods} period(s)"] if st.max_periods else []
    ) + ([f"{st.max_hours:g} h after the reported time"] if st.max_hours else [])
    s.blocks.append(Paragraph("The exercise ends " + (", or ".join(rules) if rules else "after the last period") + "."))
    return rep
