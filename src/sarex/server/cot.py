"""Cursor-on-Target as TAK reads it: one ``<event>`` per message, unit types, search areas as drawings.

Conventions (MITRE CoT 2.0 base-event schema, ``Event-PUBLIC.xsd``; TAK's drawing-shape schema
``Drawing Shapes - Free Form.xsd``):

* **One message, one event.** A feed is a sequence of ``<event>`` documents (as on a CoT TCP
  stream), never an ``<events>`` root, which no CoT reader knows.
* **Type** ``a-<affiliation>-<dimension>-…`` from MIL-STD-2525 through CoT's type tree: a
  surface unit ``a-f-S-X`` (sea surface), a helicopter ``a-f-A-M-H`` (air, military, rotary
  wing), a fixed-wing aircraft ``a-f-A-M-F`` (air, military, fixed wing); exercise units are
  friendly (``f``), their nation in ``<__group>``-free form as the callsign prefix and in remarks.
* **Times.** ``time``/``start`` are the wall-clock time at which the fix was made (the server's
  receive time: a fix of a replayed or scheduled exercise is still "live" for a TAK client, which
  drops events past their ``stale``); the fix's exercise time goes in ``<remarks>``. ``stale`` is
  ``start`` plus three reporting intervals (the unit's last interval between fixes; 5 min without
  one), at least 2 min.
* **how** tells measurements from products: ``m-g`` (GPS receiver) for a unit's reported fix,
  ``h-e`` (estimated by a person) for a planned search area, ``m-s`` (simulation) for an
  exercise's simulated truth, ``m-p`` (predicted) for forecast shapes.
* **Search areas** are TAK free-form drawings (``u-d-f``): the vertices as ``<link point="lat,lon"/>``,
  then ``strokeColor``, ``strokeWeight``, ``fillColor`` (signed 32-bit ARGB, as ATAK writes them),
  ``contact``, ``remarks``, ``archive``, ``labels_on``, ``color``, ``precisionlocation``, in the
  schema's order.
* **Data package.** A unit's tasking as a TAK data package: a zip with ``MANIFEST/manifest.xml``
  (``MissionPackageManifest`` version 2) listing each ``.cot`` file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional, Sequence
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sarex.server.security import Principal

#: CoT type of an exercise unit by its sarex unit type (friendly affiliation filled in by :func:`cot_type`).
UNIT_COT_TYPES = {
    "helicopter": "a-{a}-A-M-H",
    "fixed-wing": "a-{a}-A-M-F",
    "surface-small": "a-{a}-S-X",
    "surface-medium": "a-{a}-S-X",
    "surface-large": "a-{a}-S-X",
}

MIN_STALE_S = 120.0
DEFAULT_INTERVAL_S = 300.0


def cot_type(unit_type: str, affiliation: str = "f") -> str:
    """The CoT type of a unit (``a-f-A-M-H`` for a friendly helicopter); an unknown type is a surface unit."""
    return UNIT_COT_TYPES.get(unit_type, "a-{a}-S-X").format(a=affiliation)


def stale_after_s(interval_s: Optional[float]) -> float:
    """Seconds after a fix at which it goes stale: three reporting intervals, at least :data:`MIN_STALE_S`."""
    iv = DEFAULT_INTERVAL_S if interval_s is None or not interval_s > 0 else float(interval_s)
    return max(MIN_STALE_S, 3.0 * iv)


def cot_time(t_s: float) -> str:
    """A CoT time stamp (``xs:dateTime``, UTC, milliseconds)."""
    d = datetime.fromtimestamp(t_s, tz=timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def argb(hex_rgb: str, alpha: int = 255) -> int:
    """``#rrggbb`` and an opacity 0..255 as the signed 32-bit ARGB integer ATAK writes."""
    v = (alpha << 24) | int(hex_rgb[1:7], 16)
    return v - (1 << 32) if v >= 1 << 31 else v


class UnitFix(NamedTuple):
    """A unit's reported fix, as a CoT event needs it."""

    uid: str
    callsign: str
    unit_type: str
    nation: str
    lon: float
    lat: float
    wall_s: float  # wall-clock time the fix was made (received), s since epoch
    exercise_s: float  # the fix's own (exercise) time, s since epoch
    interval_s: Optional[float]  # the unit's reporting interval, s
    how: str = "m-g"


def _event(uid: str, kind: str, how: str, lon: float, lat: float, t_s: float, stale_s: float, detail: str,
           ce_m: float = 9999999.0) -> str:
    return (f"<event version=\"2.0\" uid={quoteattr(uid)} type={quoteattr(kind)} how={quoteattr(how)} time=\"{cot_time(t_s)}\" "
            f"start=\"{cot_time(t_s)}\" stale=\"{cot_time(t_s + stale_s)}\">"
            f"<point lat=\"{lat:.7f}\" lon=\"{lon:.7f}\" hae=\"9999999.0\" ce=\"{ce_m:.1f}\" le=\"9999999.0\"/>"
            f"<detail>{detail}</detail></event>")


def unit_event(f: UnitFix) -> str:
    """One unit's last fix as a CoT event (type from its unit type, times as the module says)."""
    remarks = f"{f.nation} {f.callsign}: fix at exercise time {cot_time(f.exercise_s)}"
    detail = (f"<contact callsign={quoteattr(f.callsign)}/><remarks>{escape(remarks)}</remarks>"
              f"<precisionlocation geopointsrc=\"GPS\" altsrc=\"???\"/>")
    return _event(f.uid, cot_type(f.unit_type), f.how, f.lon, f.lat, f.wall_s, stale_after_s(f.interval_s), detail,
                  ce_m=10.0 if f.how == "m-g" else 9999999.0)


@dataclass(frozen=True)
class Shape:
    """A closed polygon drawn in TAK (``u-d-f``): ring of (lon, lat) degrees, colour ``#rrggbb``."""

    uid: str
    callsign: str
    ring: Sequence[Sequence[float]]
    colour: str
    remarks: str
    wall_s: float
    stale_s: float
    how: str = "h-e"
    fill_alpha: int = 0x55


def shape_event(sh: Shape) -> str:
    """A search area (or another computed polygon) as a TAK free-form drawing."""
    pts = [tuple(p) for p in sh.ring]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]  # TAK closes the shape itself
    cx, cy = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    links = "".join(f"<link point=\"{y:.7f},{x:.7f}\"/>" for x, y in pts)
    detail = (f"{links}<strokeColor value=\"{argb(sh.colour)}\"/><strokeWeight value=\"3.0\"/>"
              f"<fillColor value=\"{argb(sh.colour, sh.fill_alpha)}\"/><contact callsign={quoteattr(sh.callsign)}/>"
              f"<remarks>{escape(sh.remarks)}</remarks><archive/><labels_on value=\"true\"/><color value=\"-1\"/>"
              f"<precisionlocation altsrc=\"???\"/>")
    return _event(sh.uid, "u-d-f", sh.how, cx, cy, sh.wall_s, sh.stale_s, detail)


def stream_text(events: Iterable[str]) -> str:
    """Events as a CoT stream: one ``<event>`` document after another (each on its own line)."""
    return "".join(e + "\n" for e in events)


def data_package(name: str, uid: str, events: dict[str, str], files: Optional[dict[str, bytes]] = None) -> bytes:
    """A TAK data package: zip with ``MANIFEST/manifest.xml`` and each event as ``<uid>/<name>.cot``.

    ``events``: file stem → event XML; ``files``: more entries (path in the zip → bytes), e.g. a route
    GPX, listed in the manifest too. Entries are written in a fixed order with a fixed date, so the same
    tasking gives the same bytes.
    """
    entries: dict[str, bytes] = {}
    for stem, xml in events.items():
        entries[f"{uid}/{stem}.cot"] = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n").encode()
    for path, data in (files or {}).items():
        entries[f"{uid}/{path}"] = data
    contents = "".join(f"<Content ignore=\"false\" zipEntry={quoteattr(p)}/>" for p in entries)
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<MissionPackageManifest version="2"><Configuration>'
                f"<Parameter name=\"uid\" value={quoteattr(uid)}/><Parameter name=\"name\" value={quoteattr(name)}/>"
                f"</Configuration><Contents>{contents}</Contents></MissionPackageManifest>\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in [("MANIFEST/manifest.xml", manifest.encode()), *entries.items()]:
            info = zipfile.ZipInfo(path, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


# --- from the store (filtered by role like every read) ------------------------------------------

def _unit_fixes(s: Session, p: Principal, exercise_id: int) -> list[UnitFix]:
    from sqlalchemy import select

    from sarex.server.models import PositionReport
    from sarex.server.workflow import exercise_for, visible_units

    ex, roles = exercise_for(s, p, exercise_id)
    units = {u.code: u for u in visible_units(s, p, ex, roles)}
    last: dict[str, list[tuple[float, float, float, float]]] = {}
    q = (select(PositionReport.unit_code, PositionReport.time_s, PositionReport.lon, PositionReport.lat, PositionReport.received_s)
         .where(PositionReport.exercise_id == ex.id, PositionReport.unit_code.in_(list(units))).order_by(PositionReport.id))
    for code, t, lon, lat, recv in s.execute(q):
        last.setdefault(code, []).append((t, lon, lat, recv))
    out = []
    for code, rows in last.items():
        rows.sort()
        t, lon, lat, recv = rows[-1]
        interval = rows[-1][0] - rows[-2][0] if len(rows) > 1 else None
        u = units[code]
        out.append(UnitFix(f"sarex-{ex.id}-{code}", code, u.type, u.nation, lon, lat, recv, t, interval))
    return out


def feed(s: Session, p: Principal, exercise_id: int, now_s: float) -> list[str]:
    """The CoT events ``p`` may see: each visible unit's last fix, the search areas, the truth once released."""
    from sarex.server import interop, workflow
    from sarex.server.workflow import Denied, Missing
    from sarex.times import to_epoch_s

    events = [unit_event(f) for f in _unit_fixes(s, p, exercise_id)]
    for a in interop._assignments(s, p, exercise_id):
        off = to_epoch_s(a["off_task"])
        events.append(shape_event(Shape(f"sarex-{exercise_id}-area-{a['period']}-{a['unit']}", f"P{a['period']} {a['unit']}",
                                        a["area_ring"], a.get("colour", "#808080"),
                                        f"period {a['period']} {a.get('pattern', '')} {a['status']}, on task {a['on_task']} to {a['off_task']} (exercise time)",
                                        now_s, max(MIN_STALE_S, off - to_epoch_s(a["on_task"])))))
    try:
        t = workflow.truth(s, p, exercise_id)
        events.append(_event(f"sarex-{exercise_id}-truth", "a-u-S", "m-s", t["lon"], t["lat"], now_s, 600.0,
                             f"<contact callsign={quoteattr('TRUTH ' + t['object_class'])}/><remarks>{escape(t['time'] + ' ' + t['ddm'])}</remarks>"))
    except (Denied, Missing):  # not released yet, or a real case with no truth
        pass
    return events


def tasking_package(s: Session, p: Principal, exercise_id: int, period: int, unit: str, now_s: float) -> bytes:
    """A unit's tasking for a period as a TAK data package: its search area (drawing) and route (GPX)."""
    from sarex.server import interop, plans
    from sarex.server.workflow import Missing
    from sarex.times import to_epoch_s

    gpx, _ = plans.export(s, p, exercise_id, period, unit, "gpx")  # refuses what p may not see
    a = next((a for a in interop._assignments(s, p, exercise_id) if a["period"] == period and a["unit"] == unit), None)
    if a is None:
        raise Missing(f"unit: no tasking of {unit!r} in period {period} visible to {p.name}", "unit")
    area = shape_event(Shape(f"sarex-{exercise_id}-area-{period}-{unit}", f"P{period} {unit}", a["area_ring"], a.get("colour", "#808080"),
                             f"period {period} {a.get('pattern', '')}, on task {a['on_task']} to {a['off_task']} (exercise time)",
                             now_s, max(MIN_STALE_S, to_epoch_s(a["off_task"]) - to_epoch_s(a["on_task"]))))
    return data_package(f"{unit} tasking, period {period}", f"sarex-{exercise_id}-tasking-{period}-{unit}",
                        {"area": area}, {"route.gpx": gpx.encode()})
