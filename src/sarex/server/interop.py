"""Read endpoints for other tools: OGC API – Features-style GeoJSON collections, a Cursor-on-Target
feed for TAK clients, and the GSHHG coastline of the exercise area. All filtered as the REST reads are."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Optional

from sarex.errors import SarexInputError
from sarex.server import plans, reports, services, updates, workflow
from sarex.server.workflow import Missing
from sarex.times import to_epoch_s

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sarex.server.security import Principal

COLLECTIONS = {
    "areas": "Search areas of the plans visible to you (polygons, coloured by nation)",
    "routes": "Planned routes of the units (lines)",
    "tracks": "Reported unit tracks (lines per unit)",
    "positions": "Reported unit positions (points)",
    "sightings": "Sightings reported by units (points)",
    "contours": "50 % and 90 % containment areas of the current forecast, per period (polygons)",
}


def _interval(value: Optional[str]) -> tuple[float, float]:
    """OGC ``datetime``: an instant or ``start/end`` with ``..`` for open ends (RFC 3339)."""
    if not value:
        return float("-inf"), float("inf")
    parts = value.split("/")
    if len(parts) > 2:
        raise SarexInputError(f"datetime: {value!r} is not an instant or an interval start/end")
    try:
        ts = [float("-inf") if (x in ("..", "") and i == 0) else float("inf") if x in ("..", "") else to_epoch_s(x) for i, x in enumerate(parts)]
    except SarexInputError:
        raise SarexInputError(f"datetime: {value!r} is not an RFC 3339 time or interval") from None
    return (ts[0], ts[0]) if len(ts) == 1 else (ts[0], ts[1])


def _bbox(value: Optional[str]) -> Optional[tuple[float, float, float, float]]:
    if not value:
        return None
    try:
        b = tuple(float(x) for x in value.split(","))
    except ValueError:
        raise SarexInputError(f"bbox: {value!r} is not four numbers lon_min,lat_min,lon_max,lat_max") from None
    if len(b) != 4 or b[0] > b[2] or b[1] > b[3]:
        raise SarexInputError(f"bbox: {value!r} is not four numbers lon_min,lat_min,lon_max,lat_max")
    return b  # type: ignore[return-value]


def _coords(geom: dict[str, Any]) -> list[list[float]]:
    c = geom["coordinates"]
    if geom["type"] == "MultiPolygon":
        return [xy for poly in c for xy in poly[0]]
    return c[0] if geom["type"] == "Polygon" else c if geom["type"] == "LineString" else [c]


def _hits(f: dict[str, Any], bbox: Optional[tuple[float, float, float, float]], t0: float, t1: float) -> bool:
    if bbox is not None and not any(bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3] for x, y in _coords(f["geometry"])):
        return False
    a, b = f["_t"]
    return b >= t0 and a <= t1


def _assignments(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, roles = workflow.exercise_for(s, p, exercise_id)
    if roles & {"director", "evaluator", "coordinator", "planner", "observer"}:
        # the live plans only (draft, approved): a superseded, withdrawn or rejected draft is history, read in the plan
        # list, and its areas would repeat the live ones' ids (one feature, one CoT uid per period and unit)
        return [{"period": pl["period"], "status": pl["status"], **a} for pl in plans.list_plans(s, p, exercise_id)
                if pl["status"] in plans.LIVE for a in pl["assignments"]]
    return [{"status": "approved", **a} for a in plans.tasking(s, p, exercise_id)]


def features(s: Session, p: Principal, exercise_id: int, cid: str) -> list[dict[str, Any]]:
    """All features of a collection visible to ``p``; ``_t`` holds each one's (start, end) time."""
    if cid not in COLLECTIONS:
        raise Missing(f"collection_id: {cid!r} is not one of {', '.join(COLLECTIONS)}", "collection_id")
    out: list[dict[str, Any]] = []
    if cid in ("areas", "routes"):
        for a in _assignments(s, p, exercise_id):
            props = {k: a[k] for k in ("unit", "nation", "period", "status", "pattern", "on_task", "off_task", "pos", "colour") if k in a}
            t = (to_epoch_s(a["on_task"]), to_epoch_s(a["off_task"]))
            if cid == "areas":
                geom = {"type": "Polygon", "coordinates": [a["area_ring"]]}
            else:
                geom = {"type": "LineString", "coordinates": [[w["lon"], w["lat"]] for w in a["route"]]}
                t = (to_epoch_s(a["route"][0]["time"]), to_epoch_s(a["route"][-1]["time"]))
            out.append({"type": "Feature", "id": f"{cid}-{a['period']}-{a['unit']}", "geometry": geom, "properties": props, "_t": t})
    elif cid in ("positions", "tracks"):
        rows = reports.positions(s, p, exercise_id)
        if cid == "positions":
            for r in rows:
                t = to_epoch_s(r["time"])
                out.append({"type": "Feature", "id": f"pos-{r['id']}", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                            "properties": {"unit": r["unit"], "time": r["time"], "source": r["source"]}, "_t": (t, t)})
        else:
            by: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                by.setdefault(r["unit"], []).append(r)
            for unit, rs in by.items():
                rs.sort(key=lambda r: r["time"])
                out.append({"type": "Feature", "id": f"track-{unit}", "properties": {"unit": unit, "start": rs[0]["time"], "end": rs[-1]["time"]},
                            "geometry": {"type": "LineString", "coordinates": [[r["lon"], r["lat"]] for r in rs]},
                            "_t": (to_epoch_s(rs[0]["time"]), to_epoch_s(rs[-1]["time"]))})
    elif cid == "contours":
        for f in updates.contours(s, p, exercise_id):
            out.append({**f, "_t": (to_epoch_s(f["properties"]["start"]), to_epoch_s(f["properties"]["end"]))})
    else:
        for r in reports.sightings(s, p, exercise_id):
            t = to_epoch_s(r["time"])
            out.append({"type": "Feature", "id": f"sighting-{r['id']}", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                        "properties": {"unit": r["unit"], "time": r["time"], "note": r["note"]}, "_t": (t, t)})
    return out


@functools.lru_cache(maxsize=16)
def _coast(bbox: tuple[float, float, float, float]) -> list[Any]:
    return services.coastline(bbox)


def coast_lines(bbox: tuple[float, float, float, float]) -> list[Any]:
    """GSHHG coastline segments in ``bbox`` (lon_min, lat_min, lon_max, lat_max), cached per box."""
    return _coast(bbox)
