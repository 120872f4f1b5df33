"""The case file: weighted ``[[scenario]]`` tables (TOML), validated with pydantic.

Field names are fixed (scripts and other tools write case files). Every error is one
line naming the file, the field and the value, in the one format of :mod:`sarex.tomlfile`
(``case.toml: scenario[2].ellipse.semi_minor_m: 0 … (scenario 'On the fishing ground')``). Scenario weights must sum to 1 within 0.01 and are then normalised; so are
the ``objects`` mixture of each scenario, beacon fix probabilities and state branches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sarex.drift.objects import get_object
from sarex.errors import SarexInputError
from sarex.times import to_epoch_s
from sarex.tomlfile import FieldError, field_message, read_toml, table_label, validate

WEIGHT_TOLERANCE = 0.01

LonLat = tuple[float, float]
Lon = Annotated[float, Field(ge=-180.0, le=360.0, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _time(v):
    if v is None:
        return v
    try:
        to_epoch_s(v)
    except Exception:
        raise ValueError("is not an ISO 8601 UTC time") from None
    return v


def _check_lonlat(p: LonLat) -> LonLat:
    lon, lat = p
    if not (-180.0 <= lon <= 360.0 and -90.0 <= lat <= 90.0) or not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"has [{lon}, {lat}], not a [lon, lat] position")
    return p


def _known_class(v: str) -> str:
    try:
        return get_object(v).key
    except SarexInputError as exc:
        raise ValueError(str(exc).removeprefix("object: ")) from None


class ObjectShare(_Strict):
    """One entry of a scenario's object mixture."""

    class_: str = Field(alias="class")
    weight: float = Field(gt=0.0, le=1.0)

    _known = field_validator("class_")(lambda v: _known_class(v))


class Ellipse(_Strict):
    """A containment ellipse: semi-axes (m), orientation of the major axis (degrees clockwise from north)."""

    semi_major_m: float = Field(gt=0.0)
    semi_minor_m: float = Field(gt=0.0)
    orientation_deg: float = 0.0
    containment: float = Field(0.95, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _order(self):
        if self.semi_minor_m > self.semi_major_m:
            raise FieldError("semi_minor_m", self.semi_minor_m, f"is larger than semi_major_m {self.semi_major_m}", relative=True)
        return self


class PositionError(_Strict):
    """At most one of a 1-sd radius, a CEP (50 % radius) or a containment ellipse."""

    radius_m: Optional[float] = Field(None, ge=0.0)
    cep_m: Optional[float] = Field(None, gt=0.0)
    ellipse: Optional[Ellipse] = None

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in ("radius_m", "cep_m", "ellipse") if getattr(self, k) is not None]
        if len(given) > 1:
            raise FieldError(given[1], None, f"give one of radius_m, cep_m, ellipse (got {', '.join(given)})", relative=True)
        return self


class Branch(_Strict):
    """One branch of a state change: the state it leads to and its probability."""

    state: str
    weight: float = Field(gt=0.0, le=1.0)


class State(_Strict):
    """A state of the object chain: a Leeway class, a sojourn-time distribution and the next states."""

    name: str
    class_: str = Field(alias="class")
    sojourn_min_h: Optional[float] = Field(None, ge=0.0)
    sojourn_max_h: Optional[float] = Field(None, ge=0.0)
    sojourn_mean_h: Optional[float] = Field(None, gt=0.0)
    next: list[Branch] = Field(default_factory=list)

    _known = field_validator("class_")(lambda v: _known_class(v))

    @model_validator(mode="after")
    def _sojourn(self):
        uni = self.sojourn_min_h is not None or self.sojourn_max_h is not None
        if self.next and not uni and self.sojourn_mean_h is None:
            raise FieldError("sojourn_mean_h", None, "missing: a state with next states needs sojourn_min_h/sojourn_max_h or sojourn_mean_h", relative=True)
        if uni and self.sojourn_mean_h is not None:
            raise FieldError("sojourn_mean_h", self.sojourn_mean_h, "give sojourn_min_h/sojourn_max_h (uniform) or sojourn_mean_h (exponential), not both", relative=True)
        if uni:
            lo = self.sojourn_min_h if self.sojourn_min_h is not None else self.sojourn_max_h
            hi = self.sojourn_max_h if self.sojourn_max_h is not None else self.sojourn_min_h
            if hi < lo:
                raise FieldError("sojourn_max_h", hi, f"is below sojourn_min_h {lo}", relative=True)
            self.sojourn_min_h, self.sojourn_max_h = lo, hi
        return self

    @property
    def zero_duration(self) -> bool:
        """Whether the change is instantaneous."""
        return self.sojourn_max_h == 0.0


class Survival(_Strict):
    """Survival of a person in the water (see :mod:`sarex.drift.case.states`)."""

    water_temp_c: Optional[float] = Field(None, ge=-2.0, le=22.0)
    median_h: Optional[float] = Field(None, gt=0.0)
    weibull_shape: float = Field(2.0, gt=0.0)

    @model_validator(mode="after")
    def _one(self):
        if (self.water_temp_c is None) == (self.median_h is None):
            raise FieldError("water_temp_c", self.water_temp_c, "give water_temp_c or median_h (one of them)", relative=True)
        return self


class _Scenario(_Strict):
    name: str = Field(min_length=1)
    weight: float = Field(gt=0.0, le=1.0)
    objects: list[ObjectShare] = Field(min_length=1)
    state: list[State] = Field(default_factory=list)
    survival: Optional[Survival] = None

    @model_validator(mode="after")
    def _mixture(self):
        _sum_to_one([o.weight for o in self.objects], "objects.weight")
        classes = [o.class_ for o in self.objects]
        if len(set(classes)) != len(classes):
            raise FieldError("objects.class", classes, "are not unique", relative=True)
        names = [s.name for s in self.state]
        if len(set(names)) != len(names):
            raise FieldError("state.name", names, "are not unique", relative=True)
        if self.state:
            classes = [s.class_ for s in self.state]
            for i, o in enumerate(self.objects):
                if classes.count(o.class_) != 1:
                    raise FieldError(f"objects[{i}].class", o.class_, "must be the class of exactly one state (the chain's start)", relative=True)
            for i, s in enumerate(self.state):
                for j, b in enumerate(s.next):
                    if b.state not in names:
                        raise FieldError(f"state[{i}].next[{j}].state", b.state, f"is not a state ({', '.join(names)})", relative=True)
                if s.next:
                    _sum_to_one([b.weight for b in s.next], f"state[{i}].next.weight")
            _no_zero_cycle(self.state)
        return self


class PointScenario(_Scenario, PositionError):
    """A scenario starting at one position with its error."""

    type: Literal["point"]
    lon: Lon
    lat: Lat
    time: str
    end_time: Optional[str] = None

    _t = field_validator("time", "end_time")(_time)


class AreaScenario(_Scenario):
    """A scenario starting anywhere in an area."""

    type: Literal["area"]
    polygon: list[LonLat] = Field(min_length=3)
    time: str
    end_time: Optional[str] = None

    _t = field_validator("time", "end_time")(_time)
    _p = field_validator("polygon")(lambda v: [_check_lonlat(p) for p in v])


class Hazard(_Strict):
    """A hazard on a voyage and the probability of the incident there."""

    polygon: list[LonLat] = Field(min_length=3)
    factor: float = Field(gt=0.0)


class VoyageScenario(_Scenario):
    """A scenario starting somewhere along a voyage (incident position and time unknown)."""

    type: Literal["voyage"]
    departure: LonLat

    _dep = field_validator("departure")(lambda v: _check_lonlat(v))
    _wps = field_validator("waypoints")(lambda v: [_check_lonlat(p) for p in v])
    departure_time: str
    departure_end_time: Optional[str] = None
    waypoints: list[LonLat] = Field(min_length=1)
    arrival_time: Optional[str] = None
    speed_min_kn: Optional[float] = Field(None, gt=0.0)
    speed_cruise_kn: Optional[float] = Field(None, gt=0.0)
    speed_max_kn: Optional[float] = Field(None, gt=0.0)
    dwell_h: list[float] = Field(default_factory=list)
    legs: Literal["rhumb", "great-circle"] = "rhumb"
    distress_time: Optional[str] = None
    distress_end_time: Optional[str] = None
    hazard: list[Hazard] = Field(default_factory=list)

    _t = field_validator("departure_time", "departure_end_time", "arrival_time", "distress_time", "distress_end_time")(_time)


class DeadReckoningScenario(_Scenario):
    """A scenario starting from a dead-reckoned position."""

    type: Literal["dead-reckoning"]
    lon: Lon
    lat: Lat
    time: str
    until: str
    course_deg: float
    course_sd_deg: float = Field(ge=0.0, lt=180.0)
    speed_min_kn: float = Field(ge=0.0)
    speed_max_kn: float = Field(ge=0.0)
    radius_m: float = Field(0.0, ge=0.0)

    _t = field_validator("time", "until")(_time)


class Fix(PositionError):
    """A position fix with its error."""

    lon: Lon
    lat: Lat
    probability: float = Field(1.0, gt=0.0, le=1.0)


class BeaconScenario(_Scenario):
    """A scenario starting from distress-beacon fixes."""

    type: Literal["beacon"]
    fixes: list[Fix] = Field(min_length=1)
    time: str
    end_time: Optional[str] = None

    _t = field_validator("time", "end_time")(_time)

    @model_validator(mode="after")
    def _probabilities(self):
        _sum_to_one([f.probability for f in self.fixes], "fixes.probability")
        return self


class Station(_Strict):
    """A direction-finding station."""

    lon: Lon
    lat: Lat
    bearing_deg: float
    sd_deg: float = Field(gt=0.0, lt=45.0)
    min_range_nm: float = Field(0.0, ge=0.0)
    max_range_nm: float = Field(200.0, gt=0.0)


class BearingsScenario(_Scenario):
    """A scenario starting where direction-finding bearings cross."""

    type: Literal["bearings"]
    stations: list[Station] = Field(min_length=1)
    time: str
    end_time: Optional[str] = None

    _t = field_validator("time", "end_time")(_time)


Scenario = Annotated[
    Union[PointScenario, AreaScenario, VoyageScenario, DeadReckoningScenario, BeaconScenario, BearingsScenario],
    Field(discriminator="type"),
]


class Case(_Strict):
    """A case: weighted scenarios (see the module docstring and docs/cases.md)."""

    title: str = ""
    scenario: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights(self):
        _sum_to_one([s.weight for s in self.scenario], "scenario.weight")
        names = [s.name for s in self.scenario]
        if len(set(names)) != len(names):
            raise FieldError("scenario.name", names, "must be unique", relative=True)
        return self

    def weights(self) -> list[float]:
        """Normalised scenario weights."""
        w = [s.weight for s in self.scenario]
        return [x / sum(w) for x in w]


def _sum_to_one(w: list[float], what: str) -> None:
    total = sum(w)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise FieldError(what, w, f"sum to {total:g}, not 1 (within {WEIGHT_TOLERANCE})", relative=True)


def _no_zero_cycle(states: list[State]) -> None:
    """A cycle through states of zero duration would switch forever at one instant."""
    zero = {s.name: [b.state for b in s.next] for s in states if s.zero_duration}
    colour: dict[str, int] = {}

    def visit(a: str, path: list[str]) -> None:
        colour[a] = 1
        for b in zero.get(a, []):
            if b not in zero:
                continue
            if colour.get(b) == 1:
                raise FieldError("state", None, f"states {' -> '.join(path + [b])} form a cycle of zero duration", relative=True)
            if b not in colour:
                visit(b, path + [b])
        colour[a] = 2

    for a in zero:
        if a not in colour:
            visit(a, [a])


TYPES = ("point", "area", "voyage", "dead-reckoning", "beacon", "bearings")


def parse_case(data: dict, source: str = "case") -> Case:
    """Validate a parsed case (dict from TOML) or raise a one-line :class:`SarexInputError`."""
    for i, item in enumerate(data.get("scenario", []) if isinstance(data.get("scenario"), list) else []):
        if isinstance(item, dict) and item.get("type") not in TYPES:
            why = "missing (required)" if "type" not in item else f"must be one of {', '.join(TYPES)}"
            raise SarexInputError(field_message(source, f"scenario[{i}].type", item.get("type"), why, data))
    return validate(Case, data, source)


def load_case(path: str | Path) -> Case:
    """Read and validate a case file (TOML)."""
    return parse_case(read_toml(path, "case file"), str(path))


@dataclass(frozen=True)
class At:
    """Where in a case file a scenario is, for the errors found after validation (geometry, times)."""

    source: str
    index: int
    name: str

    def error(self, field: str, value, why: str) -> SarexInputError:
        """``FILE: scenario[i].FIELD: VALUE WHY (scenario 'NAME')`` (:func:`sarex.tomlfile.field_message`)."""
        path = f"scenario[{self.index}]" + (f".{field}" if field else "")
        return SarexInputError(field_message(self.source, path, value, why) + table_label("scenario", self.name))
