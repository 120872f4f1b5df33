"""The communications plan of an exercise (issue 30): ``GET/PUT /api/exercises/{id}/communications``."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import comms
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["messages"])


class CommsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: dict[str, str] = Field(default_factory=dict, description="control, on_scene, aco, monitor -> channel")
    callsigns: dict[str, str] = Field(default_factory=dict, description="unit code -> call sign")
    aircraft_coordinator: Optional[str] = Field(None, max_length=100)


class CommsOut(CommsIn):
    pass


@router.get("/api/exercises/{exercise_id}/communications", response_model=CommsOut, responses=responses(*AUTH, 404),
            summary="The communications plan (every participant)")
def get_comms(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, comms.get, p, exercise_id)


@router.put("/api/exercises/{exercise_id}/communications", response_model=CommsOut, responses=responses(*AUTH, 400, 404, 422),
            summary="Replace the communications plan (coordinator); taken by plans drafted from then on")
def put_comms(exercise_id: ExerciseId, body: CommsIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, comms.put, p, exercise_id, body.model_dump())
