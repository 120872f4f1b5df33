"""Reports from units: positions (JSON and file uploads), sightings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from sqlalchemy.exc import IntegrityError

from sarex.server import reports
from sarex.server.batchwrite import PositionBatch
from sarex.server.deps import AfterId, CachedPrincipalDep, ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import EXCLUDE_UNSET, PositionAck, PositionItem, SightingAck, SightingItem
from sarex.server.schemas import PositionsIn, SightingIn

router = APIRouter(tags=["reports"])


@router.post("/api/exercises/{exercise_id}/positions", status_code=201, response_model=list[PositionAck], summary="A unit's position reports (JSON)",
             responses=responses(*AUTH, 404, 409, 413, 422))
async def post_positions(exercise_id: ExerciseId, body: PositionsIn, p: CachedPrincipalDep, request: Request) -> Any:
    state = request.app.state
    return await state.writer.accept(p, exercise_id, [r.model_dump() for r in body.reports], state.auth.refresh)


@router.post("/api/exercises/{exercise_id}/positions/upload", status_code=201, response_model=list[PositionAck], summary="Upload a GPX, NMEA 0183 or AIS log of your unit",
             responses=responses(*AUTH, 400, 404, 409, 413, 422))
async def upload(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, request: Request, file: UploadFile = File(...)) -> Any:
    data = await file.read()
    name = Path(file.filename or "upload").name
    raw, kind = await asyncio.to_thread(read, store, reports.upload_rows, p, exercise_id, data, name)
    return await request.app.state.writer.post(PositionBatch(p, exercise_id, reports.prepare_positions(p, exercise_id, raw), kind), raw)


@router.get("/api/exercises/{exercise_id}/positions", response_model=list[PositionItem], **EXCLUDE_UNSET, summary="Position reports you may see", responses=responses(*AUTH, 404))
def get_positions(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, after_id: AfterId = 0,
                  limit: int = Query(10000, ge=1, le=100000)) -> Any:
    return read(store, reports.positions, p, exercise_id, after_id, limit)


@router.post("/api/exercises/{exercise_id}/sightings", status_code=201, response_model=SightingAck, summary="Report a sighting",
             responses=responses(*AUTH, 400, 404, 409, 422))
def post_sighting(exercise_id: ExerciseId, body: SightingIn, p: PrincipalDep, store: StoreDep) -> Any:
    try:
        return write(store, reports.post_sighting, p, exercise_id, body.time, body.lon, body.lat, body.note, body.report_id)
    except IntegrityError:
        if body.report_id is None:
            raise
        # The same report_id sent twice at once: the other request stored it first; this one is its duplicate.
        return write(store, reports.post_sighting, p, exercise_id, body.time, body.lon, body.lat, body.note, body.report_id)


@router.get("/api/exercises/{exercise_id}/sightings", response_model=list[SightingItem], summary="Sightings you may see", responses=responses(*AUTH, 404))
def get_sightings(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, reports.sightings, p, exercise_id)
