"""SITREPs of the case (issue 30): ``POST/GET /api/exercises/{id}/sitreps``."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import messages
from sarex.server.deps import ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["messages"])


class SitrepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form: str = Field("short", pattern="^(short|full)$", description="short (A–F) or full (A–N)")
    time: Optional[str | float] = Field(None, description="as of (ISO 8601 UTC); default now")
    identity: Optional[str] = Field(None, max_length=500)
    persons: Optional[int] = Field(None, ge=0, le=100000)
    wind: Optional[str] = Field(None, max_length=500)
    on_scene_channel: Optional[str] = Field(None, max_length=500)
    remarks: Optional[str] = Field(None, max_length=500)


class SitrepOut(BaseModel):
    id: int
    number: int
    form: str
    time: str
    lang: str
    text: str
    texts: dict[str, str] = Field(description="the same SITREP in en, ko and ja")


@router.post("/api/exercises/{exercise_id}/sitreps", status_code=201, response_model=SitrepOut,
             responses=responses(*AUTH, 400, 404, 409, 422), summary="Draft and send the next SITREP from the exercise state (coordinator: the RCC)")
def post_sitrep(exercise_id: ExerciseId, body: SitrepIn, p: PrincipalDep, store: StoreDep) -> Any:
    edits = body.model_dump(exclude={"form", "time"}, exclude_none=True)
    return write(store, messages.send_sitrep, p, exercise_id, body.form, edits, body.time)


@router.get("/api/exercises/{exercise_id}/sitreps", response_model=list[SitrepOut], responses=responses(*AUTH, 400, 404),
            summary="The case's SITREPs in number order, in the reader's language (and all three)")
def get_sitreps(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, lang: Optional[str] = Query(None, pattern="^(en|ko|ja)$")) -> Any:
    return read(store, messages.sitreps, p, exercise_id, lang)
