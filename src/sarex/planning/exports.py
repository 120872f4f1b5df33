"""Plan exports: GPX and RTZ routes per unit, KML of all areas and tracks, GeoJSON of areas.

* GPX 1.1 (gpxpy): one route per unit, named by the unit id — departure, the
  pattern's waypoints with their planned times, return to the departure point;
  search and transit points marked and W, S in ``<desc>`` (:mod:`sarex.io.routes`).
* RTZ 1.0 (IEC 61174:2015 route exchange, namespace ``http://www.cirm.org/RTZ/1/0``),
  valid against the published schema (``sarex/data/rtz_1_0.xsd``, with its spelling
  ``sheduleElement``), legs marked ``legInfo="search"``/``"transit"``, for the ECDIS of
  surface units (aircraft get GPX only).
* KML 2.2 (:mod:`sarex.io.kml`, valid against the OGC KML 2.2 schema): a folder per nation,
  areas and tracks in the nation's colour.
* GeoJSON (RFC 7946): one Polygon feature per area, longitude first, closed
  counter-clockwise exterior rings (right-hand rule), and one LineString per track.

Every file is written atomically (:mod:`sarex.io.atomic`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from sarex.geo import NM_M
from sarex.io import kml
from sarex.io.atomic import write_text_atomic
from sarex.io.routes import SEARCH, TRANSIT, route_description
from sarex.nations import nation_colour
from sarex.planning.airspace_kml import add_airspace
from sarex.planning.patterns import route_cumulative_m
from sarex.planning.planner import Assignment, Plan
from sarex.planning.units import Unit, UnitCatalogue
from sarex.times import from_epoch_s, iso

RTZ_VERSION = "1.0"
RTZ_NAMESPACE = "http://www.cirm.org/RTZ/1/0"

@dataclass(frozen=True)
class RoutePoint:
    """A waypoint of a unit's route (degrees, epoch seconds, knots for the leg that starts here).

    ``kind`` is ``"search"`` for the pattern's points (CSP to the last waypoint) and
    ``"transit"`` for departure and return; a leg searches when both its ends do.
    """

    name: str
    lon: float
    lat: float
    time_s: float
    speed_kn: float
    kind: str = SEARCH


def unit_route(a: Assignment, plan: Plan) -> list[RoutePoint]:
    """Departure, transit waypoints (around land), the pattern's waypoints (CSP first), transit back and the return.

    Times are the plan's, flown fly-by with the unit's turn radius (:mod:`sarex.planning.assemble`).
    """
    fr = plan.frame
    px, py = a.pattern.x, a.pattern.y
    out = a.route_out_xy if a.route_out_xy is not None else np.array([a.start_xy, (px[0], py[0])])
    back = a.route_back_xy if a.route_back_xy is not None else np.array([(px[-1], py[-1]), a.start_xy])
    X = np.concatenate([out[:, 0], px[1:], back[1:, 0]])
    Y = np.concatenate([out[:, 1], py[1:], back[1:, 1]])
    c_out, _, c_back = route_cumulative_m(out, a.pattern, back)
    i0, i1 = out.shape[0] - 1, out.shape[0] - 1 + px.size - 1
    vt = a.transit_speed_ms
    t_out = a.arrive_s - (c_out[-1] - c_out) / vt
    t_back = a.search_end_s + c_back / vt
    times = np.concatenate([t_out, np.asarray(a.waypoint_times_s)[1:], t_back[1:]])
    lon, lat = fr.inverse(X, Y)
    vt_kn = vt * 3600.0 / NM_M
    vs_kn = a.search_speed_ms * 3600.0 / NM_M
    pts = [RoutePoint("DEP", lon[0], lat[0], times[0], vt_kn, TRANSIT)]
    for k in range(1, i0):
        pts.append(RoutePoint(f"TR{k:02d}", lon[k], lat[k], times[k], vt_kn, TRANSIT))
    for i in range(px.size):
        name = "CSP" if i == 0 else f"WP{i:02d}"
        pts.append(RoutePoint(name, lon[i0 + i], lat[i0 + i], times[i0 + i], vs_kn if i < px.size - 1 else vt_kn, SEARCH))
    for k in range(i1 + 1, X.size - 1):
        pts.append(RoutePoint(f"TB{k - i1:02d}", lon[k], lat[k], times[k], vt_kn, TRANSIT))
    pts.append(RoutePoint("RTB", lon[-1], lat[-1], times[-1], vt_kn, TRANSIT))
    return pts


def sweep_width_nm(a: Assignment) -> float:
    """The sweep width the plan used for the unit, NM (effort / track length)."""
    return a.effort_m2 / a.track_m / NM_M if a.track_m > 0 else float("nan")


def gpx_text(a: Assignment, plan: Plan, unit: Unit) -> str:
    """GPX 1.1 document with the unit's route."""
    import gpxpy.gpx

    g = gpxpy.gpx.GPX()
    g.creator = "sarex"
    s_nm = a.spacing_m / NM_M
    desc = route_description(sweep_width_nm(a), s_nm, f"{unit.name} ({unit.service}): {a.pattern.name} ({a.pattern.kind}), S {s_nm:.1f} NM; search legs CSP to last WP")
    r = gpxpy.gpx.GPXRoute(name=unit.id, description=desc)
    for p in unit_route(a, plan):
        pt = gpxpy.gpx.GPXRoutePoint(latitude=round(p.lat, 7), longitude=round(p.lon, 7), time=from_epoch_s(round(p.time_s)), name=p.name)
        pt.type = p.kind
        r.points.append(pt)
    g.routes.append(r)
    return g.to_xml(version="1.1")


def rtz_text(a: Assignment, plan: Plan, unit: Unit) -> str:
    """RTZ 1.0 route (IEC 61174:2015) with a calculated schedule (ETD and speed per waypoint).

    Valid against :func:`rtz_schema_path`. Each waypoint's ``leg`` (the leg ending
    there) says ``legInfo="search"`` or ``"transit"``; W and S of the pattern are in
    a ``sarex`` extension of ``routeInfo``.
    """
    ET.register_namespace("", RTZ_NAMESPACE)
    q = lambda tag: f"{{{RTZ_NAMESPACE}}}{tag}"  # noqa: E731
    pts = unit_route(a, plan)
    root = ET.Element(q("route"), {"version": RTZ_VERSION})
    info = ET.SubElement(
        root,
        q("routeInfo"),
        {
            "routeName": f"SAR {unit.id} {a.pattern.kind}",
            "vesselName": unit.name or unit.id,
            "validityPeriodStart": iso(pts[0].time_s),
            "validityPeriodStop": iso(pts[-1].time_s),
            "routeStatus": "search action plan",
        },
    )
    ext = ET.SubElement(info, q("extensions"))
    ET.SubElement(ext, q("extension"), {"manufacturer": "sarex", "name": "searchPattern", "version": "1.0",
                                        "sweepWidthNM": f"{sweep_width_nm(a):.4g}", "trackSpacingNM": f"{a.spacing_m / NM_M:.4g}",
                                        "pattern": a.pattern.kind})
    wps = ET.SubElement(root, q("waypoints"))
    dflt = ET.SubElement(wps, q("defaultWaypoint"), {"radius": "0.1"})
    ET.SubElement(dflt, q("leg"), {"starboardXTD": "0.05", "portsideXTD": "0.05", "geometryType": "Loxodrome"})
    for i, p in enumerate(pts, start=1):
        wp = ET.SubElement(wps, q("waypoint"), {"id": str(i), "name": p.name})
        ET.SubElement(wp, q("position"), {"lat": f"{p.lat:.7f}", "lon": f"{p.lon:.7f}"})
        if i > 1:
            leg = SEARCH if pts[i - 2].kind == SEARCH and p.kind == SEARCH else TRANSIT
            ET.SubElement(wp, q("leg"), {"speedMax": f"{pts[i - 2].speed_kn:.1f}", "geometryType": "Loxodrome", "legInfo": leg})
    sch = ET.SubElement(ET.SubElement(root, q("schedules")), q("schedule"), {"id": "1", "name": "SAP"})
    calc = ET.SubElement(sch, q("calculated"))
    for i, p in enumerate(pts, start=1):
        attrs = {"waypointId": str(i), "speed": f"{p.speed_kn:.1f}"}
        attrs["eta" if i == len(pts) else "etd"] = iso(p.time_s)
        # RTZ 1.0's schema spells the element "sheduleElement" (sic); 1.1 and later fix it.
        ET.SubElement(calc, q("sheduleElement"), attrs)
    ET.indent(root)
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- RTZ {RTZ_VERSION} route (IEC 61174:2015), written by sarex -->\n'
    return head + ET.tostring(root, encoding="unicode") + "\n"


def rtz_schema_path():
    """Path of the RTZ 1.0 XML schema shipped with sarex."""
    return files("sarex.data").joinpath("rtz_1_0.xsd")


def area_ring_lonlat(a: Assignment, plan: Plan, max_segment_m: float = 1000.0) -> list[list[float]]:
    """The area as a closed counter-clockwise ring of [lon, lat], corners first of each side.

    The sides are straight in the planning plane; GeoJSON and KML draw straight lines
    in longitude/latitude, which bow away from them by up to ~100 m over 80 km. Each
    side is therefore densified to ``max_segment_m`` (bow < 0.02 m), so that areas kept
    apart in the plane stay apart in the exported files.
    """
    c = a.rect.corners()  # counter-clockwise in the plane (x east, y north)
    xs, ys = [], []
    for i in range(4):
        p, q = c[i], c[(i + 1) % 4]
        n = max(1, int(np.ceil(np.hypot(*(q - p)) / max_segment_m)))
        f = np.arange(n) / n
        xs.append(p[0] + f * (q[0] - p[0]))
        ys.append(p[1] + f * (q[1] - p[1]))
    lon, lat = plan.frame.inverse(np.concatenate(xs), np.concatenate(ys))
    ring = [[round(float(lo), 7), round(float(la), 7)] for lo, la in zip(lon, lat)]
    # Signed area in lon/lat: the projection keeps orientation, this guards the right-hand rule anyway.
    m = len(ring)
    s = sum(ring[i][0] * ring[(i + 1) % m][1] - ring[(i + 1) % m][0] * ring[i][1] for i in range(m))
    if s < 0:
        ring = ring[::-1]
    return ring + [ring[0]]


def geojson_text(plan: Plan, catalogue: UnitCatalogue) -> str:
    """GeoJSON FeatureCollection (RFC 7946) of the search areas and the tracks."""
    units = {u.id: u for u in catalogue.units}
    feats = []
    for k, a in enumerate(plan.assignments, start=1):
        u = units[a.unit_id]
        props = {
            "area": f"A{k}",
            "unit": u.id,
            "name": u.name,
            "nation": u.nation,
            "service": u.service,
            "pattern": a.pattern.kind,
            "spacing_nm": round(a.spacing_m / NM_M, 3),
            "area_nm2": round(a.rect.area_m2 / NM_M**2, 2),
            "effort_nm2": round(a.effort_m2 / NM_M**2, 2),
            "coverage": round(a.coverage, 3),
            "start": iso(a.arrive_s),
            "end": iso(a.search_end_s),
            "poc": round(a.poc, 4),
            "pod": round(a.pod, 4),
            "pos": round(a.pos, 4),
            "colour": nation_colour(u.nation),
        }
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [area_ring_lonlat(a, plan)]}, "properties": props})
        lon, lat = plan.frame.inverse(a.pattern.x, a.pattern.y)
        line = [[round(float(lo), 7), round(float(la), 7)] for lo, la in zip(lon, lat)]
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line}, "properties": {"area": f"A{k}", "unit": u.id, "kind": "track"}})
    doc = {"type": "FeatureCollection", "features": feats}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def kml_text(plan: Plan, catalogue: UnitCatalogue) -> str:
    """KML 2.2 document (valid against the OGC schema, :mod:`sarex.io.kml`): a folder per nation
    with each unit's area, track and CSP, in the nation's colour."""
    units = {u.id: u for u in catalogue.units}
    folders: dict[str, kml.Folder] = {}
    for k, a in enumerate(plan.assignments, start=1):
        u = units[a.unit_id]
        if u.nation not in folders:
            col = nation_colour(u.nation)
            area, track, csp = (kml.xml_id(u.nation, what) for what in ("area", "track", "csp"))
            folders[u.nation] = kml.Folder(u.nation, styles=[
                kml.KmlStyle(area, line_colour=kml.kml_colour(col, 0xFF), line_width=2, poly_colour=kml.kml_colour(col, 0x55)),
                kml.KmlStyle(track, line_colour=kml.kml_colour(col, 0xFF), line_width=1.5),
                kml.KmlStyle(csp, icon_colour=kml.kml_colour(col, 0xFF)),
            ])
        f = folders[u.nation]
        area, track, csp = (s.id for s in f.styles)
        desc = f"{u.name} ({u.service}) {a.pattern.name}, S {a.spacing_m / NM_M:.1f} NM, {iso(a.arrive_s)} – {iso(a.search_end_s)}"
        lon, lat = plan.frame.inverse(a.pattern.x, a.pattern.y)
        f.placemarks += [
            kml.Placemark(f"A{k} {u.id}", kml.polygon(area_ring_lonlat(a, plan)), area, desc),
            kml.Placemark(f"{u.id} track", kml.line_string(zip(lon, lat)), track),
            kml.Placemark(f"{u.id} CSP", kml.point(float(lon[0]), float(lat[0])), csp),
        ]
    return add_airspace(kml.document_text(f"sarex search plan {iso(plan.start_s)}", folders.values()), plan, catalogue, area_ring_lonlat)


def write_exports(plan: Plan, catalogue: UnitCatalogue, out_dir: str | Path) -> list[Path]:
    """Write routes/<unit>.gpx, routes/<unit>.rtz (surface units), plan.kml and areas.geojson."""
    out = Path(out_dir)
    units = {u.id: u for u in catalogue.units}
    written = []
    for a in plan.assignments:
        u = units[a.unit_id]
        written.append(write_text_atomic(out / "routes" / f"{u.id}.gpx", gpx_text(a, plan, u)))
        if not u.is_aircraft:
            written.append(write_text_atomic(out / "routes" / f"{u.id}.rtz", rtz_text(a, plan, u)))
    written.append(write_text_atomic(out / "plan.kml", kml_text(plan, catalogue)))
    written.append(write_text_atomic(out / "areas.geojson", geojson_text(plan, catalogue)))
    return written
