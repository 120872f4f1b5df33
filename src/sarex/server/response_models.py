"""What the server answers: the response models of the main resources (issue 34).

Each route names its model with ``response_model=``, so the OpenAPI schema (``/openapi.json``)
describes every answer field by field. The use cases still build plain dicts; FastAPI checks each
answer against its model and serialises it with ``response_model_exclude_unset=True`` (see
:data:`EXCLUDE_UNSET`), so that a field a use case leaves out for a role (``truth`` before its
release, ``alt_m`` of a ship's report, exercise control's fields of an inject) stays out, as
before, instead of being sent as ``null``. Times are ISO 8601 UTC text; in an exercise they are
exercise time, with the wall time beside where both exist (``*_wall``). Positions are degrees,
longitude before latitude. Deeply nested, scenario-shaped data (a plan's assignments, the
scenario as participants see it, an evaluation's scores) are typed as JSON objects here; their
fields are described in docs/server.md and docs/exercise.md.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

#: keyword arguments of the routes whose answers leave fields out for some roles
EXCLUDE_UNSET: dict[str, Any] = {"response_model_exclude_unset": True}

Json = dict[str, Any]


# --- who you are ----------------------------------------------------------------------------------


class Grant(BaseModel):
    """A role held in an exercise."""

    exercise_id: int
    role: str
    unit: Optional[str] = Field(description="the unit, for the unit role")


class MeOut(BaseModel):
    """The caller: user, organisation, roles per exercise; the CSRF token of a browser session."""

    user: str
    org: str
    org_nation: Optional[str] = Field(None, description="the organisation's nation (ISO 3166 alpha-3); null: it owns no units")
    org_service: str = Field("", description="the service it stands for (\"ROK Navy\"); empty: the whole nation")
    csrf: Optional[str] = Field(description="the CSRF token to send back in X-CSRF-Token (a cookie session); null for a bearer token")
    grants: list[Grant]


# --- exercises -------------------------------------------------------------------------------------


class ExerciseRef(BaseModel):
    """A new exercise: its id and name."""

    id: int
    name: str


class ExerciseItem(BaseModel):
    """One exercise the caller holds a role in."""

    id: int
    name: str
    kind: Literal["exercise", "case"] = Field(description="an exercise (with a truth) or a real case (none)")
    status: Literal["planning", "endex"]
    roles: list[str] = Field(description="the caller's roles in it")


class Lkp(BaseModel):
    """The reported last known position."""

    lon: float
    lat: float
    time: str
    radius_m: float = Field(description="radius of the position's uncertainty, m")
    ddm: str = Field(description="the position in degrees and decimal minutes, latitude first")


class Truth(BaseModel):
    """The truth (where the object really was): exercise control; everyone after its release."""

    lon: float
    lat: float
    time: str
    object_class: str = Field(description="Leeway object class")
    ddm: str = Field(description="the position in degrees and decimal minutes, latitude first")


class PeriodHead(BaseModel):
    """The audit chain's head published at the end of a period."""

    period: int
    head: str = Field(description="ID:HASH")


class AuditHeads(BaseModel):
    """The audit chain's heads as every participant sees them (``sarex server audit verify --head``)."""

    head: str = Field(description="the head now, ID:HASH")
    periods: list[PeriodHead]
    endex: Optional[str] = Field(description="the ENDEX entry, ID:HASH; null before ENDEX")


class ExerciseView(BaseModel):
    """An exercise as the caller's role sees it (``truth`` only when the caller may see it)."""

    id: int
    name: str
    kind: Literal["exercise", "case"]
    status: Literal["planning", "endex"]
    seed: int
    truth_released: bool
    roles: list[str]
    unit: Optional[str] = Field(description="the caller's unit, if it holds the unit role")
    scenario: Json = Field(description="the scenario without its truth; units limited to those the caller may see")
    lkp: Lkp
    bbox: list[float] = Field(description="the map's area: lon_min, lat_min, lon_max, lat_max (degrees)")
    audit: AuditHeads
    truth: Optional[Truth] = Field(None, description="present only for exercise control, or after the release")


class UnitItem(BaseModel):
    """A unit the caller may see."""

    code: str
    nation: str
    name: str
    type: str
    service: str = Field("", description="the service that brings the unit (ROK Navy, Korea Coast Guard, JMSDF, ...)")


class PeriodItem(BaseModel):
    """A search period."""

    number: int
    start: str
    end: str
    approved: list[str] = Field(description="nations with an approved plan for the period")
    approved_orgs: list[str] = Field(description="organisations whose plan for the period is approved")
    closed_at: Optional[str] = Field(description="exercise time it was closed early; null if not")
    closed_reason: str


class AuditItem(BaseModel):
    """An audit entry (director)."""

    id: int
    time: str = Field(description="wall time")
    actor: str
    action: str
    detail: Json
    hash: str


class EndexOut(BaseModel):
    """The exercise at ENDEX, with the audit head published there."""

    id: int
    status: Literal["endex"]
    audit_head: str = Field(description="ID:HASH of the ENDEX entry")


class ReleaseOut(BaseModel):
    """The truth released."""

    id: int
    truth_released: bool


# --- plans and the forecast ------------------------------------------------------------------------


class Proposal(BaseModel):
    """A computed plan proposal for a period: per nation, its plan (a planner: its own nation only)."""

    period: int
    start: str
    end: str
    nations: dict[str, Json] = Field(description="nation code -> the proposed plan (areas, assignments, messages)")


class DatumPoint(BaseModel):
    """The forecast ensemble's weighted mean position (the drifting datum) at a time."""

    time: str
    lon: float
    lat: float


class ForecastPeriod(BaseModel):
    """One period of the current forecast."""

    period: int
    start: str
    end: str
    source: Optional[str] = Field(None, description="planned, or updated with the units' reported tracks")
    pos: Optional[float] = Field(None, description="probability of success of the period's search")
    pos_planned: Optional[float] = None
    cumulative_pos: Optional[float] = None
    searched_units: Optional[list[str]] = None
    contour_time: Optional[str] = None


class ForecastOut(BaseModel):
    """The current forecast per period."""

    particles: int
    done_through: int = Field(description="the last period whose reported tracks updated the forecast (0: none)")
    warnings: list[str]
    periods: list[ForecastPeriod]


class PlanView(BaseModel):
    """An organisation's plan for a period; the list and a draft carry its assignments, an approval its state."""

    id: int
    period: int
    nation: str
    org: str = Field(description="the organisation whose units it tasks (the nation's code for a national plan)")
    status: Literal["draft", "approved", "superseded", "withdrawn", "rejected"]
    start: str
    end: str
    approved_at: Optional[str] = Field(description="exercise time of the approval")
    approved_wall: Optional[str] = Field(description="wall time of the approval")
    airspace_conflicts: Optional[list[Json]] = Field(None, description="conflicts of its air blocks with other approved plans (coordinator, director)")
    assignments: Optional[list[Json]] = Field(None, description="per unit: its area, pattern, track and answer/state")
    messages: Optional[Json] = Field(None, description="the search action plan message per language")
    unassigned: Optional[dict[str, Any]] = Field(None, description="units not tasked: unit -> the reason")
    review: Optional[Json] = Field(None, description="the coordinator's rejection, if any")


class TaskingItem(BaseModel):
    """A unit's own assignment in an approved plan (the assignment's fields follow ``plan_id``)."""

    model_config = {"extra": "allow"}

    period: int
    plan_id: int
    unit: str
    answer: Optional[Json] = Field(None, description="the unit's answer (accept, unable)")
    state: Optional[Json] = Field(None, description="the unit's tasking state (on scene, complete)")


# --- jobs ------------------------------------------------------------------------------------------


class JobView(BaseModel):
    """A job's state; never its result (results are read through the filtered routes)."""

    id: int
    exercise_id: int
    kind: Literal["forecast", "update", "evaluate"]
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(description="0..1")
    message: str
    attempts: int
    created: str = Field(description="wall time")
    updated: str = Field(description="wall time")
    created_at: Optional[str] = Field(description="exercise time it was started")


# --- reports from units ----------------------------------------------------------------------------


class PositionAck(BaseModel):
    """The answer to one position report: its stored id (a report sent again gets the stored one)."""

    id: int
    report_id: str
    duplicate: bool = Field(description="true when this report was stored before (a retry) or came twice")


class PositionItem(BaseModel):
    """A stored position report (``alt_m`` only where reported)."""

    id: int
    unit: str
    time: str
    lon: float
    lat: float
    source: str = Field(description="json, gpx, nmea, ais, udp")
    alt_m: Optional[float] = Field(None, description="altitude above mean sea level, m (aircraft)")


class IdOut(BaseModel):
    """The id of what was stored."""

    id: int


class SightingAck(BaseModel):
    """A sighting stored, or acknowledged again: one whose ``report_id`` this unit sent before is not stored twice."""

    id: int
    report_id: Optional[str] = Field(None, description="the client's id of the sighting, as sent")
    duplicate: bool = Field(False, description="true when this report id was stored already (this answer repeats the first)")


class SightingItem(BaseModel):
    """A unit's sighting."""

    id: int
    unit: str
    time: str = Field(description="exercise time of the sighting")
    lon: float
    lat: float
    note: str
    received_at: Optional[str] = Field(description="exercise time it was received")
    received_wall: Optional[str] = Field(description="wall time it was received")


# --- injects ---------------------------------------------------------------------------------------


class InjectOut(BaseModel):
    """An inject; ``expected_action`` and ``objective`` for exercise control only."""

    id: int
    kind: str
    text: str
    to: list[str]
    orgs: list[str]
    units: list[str]
    at: str = Field(description="exercise time of delivery")
    status: Literal["scheduled", "held", "cancelled", "delivered"]
    delivered: bool
    delivered_at: Optional[str] = Field(None, description="exercise time it was delivered")
    delivered_wall: Optional[str] = Field(None, description="wall time it was delivered")
    time: Optional[str] = None
    lon: Optional[float] = None
    lat: Optional[float] = None
    unit: Optional[str] = None
    ref: str = ""
    expected_action: str = ""
    objective: str = ""
