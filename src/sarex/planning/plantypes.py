"""The planner's data: units (:class:`Sru`), their assignments and the plan (plane geometry, epoch seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from sarex.geo import LocalProjection
from sarex.planning.patterns import Pattern
from sarex.planning.rectangle import Rectangle


@dataclass(frozen=True)
class Sru:
    """The planner's view of one search and rescue unit (SI units, plane coordinates).

    Attributes
    ----------
    id : unit id.
    sweep_width_m : sweep width W for the search object, m.
    search_speed_ms, transit_speed_ms : m/s.
    endurance_s : from departure, including both transits, s.
    start_xy : departure point in the planning plane, m.
    ready_s : earliest departure, epoch s.
    on_scene_s : optional cap on time on task, s.
    keep_off_land : the search area must not touch land (surface units), when the planner has a land raster.
    class_widths_m : per object class, W (the cloud's particles of that class are detected with it);
        ``sweep_width_m`` (that of the heaviest class) sets the track spacing and the coverage reported.
    """

    id: str
    sweep_width_m: float
    search_speed_ms: float
    transit_speed_ms: float
    endurance_s: float
    start_xy: tuple[float, float]
    ready_s: float
    on_scene_s: Optional[float] = None
    keep_off_land: bool = False
    #: turn radius, m: track spacing never below 2× this (legs a turn diameter apart)
    turn_radius_m: float = 0.0
    is_aircraft: bool = False
    #: (Leeway class key, W in m): the sweep width for particles of that class (others: sweep_width_m)
    class_widths_m: tuple[tuple[str, float], ...] = ()
    #: the platform type's practical minimum track spacing, m (:data:`sarex.planning.units.MIN_SPACING_NM`)
    min_spacing_m: float = 0.0

    @property
    def effort_rate_m2_s(self) -> float:
        return self.sweep_width_m * self.search_speed_ms


@dataclass(frozen=True)
class Assignment:
    """One unit's part of the plan (plane geometry, epoch-second times)."""

    unit_id: str
    rect: Rectangle
    pattern: Pattern
    n_legs: int
    spacing_m: float
    track_m: float
    effort_m2: float
    coverage: float
    depart_s: float
    arrive_s: float
    search_end_s: float
    return_s: float
    transit_out_m: float
    transit_back_m: float
    search_speed_ms: float = float("nan")
    transit_speed_ms: float = float("nan")
    start_xy: tuple[float, float] = (float("nan"), float("nan"))
    waypoint_times_s: Optional[np.ndarray] = None
    poc: float = float("nan")
    pod: float = float("nan")
    pos: float = float("nan")
    #: what the plan loses without this unit (the others unchanged)
    marginal_pos: float = float("nan")
    #: why this area and pattern (IAMSAR situation rules, see :mod:`sarex.planning.choice`)
    reason: str = ""
    turn_radius_m: float = 0.0
    #: legs of a second pass at right angles (included in n_legs)
    cross_legs: int = 0
    #: SMC's instruction for the unit: "", "forced" or "pinned"
    smc: str = ""
    #: transit routes (plane m, start first / pattern end first), around land for surface units
    route_out_xy: Optional[np.ndarray] = None
    route_back_xy: Optional[np.ndarray] = None
    #: the reason as template parts (:mod:`sarex.planning.reasons`), rendered in each language by the SAP message
    reason_parts: tuple = ()
    #: the unit's sweep width per object class (:attr:`Sru.class_widths_m`)
    class_widths_m: tuple[tuple[str, float], ...] = ()

    @property
    def time_on_task_s(self) -> float:
        return self.search_end_s - self.arrive_s


@dataclass
class Plan:
    """A search plan for one period."""

    frame: LocalProjection
    start_s: float
    end_s: float
    model: str
    seed: int
    assignments: list[Assignment]
    unassigned: dict[str, str]
    total_pos: float = float("nan")
    #: Stone static optimum of the same effort and detection model (a reference, see module docstring).
    bound_pos: float = float("nan")
    total_effort_m2: float = 0.0
    pod_per_particle: Optional[np.ndarray] = field(default=None, repr=False)
    #: planned-tracks POS (:func:`sarex.planning.tracks_pos.planned_tracks_pos`), set by the caller that has the drift
    pos_planned: float = float("nan")
    #: POS of survivors: Σ weight × P(alive at mid-period) × POD (a case with a survival model), set by the caller
    pos_alive: float = float("nan")
    #: probability of finding the person alive by the period's end (units in the order they come on task, each
    #: detection weighted by the probability alive while the particle is in the area); NaN without a survival model
    p_found_alive: float = float("nan")
    #: the objective the plan maximised ("pos" or "alive")
    objective: str = "pos"
    #: units held in reserve (not tasked) and why
    reserve: dict[str, str] = field(default_factory=dict)
    #: the same reasons as template parts (:mod:`sarex.planning.reasons`), for the translated SAP messages
    reserve_parts: dict[str, tuple] = field(default_factory=dict)
    unassigned_parts: dict[str, tuple] = field(default_factory=dict)
    min_marginal_pos: float = 0.01
    coverage_bounds: tuple[float, float] = (0.5, 2.0)
    #: aircraft deconfliction of the whole plan (:class:`sarex.planning.airspace.Airspace`), set before splitting by nation
    airspace: Optional[object] = field(default=None, repr=False)


@dataclass(frozen=True)
class PlannerSettings:
    """Knobs of the search (defaults sized for 6 units × 100k particles in well under 30 s)."""

    coarse_particles: int = 4000
    refine_particles: int = 20000
    refine_evals: int = 240
    refine_starts: int = 3
    passes: int = 1
    gap_m: float = 2.0
    #: Another unit may search an area again once the first has left it this long (s); ``math.inf``: areas apart
    #: at all times (simultaneous searches need separate subareas, sequential ones may share one; IAMSAR Vol. II ch. 5).
    reuse_gap_s: float = 1800.0
    #: Coverage W·track/area: at least ``min_coverage``; ``max_coverage`` is IAMSAR's guidance (about 0.5–2,
    #: REFERENCES §12), exceeded with a stated reason where the probability is (issue 32) up to ``coverage_cap``
    #: and each unit's practical minimum track spacing.
    min_coverage: float = 0.5
    max_coverage: float = 2.0
    coverage_cap: float = 10.0
    #: A unit is held in reserve when it adds less than this POS (0: never; the SMC's ``--min-marginal-pct``).
    min_marginal_pos: float = 0.0
    #: Every tasked unit is steered to find at least this POS in its own area (issue 32).
    share_pos: float = 0.01
    #: Exercise mode: every participating unit that can reach the area is tasked (never held in reserve).
    exercise: bool = False
    #: What the planner maximises: "pos" (probability of success) or "alive" (probability of finding the person
    #: alive by the end of the period, detections weighted by the survival model; needs a case with one).
    objective: str = "pos"
    #: Pattern choice thresholds (:mod:`sarex.planning.choice`).
    precise_datum_nm: float = 1.5
    reliable_datum_nm: float = 4.0
    small_area_nm2: float = 400.0
    track_line_elongation: float = 4.0
