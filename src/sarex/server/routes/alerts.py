"""Separation alerts of an exercise (issue 30): ``GET /api/exercises/{id}/alerts``; acknowledged by their readers
(issue 29): ``POST /api/exercises/{id}/alerts/{alert_id}/ack``."""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sarex.server import alerts
from sarex.server.deps import AfterId, AlertId, ExerciseId, PrincipalDep, StoreDep, read, write
from sarex.server.errors import AUTH, responses

router = APIRouter(tags=["reports"])


class SeenOut(BaseModel):
    unit: str
    lon: float
    lat: float
    alt_m: float = Field(description="m above mean sea level (0 for a ship)")


class AckOut(BaseModel):
    by: str = Field(description="the user who acknowledged")
    unit: Optional[str] = Field(None, description="the unit it spoke for, if a unit")
    time: str = Field(description="exercise time (ISO 8601 UTC)")
    wall: str = Field(description="wall time (ISO 8601 UTC)")


class AlertOut(BaseModel):
    id: int
    kind: str = Field(description="aircraft_separation | low_pass | ship_cpa | outside_area | outside_block")
    units: list[str]
    time: str = Field(description="exercise time of the report that raised it (ISO 8601 UTC)")
    distance_nm: float
    vertical_ft: Optional[float] = None
    seen: list[SeenOut] = Field(description="each unit's position and altitude at that time (safety overrides visibility)")
    acks: list[AckOut] = Field(default_factory=list, description="who acknowledged it, first first")


@router.get("/api/exercises/{exercise_id}/alerts", response_model=list[AlertOut], responses=responses(*AUTH, 404),
            summary="Separation alerts: exercise control and coordinator all; a unit those it is in (all when OSC or ACO)")
def get_alerts(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, after_id: AfterId = 0) -> Any:
    return read(store, alerts.visible, p, exercise_id, after_id)


@router.post("/api/exercises/{exercise_id}/alerts/{alert_id}/ack", response_model=AlertOut, responses=responses(*AUTH, 404),
             summary="Acknowledge an alert you may read (once per user; again answers the first); audited")
def ack_alert(exercise_id: ExerciseId, alert_id: AlertId, p: PrincipalDep, store: StoreDep) -> Any:
    return write(store, alerts.acknowledge, p, exercise_id, alert_id)
