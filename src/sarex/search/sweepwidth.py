"""Sweep widths after the IAMSAR Manual Vol. II, Appendix N.

Corrected sweep width ``W = W0 · fw · fv · ff`` (REFERENCES §3): W0 uncorrected
from the tables (by search object, platform, altitude and visibility), fw the
weather correction, fv the aircraft speed correction and ff = 0.9 for fatigued
crews. Table data: ``sarex/data/sweep_widths.csv`` and
``sarex/data/sweep_width_speed_corrections.csv`` (sources in their headers).

Lookup rules (where the tables have no entry):

* visibility: linear between tabulated visibilities; below the first, linear
  down to W = 0 at visibility 0; beyond the last (30 nm) an error, not a clamp;
* altitude (aircraft): linear between 150, 300 and 600 m, default 300 m; outside
  them an error (no table value, and clamping would hide it);
* object size: an object not tabulated for a platform is interpolated linearly
  in size (persons for rafts, feet for boats and ships) between tabulated rows
  of the same family, clamped at the ends (a 40-person raft uses the 25-person
  row, the largest IAMSAR tabulates);
* the merchant-vessel table (``surface-large``) has no sail boats, ships, or
  rafts below 4 persons; those use the 14 ft eye-height (``surface-medium``) table;
* fv: linear in speed between tabulated speeds, clamped; 1 for surface vessels.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from importlib import resources

import numpy as np

from sarex.errors import SarexInputError

PLATFORMS = ("surface-small", "surface-medium", "surface-large", "helicopter", "fixed-wing")
AIRCRAFT = ("helicopter", "fixed-wing")
ALTITUDES_M = (150.0, 300.0, 600.0)
DEFAULT_ALTITUDE_M = 300.0
FATIGUE_FACTOR = 0.9

SEARCH_OBJECTS = (
    "piw",
    "raft-1", "raft-4", "raft-6", "raft-8", "raft-10", "raft-15", "raft-20", "raft-25", "raft-40",
    "power-boat-15ft", "power-boat-20ft", "power-boat-33ft", "power-boat-53ft", "power-boat-78ft",
    "sail-boat-15ft", "sail-boat-20ft", "sail-boat-25ft", "sail-boat-30ft", "sail-boat-40ft",
    "sail-boat-50ft", "sail-boat-70ft", "sail-boat-83ft",
    "ship-120ft", "ship-225ft", "ship-300ft",
)

_KEY = re.compile(r"^(piw|raft|power-boat|sail-boat|ship)(?:-(\d+)(?:ft)?)?$")


def _family_size(obj: str) -> tuple[str, float]:
    m = _KEY.match(obj)
    if not m:
        raise SarexInputError(f"search object: {obj!r} is not one of {', '.join(SEARCH_OBJECTS)}")
    return m.group(1), float(m.group(2) or 0)


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict]:
    """W0 rows {(platform, altitude_m): {(family, size): (vis array, W array)}} and fv rows."""
    text = resources.files("sarex.data").joinpath("sweep_widths.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))]
    w0: dict = {}
    for r in rows:
        alt = float(r["altitude_m"]) if r["altitude_m"] else 0.0
        vis, val = [], []
        for k, v in r.items():
            if k.startswith("vis_") and v not in ("", None):
                vis.append(float(k[4:]))
                val.append(float(v))
        w0.setdefault((r["platform"], alt), {})[_family_size(r["search_object"])] = (np.array(vis), np.array(val))
    text = resources.files("sarex.data").joinpath("sweep_width_speed_corrections.csv").read_text(encoding="utf-8")
    fv: dict = {}
    for r in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        fv.setdefault(r["platform"], {})[_family_size(r["search_object"])] = (
            np.array([float(v) for v in r["speeds_kn"].split()]),
            np.array([float(v) for v in r["factors"].split()]),
        )
    return w0, fv


def _by_size(rows: dict, family: str, size: float, x: float, fn) -> float | None:
    """Value of ``fn(row)`` for (family, size), interpolated in size between tabulated rows."""
    sizes = sorted(s for (f, s) in rows if f == family)
    if not sizes:
        return None
    if size <= sizes[0]:
        return fn(rows[(family, sizes[0])], x)
    if size >= sizes[-1]:
        return fn(rows[(family, sizes[-1])], x)
    k = int(np.searchsorted(sizes, size))
    s0, s1 = sizes[k - 1], sizes[k]
    v0, v1 = fn(rows[(family, s0)], x), fn(rows[(family, s1)], x)
    return v0 + (v1 - v0) * (size - s0) / (s1 - s0)


def _at_visibility(row, vis_nm: float) -> float:
    vis, val = row
    if vis_nm < vis[0]:
        return float(val[0] * vis_nm / vis[0])
    return float(np.interp(vis_nm, vis, val))


def _at_speed(row, speed_kn: float) -> float:
    sp, fac = row
    return float(np.interp(speed_kn, sp, fac))


def uncorrected_sweep_width_nm(search_object: str, platform: str, altitude_m: float | None = None, visibility_nm: float = 10.0) -> float:
    """W0 from the IAMSAR tables, nm (see module docstring for interpolation)."""
    if platform not in PLATFORMS:
        raise SarexInputError(f"platform: {platform!r} is not one of {', '.join(PLATFORMS)}")
    family, size = _family_size(search_object)
    check_visibility(visibility_nm)
    w0, _ = _tables()
    if platform in AIRCRAFT:
        alt = DEFAULT_ALTITUDE_M if altitude_m is None else float(altitude_m)
        if not (alt > 0.0) or not math.isfinite(alt):
            raise SarexInputError(f"altitude: {altitude_m} m must be > 0")
        if not ALTITUDES_M[0] <= alt <= ALTITUDES_M[-1]:
            # Clamping would give a 600 m sweep width to an aircraft at 10 000 m without a word.
            raise SarexInputError(
                f"altitude: {alt:g} m is outside the IAMSAR sweep-width tables ({ALTITUDES_M[0]:g}–{ALTITUDES_M[-1]:g} m, 500–2000 ft); "
                f"give the unit a sweep_width_nm or an altitude inside the tables"
            )
        vals = [_by_size(w0[(platform, a)], family, size, visibility_nm, _at_visibility) for a in ALTITUDES_M]
        return float(np.interp(alt, ALTITUDES_M, vals))
    rows = w0[(platform, 0.0)]
    sizes = [s for (f, s) in rows if f == family]
    if not sizes or size < min(sizes):
        # family or size not in this table (merchant table): use the 14 ft eye-height table
        rows = w0[("surface-medium", 0.0)]
    return float(_by_size(rows, family, size, visibility_nm, _at_visibility))


def check_visibility(visibility_nm: float) -> None:
    """Refuse a visibility outside (0, 30] nm, the range of the IAMSAR tables (a condition of the search, not of a unit)."""
    if not (visibility_nm > 0.0) or not math.isfinite(visibility_nm):
        raise SarexInputError(f"visibility: {visibility_nm} nm must be > 0")
    w0, _ = _tables()
    vmax = max(float(r[0][-1]) for t in w0.values() for r in t.values())
    if visibility_nm > vmax:
        raise SarexInputError(f"visibility: {visibility_nm:g} nm is beyond the IAMSAR sweep-width tables (up to {vmax:g} nm); give at most {vmax:g}")


def speed_correction(search_object: str, platform: str, speed_kn: float | None) -> float:
    """Aircraft velocity correction fv (1 for surface vessels or unknown speed)."""
    if platform not in AIRCRAFT or speed_kn is None:
        return 1.0
    if not (speed_kn > 0.0) or not math.isfinite(speed_kn):
        raise SarexInputError(f"speed: {speed_kn} kn must be > 0")
    family, size = _family_size(search_object)
    _, fv = _tables()
    return float(_by_size(fv[platform], family, size, speed_kn, _at_speed))


def is_small_object(search_object: str) -> bool:
    """IAMSAR's weather-correction class 'person in water, raft or boat < 10 m (33 ft)'."""
    family, size = _family_size(search_object)
    return family in ("piw", "raft") or (family in ("power-boat", "sail-boat") and size < 30.0)


def weather_correction(search_object: str, wind_kn: float = 0.0, sea_m: float = 0.0) -> float:
    """IAMSAR weather correction fw from wind (kn) and sea height (m).

    Winds 0–15 kn and seas 0–1 m: 1.0; winds 15–25 kn or seas 1–1.5 m: 0.5 for small
    objects (person in water, rafts, boats < 10 m), 0.9 otherwise; stronger: 0.25 / 0.9.
    """
    small = is_small_object(search_object)
    if wind_kn > 25.0 or sea_m > 1.5:
        return 0.25 if small else 0.9
    if wind_kn > 15.0 or sea_m > 1.0:
        return 0.5 if small else 0.9
    return 1.0


def sweep_width_nm(
    search_object: str,
    platform: str,
    altitude_m: float | None = None,
    visibility_nm: float = 10.0,
    weather_factor: float = 1.0,
    fatigue: bool = False,
    speed_kn: float | None = None,
) -> float:
    """Corrected sweep width ``W = W0·fw·fv·ff``, nautical miles.

    Parameters
    ----------
    search_object
        One of :data:`SEARCH_OBJECTS` (see :func:`search_object_for_leeway`).
    platform
        One of :data:`PLATFORMS`.
    altitude_m
        Search altitude of aircraft, m (default 300 m; ignored for vessels).
    visibility_nm
        Meteorological visibility, nm.
    weather_factor
        fw in (0, 1] (see :func:`weather_correction`).
    fatigue
        Apply ff = 0.9.
    speed_kn
        Aircraft search speed, kn (fv); ``None`` for fv = 1.
    """
    if not (0.0 < weather_factor <= 1.0):
        raise SarexInputError(f"weather factor: {weather_factor} must be in (0, 1]")
    w = uncorrected_sweep_width_nm(search_object, platform, altitude_m, visibility_nm)
    w *= weather_factor * speed_correction(search_object, platform, speed_kn) * (FATIGUE_FACTOR if fatigue else 1.0)
    if not (w > 0.0):
        raise SarexInputError(
            f"sweep width: the IAMSAR table gives 0 nm for {search_object} from {platform} at visibility {visibility_nm:g} nm (no detection expected)"
        )
    return w


# Leeway object class (OpenDrift / Allen & Plourde keys) -> IAMSAR search object. Where
# a Leeway class spans sizes, the smaller (more conservative) sweep width is chosen;
# objects IAMSAR does not tabulate (debris, drums, medical waste, beacons) use the person
# in water row, the smallest tabulated object.
_LEEWAY_PREFIX = (
    ("PIW-", "piw"),
    ("LIFE-RAFT-DB-1", "raft-4"),  # DB-10..17: 4-14 persons or unknown capacity
    ("LIFE-RAFT-NB-", "raft-4"),
    ("LIFE-RAFT-SB-", "raft-4"),
    ("OVATEK-CRAFT-", "raft-4"),
    ("SKIFF-", "power-boat-15ft"),
    ("FISHING-VESSEL-", "power-boat-53ft"),
    ("SAILBOAT-", "sail-boat-30ft"),
    ("BAIT-BOX-", "piw"),
    ("MED-WASTE-", "piw"),
    ("CONTAINER-", "power-boat-20ft"),
    ("REFUGEE-RAFT-", "raft-10"),
)
_LEEWAY_EXACT = {
    "LIFE-RAFT-DB-18": "raft-15",  # 15-50 persons
    "LIFE-RAFT-DB-19": "raft-15",
    "LIFE-RAFT-DB-20": "raft-15",
    "LIFE-RAFT-DB-21": "raft-1",  # capsized: a small dark bottom
    "LIFE-RAFT-DB-22": "raft-1",  # swamped
    "LIFE-RAFT-SB-9": "raft-1",  # capsized
    "LIFE-RAFT-SB-10": "raft-1",  # 1-man raft
    "LIFE-RAFT-SB-11": "raft-1",
    "USCG-RESCUE": "raft-4",
    "AVIATION-1": "raft-4",
    "AVIATION-2": "raft-40",
    "LIFE-CAPSULE": "raft-20",
    "OVATEK-CRAFT-3": "raft-6",
    "OVATEK-CRAFT-6": "raft-6",
    "PERSON-POWERED-VESSEL-1": "power-boat-15ft",
    "PERSON-POWERED-VESSEL-2": "piw",
    "PERSON-POWERED-VESSEL-3": "piw",
    "SPORT-BOAT": "power-boat-20ft",
    "SPORT-FISHER": "power-boat-20ft",
    "FISHING-VESSEL-3": "power-boat-78ft",
    "FISHING-VESSEL-4": "power-boat-78ft",
    "FISHING-VESSEL-6": "power-boat-33ft",
    "COASTAL-FREIGHTER": "ship-120ft",
    "SAILBOAT-2": "power-boat-33ft",  # dismasted: hull only
    "SAILBOAT-3": "power-boat-33ft",
    "SAILBOAT-4": "power-boat-33ft",
    "SAILBOAT-8": "sail-boat-15ft",
    "FV-DEBRIS": "piw",
    "SLDMB": "piw",
    "SEPIRB": "piw",
    "OIL-DRUM": "piw",
    "MINE": "piw",
    "SEWAGE": "piw",
}


def search_object_for_leeway(key: str) -> str:
    """IAMSAR sweep-width search object for a Leeway object class key (e.g. ``"LIFE-RAFT-DB-11"`` → ``"raft-4"``)."""
    from sarex.drift.objects import leeway_objects

    if key not in leeway_objects():
        raise SarexInputError(f"object class: {key!r} is not a Leeway object class (see 'sarex objects')")
    if key in _LEEWAY_EXACT:
        return _LEEWAY_EXACT[key]
    for prefix, obj in _LEEWAY_PREFIX:
        if key.startswith(prefix):
            return obj
    raise SarexInputError(f"object class: {key!r} has no sweep-width category")  # pragma: no cover - all 85 mapped (tested)
