"""The exercise scenario file (TOML): who takes part, what was reported, and the hidden truth.

An exercise has two audiences. Participants (rescue centres, on-scene
coordinator, units) see the *reported* last known position (LKP), the forecast
environment, the units and the search periods. Evaluators additionally know the
*truth*: what the object really is, where and when it really went into the
water, and the environment it really drifted in. The truth lives in its own
``[truth]`` section; :meth:`Scenario.participant_view` drops it, and every
participant-facing output is built from that view only.

Layout (see ``sarex/data/korea_japan_sarex.toml`` for a full example)::

    name = "..."
    on_scene_coordinator = "ROK-DDH-1"      # a unit id
    [[nations]]  code (ISO 3166 alpha-3; KR/ROK, JP normalised), name, rescue_centre
    [reported]   lon, lat, time, radius_m, object_class, summary
    [forecast]   synthetic = true, variant = 1      (or file = "forecast.nc")
    [[units]]    id, nation, type, name, ...        (or units_file = a unit catalogue, [[unit]])
    [[periods]]  start, duration_h
    [stopping]   on_detection, max_periods, max_hours
    [truth]      object_class, lon, lat, time     (or from_case/scenario/object/seed)
    [[scenario]] optional: the distress as a case (:mod:`sarex.exercise.casescenario`)
    [truth.environment]  synthetic = true, variant = 7   (or file = "truth.nc")

Units are the planning catalogue's :class:`~sarex.planning.units.Unit` (one unit
model: speeds, endurance, sensors and the exercise facts AIS MMSI, track name,
track spacing); nations are :class:`~sarex.nations.Nation` (one registry).
Files are read and errors formatted by :mod:`sarex.tomlfile`.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter, ValidationError, field_validator, model_validator

from sarex.errors import SarexInputError
from sarex.exercise.msel import Objective, ScriptedInject, check_msel
from sarex.nations import Nation, nation_code
from sarex.planning.units import CHANNELS, Unit
from sarex.times import iso, to_epoch_s
from sarex.tomlfile import FieldError, describe, field_message, read_toml

#: Name accepted in place of a path for the packaged Korea–Japan scenario.
BUILTIN_SCENARIOS = {"korea-japan": "korea_japan_sarex.toml"}



def _epoch(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if not isinstance(v, str):
        raise ValueError("is not an ISO 8601 time string")
    try:
        return to_epoch_s(v)
    except SarexInputError as exc:  # keep the reason (no zone, not a time), drop the generic "time:" prefix
        raise ValueError(str(exc).removeprefix(f"time: {v!r} ").removeprefix("time: ")) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Timed(_Strict):
    """Mixin: a ``time`` field parsed as ISO 8601 UTC and stored as float seconds since epoch."""

    @field_validator("time", mode="before", check_fields=False)
    @classmethod
    def _parse_time(cls, v: Any) -> float:
        return _epoch(v)


class Position(_Timed):
    """A position and time (degrees, seconds since epoch)."""

    lon: float = Field(ge=-180.0, le=360.0)
    lat: float = Field(ge=-90.0, le=90.0)
    time: float


class Reported(Position):
    """The reported last known position, as participants receive it."""

    radius_m: float = Field(ge=0.0, description="Position uncertainty (1 standard deviation), m.")
    object_class: str = Field(description="Leeway class the participants are told to search for.")
    summary: str = ""

    @field_validator("object_class")
    @classmethod
    def _known_class(cls, v: str) -> str:
        return _check_object(v)


class EnvironmentSpec(_Strict):
    """Where wind and current come from: the built-in synthetic field (a variant of it) or a CF-NetCDF file."""

    synthetic: bool = False
    variant: int | None = Field(default=None, ge=0, le=2**31 - 1, description="Synthetic variant (None = reference field; else a whole number >= 0).")
    file: Path | str | None = None  #: a CF-NetCDF file, or an OPeNDAP ``http(s)://`` / ``file://`` URL (kept as text)

    @field_validator("file", mode="before")
    @classmethod
    def _file_or_url(cls, v: Any) -> Any:
        from sarex.environment.remote import is_url

        # a URL stays text (a Path folds its '//'); anything else is a path
        return v if v is None or is_url(v) else Path(v)

    @model_validator(mode="after")
    def _one_source(self) -> "EnvironmentSpec":
        if self.synthetic == (self.file is not None):
            raise ValueError("give either synthetic = true (with an optional variant) or file = PATH")
        if self.variant is not None and not self.synthetic:
            raise ValueError("variant is only meaningful with synthetic = true")
        return self

    def describe(self) -> str:
        """One line for reports."""
        if self.synthetic:
            return "synthetic Korea Strait" + ("" if self.variant is None else f" variant {self.variant}")
        return str(self.file)


class Period(_Strict):
    """One search period."""

    start: float
    duration_h: float = Field(gt=0.0, le=24.0)

    @field_validator("start", mode="before")
    @classmethod
    def _parse_start(cls, v: Any) -> float:
        return _epoch(v)

    @property
    def end(self) -> float:
        """End of the period, s since epoch."""
        return self.start + self.duration_h * 3600.0


class Communications(_Strict):
    """The communications plan (IAMSAR SAP "communications"; MSC.1/Circ.1513 radio plan): channel per purpose,
    call signs per unit, and the aircraft coordinator (a unit id or a coordination centre)."""

    channels: dict[str, str] = Field(default_factory=dict, description=f"purpose ({', '.join(CHANNELS)}) -> channel")
    callsigns: dict[str, str] = Field(default_factory=dict, description="unit id -> call sign")
    aircraft_coordinator: str | None = Field(default=None, max_length=100)

    @field_validator("channels")
    @classmethod
    def _purposes(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted(set(v) - set(CHANNELS))
        if bad:
            raise ValueError(f"{bad[0]!r} is not a channel purpose (one of {', '.join(CHANNELS)})")
        if any(not isinstance(x, str) or not 0 < len(x) <= 100 for x in v.values()):
            raise ValueError("a channel is 1 to 100 characters")
        return v

    @field_validator("callsigns")
    @classmethod
    def _signs(cls, v: dict[str, str]) -> dict[str, str]:
        if any(not isinstance(x, str) or not 0 < len(x) <= 40 for x in v.values()):
            raise ValueError("a call sign is 1 to 40 characters")
        return v


class Stopping(_Strict):
    """When the exercise ends: on detection, after a number of periods, or after hours since the LKP."""

    on_detection: bool = True
    max_periods: int | None = Field(default=None, ge=1)
    max_hours: float | None = Field(default=None, gt=0.0, description="Hours after the reported LKP time.")


class Conditions(_Strict):
    """On-scene weather for the sweep widths (IAMSAR Vol. II ch. 4: visibility, weather and fatigue corrections)."""

    visibility_nm: float = Field(default=10.0, gt=0.0, description="Meteorological visibility, NM.")
    wind_kn: float = Field(default=0.0, ge=0.0, description="Surface wind for the weather correction fw, kn.")
    sea_m: float = Field(default=0.0, ge=0.0, description="Significant wave height for fw, m.")
    weather_factor: float | None = Field(default=None, gt=0.0, le=1.0, description="fw given directly (overrides wind/sea).")
    fatigue: bool = Field(default=False, description="Crews fatigued: ff = 0.9.")

    def weather_factor_for(self, object_class: str) -> float:
        """fw for a Leeway object class: the given factor, else IAMSAR's table from wind and sea."""
        if self.weather_factor is not None:
            return float(self.weather_factor)
        from sarex.search.sweepwidth import search_object_for_leeway, weather_correction

        return float(weather_correction(search_object_for_leeway(object_class), self.wind_kn, self.sea_m))


class Truth(Position):
    """The hidden truth: the real object, its real entry into the water, the real environment."""

    object_class: str
    environment: EnvironmentSpec
    #: the case scenario the truth was drawn from (an exercise whose distress is a case)
    case_scenario: str | None = None
    #: a dummy (or a real object) is at sea: only a sighting report detects it; without one the
    #: played evaluation draws a simulated detection on the sailed tracks' POD (issue 28)
    dummy_at_sea: bool = False

    @field_validator("object_class")
    @classmethod
    def _known_class(cls, v: str) -> str:
        return _check_object(v)


class _ScenarioBase(_Strict):
    _source: Path | None = PrivateAttr(default=None)
    name: str = Field(min_length=1)
    description: str = ""
    on_scene_coordinator: str = Field(min_length=1, description="Unit id of the OSC.")
    nations: list[Nation] = Field(min_length=1)
    reported: Reported
    forecast: EnvironmentSpec
    units: list[Unit] = Field(default_factory=list)
    units_file: Path | None = None
    periods: list[Period] = Field(min_length=1)
    stopping: Stopping = Stopping()
    conditions: Conditions = Conditions()
    communications: Communications = Communications()
    _case: Any = PrivateAttr(default=None)

    @property
    def case(self) -> Any:
        """The case (:class:`sarex.drift.case.Case`) of the ``[[scenario]]`` tables, or None (a reported LKP)."""
        return self._case

    @model_validator(mode="after")
    def _consistent(self) -> "_ScenarioBase":
        codes = [n.code for n in self.nations]
        if len(set(codes)) != len(codes):
            raise FieldError("nations", codes, "nation codes must be unique")
        if self.units and self.units_file is not None:
            raise FieldError("units_file", str(self.units_file), "give units inline or units_file, not both")
        if not self.units and self.units_file is None:
            raise FieldError("units", [], "give at least one [[units]] table or units_file = PATH")
        if self.units:
            _check_units(self.units, codes, self.on_scene_coordinator, "units")
            ids = {u.id for u in self.units}
            unknown = sorted(set(self.communications.callsigns) - ids)
            if unknown:
                raise FieldError(f"communications.callsigns.{unknown[0]}", unknown[0], "is not the id of a unit of the scenario")
        for i, p in enumerate(self.periods):
            if i == 0 and p.start < self.reported.time:
                raise FieldError("periods[0].start", iso(p.start), f"is before the reported LKP time {iso(self.reported.time)}")
            if i > 0 and p.start < self.periods[i - 1].end - 1e-6:
                raise FieldError(f"periods[{i}].start", iso(p.start), f"overlaps the previous period (ends {iso(self.periods[i - 1].end)})")
        return self

    @property
    def end_time_s(self) -> float:
        """Latest time the exercise can run to (end of the last allowed period, capped by max_hours), s."""
        periods = self.periods[: self.stopping.max_periods] if self.stopping.max_periods else self.periods
        end = periods[-1].end
        if self.stopping.max_hours is not None:
            end = min(end, self.reported.time + self.stopping.max_hours * 3600.0)
        return end

    def nation(self, code: str) -> Nation:
        """The nation with this code (any accepted form of it)."""
        key = nation_code(code)
        return next(n for n in self.nations if n.code == key)

    @property
    def source(self) -> Path | None:
        """The file the scenario was read from."""
        return self._source

    def plannable_units(self) -> list[Unit]:
        """:meth:`resolved_units`, each checked for planning; the first unit the planner cannot use is an error."""
        units = self.resolved_units()
        source, key = (self.source or "scenario", "units") if self.units else (self.units_file, "unit" if "unit" in read_toml(self.units_file) else "units")
        for i, u in enumerate(units):
            try:
                u.check_plannable()
            except FieldError as exc:
                raise SarexInputError(field_message(source, f"{key}[{i}].{exc.field}", exc.value, exc.why, {key: [{"id": v.id} for v in units]})) from None
        return units

    def resolved_units(self) -> list[Unit]:
        """Inline units, or those of ``units_file`` (read and checked here)."""
        if self.units:
            return list(self.units)
        return load_units_file(self.units_file, [n.code for n in self.nations], self.on_scene_coordinator)


class ParticipantScenario(_ScenarioBase):
    """What participants may see: the scenario without its truth; also a real case, which has none."""

    def participant_view(self) -> "ParticipantScenario":
        """The scenario without its truth, as participants receive it."""
        return self


class Scenario(_ScenarioBase):
    """A full exercise scenario, truth included (evaluators only)."""

    truth: Truth
    #: exercise control's master scenario events list and objectives (:mod:`sarex.exercise.msel`)
    inject: list[ScriptedInject] = Field(default_factory=list)
    objective: list[Objective] = Field(default_factory=list)

    @model_validator(mode="after")
    def _truth_consistent(self) -> "Scenario":
        if self.truth.time > self.periods[0].start:
            raise FieldError("truth.time", iso(self.truth.time), f"is after the first search period starts ({iso(self.periods[0].start)})")
        if self.inject or self.objective:
            try:
                check_msel(self.inject, self.objective, {u.id for u in self.resolved_units()}, {n.code for n in self.nations})
            except ValueError as exc:
                raise FieldError("inject", len(self.inject), str(exc)) from None
        return self

    def participant_view(self) -> ParticipantScenario:
        """The scenario without the ``[truth]`` section, the MSEL and the objectives (safe to give to participants)."""
        data = self.model_dump(exclude={"truth", "inject", "objective"})
        pv = ParticipantScenario.model_validate(data, context=_LOAD)
        pv._case = self._case  # what is reported: participants' side
        pv._source = self._source
        return pv


def _check_object(key: str) -> str:
    from sarex.drift.objects import get_object

    try:
        get_object(key)
    except SarexInputError as exc:
        raise ValueError(str(exc)) from None
    return key


def _check_units(units: list[Unit], codes: list[str], osc: str, where: str) -> None:
    ids = [u.id for u in units]
    for i, u in enumerate(units):
        if u.nation not in codes:
            raise FieldError(f"{where}[{i}].nation", u.nation, f"is not one of the scenario's nations ({', '.join(codes)})")
        if ids.count(u.id) > 1:
            raise FieldError(f"{where}[{i}].id", u.id, "is not unique")
    mmsis = [u.mmsi for u in units if u.mmsi is not None]
    if len(set(mmsis)) != len(mmsis):
        raise FieldError(f"{where}.mmsi", mmsis, "MMSIs must be unique")
    if osc not in ids:
        raise FieldError("on_scene_coordinator", osc, f"is not a unit id ({', '.join(ids)})")


_UNITS = TypeAdapter(list[Unit])
#: Units are checked for planning only when planned (``plannable_units``): replay needs less.
_LOAD = {"replay_only": True}


def load_units_file(path: Path, nation_codes: list[str], osc: str) -> list[Unit]:
    """The units of a units file: a unit catalogue (``[[unit]]``, as shipped) or ``[[units]]`` tables.

    A catalogue's ``[coordination]`` is the planner's; the scenario names its own OSC.
    """
    path = Path(path)
    if not path.is_file():
        raise SarexInputError(f"units_file: {str(path)!r} does not exist")
    raw = read_toml(path)
    key = "unit" if "unit" in raw else "units"
    tables = raw.get(key)
    if not isinstance(tables, list) or not tables:
        raise SarexInputError(f"{path}: unit: missing; expected one or more [[unit]] tables (a unit catalogue)")
    try:
        units = _UNITS.validate_python(tables, context=_LOAD)
        _check_units(units, nation_codes, osc, key)
    except (ValidationError, FieldError) as exc:
        raise SarexInputError(describe(path, exc, {key: tables}, (key,))) from None
    return units


def builtin_scenario_path(name: str = "korea-japan") -> Path:
    """Path of a packaged scenario."""
    return Path(str(resources.files("sarex.data").joinpath(BUILTIN_SCENARIOS[name])))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (or the name of a built-in one, e.g. ``korea-japan``).

    Relative file paths inside (``units_file``, environment ``file``) are taken
    relative to the scenario file. Raises :class:`SarexInputError` naming file,
    field, value and why.
    """
    p = Path(path)
    if not p.exists() and str(path) in BUILTIN_SCENARIOS:
        p = builtin_scenario_path(str(path))
    if not p.is_file():
        raise SarexInputError(f"{p}: no such scenario file (or built-in name: {', '.join(BUILTIN_SCENARIOS)})")
    return parse_scenario(read_toml(p), p)


def parse_scenario(raw: dict[str, Any], source: Path, *, require_truth: bool = True) -> "Scenario | ParticipantScenario":
    """Validate a scenario given as a dict (from TOML); ``source`` names the file in messages.

    A real case has no ``[truth]``: with ``require_truth=False`` such a file gives a
    :class:`ParticipantScenario` (everything but the truth, no ``truth`` attribute at all); with a
    truth it is still a :class:`Scenario`.
    """
    from sarex.exercise.casescenario import split_case

    raw, case = split_case(dict(raw), source)
    base = source.parent
    if isinstance(raw.get("units_file"), str):
        raw["units_file"] = _relative(base, raw["units_file"])
    for where in ("forecast",):
        if isinstance(raw.get(where), dict) and isinstance(raw[where].get("file"), str):
            raw[where] = {**raw[where], "file": _relative(base, raw[where]["file"])}
    truth = raw.get("truth")
    if isinstance(truth, dict) and isinstance(truth.get("environment"), dict) and isinstance(truth["environment"].get("file"), str):
        raw["truth"] = {**truth, "environment": {**truth["environment"], "file": _relative(base, truth["environment"]["file"])}}
    cls = Scenario if require_truth or "truth" in raw else ParticipantScenario
    try:
        sc = cls.model_validate(raw, context=_LOAD)
        sc._source = source
        sc._case = case
    except (ValidationError, FieldError) as exc:
        raise SarexInputError(describe(source, exc, raw)) from None
    specs = [("forecast", sc.forecast)] + ([("truth.environment", sc.truth.environment)] if isinstance(sc, Scenario) else [])
    for where, spec in specs:
        if spec.file is not None and isinstance(spec.file, Path) and not spec.file.is_file():
            raise SarexInputError(f"{source}: {where}.file: {str(spec.file)!r} does not exist")
    if sc.units_file is not None:
        try:
            sc.resolved_units()
        except SarexInputError as exc:
            raise SarexInputError(f"{source}: {exc}") from None
    return sc


def _relative(base: Path, value: str) -> str:
    from sarex.environment.remote import is_url

    if is_url(value):
        return value
    q = Path(value).expanduser()
    return str(q if q.is_absolute() else base / q)


def environment_window(sc: Scenario) -> tuple[float, float]:
    """The time span any environment of the exercise must cover: earliest of LKP/truth to the exercise end, s."""
    return min(sc.reported.time, sc.truth.time), sc.end_time_s


def check_environments(sc: Scenario, coast: bool = True) -> None:
    """Check that both environments cover the positions and times the exercise needs.

    Opens files (cheap, lazy) and evaluates the synthetic domain; with ``coast``
    also checks that the reported and the true positions are at sea (GSHHG).
    Raises :class:`SarexInputError` naming the scenario file, the field and the value.
    """
    from sarex.environment.synthetic import LAT_RANGE, LON_RANGE

    src = sc.source or Path("scenario")
    t0, t1 = environment_window(sc)
    checks = (
        ("truth", sc.truth.environment, sc.truth.lon, sc.truth.lat, sc.truth.time),
        ("reported", sc.forecast, sc.reported.lon, sc.reported.lat, sc.reported.time),
    )
    for where, spec, lon, lat, t in checks:
        field = "truth.environment" if where == "truth" else "forecast"
        if spec.synthetic:
            if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
                raise SarexInputError(
                    f"{src}: {where}.lon/lat: ({lon}, {lat}) is outside the synthetic Korea Strait domain "
                    f"lon {LON_RANGE[0]}..{LON_RANGE[1]}, lat {LAT_RANGE[0]}..{LAT_RANGE[1]}"
                )
            if (t1 - t0) / 86400.0 > 59.0:
                raise SarexInputError(f"{src}: periods: the exercise spans {(t1 - t0) / 86400.0:.1f} days; the synthetic field allows 59")
            continue
        env = open_spec(spec)
        a, b = env.time_range()
        if not (a - 1e-6 <= t <= b + 1e-6):
            raise SarexInputError(f"{src}: {where}.time: {iso(t)!r} is outside {field}.file {spec.file} ({iso(a)} to {iso(b)})")
        if t1 > b + 1e-6:
            raise SarexInputError(f"{src}: periods: the exercise runs until {iso(t1)} but {field}.file {spec.file} ends at {iso(b)}")
        from sarex.errors import OutsideDomainError

        try:
            env.sample(np.array([lon]), np.array([lat]), t)
        except OutsideDomainError as exc:
            raise SarexInputError(f"{src}: {where}.lon/lat: ({lon}, {lat}) outside {field}.file: {exc}") from None
    if coast:
        from sarex.environment.coast import Coastline

        pts = {"reported": (sc.reported.lon, sc.reported.lat), "truth": (sc.truth.lon, sc.truth.lat)}
        lons = [p[0] for p in pts.values()]
        lats = [p[1] for p in pts.values()]
        land = Coastline(bbox=(min(lons) - 0.5, min(lats) - 0.5, max(lons) + 0.5, max(lats) + 0.5))
        for where, (lon, lat) in pts.items():
            if land.on_land(np.array([lon]), np.array([lat]))[0]:
                raise SarexInputError(f"{src}: {where}.lon/lat: ({lon}, {lat}) is on land (GSHHG)")


def open_spec(spec: EnvironmentSpec, t0: float | None = None, t1: float | None = None, outside: str = "error"):
    """Build the :class:`~sarex.environment.Environment` an :class:`EnvironmentSpec` names.

    For the synthetic field, ``t0``/``t1`` (s since epoch) give the span to cover.
    """
    if spec.synthetic:
        from sarex.environment.synthetic import korea_strait_environment

        if t0 is None or t1 is None:
            raise ValueError("t0 and t1 are needed for a synthetic environment")
        days = max(1.0, math.ceil((t1 - t0 + 7200.0) / 86400.0 * 4) / 4)
        return korea_strait_environment(iso(t0), days=days, variant=spec.variant, outside=outside)
    from sarex.environment.cf import open_environment

    return open_environment(spec.file, outside=outside)
