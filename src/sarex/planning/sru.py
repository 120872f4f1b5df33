"""From catalogue units to the planner's SRUs: plane position, readiness and sweep width."""

from __future__ import annotations

from typing import Optional

from sarex.geo import NM_M, LocalProjection
from sarex.errors import SarexInputError
from sarex.planning.planner import Sru
from sarex.planning.units import MIN_SPACING_NM, Unit


def unit_sweep_width_nm(
    unit: Unit,
    object_class: Optional[str],
    visibility_nm: float = 10.0,
    weather_factor: float = 1.0,
    fatigue: bool = False,
    search_object: Optional[str] = None,
    source: str = "units",
) -> float:
    """The unit's sweep width, NM: its fixed ``sweep_width_nm`` or the IAMSAR tables.

    The tables (:mod:`sarex.search.sweepwidth`) are looked up with the unit's
    search-object category, else ``search_object``, else the category of the
    drift's Leeway object class.
    """
    if unit.sweep_width_nm is not None:
        return float(unit.sweep_width_nm)
    try:
        from sarex.search.sweepwidth import check_visibility, search_object_for_leeway, sweep_width_nm
    except ImportError:
        raise SarexInputError(f"{source}: unit {unit.id!r} field 'sweep_width_nm': not given and the sweep-width tables are not available") from None
    # Visibility is the search's condition, not the unit's: its error must not name a unit.
    check_visibility(visibility_nm)
    obj = unit.search_object or search_object
    try:
        if obj is None:
            if not object_class:
                raise SarexInputError(f"{source}: unit {unit.id!r} field 'search_object': not given and the drift file names no object class")
            obj = search_object_for_leeway(object_class)
        w = sweep_width_nm(
            obj,
            unit.type,
            altitude_m=unit.altitude_m,
            visibility_nm=visibility_nm,
            weather_factor=weather_factor,
            fatigue=fatigue,
            speed_kn=unit.search_speed_kn,
        )
    except SarexInputError as exc:
        msg = str(exc)
        raise SarexInputError(msg if msg.startswith(source) else f"{source}: unit {unit.id!r}: {msg}") from None
    except (KeyError, ValueError) as exc:
        raise SarexInputError(f"{source}: unit {unit.id!r} field 'search_object': {obj!r} has no sweep width ({exc})") from None
    if not w > 0:
        raise SarexInputError(f"{source}: unit {unit.id!r}: sweep width {w!r} NM is not > 0")
    return float(w)


def unit_class_widths_m(
    unit: Unit,
    object_keys: list[str],
    visibility_nm: float = 10.0,
    weather_factor: float = 1.0,
    fatigue: bool = False,
    search_object: Optional[str] = None,
    source: str = "units",
) -> tuple[tuple[str, float], ...]:
    """The unit's sweep width (m) for each Leeway class of a mixture (a case), from the IAMSAR tables.

    Empty (one W for every particle) when the unit has a fixed ``sweep_width_nm``, when a
    search object is named (the unit's or ``search_object``), or for a single class.
    """
    if unit.sweep_width_nm is not None or unit.search_object or search_object or len(object_keys) < 2:
        return ()
    return tuple((k, NM_M * unit_sweep_width_nm(unit, k, visibility_nm, weather_factor, fatigue, None, source)) for k in object_keys)


def make_sru(unit: Unit, frame: LocalProjection, plan_start_s: float, sweep_width_nm: float,
             class_widths_m: tuple[tuple[str, float], ...] = ()) -> Sru:
    """The planner's SRU for ``unit`` (start projected into ``frame``; ready at ``plan_start_s`` unless given).

    Surface units keep their search areas off land; aircraft may overfly it.
    """
    x, y = frame.forward(unit.start[0], unit.start[1])
    return Sru(
        id=unit.id,
        sweep_width_m=sweep_width_nm * NM_M,
        search_speed_ms=unit.search_speed_ms,
        transit_speed_ms=unit.transit_speed_ms,
        endurance_s=unit.endurance_s,
        start_xy=(float(x), float(y)),
        ready_s=unit.ready_time_s(plan_start_s),
        on_scene_s=unit.on_scene_s,
        keep_off_land=not unit.is_aircraft,
        turn_radius_m=float(unit.turn_radius_m),
        is_aircraft=unit.is_aircraft,
        class_widths_m=class_widths_m,
        min_spacing_m=MIN_SPACING_NM.get(unit.type, 0.0) * NM_M,
    )
