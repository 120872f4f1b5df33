"""OGC API – Features Part 1 (Core, GeoJSON, OpenAPI 3.0) per exercise, CRS per Part 2 (CRS84 only).

Root ``/api/exercises/{id}/features``: the landing page (links ``self``, ``service-desc``,
``conformance``, ``data``), ``/conformance``, ``/collections`` and ``/collections/{cid}`` (``itemType``
``feature``, spatial and temporal extents, links), ``/collections/{cid}/items`` (``self``/``next``/``prev``
links, ``numberMatched``/``numberReturned``; ``bbox`` of 4 or 6 numbers, ``datetime``, ``limit``,
``offset``, ``crs``/``bbox-crs`` CRS84 only, and equality filters on the collection's queryable
properties, OGC 17-069r4 §7.15.6) and ``/items/{fid}``. ``/collections/{cid}/queryables`` states those
properties as a JSON Schema (OGC API – Features Part 3, 19-079r2 §6.2: ``application/schema+json``,
``x-ogc-role`` for the geometry and the time). Any other query parameter is a 400, as OGC 17-069r4
§7.6 ("unknown parameters") allows. A collection's temporal extent is the first and last time of the
features the caller may see (``null`` ends while it has none). The features are those of
:func:`sarex.server.interop.features`, filtered by role like every read; the former collection URLs
(``/api/exercises/{id}/collections/...``) stay as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sarex.errors import SarexInputError
from sarex.server import interop, workflow
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read
from sarex.server.errors import AUTH, responses
from sarex.server.workflow import Missing
from sarex.times import iso

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.orm import Session

    from sarex.server.security import Principal

router = APIRouter(tags=["features"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
ITEM_PARAMS = {"bbox", "bbox-crs", "datetime", "limit", "offset", "crs", "f"}
_PLAN = {"unit": "string", "nation": "string", "period": "integer", "status": "string", "pattern": "string"}
#: Properties each collection can be filtered on (``?unit=ROK-HELO-1``), with their JSON types.
QUERYABLES = {"areas": _PLAN, "routes": _PLAN, "tracks": {"unit": "string"}, "positions": {"unit": "string", "source": "string"},
              "sightings": {"unit": "string"}, "contours": {"period": "integer", "source": "string"}}
GEOMETRY = {"areas": "polygon", "routes": "linestring", "tracks": "linestring", "positions": "point", "sightings": "point",
            "contours": "any"}
_GEOJSON: dict[int | str, dict[str, Any]] = {200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}, "description": "GeoJSON"}}


class Link(BaseModel):
    href: str
    rel: str
    type: Optional[str] = None
    title: Optional[str] = None


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]


class Extent(BaseModel):
    spatial: dict[str, Any]
    temporal: dict[str, Any]


class Collection(BaseModel):
    id: str
    title: str
    itemType: str = "feature"
    extent: Extent
    crs: list[str] = Field(default_factory=lambda: [CRS84])
    storageCrs: str = CRS84
    links: list[Link]


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


def _root(request: Request, exercise_id: int) -> str:
    return str(request.base_url).rstrip("/") + f"/api/exercises/{exercise_id}/features"


def _collection(root: str, cid: str, bbox: list[float], interval: list[Optional[str]]) -> Collection:
    return Collection(id=cid, title=interop.COLLECTIONS[cid],
                      extent=Extent(spatial={"bbox": [bbox], "crs": CRS84},
                                    temporal={"interval": [interval], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}),
                      links=[Link(href=f"{root}/collections/{cid}", rel="self", type="application/json"),
                             Link(href=f"{root}/collections/{cid}/items", rel="items", type="application/geo+json"),
                             Link(href=f"{root}/collections/{cid}/queryables", rel="http://www.opengis.net/def/rel/ogc/1.0/queryables",
                                  type="application/schema+json")])


def _interval(s: Session, p: Principal, exercise_id: int, cid: str) -> list[Optional[str]]:
    """[first, last] time of the collection's features ``p`` may see (RFC 3339), [null, null] if none."""
    ts = [t for f in interop.features(s, p, exercise_id, cid) for t in f["_t"]]
    return [iso(min(ts)), iso(max(ts))] if ts else [None, None]


def _intervals(s: Session, p: Principal, exercise_id: int, cids: list[str]) -> dict[str, list[Optional[str]]]:
    return {c: _interval(s, p, exercise_id, c) for c in cids}


def _filters(cid: str, q: Mapping[str, str]) -> dict[str, str]:
    """The property filters of a query (``?unit=…``), each checked against its queryable's type."""
    out = {}
    for k, typ in QUERYABLES[cid].items():
        if k in q:
            if typ == "integer" and not q[k].lstrip("-").isdigit():
                raise SarexInputError(f"{k}: {q[k]!r} is not an integer")
            out[k] = q[k]
    return out


def _matches(f: dict[str, Any], filters: dict[str, str]) -> bool:
    return all(str(f["properties"].get(k)) == v for k, v in filters.items())


def _check_crs(name: str, value: Optional[str]) -> None:
    if value is not None and value.strip("<>") != CRS84:
        raise SarexInputError(f"{name}: {value!r} is not supported; the only CRS is {CRS84}")


def _bbox(value: Optional[str]) -> Optional[tuple[float, float, float, float]]:
    """4 numbers, or 6 (with heights, which are ignored: the features have none)."""
    if not value:
        return None
    parts = value.split(",")
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    return interop._bbox(",".join(parts)) if len(parts) == 4 else interop._bbox(value)


@router.get("/api/exercises/{exercise_id}/features/", response_model=LandingPage, include_in_schema=False)
@router.get("/api/exercises/{exercise_id}/features", response_model=LandingPage, responses=responses(*AUTH, 404, 422),
            summary="OGC API – Features landing page of an exercise")
def landing(exercise_id: ExerciseId, request: Request, p: PrincipalDep, store: StoreDep) -> LandingPage:
    view = read(store, workflow.exercise_view, p, exercise_id)
    root = _root(request, exercise_id)
    base = str(request.base_url).rstrip("/")
    return LandingPage(title=f"sarex exercise {exercise_id}: {view['name']}", description="Search areas, routes, tracks, positions, sightings and forecast contours visible to you",
                       links=[Link(href=root, rel="self", type="application/json"),
                              Link(href=f"{base}/openapi.json", rel="service-desc", type="application/vnd.oai.openapi+json;version=3.0"),
                              Link(href=f"{root}/conformance", rel="conformance", type="application/json"),
                              Link(href=f"{root}/collections", rel="data", type="application/json")])


@router.get("/api/exercises/{exercise_id}/features/conformance", response_model=Conformance, responses=responses(*AUTH, 404, 422),
            summary="OGC API – Features conformance classes")
def conformance(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Conformance:
    read(store, workflow.exercise_for, p, exercise_id)
    return Conformance(conformsTo=CONFORMANCE)


@router.get("/api/exercises/{exercise_id}/features/collections", response_model=Collections, responses=responses(*AUTH, 404, 422),
            summary="OGC API – Features collections")
def collections(exercise_id: ExerciseId, request: Request, p: PrincipalDep, store: StoreDep) -> Collections:
    view = read(store, workflow.exercise_view, p, exercise_id)
    root = _root(request, exercise_id)
    spans = read(store, _intervals, p, exercise_id, list(interop.COLLECTIONS))
    return Collections(links=[Link(href=f"{root}/collections", rel="self", type="application/json")],
                       collections=[_collection(root, c, view["bbox"], spans[c]) for c in interop.COLLECTIONS])


@router.get("/api/exercises/{exercise_id}/features/collections/{collection_id}", response_model=Collection,
            responses=responses(*AUTH, 404, 422), summary="OGC API – Features collection")
def collection(exercise_id: ExerciseId, collection_id: str, request: Request, p: PrincipalDep, store: StoreDep) -> Collection:
    view = read(store, workflow.exercise_view, p, exercise_id)
    if collection_id not in interop.COLLECTIONS:
        raise Missing(f"collection_id: {collection_id!r} is not one of {', '.join(interop.COLLECTIONS)}", "collection_id")
    return _collection(_root(request, exercise_id), collection_id, view["bbox"], read(store, _interval, p, exercise_id, collection_id))


@router.get("/api/exercises/{exercise_id}/features/collections/{collection_id}/queryables", response_class=JSONResponse,
            responses={**responses(*AUTH, 404, 422),
                       200: {"content": {"application/schema+json": {"schema": {"type": "object"}}}, "description": "JSON Schema of the queryables"}},
            summary="OGC API – Features Part 3: the properties items can be filtered on (JSON Schema)")
def queryables(exercise_id: ExerciseId, collection_id: str, request: Request, p: PrincipalDep, store: StoreDep) -> JSONResponse:
    read(store, workflow.exercise_for, p, exercise_id)
    if collection_id not in interop.COLLECTIONS:
        raise Missing(f"collection_id: {collection_id!r} is not one of {', '.join(interop.COLLECTIONS)}", "collection_id")
    props: dict[str, Any] = {"geometry": {"format": f"geometry-{GEOMETRY[collection_id]}", "x-ogc-role": "primary-geometry"},
                             "datetime": {"type": "string", "format": "date-time", "x-ogc-role": "primary-instant"}}
    props.update({k: {"type": t, "title": k} for k, t in QUERYABLES[collection_id].items()})
    url = _root(request, exercise_id) + f"/collections/{collection_id}/queryables"
    return JSONResponse({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": url, "type": "object",
                         "title": interop.COLLECTIONS[collection_id], "properties": props, "additionalProperties": False},
                        media_type="application/schema+json")


@router.get("/api/exercises/{exercise_id}/features/collections/{collection_id}/items", response_class=JSONResponse,
            responses={**responses(*AUTH, 400, 404, 422), **_GEOJSON}, summary="OGC API – Features items (GeoJSON)")
def items(exercise_id: ExerciseId, collection_id: str, request: Request, p: PrincipalDep, store: StoreDep) -> JSONResponse:
    q = request.query_params
    if collection_id not in interop.COLLECTIONS:
        raise Missing(f"collection_id: {collection_id!r} is not one of {', '.join(interop.COLLECTIONS)}", "collection_id")
    known = ITEM_PARAMS | set(QUERYABLES[collection_id])
    unknown = sorted(set(q) - known)
    if unknown:
        raise SarexInputError(f"{unknown[0]}: unknown parameter; this endpoint takes {', '.join(sorted(known))}")
    filters = _filters(collection_id, q)
    _check_crs("crs", q.get("crs"))
    _check_crs("bbox-crs", q.get("bbox-crs"))
    try:
        limit, offset = int(q.get("limit", 10)), int(q.get("offset", 0))
    except ValueError:
        raise SarexInputError(f"limit/offset: {q.get('limit')!r}/{q.get('offset')!r} are not integers") from None
    if not (1 <= limit <= 10000) or not (0 <= offset <= 10**9):
        raise SarexInputError(f"limit: {limit} must be 1..10000 and offset: {offset} 0..1e9")
    b, (t0, t1) = _bbox(q.get("bbox")), interop._interval(q.get("datetime"))
    feats = [f for f in read(store, interop.features, p, exercise_id, collection_id) if interop._hits(f, b, t0, t1) and _matches(f, filters)]
    page = feats[offset: offset + limit]
    for f in page:
        f.pop("_t")
    url = _root(request, exercise_id) + f"/collections/{collection_id}/items"

    def href(off: int) -> str:
        keep = {k: v for k, v in q.items() if k != "offset"}
        return url + "?" + urlencode({**keep, "offset": str(off)})

    links = [{"href": href(offset), "rel": "self", "type": "application/geo+json"}]
    if offset + limit < len(feats):
        links.append({"href": href(offset + limit), "rel": "next", "type": "application/geo+json"})
    if offset > 0:
        links.append({"href": href(max(0, offset - limit)), "rel": "prev", "type": "application/geo+json"})
    body = {"type": "FeatureCollection", "numberMatched": len(feats), "numberReturned": len(page), "features": page, "links": links}
    return JSONResponse(body, media_type="application/geo+json", headers={"Content-Crs": f"<{CRS84}>"})


@router.get("/api/exercises/{exercise_id}/features/collections/{collection_id}/items/{feature_id}", response_class=JSONResponse,
            responses={**responses(*AUTH, 400, 404, 422), **_GEOJSON}, summary="OGC API – Features one item (GeoJSON)")
def item(exercise_id: ExerciseId, collection_id: str, feature_id: str, request: Request, p: PrincipalDep, store: StoreDep,
         crs: Optional[str] = None) -> JSONResponse:
    _check_crs("crs", crs)
    f = next((f for f in read(store, interop.features, p, exercise_id, collection_id) if str(f.get("id")) == feature_id), None)
    if f is None:
        raise Missing(f"feature_id: no feature {feature_id!r} in {collection_id!r} visible to {p.name}", "feature_id")
    f.pop("_t")
    url = _root(request, exercise_id) + f"/collections/{collection_id}"
    f["links"] = [{"href": f"{url}/items/{feature_id}", "rel": "self", "type": "application/geo+json"},
                  {"href": url, "rel": "collection", "type": "application/json"}]
    return JSONResponse(f, media_type="application/geo+json", headers={"Content-Crs": f"<{CRS84}>"})
