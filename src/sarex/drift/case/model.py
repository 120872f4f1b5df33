"""The case file: weighted ``[[scenario]]`` tables (TOML), validated with pydantic.

Field names are fixed (scripts and other tools write case files). Every error is one
line naming the file, the field (``scenario[2] 'On the fishing ground'.ellipse.semi_minor_m``)
and the value. Scenario weights must sum to 1 within 0.01 and are then normalised; so are
the ``objects`` mixture of each scenario, beacon fix probabilities and state branches.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sarex.drift.objects import get_object
from sarex.errors import SarexInputError
from sarex.times import to_epoch_s
from sarex.tomlfile import read_toml

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
        raise ValueError(f"{v!r} is not an ISO 8601 UTC time") from None
    return v


def _check_lonlat(p: LonLat) -> LonLat:
    lon, lat = p
    if not (-180.0 <= lon <= 360.0 and -90.0 <= lat <= 90.0) or not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"[{lon}, {lat}] is not a [lon, lat] position")
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
            raise ValueError(f"semi_minor_m {self.semi_minor_m} is larger than semi_major_m {self.semi_major_m}")
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
            raise ValueError(f"give one of radius_m, cep_m, ellipse (got {', '.join(given)})")
        return self


class Branch(_Strict):
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
            raise ValueError("a state with next states needs sojourn_min_h/sojourn_max_h or sojourn_mean_h")
        if uni and self.sojourn_mean_h is not None:
            raise ValueError("give sojourn_min_h/sojourn_max_h (uniform) or sojourn_mean_h (exponential), not both")
        if uni:
            lo = self.sojourn_min_h if self.sojourn_min_h is not None else self.sojourn_max_h
            hi = self.sojourn_max_h if self.sojourn_max_h is not None else self.sojourn_min_h
            if hi < lo:
                raise ValueError(f"sojourn_max_h {hi} is below sojourn_min_h {lo}")
            self.sojourn_min_h, self.sojourn_max_h = lo, hi
        return self

    @property
    def zero_duration(self) -> bool:
        return self.sojourn_max_h == 0.0


class Survival(_Strict):
    """Survival of a person in the water (see :mod:`sarex.drift.case.states`)."""

    water_temp_c: Optional[float] = Field(None, ge=-2.0, le=22.0)
    median_h: Optional[float] = Field(None, gt=0.0)
    weibull_shape: float = Field(2.0, gt=0.0)

    @model_validator(mode="after")
    def _one(self):
        if (self.water_temp_c is None) == (self.median_h is None):
            raise ValueError("give water_temp_c or median_h")
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
            raise ValueError(f"objects: classes {classes} are not unique")
        names = [s.name for s in self.state]
        if len(set(names)) != len(names):
            raise ValueError(f"state names {names} are not unique")
        if self.state:
            classes = [s.class_ for s in self.state]
            for o in self.objects:
                if classes.count(o.class_) != 1:
                    raise ValueError(f"objects: class {o.class_!r} must be the class of exactly one state (the chain's start)")
            for s in self.state:
                for b in s.next:
                    if b.state not in names:
                        raise ValueError(f"state {s.name!r}: next state {b.state!r} is not a state ({', '.join(names)})")
                if s.next:
                    _sum_to_one([b.weight for b in s.next], f"state {s.name!r} next.weight")
            _no_zero_cycle(self.state)
        return self


class PointScenario(_Scenario, PositionError):
    type: Literal["point"]
    lon: Lon
    lat: Lat
    time: str
    end_time: Optional[str] = None

    _t = field_validator("time", "end_time")(_time)


class AreaScenario(_Scenario):
    type: Literal["area"]
    polygon: list[LonLat] = Field(min_length=3)
    time: str
    end_time: Optional[str] = None

    _t = field_validator("time", "end_time")(_time)
    _p = field_validator("polygon")(lambda v: [_check_lonlat(p) for p in v])


class Hazard(_Strict):
    polygon: list[LonLat] = Field(min_length=3)
    factor: float = Field(gt=0.0)


class VoyageScenario(_Scenario):
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
    lon: Lon
    lat: Lat
    probability: float = Field(1.0, gt=0.0, le=1.0)


class BeaconScenario(_Scenario):
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
    lon: Lon
    lat: Lat
    bearing_deg: float
    sd_deg: float = Field(gt=0.0, lt=45.0)
    min_range_nm: float = Field(0.0, ge=0.0)
    max_range_nm: float = Field(200.0, gt=0.0)


class BearingsScenario(_Scenario):
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
            raise ValueError(f"scenario names must be unique (got {names})")
        return self

    def weights(self) -> list[float]:
        """Normalised scenario weights."""
        w = [s.weight for s in self.scenario]
        return [x / sum(w) for x in w]


def _sum_to_one(w: list[float], what: str) -> None:
    total = sum(w)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ValueError(f"{what}: {w} sum to {total:g}, not 1 (within {WEIGHT_TOLERANCE})")


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
                raise ValueError(f"states {' -> '.join(path + [b])} form a cycle of zero duration")
            if b not in colour:
                visit(b, path + [b])
        colour[a] = 2

    for a in zero:
        if a not in colour:
            visit(a, [a])


def parse_case(data: dict, source: str = "case") -> Case:
    """Validate a parsed case (dict from TOML) or raise a one-line :class:`SarexInputError`."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise SarexInputError(_one_line(source, data, exc)) from None


def load_case(path: str | Path) -> Case:
    """Read and validate a case file (TOML)."""
    return parse_case(read_toml(path, "case file"), str(path))


def _one_line(source: str, data: dict, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = list(err.get("loc", ()))
    parts: list[str] = []
    node = data
    for i, x in enumerate(loc):
        if isinstance(x, int) and isinstance(node, list):
            item = node[x] if x < len(node) else None
            label = f"[{x}]"
            if parts and parts[-1] == "scenario" and isinstance(item, dict) and "name" in item:
                label += f" {item['name']!r}"
            parts[-1] = (parts[-1] if parts else "") + label
            node = item
        else:
            # pydantic puts the union tag ('point') in the path of a discriminated union
            if i > 0 and isinstance(loc[i - 1], int) and parts and parts[-1].startswith("scenario[") and isinstance(node, dict) and node.get("type") == x:
                continue
            parts.append(str(x))
            node = node.get(x) if isinstance(node, dict) else None
    where = ".".join(parts)
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    typ = err.get("type")
    if typ == "missing":
        msg = "is required"
    elif typ == "extra_forbidden":
        msg = f"{err.get('input')!r}: is not a known field"
    elif typ == "union_tag_invalid":
        msg = f"type {err.get('input', {}).get('type') if isinstance(err.get('input'), dict) else err.get('input')!r} must be one of point, area, voyage, dead-reckoning, beacon, bearings"
    elif "input" in err and typ != "value_error" and not isinstance(err["input"], (dict, list)):
        msg = f"{err['input']!r}: {msg}"
    return f"{source}: {where}: {msg}" if where else f"{source}: {msg}"
