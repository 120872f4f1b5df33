"""Tables of the server store (SQLAlchemy 2 declarative models).

Times are stored as float seconds since the epoch (UTC) so SQLite and PostgreSQL
compare them identically; positions as lon/lat degrees (WGS 84).
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("director", "evaluator", "coordinator", "planner", "unit", "observer")
#: Roles that see the truth and the evaluation before it is released.
TRUTH_ROLES = frozenset({"director", "evaluator"})


class Base(DeclarativeBase):
    pass


class Org(Base):
    """An organisation: a nation's national one (its RCC, code KOR or JPN: ``service`` empty, it owns all its
    nation's units) or one of its services (ROK Navy, Korea Coast Guard, JMSDF, ...: it owns the units of its
    nation whose ``Unit.service`` is its ``service``). ``nation`` is NULL for one that owns no units (exercise control)."""

    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: ISO 3166 alpha-3 code of the nation it belongs to (issue 29), or NULL
    nation: Mapped[Optional[str]] = mapped_column(String(16), nullable=True)
    #: the service it stands for, as the unit catalogue spells it ("ROK Navy"); "" = the whole nation
    service: Mapped[str] = mapped_column(String(64), default="", server_default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_s: Mapped[float] = mapped_column(Float)


class Session(Base):
    """A browser session (cookie) or a bearer token; only the token's SHA-256 is stored."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # cookie | bearer
    expires_s: Mapped[float] = mapped_column(Float)


class Exercise(Base):
    """An exercise (with a hidden truth) or a real case (none)."""

    __tablename__ = "exercises"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # exercise | case
    scenario_toml: Mapped[str] = mapped_column(Text)  # the full scenario, truth included: never sent to participants
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # planning | endex
    truth_released: Mapped[bool] = mapped_column(Boolean, default=False)
    created_s: Mapped[float] = mapped_column(Float)
    #: the coordinator's communications plan (channels, call signs, ACO), over the scenario's (issue 30)
    comms_json: Mapped[Optional[str]] = mapped_column(Text, nullable=True)


class Grant(Base):
    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("user_id", "exercise_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    role: Mapped[str] = mapped_column(String(12))
    unit_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)  # for role "unit"


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("exercise_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    code: Mapped[str] = mapped_column(String(64))
    nation: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    #: the service that brings the unit (the catalogue's ``service``: "ROK Navy", "Korea Coast Guard", "JMSDF", ...)
    service: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Period(Base):
    __tablename__ = "periods"
    __table_args__ = (UniqueConstraint("exercise_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1-based
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    #: exercise control closed it before its end on the clock: when (exercise time) and why
    closed_ex_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    closed_reason: Mapped[str] = mapped_column(String(500), default="")


class Plan(Base):
    """An organisation's plan for one period (of its nation's units it owns): drafted by its planners, approved by the coordinator."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    period: Mapped[int] = mapped_column(Integer)
    nation: Mapped[str] = mapped_column(String(16))
    #: the organisation's code whose units it tasks (the nation's code for a national plan; issue 29)
    org: Mapped[str] = mapped_column(String(16), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10))  # draft | approved
    data_json: Mapped[str] = mapped_column(Text)  # assignments (areas, routes, exports, messages)
    drafted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_s: Mapped[float] = mapped_column(Float)
    #: when the coordinator approved it: wall time and exercise time (issue 28's time contract)
    approved_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    approved_ex_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    created_ex_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)


class PositionReport(Base):
    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("exercise_id", "unit_code", "report_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(String(64))  # client's idempotency key: a retry is not a duplicate
    time_s: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_s: Mapped[float] = mapped_column(Float)
    alt_m: Mapped[Optional[float]] = mapped_column(Float, nullable=True)  # above mean sea level; aircraft (issue 30)


class Sighting(Base):
    __tablename__ = "sightings"
    #: a unique index, not a constraint, so that the migration adds it on SQLite too; NULLs (no report id) are distinct
    __table_args__ = (Index("uq_sightings_report", "exercise_id", "unit_code", "report_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64))
    time_s: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the client's idempotency key (the page's outbox): a sighting sent again after a lost answer is stored once
    report_id: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    #: when the server received it: wall time and exercise time (``time_s`` is the exercise time of the sighting)
    received_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    received_ex_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    kind: Mapped[str] = mapped_column(String(12))  # forecast | evaluate
    status: Mapped[str] = mapped_column(String(10))  # queued | running | done | failed | cancelled
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    params_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_s: Mapped[float] = mapped_column(Float)
    updated_s: Mapped[float] = mapped_column(Float)
    created_ex_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)  # exercise time at creation


class Inject(Base):
    """Something exercise control feeds in (sighting, breakdown, datum, message), delivered when the
    exercise clock passes ``at_s`` (exercise time), unless held or cancelled."""

    __tablename__ = "injects"
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    to_roles: Mapped[str] = mapped_column(String(100))  # comma-separated roles addressed
    to_orgs: Mapped[str] = mapped_column(String(200))  # comma-separated organisations ('' = all)
    at_s: Mapped[float] = mapped_column(Float)  # delivery time, exercise time
    time_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)  # exercise time of the event reported
    lon: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    lat: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    unit_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_s: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")  # scheduled | held | cancelled | delivered
    delivered_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)  # wall time of delivery
    delivered_ex_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)  # exercise time of delivery
    to_units: Mapped[str] = mapped_column(String(500), default="")  # comma-separated unit codes ('' = all)
    expected_action: Mapped[str] = mapped_column(Text, default="")  # MSEL: what the players should do
    objective: Mapped[str] = mapped_column(String(64), default="")  # MSEL: the objective it tests
    ref: Mapped[str] = mapped_column(String(64), default="")  # the scenario's [[inject]] id ('' = added by control)


class ExerciseClockRow(Base):
    """The exercise clock of :mod:`sarex.exercise.clock`, one row per exercise."""

    __tablename__ = "exercise_clocks"
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))
    rate: Mapped[float] = mapped_column(Float)
    anchor_ex_s: Mapped[float] = mapped_column(Float)
    anchor_wall_s: Mapped[float] = mapped_column(Float)
    offset_s: Mapped[float] = mapped_column(Float, default=0.0)
    updated_s: Mapped[float] = mapped_column(Float)


class Observation(Base):
    """An evaluator's observation on an objective (met, partly, not met), with its improvement item."""

    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    objective: Mapped[str] = mapped_column(String(64))
    rating: Mapped[str] = mapped_column(String(10))  # met | partly | not_met
    text: Mapped[str] = mapped_column(Text)
    time_s: Mapped[float] = mapped_column(Float)  # exercise time observed
    wall_s: Mapped[float] = mapped_column(Float)  # wall time recorded
    finding: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(100), default="")
    due: Mapped[str] = mapped_column(String(32), default="")  # a date (ISO 8601) of the improvement plan
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class SeparationAlert(Base):
    """A separation alert raised by a position report (:mod:`sarex.exercise.separation`); ``seen_json`` holds each unit's
    position and altitude at the alert's time, shown to every unit of the alert (safety overrides visibility)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    units: Mapped[str] = mapped_column(String(200))  # comma-separated unit codes, sorted
    time_s: Mapped[float] = mapped_column(Float)
    distance_nm: Mapped[float] = mapped_column(Float)
    vertical_ft: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    seen_json: Mapped[str] = mapped_column(Text)
    created_s: Mapped[float] = mapped_column(Float)


class AlertAck(Base):
    """Who acknowledged a separation alert, when (exercise time, wall time beside): one per alert and user."""

    __tablename__ = "alert_acks"
    __table_args__ = (UniqueConstraint("alert_id", "user_name", name="uq_alert_acks_user"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    user_name: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)  # the unit it spoke for, if a unit
    time_s: Mapped[float] = mapped_column(Float)  # exercise time
    created_s: Mapped[float] = mapped_column(Float)  # wall time


class Message(Base):
    """A typed message between participants: a standard phrase (key and parameters) or free text (untranslated)."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    sender: Mapped[str] = mapped_column(String(64))  # unit code, or the role (coordinator, director) of the sender
    to: Mapped[str] = mapped_column(String(400))  # comma-separated unit codes or role names; '' = everyone at the scene
    phrase: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    text: Mapped[str] = mapped_column(Text, default="")
    time_s: Mapped[float] = mapped_column(Float)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_s: Mapped[float] = mapped_column(Float)


class Sitrep(Base):
    """A SITREP of the case (IAMSAR short form A–F, full form G–N), numbered in sequence per exercise."""

    __tablename__ = "sitreps"
    __table_args__ = (UniqueConstraint("exercise_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(8))  # short | full
    data_json: Mapped[str] = mapped_column(Text)
    time_s: Mapped[float] = mapped_column(Float)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_s: Mapped[float] = mapped_column(Float)


class AuditEntry(Base):
    """Append-only, hash-chained record of every change."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    time_s: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(64))
    exercise_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: HMAC-SHA256 of ``hash`` under the server's audit key (kept outside the database), so that
    #: rewriting the whole chain is detected; empty where the store has no key configured.
    mac: Mapped[str] = mapped_column(String(64), default="")


class AuthEpoch(Base):
    """One row counting changes to who may do what (grants, revoked sessions): a server's cached
    principals are valid while the count is the one they were read at."""

    __tablename__ = "auth_epoch"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
