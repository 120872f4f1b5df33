"""Request bodies of the HTTP API: one pydantic model per body, strict (unknown fields refused)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field


class StrictIn(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class LoginIn(StrictIn):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class JobIn(StrictIn):
    kind: str
    particles: int = 2000
    period: Optional[int] = Field(None, description="update: the last period done (its reported tracks update the forecast)")


class DraftIn(StrictIn):
    period: int = Field(ge=1)
    nation: str = Field(max_length=16)


class PositionIn(StrictIn):
    time: str | float
    lon: float
    lat: float
    unit: Optional[str] = Field(default=None, max_length=64)
    report_id: Optional[str] = Field(default=None, min_length=1, max_length=64)


class PositionsIn(StrictIn):
    reports: list[PositionIn] = Field(min_length=1, max_length=1000)


class SightingIn(StrictIn):
    time: str | float
    lon: float
    lat: float
    note: str = ""


class InjectIn(StrictIn):
    kind: Literal["sighting", "breakdown", "datum", "message"]
    text: str = Field("", max_length=2000)
    to: list[str] = Field(min_length=1, max_length=6, description="roles addressed: coordinator, planner, unit, observer, ...")
    orgs: list[str] = Field(default_factory=list, max_length=50, description="organisations addressed (empty: all)")
    at: Optional[str | float] = Field(None, description="delivery time (UTC, ISO 8601); default now")
    time: Optional[str | float] = Field(None, description="time of the event reported (UTC)")
    lon: Optional[float] = None
    lat: Optional[float] = None
    unit: Optional[str] = Field(None, max_length=64)
