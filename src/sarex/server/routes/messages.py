"""The message log between participants (issue 30): ``POST/GET /api/exercises/{id}/messages``."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import messages
from sarex.server.deps import AfterId, ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses
from sarex.exercise.phrases import OBJECTS, PARAMS, PHRASES

router = APIRouter(tags=["messages"])


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: list[str] = Field(min_length=1, max_length=20, description="unit codes, or rcc, excon, all")
    phrase: Optional[str] = Field(None, max_length=40, description="a standard phrase (GET .../messages/phrases)")
    params: dict[str, str | float | int] = Field(default_factory=dict)
    text: str = Field("", max_length=1000, description="free text (shown untranslated)")
    time: Optional[str | float] = Field(None, description="time of the message (ISO 8601 UTC); default now")


class MessageOut(BaseModel):
    id: int
    sender: str
    to: list[str]
    time: str
    phrase: Optional[str] = None
    params: dict[str, Any]
    lang: str
    text: str = Field(description="in the reader's language; free text marked untranslated")
    untranslated: bool


@router.post("/api/exercises/{exercise_id}/messages", status_code=201, response_model=MessageOut,
             responses=responses(*AUTH, 400, 404, 409, 422), summary="Send a standard phrase or free text (units, coordinator, director)")
def post_message(exercise_id: ExerciseId, body: MessageIn, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, messages.send, p, exercise_id, body.to, body.phrase, body.params, body.text, body.time)


@router.get("/api/exercises/{exercise_id}/messages", response_model=list[MessageOut], responses=responses(*AUTH, 400, 404),
            summary="The message log the caller may read, in their language (or lang)")
def get_messages(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, lang: Optional[str] = Query(None, pattern="^(en|ko|ja)$"),
                 after_id: AfterId = 0) -> Any:
    return read(store, messages.log, p, exercise_id, lang, after_id)


class PhraseOut(BaseModel):
    params: list[str] = Field(description="the parameters it takes (lon and lat for a position)")
    text: dict[str, str] = Field(description="the template in en, ko and ja")


class PhrasesOut(BaseModel):
    phrases: dict[str, PhraseOut]
    objects: dict[str, dict[str, str]] = Field(description="the object parameter's values, named in en, ko and ja")


@router.get("/api/messages/phrases", response_model=PhrasesOut, responses=responses(*AUTH),
            summary="The standard phrases a message may be (IMO SMCP style), their parameters and texts in three languages")
def get_phrases(p: PrincipalDep) -> Any:

    return {"phrases": {k: {"params": PARAMS[k], "text": t} for k, t in PHRASES.items()}, "objects": OBJECTS}
