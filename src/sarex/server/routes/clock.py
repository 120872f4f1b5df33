"""Routes of the exercise clock: read it (everyone in the exercise), run it (director). Translation only."""

from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import clockctl
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["clock"])


class ClockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["start", "pause", "resume", "rate", "set", "live", "scaled"]
    rate: Optional[float] = Field(None, description="exercise seconds per wall second (start, rate): 0 < rate <= 96")
    exercise_time: Optional[str] = Field(None, description="ISO 8601 UTC exercise time (start: STARTEX time; set: jump to)")
    offset_s: Optional[float] = Field(None, description="live: exercise time minus wall time, s (default: keep the time shown)")


class ClockOut(BaseModel):
    exercise_id: ExerciseId
    state: Literal["stopped", "running", "paused"]
    mode: Literal["scaled", "live"]
    rate: float
    exercise_time: str = Field(description="exercise time now, ISO 8601 UTC")
    wall_time: str = Field(description="wall time now, ISO 8601 UTC")
    kst: str = Field(description="exercise time in Korea Standard Time (UTC+9)")
    jst: str = Field(description="exercise time in Japan Standard Time (UTC+9)")
    anchor_exercise_time: str
    anchor_wall_time: str
    anchor_exercise_s: float = Field(description="the anchor as s since epoch (a page runs the clock locally: ex = anchor_exercise_s + rate (wall - anchor_wall_s))")
    anchor_wall_s: float
    offset_s: float
    period: Optional[int] = Field(None, description="the search period the exercise time lies in, or null")


@router.get("/api/exercises/{exercise_id}/clock", response_model=ClockOut, responses=responses(*AUTH, 404),
            summary="The exercise clock: exercise time (UTC, KST/JST), wall time, state and rate")
def get_clock(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep) -> Any:
    return read(store, clockctl.read_clock, p, exercise_id)


@router.post("/api/exercises/{exercise_id}/clock", response_model=ClockOut, responses=responses(*AUTH, 400, 404, 409, 422),
             summary="Run the exercise clock (director): start, pause, resume, rate, set, live, scaled")
def post_clock(exercise_id: ExerciseId, body: ClockIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, clockctl.control, p, exercise_id, body.action, body.rate, body.exercise_time, body.offset_s)
