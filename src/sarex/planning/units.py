"""Search and rescue units (SRUs) and the unit catalogue file (TOML).

A catalogue lists the SRUs taking part in a search (or an exercise) and the
on-scene coordinator (OSC)::

    [coordination]
    osc = "KR-DDH-991"                  # id of one of the units below
    frequencies = ["VHF ch 16", "HF 8.364 MHz"]
    aco = "JP-P1-5501"                  # optional: aircraft coordinator (unit id or a centre)
    channels = {control = "HF 8.364 MHz", on_scene = "VHF ch 67", aco = "UHF 243.0 MHz", monitor = "VHF ch 16"}

    [[unit]]
    id = "KR-DDH-991"
    name = "ROKS Sejong the Great"
    nation = "KOR"                      # ISO 3166 alpha-3 (alpha-2 "KR" and "ROK" accepted)
    service = "ROK Navy"
    type = "surface-large"              # surface-small|surface-medium|surface-large|helicopter|fixed-wing
    search_speed_kn = 12
    transit_speed_kn = 20
    endurance_h = 240                   # from departure, including transits
    on_scene_h = 12                     # optional cap on time on task
    start = [129.05, 35.08]             # lon, lat of departure
    start_time = "2026-01-15T06:00Z"    # optional: ready to depart (default: plan start)
    search_object = "person-in-water"   # optional sweep-width category (default: from the drift object)
    sweep_width_nm = 0.6                # optional fixed sweep width, overrides the tables
    altitude_m = 150                    # aircraft only: search altitude
    turn_radius_m = 300
    mmsi = 440900001                    # exercises: AIS MMSI for replay
    track_name = "SEJONG"               # exercises: GPX track name / NMEA file stem, if not the id
    track_spacing_nm = 1.0              # exercises: planned track spacing for replay evaluation

Everything is validated on load; a bad field raises
:class:`~sarex.errors.SarexInputError` naming the file, the unit and the field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sarex.geo import KN_MS
from sarex.errors import SarexInputError
from sarex.nations import NationCode
from sarex.times import to_epoch_s
from sarex.tomlfile import FieldError, field_message, read_toml, validate

#: Platform kinds understood by the sweep-width tables (issue 4) and the planner.
UNIT_TYPES = ("surface-small", "surface-medium", "surface-large", "helicopter", "fixed-wing")
AIRCRAFT_TYPES = ("helicopter", "fixed-wing")

#: Practical minimum track spacing per platform type, NM (issue 32). Legs closer than this are not flown
#: whatever the coverage wanted: below it the navigation error of a visual search line (GNSS steering by hand,
#: the observer's scan) is as large as the spacing, so extra legs add little. Sources: CAP MART Vol. II
#: (mission aircrew reference text), Table 6-1: the POD tables for aircraft start at S = 0.5 NM; IAMSAR Vol. II
#: ch. 5 keeps S near the sweep width (REFERENCES §12). Helicopters fly slow enough to hold 0.3 NM; ships
#: 0.5 NM (about a cable's navigational accuracy at 10–15 kn and less than a destroyer's turn diameter).
MIN_SPACING_NM = {"fixed-wing": 0.5, "helicopter": 0.3, "surface-large": 0.5, "surface-medium": 0.5, "surface-small": 0.25}

#: Practical visual-search speed (kn) and altitude (ft) bands per aircraft type, as stated in plan.json and
#: docs/planning.md (CAP MART Vol. II ch. 8: day searches 1000–2000 ft AGL; IAMSAR Vol. II: helicopters low and
#: slow below the fixed-wing aircraft, REFERENCES §14). Ships search at their economical speed.
SEARCH_SPEED_KN = {"fixed-wing": (150.0, 250.0), "helicopter": (60.0, 100.0)}
SEARCH_ALT_FT = {"fixed-wing": (500.0, 2000.0), "helicopter": (300.0, 1000.0)}



#: Fastest plausible search or transit speed, kn (maritime patrol jets transit below 500 kn).
MAX_SPEED_KN = 600.0


class Unit(BaseModel):
    """One search and rescue unit (speeds in knots, times in hours at the file's edge)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = ""
    nation: NationCode = Field(description="ISO 3166 alpha-3 code (alpha-2 and aliases normalised on load).")
    service: str = ""
    type: str = Field(min_length=1)
    search_speed_kn: Optional[float] = None
    transit_speed_kn: Optional[float] = None
    endurance_h: Optional[float] = None
    on_scene_h: Optional[float] = None
    start: Optional[tuple[float, float]] = None
    start_time: Optional[str] = None
    search_object: Optional[str] = None
    sweep_width_nm: Optional[float] = None
    altitude_m: Optional[float] = None
    turn_radius_m: float = 0.0
    callsign: str = ""
    mmsi: Optional[int] = Field(default=None, ge=100000000, le=999999999, description="AIS MMSI for replay.")
    track_name: Optional[str] = Field(default=None, description="GPX track name or NMEA file stem, if not the id.")
    track_spacing_nm: Optional[float] = Field(default=None, gt=0.0, description="Planned track spacing (replay), NM.")

    @field_validator("search_speed_kn", "transit_speed_kn", "endurance_h", "on_scene_h", "sweep_width_nm", "altitude_m")
    @classmethod
    def _positive_optional(cls, v: Optional[float]) -> Optional[float]:
        if v is not None and not v > 0:
            raise ValueError("must be > 0")
        return v

    @field_validator("search_speed_kn", "transit_speed_kn")
    @classmethod
    def _plausible_speed(cls, v: Optional[float]) -> Optional[float]:
        if v is not None and v > MAX_SPEED_KN:
            raise ValueError(f"kn is faster than any search unit (at most {MAX_SPEED_KN:g} kn)")
        return v

    @field_validator("turn_radius_m")
    @classmethod
    def _non_negative(cls, v: float) -> float:
        if not v >= 0:
            raise ValueError("must be >= 0")
        return v

    @field_validator("start")
    @classmethod
    def _lonlat(cls, v: Optional[tuple[float, float]]) -> Optional[tuple[float, float]]:
        if v is None:
            return v
        lon, lat = v
        if not (-180.0 <= lon <= 360.0 and -90.0 <= lat <= 90.0):
            raise ValueError("must be [lon, lat] in degrees")
        return v

    @field_validator("start_time")
    @classmethod
    def _time(cls, v: Optional[str]) -> Optional[str]:
        if v is not None:
            to_epoch_s(v)  # raises SarexInputError on a bad time
        return v

    @model_validator(mode="after")
    def _plannable(self, info: ValidationInfo) -> "Unit":
        # A replay evaluation needs only id, nation and track facts; everything the
        # planner uses is checked unless the loader says the unit is not planned.
        if not (info.context or {}).get("replay_only"):
            self.check_plannable()
        return self

    def check_plannable(self) -> None:
        """Raise :class:`~sarex.tomlfile.FieldError` (field relative to the unit) if the planner cannot use the unit."""
        if self.type not in UNIT_TYPES:
            raise FieldError("type", self.type, f"is not a unit type (one of {', '.join(UNIT_TYPES)})", relative=True)
        for name in ("search_speed_kn", "transit_speed_kn", "endurance_h", "start"):
            if getattr(self, name) is None:
                raise FieldError(name, None, "missing (required for planning)", relative=True)
        if self.type in AIRCRAFT_TYPES and self.altitude_m is None:
            raise FieldError("altitude_m", None, "missing: aircraft need a search altitude", relative=True)

    @property
    def is_aircraft(self) -> bool:
        return self.type in AIRCRAFT_TYPES

    @property
    def search_speed_ms(self) -> float:
        return self.search_speed_kn * KN_MS

    @property
    def transit_speed_ms(self) -> float:
        return self.transit_speed_kn * KN_MS

    @property
    def endurance_s(self) -> float:
        return self.endurance_h * 3600.0

    @property
    def on_scene_s(self) -> Optional[float]:
        return None if self.on_scene_h is None else self.on_scene_h * 3600.0

    def ready_time_s(self, default_s: float) -> float:
        """When the unit can depart from ``start`` (epoch s); ``default_s`` when not given."""
        return default_s if self.start_time is None else to_epoch_s(self.start_time)


class Coordination(BaseModel):
    """On-scene coordinator and communications of the search."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    osc: Optional[str] = None
    smc: str = ""
    #: aircraft coordinator: a unit id or a coordination centre (default: the plan's first fixed-wing aircraft, else the SMC)
    aco: Optional[str] = None
    #: communications plan (IAMSAR SAP "communications"): channel per purpose, see :data:`CHANNELS`
    channels: dict[str, str] = Field(default_factory=dict)
    frequencies: list[str] = Field(default_factory=lambda: ["VHF ch 16 (156.8 MHz)", "HF 8.364 MHz"])
    reports: str = "Report on arrival on scene, every hour on task, on completion, and on any sighting."
    #: ``reports`` in other languages of the SAP message (ko, ja); the default's are built in
    reports_translated: dict[str, str] = Field(default_factory=dict)


    @field_validator("channels")
    @classmethod
    def _channels(cls, v: dict[str, str]) -> dict[str, str]:
        bad = sorted(set(v) - set(CHANNELS))
        if bad:
            raise ValueError(f"{bad[0]!r} is not a channel purpose (one of {', '.join(CHANNELS)})")
        return v


#: Purposes of the communications plan's channels (IAMSAR Vol. II SAP; MSC.1/Circ.1513 example radio plan).
CHANNELS = ("control", "on_scene", "aco", "monitor")


class UnitCatalogue(BaseModel):
    """The units of one search plus their coordination."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coordination: Coordination = Field(default_factory=Coordination)
    unit: list[Unit]

    @property
    def units(self) -> list[Unit]:
        return list(self.unit)

    def osc_unit(self) -> Optional[Unit]:
        return next((u for u in self.unit if u.id == self.coordination.osc), None)


def parse_catalogue(data: dict, source: str = "units") -> UnitCatalogue:
    """Validate a catalogue given as a dict (parsed TOML)."""
    if not isinstance(data.get("unit"), list) or not data["unit"]:
        raise SarexInputError(f"{source}: no [[unit]] entries")
    cat = validate(UnitCatalogue, data, source)
    seen: set[str] = set()
    for i, u in enumerate(cat.unit):
        if u.id in seen:
            raise SarexInputError(field_message(source, f"unit[{i}].id", u.id, "is a duplicate unit id", data))
        seen.add(u.id)
    osc = cat.coordination.osc
    if osc is not None and osc not in seen:
        raise SarexInputError(field_message(source, "coordination.osc", osc, "is not the id of a unit in the file"))
    return cat


def load_units(path: str | Path) -> UnitCatalogue:
    """Read and validate a unit catalogue (TOML)."""
    return parse_catalogue(read_toml(path), str(path))


def example_catalogue_path() -> Path:
    """Path of the built-in Korea–Japan SAREX example catalogue."""
    return Path(str(resources.files("sarex.data") / "korea_japan_units.toml"))


def example_catalogue() -> UnitCatalogue:
    """The built-in Korea–Japan SAREX example catalogue."""
    return load_units(example_catalogue_path())
