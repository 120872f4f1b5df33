"""Plans: proposals, drafts, approval, a unit's tasking, exports, the datum and the forecast."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from sarex.server import plans, updates, workflow
from sarex.server.deps import ExerciseId, Period, PlanId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import EXCLUDE_UNSET, DatumPoint, ForecastOut, PlanView, Proposal, TaskingItem
from sarex.server.schemas import DraftIn

router = APIRouter(tags=["plans"])

EXPORT_TYPES = {"gpx": "application/gpx+xml", "rtz": "application/xml", "kml": "application/vnd.google-earth.kml+xml", "msg": "text/plain"}


@router.get("/api/exercises/{exercise_id}/proposals/{period}", response_model=Proposal, summary="Computed plan proposal (planner: own nation)",
            responses=responses(*AUTH, 404, 409))
def proposal(exercise_id: ExerciseId, period: Period, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, plans.proposal, p, exercise_id, period)


@router.get("/api/exercises/{exercise_id}/datum", response_model=list[DatumPoint], summary="The forecast drifting datum",
            responses=responses(*AUTH, 404, 409))
def datum(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, plans.datum, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/forecast", response_model=ForecastOut, responses=responses(*AUTH, 404, 409),
            summary="The current forecast per period: planned, or updated with the units' reported tracks; POS and cumulative POS")
def forecast(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, updates.summary, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/plans", response_model=list[PlanView], **EXCLUDE_UNSET, summary="The plans you may see", responses=responses(*AUTH, 404))
def plan_list(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, plans.list_plans, p, exercise_id)


@router.post("/api/exercises/{exercise_id}/plans", status_code=201, response_model=PlanView, **EXCLUDE_UNSET, summary="Draft an organisation's plan for a period (its units of the nation)",
             responses=responses(*AUTH, 404, 409, 422))
def draft(exercise_id: ExerciseId, body: DraftIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: plans.plan_view(plans.draft_plan(s, p, exercise_id, body.period, body.nation, body.org)))


@router.post("/api/exercises/{exercise_id}/plans/{plan_id}/approve", response_model=PlanView, **EXCLUDE_UNSET, summary="Approve a plan (coordinator)",
             responses=responses(*AUTH, 404, 409))
def approve(exercise_id: ExerciseId, plan_id: PlanId, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, lambda s: plans.plan_view(plans.approve_plan(s, p, exercise_id, plan_id), full=False))


@router.get("/api/exercises/{exercise_id}/tasking", response_model=list[TaskingItem], summary="A unit's own tasking in approved plans",
            responses=responses(*AUTH, 404))
def tasking(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, plans.tasking, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/exports/{period}/{unit}.{fmt}", summary="Route (gpx, rtz), area (kml) or SAP message (msg)",
            response_class=Response, responses={**responses(*AUTH, 400, 404, 422),
                                                200: {"content": {m: {"schema": {"type": "string"}} for m in EXPORT_TYPES.values()},
                                                      "description": "the file"}})
def export(exercise_id: ExerciseId, period: Period, p: PrincipalDep, store: StoreDep,
           unit: str = Path(max_length=64), fmt: str = Path(max_length=8),
           lang: str = Query("en", max_length=8)) -> Response:
    text, media = read(store, plans.export, p, exercise_id, period, unit, fmt, lang)
    name = f"{workflow._check_code(unit, 'unit')}-p{period}.{fmt if fmt != 'msg' else lang + '.txt'}"
    return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
