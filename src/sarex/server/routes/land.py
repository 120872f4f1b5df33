"""The exercise area's land as filled polygons (GeoJSON), for a map that fills the land instead of
drawing the shoreline only. Same GSHHG mask as ``/coast`` (roaring-landmask), see
:func:`sarex.server.services.land_polygons`."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sarex.server import services, workflow
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["interop"])


class LandOut(BaseModel):
    type: str
    properties: dict[str, Any]
    geometry: dict[str, Any]


@functools.lru_cache(maxsize=16)
def _land(bbox: tuple[float, float, float, float]) -> list[Any]:
    return services.land_polygons(bbox)


@router.get("/api/exercises/{exercise_id}/land", response_model=LandOut,
            responses={**responses(*AUTH, 404, 422), 200: {"content": {"application/geo+json": {}}, "description": "GeoJSON Feature"}},
            summary="GSHHG land of the exercise area as filled polygons (GeoJSON MultiPolygon)")
def land(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> JSONResponse:
    view = read(store, workflow.exercise_view, p, exercise_id)
    return JSONResponse({"type": "Feature", "properties": {"source": "GSHHG full resolution via roaring-landmask"},
                         "geometry": {"type": "MultiPolygon", "coordinates": _land(tuple(view["bbox"]))}}, media_type="application/geo+json")
