"""HTTP routes of the exercise-control workflow: injects (director to participants). Translation only."""

from __future__ import annotations

from typing import Literal, Optional

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from sarex.server import injects, updates


class InjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["sighting", "breakdown", "datum", "message"]
    text: str = Field("", max_length=2000)
    to: list[str] = Field(min_length=1, max_length=6, description="roles addressed: coordinator, planner, unit, observer, ...")
    orgs: list[str] = Field(default_factory=list, max_length=50, description="organisations addressed (empty: all)")
    at: Optional[str | float] = Field(None, description="delivery time (UTC, ISO 8601); default now")
    time: Optional[str | float] = Field(None, description="time of the event reported (UTC)")
    lon: Optional[float] = None
    lat: Optional[float] = None
    unit: Optional[str] = Field(None, max_length=64)


def add_routes(app: FastAPI, principal, tx, rd) -> None:
    @app.get("/api/exercises/{exercise_id}/forecast", tags=["plans"],
             summary="The current forecast per period: planned, or updated with the units' reported tracks; POS and cumulative POS")
    def forecast(exercise_id: int, p=Depends(principal)):
        return rd(updates.summary, p, exercise_id)

    @app.post("/api/exercises/{exercise_id}/injects", tags=["injects"], status_code=201,
              summary="Schedule an inject (director): a sighting, a unit's breakdown, a new datum or a message, to roles at a time")
    def create_inject(exercise_id: int, body: InjectIn, p=Depends(principal)):
        return tx(lambda s: injects.view(injects.create(s, p, exercise_id, body.model_dump())))

    @app.get("/api/exercises/{exercise_id}/injects", tags=["injects"], summary="Injects delivered to you (exercise control: all, scheduled too)")
    def list_injects(exercise_id: int, p=Depends(principal), after_id: int = Query(0, ge=0)):
        return rd(injects.visible, p, exercise_id, after_id)

    @app.post("/api/exercises/{exercise_id}/injects/{inject_id}/issue", tags=["injects"], summary="Deliver a scheduled inject now (director)")
    def issue_inject(exercise_id: int, inject_id: int, p=Depends(principal)):
        return tx(lambda s: injects.view(injects.issue(s, p, exercise_id, inject_id)))
