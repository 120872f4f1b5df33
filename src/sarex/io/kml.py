"""KML 2.2 documents that validate against the OGC KML 2.2 schema.

OGC 07-147r2 (OGC KML 2.2.0) and its schema ``ogckml22.xsd`` fix what the
lenient readers (Google Earth, simplekml) let pass:

* an ``id`` is an ``xs:ID``, i.e. an XML NCName: it starts with a letter or
  ``_`` and holds no space or colon, so ``id="12"`` is invalid (:func:`xml_id`);
* the children of every element come in the schema's order: a Feature's
  ``name`` and ``description`` before its ``styleUrl`` and its ``Style``, a
  Style's ``IconStyle``, ``LineStyle``, ``PolyStyle`` in that order, a
  geometry's ``extrude``, ``tessellate``, ``altitudeMode`` before its
  coordinates;
* colours are ``aabbggrr`` hex (:func:`kml_colour`), coordinates
  ``lon,lat[,alt]`` tuples separated by white space, a LinearRing closed.

The document is built as element trees (:class:`Placemark`, :class:`Folder`,
:class:`KmlStyle`), so that geometries with altitudes (``extrude``,
``altitudeMode``, a third coordinate) slot in through the ``altitude_m``
and ``extrude`` arguments of :func:`polygon` and :func:`line_string`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.\-]")


def xml_id(*parts: str) -> str:
    """An ``xs:ID`` (NCName) made of ``parts``: other characters become ``_``; never starts with a digit."""
    s = _NOT_NAME.sub("_", "-".join(parts))
    return s if s[:1].isalpha() or s[:1] == "_" else f"_{s}"


def kml_colour(hex_rgb: str, alpha: int) -> str:
    """``#rrggbb`` and an opacity 0..255 as KML's ``aabbggrr``."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    e = ET.SubElement(parent, tag)
    if text is not None:
        e.text = text
    return e


def _coordinates(lonlat: Iterable[Sequence[float]], altitude_m: float | None) -> str:
    alt = "" if altitude_m is None else f",{altitude_m:.1f}"
    return " ".join(f"{float(p[0]):.7f},{float(p[1]):.7f}{alt}" for p in lonlat)


def _altitude(geom: ET.Element, altitude_m: float | None, extrude: bool, tessellate: bool) -> None:
    """The schema's leading children of a geometry: extrude, tessellate, altitudeMode (in that order)."""
    if extrude:
        _sub(geom, "extrude", "1")
    if tessellate and altitude_m is None:
        _sub(geom, "tessellate", "1")
    if altitude_m is not None:
        _sub(geom, "altitudeMode", "absolute")


def point(lon: float, lat: float, altitude_m: float | None = None) -> ET.Element:
    """A KML Point at (lon, lat) degrees, optionally ``altitude_m`` above mean sea level."""
    g = ET.Element("Point")
    if altitude_m is not None:
        _sub(g, "altitudeMode", "absolute")
    _sub(g, "coordinates", _coordinates([(lon, lat)], altitude_m))
    return g


def line_string(lonlat: Iterable[Sequence[float]], altitude_m: float | None = None, extrude: bool = False) -> ET.Element:
    """A KML LineString through (lon, lat) degrees, on the ground or at ``altitude_m`` (absolute)."""
    g = ET.Element("LineString")
    _altitude(g, altitude_m, extrude, tessellate=True)
    _sub(g, "coordinates", _coordinates(lonlat, altitude_m))
    return g


def polygon(ring: Sequence[Sequence[float]], altitude_m: float | None = None, extrude: bool = False) -> ET.Element:
    """A KML Polygon of an outer ring of (lon, lat) degrees (closed here if open).

    ``altitude_m`` (absolute) with ``extrude`` draws a block from the sea surface
    up to that altitude, e.g. an aircraft's search altitude.
    """
    pts = [tuple(p) for p in ring]
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    g = ET.Element("Polygon")
    _altitude(g, altitude_m, extrude, tessellate=True)
    lr = _sub(_sub(g, "outerBoundaryIs"), "LinearRing")
    _sub(lr, "coordinates", _coordinates(pts, altitude_m))
    return g


@dataclass(frozen=True)
class KmlStyle:
    """A shared Style (``id`` an :func:`xml_id`); colours ``aabbggrr``, widths in pixels."""

    id: str
    icon_colour: str | None = None
    line_colour: str | None = None
    line_width: float | None = None
    poly_colour: str | None = None

    def element(self) -> ET.Element:
        """The style as a KML element."""
        s = ET.Element("Style", id=self.id)
        if self.icon_colour is not None:
            _sub(_sub(s, "IconStyle"), "color", self.icon_colour)
        if self.line_colour is not None or self.line_width is not None:
            ls = _sub(s, "LineStyle")
            if self.line_colour is not None:
                _sub(ls, "color", self.line_colour)
            if self.line_width is not None:
                _sub(ls, "width", f"{self.line_width:g}")
        if self.poly_colour is not None:
            _sub(_sub(s, "PolyStyle"), "color", self.poly_colour)
        return s


@dataclass
class Placemark:
    """A named geometry (:func:`point`, :func:`line_string`, :func:`polygon`) drawn in a shared style."""

    name: str
    geometry: ET.Element
    style_id: str | None = None
    description: str | None = None

    def element(self) -> ET.Element:
        """The placemark as a KML element (schema order)."""
        p = ET.Element("Placemark")
        _sub(p, "name", self.name)
        if self.description is not None:
            _sub(p, "description", self.description)
        if self.style_id is not None:
            _sub(p, "styleUrl", f"#{self.style_id}")
        p.append(self.geometry)
        return p


@dataclass
class Folder:
    """A named folder of placemarks with the styles they use (the schema: name, then styles, then features)."""

    name: str
    styles: list[KmlStyle] = field(default_factory=list)
    placemarks: list[Placemark] = field(default_factory=list)

    def element(self) -> ET.Element:
        """The folder as a KML element (name, styles, placemarks in schema order)."""
        f = ET.Element("Folder")
        _sub(f, "name", self.name)
        for s in self.styles:
            f.append(s.element())
        for p in self.placemarks:
            f.append(p.element())
        return f


def document_text(name: str, folders: Iterable[Folder], description: str | None = None) -> str:
    """The KML 2.2 document (UTF-8 text with the XML declaration) of ``folders``."""
    root = ET.Element("kml", xmlns=KML_NAMESPACE)
    doc = _sub(root, "Document")
    _sub(doc, "name", name)
    if description is not None:
        _sub(doc, "description", description)
    for f in folders:
        doc.append(f.element())
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
