"""Read endpoints for other tools: OGC API – Features-style collections, Cursor-on-Target, the coastline."""

from __future__ import annotations

import time
from typing import Any, Optional

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from sarex.server import cot as cot_feed, interop, workflow
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["interop"])
_GEOJSON: dict[int | str, dict[str, Any]] = {200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}, "description": "GeoJSON"}}


@router.get("/api/exercises/{exercise_id}/collections", summary="OGC API – Features: the collections", responses=responses(*AUTH, 404))
def collections(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> dict[str, Any]:
    read(store, workflow.exercise_for, p, exercise_id)
    return {"collections": [{"id": k, "title": v, "links": [{"rel": "items", "type": "application/geo+json",
                             "href": f"/api/exercises/{exercise_id}/collections/{k}/items"}]} for k, v in interop.COLLECTIONS.items()]}


@router.get("/api/exercises/{exercise_id}/collections/{collection_id}/items", response_class=JSONResponse,
            responses={**responses(*AUTH, 400, 404, 422), **_GEOJSON}, summary="OGC API – Features: items (GeoJSON) with bbox, datetime, limit")
def items(exercise_id: ExerciseId, collection_id: str, p: PrincipalDep, store: StoreDep, bbox: Optional[str] = None,
          datetime: Optional[str] = Query(None, description="RFC 3339 instant or interval start/end ('..' open)"),
          limit: int = Query(1000, ge=1, le=10000), offset: int = Query(0, ge=0, le=10**9)) -> JSONResponse:
    b, (t0, t1) = interop._bbox(bbox), interop._interval(datetime)
    feats = [f for f in read(store, interop.features, p, exercise_id, collection_id) if interop._hits(f, b, t0, t1)]
    page = feats[offset: offset + limit]
    for f in page:
        f.pop("_t")
    return JSONResponse({"type": "FeatureCollection", "numberMatched": len(feats), "numberReturned": len(page), "features": page},
                        media_type="application/geo+json")


@router.get("/api/exercises/{exercise_id}/cot.xml", response_class=Response,
            summary="Cursor-on-Target events (TAK), the same as /cot: one standalone <event> document per line",
            responses={**responses(*AUTH, 404, 422), 200: {"content": {"application/cot+xml": {"schema": {"type": "string"}}},
                                                      "description": "CoT events, one per line (a CoT stream)"}})
def cot(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Response:
    # formerly an <events> root, which no CoT reader knows; now the /cot feed under its old name
    return Response(cot_feed.stream_text(read(store, cot_feed.feed, p, exercise_id, time.time())), media_type="application/cot+xml")


@router.get("/api/exercises/{exercise_id}/coast", response_class=JSONResponse, summary="GSHHG coastline of the exercise area (GeoJSON)",
            responses={**responses(*AUTH, 404), **_GEOJSON})
def coast(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> JSONResponse:
    view = read(store, workflow.exercise_view, p, exercise_id)
    lines = interop.coast_lines(tuple(view["bbox"]))
    return JSONResponse({"type": "Feature", "properties": {"source": "GSHHG full resolution via roaring-landmask"},
                         "geometry": {"type": "MultiLineString", "coordinates": lines}}, media_type="application/geo+json")
