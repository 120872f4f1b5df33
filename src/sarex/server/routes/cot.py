"""Cursor-on-Target for TAK (issue 31): the event stream of an exercise and a unit's tasking as a data package."""

from __future__ import annotations

import time

from fastapi import APIRouter, Path
from fastapi.responses import Response

from sarex.server import cot
from sarex.server.deps import ExerciseId, Period, PrincipalDep, StoreDep, read
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["interop"])


@router.get("/api/exercises/{exercise_id}/cot", response_class=Response, summary="CoT events (TAK): one <event> document per line",
            responses={**responses(*AUTH, 404, 422), 200: {"content": {"application/cot+xml": {"schema": {"type": "string"}}},
                                                      "description": "CoT events, one per line"}})
def cot_stream(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Response:
    return Response(cot.stream_text(read(store, cot.feed, p, exercise_id, time.time())), media_type="application/cot+xml")


@router.get("/api/exercises/{exercise_id}/tasking/{period}/{unit}.zip", response_class=Response,
            summary="A unit's tasking of a period as a TAK data package (zip with MANIFEST/manifest.xml)",
            responses={**responses(*AUTH, 400, 404, 422), 200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                                                      "description": "TAK data package"}})
def tasking_package(exercise_id: ExerciseId, period: Period, p: PrincipalDep, store: StoreDep, unit: str = Path(max_length=64)) -> Response:
    with store.read() as s:  # bytes, not JSON: not through deps.read
        data = cot.tasking_package(s, p, exercise_id, period, unit, time.time())
    return Response(data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{unit}-P{period}.zip"'})
