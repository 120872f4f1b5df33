"""Exercises: list, create, view, truth, units, periods, audit, ENDEX, release, scores and the report."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse
from sarex.server import reports, services, workflow
from sarex.server.auth import ApiError
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import (EXCLUDE_UNSET, AuditItem, EndexOut, ExerciseItem, ExerciseRef, ExerciseView, PeriodItem,
                                           ReleaseOut, Truth, UnitItem)
from sarex.server.models import User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = APIRouter(tags=["exercise"])


@router.get("/api/exercises", response_model=list[ExerciseItem], summary="The exercises you hold a role in", responses=responses(*AUTH))
def exercises(p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, workflow.list_exercises, p)


@router.post("/api/exercises", status_code=201, response_model=ExerciseRef, responses=responses(*AUTH, 400, 409, 413, 422),
             summary="Create an exercise from an uploaded scenario (TOML) or a built-in one (directors); you become its director")
async def create_exercise(p: PrincipalDep, store: StoreDep, scenario: Optional[UploadFile] = File(None),
                          builtin: Optional[str] = Form(None), seed: int = Form(0, ge=0, le=2**63 - 1)) -> Any:

    if "director" not in {r for rs in p.grants.values() for r in rs}:
        raise ApiError(403, "role: only a director of an exercise may create exercises", "role")
    if (scenario is None) == (builtin is None):
        raise ApiError(422, "scenario: give either a scenario file or builtin=korea-japan", "scenario")
    if scenario is not None:
        raw = await scenario.read()
        try:
            text, src = raw.decode("utf-8"), Path(scenario.filename or "scenario.toml").name
        except UnicodeDecodeError:
            raise ApiError(400, "scenario: the file is not UTF-8 text", "scenario") from None
    else:
        assert builtin is not None  # exactly one of the two, checked above
        text, src = services.builtin_scenario_text(builtin), builtin
    if scenario is not None:  # checked completely before the write transaction (the land mask loads for seconds)
        await asyncio.to_thread(lambda: services.check_scenario(services.parse_scenario_text(text, src, case=True)))

    def make(s: Session) -> dict[str, Any]:
        ex = workflow.add_exercise(s, p.name, text, src, seed, director=s.get(User, p.user_id), check=False)
        return {"id": ex.id, "name": ex.name}

    return await asyncio.to_thread(write, store, make)


@router.get("/api/exercises/{exercise_id}", response_model=ExerciseView, **EXCLUDE_UNSET, summary="The exercise as your role sees it",
            responses=responses(*AUTH, 404))
def exercise(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, workflow.exercise_view, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/truth", response_model=Truth, summary="The truth: director and evaluators; everyone after its release",
            responses=responses(*AUTH, 404))
def truth(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, workflow.truth, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/units", response_model=list[UnitItem], summary="The units you may see", responses=responses(*AUTH, 404))
def units(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, workflow.units, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/periods", response_model=list[PeriodItem], summary="The search periods", responses=responses(*AUTH, 404))
def periods(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, workflow.periods, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/audit", response_model=list[AuditItem], summary="The exercise's audit entries (director)",
            responses=responses(*AUTH, 404))
def audit_log(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, limit: int = Query(200, ge=1, le=5000)) -> Any:
    return read(store, workflow.audit_entries, p, exercise_id, limit)


@router.post("/api/exercises/{exercise_id}/endex", response_model=EndexOut, summary="End the exercise (director)", responses=responses(*AUTH, 404, 409))
def endex(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, reports.endex, p, exercise_id)


@router.post("/api/exercises/{exercise_id}/release", response_model=ReleaseOut, responses=responses(*AUTH, 404, 409),
             summary="Release the truth and the evaluation to all participants (director, after ENDEX)")
def release(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, reports.release, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/scores", response_model=dict[str, Any], summary="Scores of the evaluation (after release, or exercise control)",
            responses=responses(*AUTH, 404, 409))
def scores(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, reports.scores, p, exercise_id)


@router.get("/api/exercises/{exercise_id}/report.html", response_class=HTMLResponse, summary="After-action report",
            responses=responses(*AUTH, 404, 409))
def report(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> HTMLResponse:
    return HTMLResponse(read(store, reports.report_html, p, exercise_id))
