"""Routes of the exercise as played: the MSEL timeline (director, evaluator), objectives and evaluators'
observations, closing a period early, and the played export. Translation only."""

from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import injects, observations, played_export, plans
from sarex.server.deps import ExerciseId, InjectId, Period as PeriodNo, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import InjectOut

router = APIRouter(tags=["played"])

Role = Literal["director", "evaluator", "coordinator", "planner", "unit", "observer"]


class MselIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["sighting", "breakdown", "datum", "message"]
    text: str = Field("", max_length=2000)
    to: list[Role] = Field(min_length=1, max_length=6)
    orgs: list[str] = Field(default_factory=list, max_length=50)
    units: list[str] = Field(default_factory=list, max_length=100)
    at: Optional[str | float] = Field(None, description="exercise time of delivery (ISO 8601 UTC); default: exercise now")
    time: Optional[str | float] = Field(None, description="exercise time of the event reported")
    lon: Optional[float] = None
    lat: Optional[float] = None
    unit: Optional[str] = Field(None, max_length=64)
    expected_action: str = Field("", max_length=2000)
    objective: str = Field("", max_length=64)


class MselChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["release", "hold", "unhold", "cancel", "edit"]
    at: Optional[str | float] = None
    time: Optional[str | float] = None
    text: Optional[str] = Field(None, max_length=2000)
    to: Optional[list[Role]] = Field(None, min_length=1, max_length=6)
    orgs: Optional[list[str]] = Field(None, max_length=50)
    units: Optional[list[str]] = Field(None, max_length=100)
    expected_action: Optional[str] = Field(None, max_length=2000)
    objective: Optional[str] = Field(None, max_length=64)


class ObservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    objective: str = Field(max_length=64)
    rating: Literal["met", "partly", "not_met"]
    text: str = Field(min_length=1, max_length=4000)
    time: Optional[str] = Field(None, description="exercise time observed (default: exercise now)")
    finding: str = Field("", max_length=4000)
    owner: str = Field("", max_length=100)
    due: str = Field("", max_length=32, description="date the corrective action is due (ISO 8601)")


class ObservationOut(BaseModel):
    id: int
    objective: str
    rating: str
    text: str
    time: str = Field(description="exercise time observed")
    wall: str = Field(description="wall time recorded")
    finding: str
    owner: str
    due: str
    by: str


class ObjectiveOut(BaseModel):
    id: str
    text: str
    measure: Optional[str] = None
    minutes: Optional[float] = None
    period: Optional[int] = None
    observations: list[ObservationOut]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class CloseOut(BaseModel):
    number: int
    closed_at: str = Field(description="exercise time it was closed")
    closed_wall: str
    reason: str
    silent_units: list[str] = Field(description="units tasked in an approved plan for the period that reported nothing in it")


@router.get("/api/exercises/{exercise_id}/msel", response_model=list[InjectOut], responses=responses(*AUTH, 404),
            summary="The injects timeline (MSEL) by exercise time: director and evaluators")
def msel(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, injects.timeline, p, exercise_id)


@router.post("/api/exercises/{exercise_id}/msel", response_model=InjectOut, status_code=201, responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Add an inject to the timeline (director), delivered when the clock passes its exercise time")
def msel_add(exercise_id: ExerciseId, body: MselIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: injects.view(injects.create(s, p, exercise_id, body.model_dump())))


@router.post("/api/exercises/{exercise_id}/msel/{inject_id}", response_model=InjectOut, responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Release early, hold, un-hold, cancel or edit an inject (director)")
def msel_change(exercise_id: ExerciseId, inject_id: InjectId, body: MselChangeIn, p: PrincipalDep, store: StoreDep) -> Any:
    fields = body.model_dump(exclude_unset=True, exclude={"action"})
    return write(store, lambda s: injects.view(injects.change(s, p, exercise_id, inject_id, body.action, fields)))


@router.get("/api/exercises/{exercise_id}/objectives", response_model=list[ObjectiveOut], responses=responses(*AUTH, 404),
            summary="The scenario's objectives with the evaluators' observations (director, evaluators)")
def objectives(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, observations.objectives, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/observations", response_model=list[ObservationOut], responses=responses(*AUTH, 404),
            summary="Evaluators' observations (director, evaluators)")
def observation_list(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, observations.listing, p, exercise_id)


@router.post("/api/exercises/{exercise_id}/observations", response_model=ObservationOut, status_code=201,
             responses=responses(*AUTH, 400, 404, 422), summary="Record an observation on an objective (evaluator, director)")
def observation_add(exercise_id: ExerciseId, body: ObservationIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, observations.add, p, exercise_id, body.model_dump())


@router.post("/api/exercises/{exercise_id}/periods/{period}/close", response_model=CloseOut, responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Close a period before its end on the clock, with a reason (director); lists units that reported nothing")
def close_period(exercise_id: ExerciseId, period: PeriodNo, body: CloseIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, plans.close_period, p, exercise_id, period, body.reason)


@router.get("/api/exercises/{exercise_id}/played-export", response_model=dict, responses=responses(*AUTH, 404),
            summary="The exercise as played (format sarex-played/1, truth included): director and evaluators; "
                    "`sarex exercise evaluate-played` reads it")
def played(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, played_export.export, p, exercise_id)
