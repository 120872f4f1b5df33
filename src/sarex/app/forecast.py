"""Use case of the shared service's forecast job: the planners' forecast, period by period, with the
Bayesian update after each period done taken from the tracks the units *reported*.

The service runs a case or an exercise in periods. Before the first period nothing
is known but the forecast drift; the job plans every period on the branch where
nothing is found (as ``sarex exercise run`` does), assuming each unit sails its
planned route. After period *k*, the units' reported positions replace that
assumption: the ensemble is updated by Bayes' rule with the tracks they actually
sailed while on task, each with its own sweep width (IAMSAR tables for the
scenario's conditions; :func:`sarex.app.search.update_with_tracks`), and periods
*k* + 1 onward are planned on the updated probability (Stone 1975; Kratzke, Stone
& Frost 2010, REFERENCES §4).

For every period the result also holds the 50 % and 90 % containment areas of the
probability that period is planned on (at its middle, the ensemble's histogram on 1 NM
cells smoothed by a 2 NM normal kernel), for the map. Nothing here
reads the truth: a real case (no ``[truth]``) runs the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from pydantic import Field, field_validator

from sarex.app._validate import DEFAULT_FORCING_ERROR, Count, Finite, ForcingErrorSpec, Request, Seed
from sarex.app.search import SailedTrack, update_with_tracks
from sarex.errors import SarexInputError
from sarex.geo import NM_M

Progress = Optional[Callable[[float, str], None]]


class ForecastRequest(Request):
    """The forecast job: a scenario (exercise or real case), what is done and what the units reported."""

    #: a parsed scenario (:class:`~sarex.exercise.scenario.Scenario`) or case (``ParticipantScenario``)
    scenario: Any
    particles: Count = 2000
    seed: Seed = 0
    #: periods 1..done_through are over: updated with their reported tracks and not planned again
    done_through: int = Field(0, ge=0)
    #: period number (1-based) -> tracks (:class:`~sarex.io.track.Track`, named by unit id) reported while on task
    reported: dict[int, tuple[Any, ...]] = Field(default_factory=dict)
    #: unit ids out of action (e.g. a breakdown inject): not planned from then on
    unavailable: tuple[str, ...] = ()
    #: period number (1-based) -> unit id -> :class:`~sarex.planning.rectangle.AreaPin`: areas an SMC moved or
    #: resized on the map; the planner fits those units there and plans the others around them (issue 29)
    pins: dict[int, dict[str, Any]] = Field(default_factory=dict)
    levels: tuple[float, ...] = (0.5, 0.9)
    cell_nm: Finite = Field(1.0, gt=0)
    #: kernel smoothing of the probability grid before its contours (NM; a small ensemble frays into cells otherwise)
    smooth_nm: Finite = Field(2.0, gt=0)
    #: the forecast ensemble if it is already in memory (else drifted from the scenario)
    drift: Any = None
    coast: bool = True
    #: the forecast's own forcing error (SAR products: on by default, :mod:`sarex.drift.forcing_error`)
    forcing_error: ForcingErrorSpec = DEFAULT_FORCING_ERROR

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(not (0.0 < x < 1.0) for x in v):
            raise ValueError("levels must be fractions in (0, 1)")
        return tuple(sorted(set(v)))


@dataclass
class PeriodForecast:
    """One period: its plan (None once it is over), the search applied after it, its contours."""

    number: int  # 1-based
    start_s: float
    end_s: float
    source: str  # "reported" (period over: the units' tracks) or "planned" (planned routes as sailed)
    plan: Any  # sarex.planning.planner.Plan or None
    pos: float  # POS of the search applied after the period, on the weights before it
    pos_planned: Optional[float]  # POS of the planned tracks against the drifting ensemble (planned periods)
    cumulative_pos: float
    searched_units: list[str]
    contours: list[dict[str, Any]]  # GeoJSON features: containment areas of the probability planned on, at mid-period
    contour_time_s: float
    drift_before: Any = None
    drift_after: Any = None


@dataclass
class ForecastResult:
    drift: Any
    catalogue: Any
    periods: list[PeriodForecast]
    warnings: list[str] = field(default_factory=list)


def _contours(ds: Any, time_s: float, levels: tuple[float, ...], cell_nm: float, smooth_nm: float, number: int) -> list[dict[str, Any]]:
    from sarex.search.containment import containment_areas, containment_features
    from sarex.search.grid import ProbabilityGrid

    try:
        grid = ProbabilityGrid.from_drift(ds, time_s, cell_nm=cell_nm).smoothed(smooth_nm)
        areas = containment_areas(grid, list(levels))
    except SarexInputError:
        return []  # nothing afloat on the grid at that time: no contour to draw
    feats = containment_features(areas)
    for f in feats:
        f["properties"] = {**f["properties"], "period": number}
    return feats


def forecast_periods(req: ForecastRequest, progress: Progress = None) -> ForecastResult:
    """Forecast drift, the reported searches of the periods done, and plans for the periods to come.

    Returns one :class:`PeriodForecast` per period of the scenario inside its time.
    A reported track of a unit the scenario does not have, or with fewer than two
    fixes, is left out with a warning (it cannot have searched).
    """
    from sarex.drift.forcing_error import parse_forcing_error
    from sarex.exercise.run import forecast_drift, plan_period, scenario_catalogue, sweep_widths_nm
    from sarex.planning.tracks_pos import planned_tracks_pos
    from sarex.search.podmodel import DEFAULT_MODEL

    say = progress or (lambda _f, _m: None)
    sc = req.scenario
    catalogue = scenario_catalogue(sc)
    say(0.05, "forecast drift")
    ds = req.drift if req.drift is not None else forecast_drift(sc, req.particles, req.seed, coast=req.coast,
                                                                         forcing_error=parse_forcing_error(req.forcing_error))
    drift = ds
    widths = sweep_widths_nm(sc, catalogue, ds.attrs.get("object_class"))
    periods = sc.periods[: sc.stopping.max_periods] if sc.stopping.max_periods else sc.periods
    if req.done_through > len(periods):
        raise SarexInputError(f"period: {req.done_through} periods done, but the scenario has {len(periods)}")
    available = {u.id for u in catalogue.units} - set(req.unavailable)
    model = DEFAULT_MODEL
    out: list[PeriodForecast] = []
    warnings: list[str] = []
    cum = float(ds.attrs.get("cumulative_pos", 0.0))
    for k, p in enumerate(periods):
        end = min(p.end, sc.end_time_s)
        if end <= p.start:
            break
        number = k + 1
        say(0.3 + 0.6 * k / len(periods), f"period {number}/{len(periods)}: {'update' if number <= req.done_through else 'planning'}")
        mid = 0.5 * (p.start + end)
        contours = _contours(ds, mid, req.levels, req.cell_nm, req.smooth_nm, number)
        plan, pos_planned = None, None
        if number <= req.done_through:
            tracks = []
            for tr in req.reported.get(number, ()):
                if tr.name not in widths:
                    warnings.append(f"period {number}: reported track of {tr.name!r}, not a unit of the scenario, left out")
                elif tr.time_s.size < 2 or tr.time_s[-1] <= tr.time_s[0]:
                    warnings.append(f"period {number}: {tr.name} reported fewer than two fixes on task; it searched nothing")
                else:
                    tracks.append(SailedTrack(tr, widths[tr.name]))
            source = "reported"
        else:
            pins = req.pins.get(number, {})
            for uid in sorted(set(pins) - available):
                warnings.append(f"period {number}: the area set for {uid!r} is left out: not a unit available for the period")
            plan, runs, _effort = plan_period(sc, catalogue, ds, k, p.start, end, widths, model, seed=req.seed, coast=req.coast,
                                              units=available, pins={u: r for u, r in pins.items() if u in available})
            for uid in sorted(set(req.unavailable) & set(widths)):
                plan.unassigned[uid] = "out of action (breakdown reported)"
            tracks = [SailedTrack(r.track, r.sweep_width_m / NM_M) for r in runs]
            if tracks:
                pos_planned = float(planned_tracks_pos(plan, ds, model))
                plan.pos_planned = pos_planned
            source = "planned"
        before = ds
        if tracks:
            outcome = update_with_tracks(ds, tracks, model, label=f"period {number} ({source})")
            ds, pos, cum = outcome.dataset, float(outcome.pos), float(outcome.cumulative_pos)
        else:
            pos = 0.0
        out.append(PeriodForecast(number, p.start, end, source, plan, pos, pos_planned, cum, [t.track.name for t in tracks],
                                  contours, mid, before, ds))
    if not out:
        raise SarexInputError(f"{sc.source or 'scenario'}: no search period lies inside the exercise time")
    return ForecastResult(drift, catalogue, out, warnings)
