"""Injects: what exercise control feeds in, addressed to roles and organisations, delivered at a time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sarex.server import injects
from sarex.server.deps import AfterId, ExerciseId, InjectId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import EXCLUDE_UNSET, InjectOut
from sarex.server.schemas import InjectIn

router = APIRouter(tags=["injects"])


@router.post("/api/exercises/{exercise_id}/injects", status_code=201, response_model=InjectOut, **EXCLUDE_UNSET, responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Schedule an inject (director): a sighting, a unit's breakdown, a new datum or a message, to roles at a time")
def create_inject(exercise_id: ExerciseId, body: InjectIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: injects.view(injects.create(s, p, exercise_id, body.model_dump())))


@router.get("/api/exercises/{exercise_id}/injects", response_model=list[InjectOut], **EXCLUDE_UNSET, summary="Injects delivered to you (exercise control: all, scheduled too)",
            responses=responses(*AUTH, 404))
def list_injects(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, after_id: AfterId = 0) -> Any:
    return read(store, injects.visible, p, exercise_id, after_id)


@router.post("/api/exercises/{exercise_id}/injects/{inject_id}/issue", response_model=InjectOut, **EXCLUDE_UNSET, summary="Deliver a scheduled inject now (director)",
             responses=responses(*AUTH, 404, 409))
def issue_inject(exercise_id: ExerciseId, inject_id: InjectId, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: injects.view(injects.issue(s, p, exercise_id, inject_id)))
