"""Jobs: forecasts, updates and evaluations run in worker processes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sarex.server import plans
from sarex.server.deps import ExerciseId, JobId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.server.response_models import JobView
from sarex.server.schemas import JobIn

router = APIRouter(tags=["jobs"])


@router.post("/api/exercises/{exercise_id}/jobs", status_code=202, response_model=JobView, summary="Start a job (forecast, update, evaluate)",
             responses=responses(*AUTH, 404, 409, 422))
def create_job(exercise_id: ExerciseId, body: JobIn, p: PrincipalDep, store: StoreDep, request: Request) -> Any:
    j = write(store, lambda s: plans.job_view(plans.create_job(s, p, exercise_id, body.kind, body.particles, body.period)))
    request.app.state.runner.submit(j["id"])
    return j


@router.get("/api/exercises/{exercise_id}/jobs", response_model=list[JobView], summary="The exercise's jobs you may see", responses=responses(*AUTH, 404))
def jobs(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, plans.list_jobs, p, exercise_id)


@router.get("/api/jobs/{job_id}", response_model=JobView, summary="One job", responses=responses(*AUTH, 404))
def job(job_id: JobId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, plans.get_job, p, job_id)


@router.post("/api/jobs/{job_id}/cancel", response_model=JobView, summary="Cancel a job", responses=responses(*AUTH, 404, 409))
def cancel(job_id: JobId, p: PrincipalDep, store: StoreDep, request: Request) -> Any:
    j = write(store, lambda s: plans.job_view(plans.cancel_job(s, p, job_id)))
    request.app.state.runner.cancel(job_id)
    return j
