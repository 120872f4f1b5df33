"""Routes of the plan workflow an SMC can trust and of a unit's answer to its tasking: a draft withdrawn by
its planners or rejected by the coordinator with a comment (both kept, readable), a unit accepting its
tasking or saying why it cannot, and its status (en route, on scene, searching, returning). Translation
only: the use cases are in :mod:`sarex.server.plans`."""

from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import planedit, plans
from sarex.server.deps import ExerciseId, Period, PlanId, PrincipalDep, StoreDep, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import JobView
from sarex.server.schemas import Code, Lat, Lon

router = APIRouter(tags=["plans"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RejectIn(_In):
    comment: str = Field(min_length=1, max_length=500, description="why the draft is sent back (its planners read it)")


class AnswerIn(_In):
    answer: Literal["accepted", "unable"]
    reason: str = Field("", max_length=300, description="why the unit cannot take the tasking (required for unable)")


class StatusIn(_In):
    status: Literal["en_route", "on_scene", "searching", "returning"]


class AreaIn(_In):
    unit: Code
    centre_lon: Lon
    centre_lat: Lat
    legs_deg: float = Field(ge=0.0, le=360.0, allow_inf_nan=False, description="direction of the search legs, true bearing, degrees")
    leg_nm: float = Field(ge=0.5, le=100.0, allow_inf_nan=False, description="side along the legs, NM")
    creep_nm: float = Field(ge=0.5, le=100.0, allow_inf_nan=False, description="side across the legs, NM")


class AreasIn(_In):
    areas: list[AreaIn] = Field(min_length=1, max_length=32)


class Review(BaseModel):
    by: str
    comment: str
    time: str


class PlanStateOut(BaseModel):
    id: int
    period: int
    nation: str
    org: str = Field(description="the organisation whose units it tasks")
    status: str = Field(description="draft, approved, withdrawn, rejected or superseded")
    start: str
    end: str
    review: Optional[Review] = None


class AnswerOut(BaseModel):
    answer: str
    reason: str
    time: str
    by: str


class StateOut(BaseModel):
    status: str
    time: str
    by: str


@router.post("/api/exercises/{exercise_id}/plans/{plan_id}/withdraw", response_model=PlanStateOut, responses=responses(*AUTH, 404, 409),
             summary="Withdraw a draft (its nation's planner, or the coordinator); it is kept as withdrawn")
def withdraw(exercise_id: ExerciseId, plan_id: PlanId, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: plans.plan_view(plans.withdraw_plan(s, p, exercise_id, plan_id), full=False))


@router.post("/api/exercises/{exercise_id}/plans/{plan_id}/reject", response_model=PlanStateOut, responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Reject a draft with a comment (coordinator); it is kept as rejected, its planners may draft again")
def reject(exercise_id: ExerciseId, plan_id: PlanId, body: RejectIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: plans.plan_view(plans.reject_plan(s, p, exercise_id, plan_id, body.comment), full=False))


@router.post("/api/exercises/{exercise_id}/tasking/{period}/answer", response_model=AnswerOut, responses=responses(*AUTH, 400, 404, 422),
             summary="A unit accepts its approved tasking of a period, or answers unable with a reason")
def answer(exercise_id: ExerciseId, period: Period, body: AnswerIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, plans.answer_tasking, p, exercise_id, period, body.answer, body.reason)


@router.post("/api/exercises/{exercise_id}/tasking/{period}/status", response_model=StateOut, responses=responses(*AUTH, 404, 422),
             summary="A unit's status on its tasking of a period: en_route, on_scene, searching, returning")
def status(exercise_id: ExerciseId, period: Period, body: StatusIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, plans.set_unit_state, p, exercise_id, period, body.status)


@router.post("/api/exercises/{exercise_id}/proposals/{period}/areas", status_code=202, response_model=JobView,
             responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Set units' search areas of a period's proposal (moved or resized on the map); the period is planned again around them")
def set_areas(exercise_id: ExerciseId, period: Period, body: AreasIn, p: PrincipalDep, store: StoreDep, request: Request) -> Any:
    areas = [a.model_dump() for a in body.areas]
    j = write(store, lambda s: plans.job_view(planedit.replan_with_areas(s, p, exercise_id, period, areas)))
    request.app.state.runner.submit(j["id"])
    return j
