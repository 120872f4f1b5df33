"""Aircraft altitude blocks as KML 2.2 solids (OGC 07-147r2), valid against the OGC schema.

Each aircraft's block is its search area raised from the block's floor to its ceiling
(``altitudeMode`` absolute, heights in metres above mean sea level as KML requires): a
floor and a ceiling polygon and one wall per side, in a ``MultiGeometry``. KML's own
``extrude`` would draw the walls down to the sea surface, hiding the gap between
blocks that the ACO is asked to keep, so the walls are drawn from floor to ceiling
instead. Elements are written in the order the OGC KML 2.2 schema's sequences
require (Feature: name, description, TimeSpan, Style, ExtendedData, geometry;
Polygon: extrude, altitudeMode, outerBoundaryIs), ids as ``xs:ID`` (letter first).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Callable

from sarex.geo import FT_M
from sarex.nations import nation_colour
from sarex.planning.airspace import airspace_of
from sarex.planning.plantypes import Plan
from sarex.planning.units import UnitCatalogue
from sarex.times import iso

KML_NS = "http://www.opengis.net/kml/2.2"


def _q(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    e = ET.SubElement(parent, _q(tag))
    if text is not None:
        e.text = text
    return e


def _polygon(parent: ET.Element, ring: list[tuple[float, float, float]]) -> None:
    pol = _sub(parent, "Polygon")
    _sub(pol, "extrude", "0")
    _sub(pol, "altitudeMode", "absolute")
    lr = _sub(_sub(pol, "outerBoundaryIs"), "LinearRing")
    _sub(lr, "coordinates", " ".join(f"{x:.7f},{y:.7f},{z:.1f}" for x, y, z in ring))


def _colour(hex_rgb: str, alpha: int) -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}"


#: an assignment's area as a closed counter-clockwise [lon, lat] ring (:func:`sarex.planning.exports.area_ring_lonlat`)
RingFn = Callable[..., list]


def airspace_folder(plan: Plan, catalogue: UnitCatalogue, area_ring_lonlat: RingFn) -> ET.Element | None:
    """A KML ``Folder`` "Airspace" with one block ``Placemark`` per aircraft of the plan (None without aircraft)."""
    space = airspace_of(plan, catalogue)
    if not space.blocks:
        return None
    units = {u.id: u for u in catalogue.units}
    folder = ET.Element(_q("Folder"), {"id": "airspace"})
    _sub(folder, "name", "Airspace")
    _sub(folder, "description", f"Altitude blocks (ACO {space.aco}): aircraft within {space.settings.lateral_buffer_nm:g} NM at "
                                f"overlapping times are at least {space.settings.vertical_separation_ft:.0f} ft apart (IAMSAR)")
    for k, a in enumerate(plan.assignments, start=1):
        b = space.blocks.get(a.unit_id)
        if b is None:
            continue
        u = units[a.unit_id]
        pm = ET.SubElement(folder, _q("Placemark"), {"id": f"block-{k}"})
        _sub(pm, "name", f"{u.id} block {b.low_ft:.0f}-{b.high_ft:.0f} ft")
        _sub(pm, "description", f"{u.name} ({u.service}): search altitude {b.search_alt_ft:.0f} ft, block {b.low_ft:.0f}–{b.high_ft:.0f} ft")
        span = _sub(pm, "TimeSpan")
        _sub(span, "begin", iso(a.arrive_s))
        _sub(span, "end", iso(a.search_end_s))
        style = _sub(pm, "Style")
        col = nation_colour(u.nation)
        ls = _sub(style, "LineStyle")
        _sub(ls, "color", _colour(col, 0xFF))
        _sub(ls, "width", "1.5")
        _sub(_sub(style, "PolyStyle"), "color", _colour(col, 0x40))
        ext = _sub(pm, "ExtendedData")
        for name, v in (("unit", u.id), ("low_ft", f"{b.low_ft:.0f}"), ("high_ft", f"{b.high_ft:.0f}"), ("search_altitude_ft", f"{b.search_alt_ft:.0f}")):
            d = _sub(ext, "Data")
            d.set("name", name)
            _sub(d, "value", v)
        lo, hi = b.low_ft * FT_M, b.high_ft * FT_M
        ring = [tuple(p) for p in area_ring_lonlat(a, plan)]  # closed, counter-clockwise
        mg = _sub(pm, "MultiGeometry")
        _polygon(mg, [(x, y, lo) for x, y in ring])
        _polygon(mg, [(x, y, hi) for x, y in ring])
        for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:]):
            _polygon(mg, [(x0, y0, lo), (x1, y1, lo), (x1, y1, hi), (x0, y0, hi), (x0, y0, lo)])
    return folder


def airspace_kml(plan: Plan, catalogue: UnitCatalogue, area_ring_lonlat: RingFn) -> str:
    """A standalone KML 2.2 document of the plan's altitude blocks."""
    ET.register_namespace("", KML_NS)
    root = ET.Element(_q("kml"))
    doc = _sub(root, "Document")
    _sub(doc, "name", f"sarex airspace {iso(plan.start_s)}")
    f = airspace_folder(plan, catalogue, area_ring_lonlat)
    if f is not None:
        doc.append(f)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def add_airspace(kml: str, plan: Plan, catalogue: UnitCatalogue, area_ring_lonlat: RingFn) -> str:
    """The plan's KML document with the "Airspace" folder appended to its Document."""
    f = airspace_folder(plan, catalogue, area_ring_lonlat)
    if f is None:
        return kml
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", "http://www.google.com/kml/ext/2.2")
    root = ET.fromstring(kml.encode("utf-8"))
    doc = root.find(_q("Document"))
    (doc if doc is not None else root).append(f)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
