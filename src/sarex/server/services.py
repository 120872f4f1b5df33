"""The one adapter between the server and sarex's computing code.

Route handlers and the workflow never import sarex's computing modules; they call
these functions, which take plain values and return JSON-able data. The evaluation
is the application layer's ``exercise run`` use case (:mod:`sarex.app.exercise`), so
its scores are those of ``sarex exercise run``; the forecast, the updates with the
reported tracks and the plans are the use case :mod:`sarex.app.forecast`. Only the
track readers and the JSON formatting of plans call lower modules directly.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from sarex.errors import SarexInputError
from sarex.geo import NM_M
from sarex.times import iso

if TYPE_CHECKING:
    import xarray as xr

    from sarex.exercise.scenario import ParticipantScenario, Scenario

Progress = Callable[[float, str], None]


def builtin_scenario_text(name: str) -> str:
    from sarex.exercise.scenario import BUILTIN_SCENARIOS, builtin_scenario_path

    if name not in BUILTIN_SCENARIOS:
        raise SarexInputError(f"scenario: {name!r} is not a file or a built-in scenario ({', '.join(BUILTIN_SCENARIOS)})")
    return builtin_scenario_path(name).read_text(encoding="utf-8")


def parse_scenario_text(text: str, source: str = "scenario.toml", case: bool = False) -> Scenario | ParticipantScenario:
    """Validate a scenario TOML text (environment files are not accepted over the network).

    With ``case`` a file without ``[truth]`` is a real case (a scenario with no truth)."""
    from sarex.exercise.scenario import parse_scenario

    from sarex.server.schemas import MAX_TOML_DEPTH, toml_depth

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SarexInputError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:  # the parser recurses once per nested array or inline table
        raise SarexInputError(f"{source}: nests arrays or tables deeper than {MAX_TOML_DEPTH} levels") from None
    if toml_depth(raw) > MAX_TOML_DEPTH:
        raise SarexInputError(f"{source}: nests arrays or tables deeper than {MAX_TOML_DEPTH} levels")
    _check_strings(raw, source)
    for where, sec in (("forecast", raw.get("forecast")), ("truth.environment", (raw.get("truth") or {}).get("environment"))):
        if isinstance(sec, dict) and "file" in sec:
            raise SarexInputError(f"{source}: {where}.file: the server accepts synthetic environments only in an uploaded scenario")
    if "units_file" in raw:
        raise SarexInputError(f"{source}: units_file: give the units inline ([[units]]) in an uploaded scenario")
    return parse_scenario(raw, Path(source), require_truth=not case)


def _check_strings(raw: Any, source: str) -> None:
    """No control or bidirectional-override character in any text of a scenario (unit names, the
    summary...): they would reach every participant's screen reading other than they are."""
    from sarex.server.schemas import check_string

    stack = [("", raw)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, dict):
            stack += [(f"{where}.{k}" if where else str(k), x) for k, x in v.items()]
        elif isinstance(v, list):
            stack += [(f"{where}[{i}]", x) for i, x in enumerate(v)]
        elif isinstance(v, str):
            try:
                check_string(v, where, 100_000, multiline=True)
            except SarexInputError as exc:
                raise SarexInputError(f"{source}: {exc}") from None


def check_scenario(sc: Scenario | ParticipantScenario) -> None:
    """Check a new exercise completely (truth afloat and inside the forcing, the LKP too, the
    periods within the forcing), as ``sarex exercise run`` would before its first step: a
    scenario that would fail its evaluate job is refused when it is made, to its director only."""
    if getattr(sc, "truth", None) is None:  # a real case: only what it has (the forecast's datum)
        return
    from sarex.exercise.scenario import check_environments

    check_environments(sc, coast=True)


def participant_scenario(sc: Scenario | ParticipantScenario) -> dict[str, Any]:
    """The scenario without its truth, as JSON data."""
    return json.loads(sc.participant_view().model_dump_json())


def truth_of(sc: Scenario | ParticipantScenario) -> dict[str, Any]:
    """The truth as the director and evaluators see it (position, time, object class); a real case has none."""
    t = getattr(sc, "truth", None)
    if t is None:
        raise ValueError("a real case has no truth")
    return {"lon": t.lon, "lat": t.lat, "time": iso(t.time), "object_class": t.object_class}


def units_of(sc: Scenario | ParticipantScenario) -> list[dict[str, Any]]:
    return [{"code": u.id, "nation": u.nation, "name": u.name or u.id, "type": u.type, "service": u.service or ""} for u in sc.resolved_units()]


def _nation_plan(plan, catalogue, nation: str, situation: dict[str, Any]) -> dict[str, Any]:
    from sarex.nations import nation_colour
    from sarex.planning.exports import area_ring_lonlat, gpx_text, kml_text, rtz_text, unit_route
    from sarex.planning.message import LANGUAGES, sap_message
    from sarex.planning.output import plan_summary

    from sarex.planning.airspace import deconflict

    if plan.airspace is None:  # one airspace for the whole plan, so that each nation's blocks clear the others'
        plan.airspace = deconflict(plan, catalogue)
    units = {u.id: u for u in catalogue.units}
    sub = dataclasses.replace(plan, assignments=[a for a in plan.assignments if units[a.unit_id].nation == nation],
                              unassigned={k: v for k, v in plan.unassigned.items() if units[k].nation == nation})
    rows = {r["unit"]: r for r in plan_summary(sub, catalogue)["units"]}
    assignments = []
    for a in sub.assignments:
        u = units[a.unit_id]
        route = [{"name": p.name, "lon": float(p.lon), "lat": float(p.lat), "time": iso(p.time_s), "speed_kn": float(p.speed_kn)}
                 for p in unit_route(a, sub)]
        one = dataclasses.replace(sub, assignments=[a], unassigned={})  # the unit alone: its area, route, message
        assignments.append({**rows[u.id], "service": u.service or "", "colour": nation_colour(nation), "area_ring": area_ring_lonlat(a, sub), "route": route,
                            "gpx": gpx_text(a, sub, u), "rtz": None if u.is_aircraft else rtz_text(a, sub, u),
                            "kml": kml_text(one, catalogue),
                            "messages": {lang: sap_message(one, catalogue, lang, situation, unit=a.unit_id) for lang in LANGUAGES}})
    from sarex.planning.airspace import airspace_summary

    # a nation with several services (ROK Navy, Korea Coast Guard): each service organisation's plan has its own
    # SAP message and KML, of its units alone (issue 29); its assignments are the nation's of its units
    services: dict[str, dict[str, Any]] = {}
    brought = sorted({units[k].service or "" for k in [a.unit_id for a in sub.assignments] + list(sub.unassigned)})
    if len(brought) > 1:
        for sv in brought:
            mine = dataclasses.replace(sub, assignments=[a for a in sub.assignments if (units[a.unit_id].service or "") == sv],
                                       unassigned={k: v for k, v in sub.unassigned.items() if (units[k].service or "") == sv})
            services[sv] = {"messages": {lang: sap_message(mine, catalogue, lang, situation) for lang in LANGUAGES}, "kml": kml_text(mine, catalogue)}
    return {"nation": nation, "start": iso(plan.start_s), "end": iso(plan.end_s), "assignments": assignments,
            "airspace": airspace_summary(plan.airspace),
            "unassigned": sub.unassigned, "messages": {lang: sap_message(sub, catalogue, lang, situation) for lang in LANGUAGES},
            "kml": kml_text(sub, catalogue), "services": services}


def forecast_and_plan(sc: Scenario | ParticipantScenario, particles: int, seed: int, progress: Progress, done_through: int = 0,
                      reported: Optional[dict[int, list[dict[str, Any]]]] = None, unavailable: tuple[str, ...] = (),
                      pins: Optional[dict[str, dict[str, dict[str, Any]]]] = None) -> dict[str, Any]:
    """The planners' forecast as JSON: per period a proposed plan per nation, or (periods done) the
    Bayesian update with the units' reported tracks; each period's 50/90 % containment areas.

    The computing is the application layer's use case :func:`sarex.app.forecast.forecast_periods`;
    ``reported`` maps a period number to ``{"unit", "time_s", "lon", "lat"}`` tracks (lists); ``pins`` a
    period number (text, as JSON keys are) to unit id to an area set on the map
    (``centre_lon``, ``centre_lat``, ``legs_deg``, ``leg_nm``, ``creep_nm``).
    """
    from sarex.app.forecast import ForecastRequest, forecast_periods
    from sarex.io.track import Track
    from sarex.planning.rectangle import AreaPin

    tracks = {int(k): tuple(Track(np.asarray(t["lon"], float), np.asarray(t["lat"], float), np.asarray(t["time_s"], float), t["unit"])
                            for t in v) for k, v in (reported or {}).items()}
    areas = {int(k): {u: AreaPin(a["centre_lon"], a["centre_lat"], a["legs_deg"], a["leg_nm"] * NM_M, a["creep_nm"] * NM_M) for u, a in v.items()}
             for k, v in (pins or {}).items()}
    res = forecast_periods(ForecastRequest(scenario=sc, particles=particles, seed=seed, done_through=done_through, reported=tracks,
                                           unavailable=tuple(unavailable), pins=areas), progress)
    r = sc.reported
    out = []
    for p in res.periods:
        q = {"period": p.number, "start": iso(p.start_s), "end": iso(p.end_s), "source": p.source, "pos": p.pos,
             "pos_planned": p.pos_planned, "cumulative_pos": p.cumulative_pos, "searched_units": p.searched_units,
             "contour_time": iso(p.contour_time_s), "contours": p.contours, "nations": {}}
        if p.plan is not None:
            situation = {"object": r.object_class, "searches": p.number - 1, "lkp_lon": r.lon, "lkp_lat": r.lat, "lkp_time": iso(r.time)}
            q["nations"] = {n.code: _nation_plan(p.plan, res.catalogue, n.code, situation) for n in sc.nations}
        out.append(q)
    return {"particles": particles, "seed": seed, "done_through": done_through, "periods": out, "warnings": res.warnings, "pins": pins or {},
            "datum_track": _datum_track(res.drift)}


def _datum_track(drift: xr.Dataset) -> list[dict[str, Any]]:
    """The forecast ensemble's weighted mean position every 3 h (the drifting datum)."""
    t = drift["time"].values.astype("datetime64[s]").astype(np.int64)
    w = np.asarray(drift["weight"].values, dtype=float)
    lon, lat = np.asarray(drift["lon"].values, dtype=float), np.asarray(drift["lat"].values, dtype=float)
    out = []
    for k in range(0, t.size, 6):
        ok = np.isfinite(lon[:, k])
        if ok.any():
            out.append({"time": iso(float(t[k])), "lon": float(np.average(lon[ok, k], weights=w[ok])),
                        "lat": float(np.average(lat[ok, k], weights=w[ok]))})
    return out


def evaluate(toml_text: str, seed: int, particles: int, progress: Progress, played: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The after-action evaluation: the exercise as played (``played``: the store's export, scored by
    the application layer's :func:`sarex.app.played.evaluate_played`) and, beside it, the rehearsal —
    the same use case as ``sarex exercise run`` (same seed, same scores). Returns the scores (the
    rehearsal's, with ``played`` added) and the report (HTML: played sections first)."""
    from sarex.app import FolderTarget
    from sarex.app.exercise import RunRequest, exercise_run

    with tempfile.TemporaryDirectory(prefix="sarex-eval-") as tmp:
        scenario = Path(tmp) / "scenario.toml"
        scenario.write_text(toml_text, encoding="utf-8")
        out = Path(tmp) / "run"
        progress(0.05, "rehearsal: exercise run")
        res = exercise_run(RunRequest(scenario=str(scenario), seed=seed, particles=particles), FolderTarget(out, inputs=[scenario]),
                           progress=lambda m: progress(0.4, m))
        scores = json.loads((out / "evaluation" / "scores.json").read_text(encoding="utf-8"))
        if played is None:
            return {"scores": scores, "report_html": (out / "evaluation" / "report.html").read_text(encoding="utf-8")}
    from sarex.app.played import played_report_html, evaluate_played

    progress(0.6, "the exercise as played")
    played = {**played, "particles": played.get("particles") or particles}
    ev = evaluate_played(played, rehearsal=scores, progress=lambda m: progress(0.7, m))
    return {"scores": {**scores, "played": ev.scores}, "report_html": played_report_html(ev, res)}


def read_track_upload(data: bytes, filename: str, unit_code: str, mmsi: Optional[int]) -> list[tuple[float, float, float]]:
    """(time_s, lon, lat) fixes of one unit from an uploaded GPX, NMEA 0183 or AIS log."""
    from sarex.io.ais import read_ais
    from sarex.io.gpx import read_gpx_tracks
    from sarex.io.nmea import read_nmea

    suffix = Path(filename).suffix.lower()
    kinds = {".gpx": "gpx", ".nmea": "nmea", ".ais": "ais", ".txt": "nmea", ".log": "nmea"}
    if suffix not in kinds:
        raise SarexInputError(f"file: {filename!r} is not .gpx, .nmea or .ais")
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"upload{suffix}"
        p.write_bytes(data)
        try:
            if kinds[suffix] == "gpx":
                tracks = list(read_gpx_tracks(p))
            elif kinds[suffix] == "ais":
                if mmsi is None:
                    raise SarexInputError(f"file: unit {unit_code!r} has no MMSI, so an AIS log cannot be matched to it")
                tracks = [t for u, t in read_ais(p, {mmsi: unit_code}).items() if u == unit_code]
            else:
                tracks = [read_nmea(p, unit_code)]
        except SarexInputError as exc:
            raise SarexInputError(f"file: {filename!r}: {str(exc).replace(str(p), filename)}") from None
        except Exception as exc:  # a parser's own exception for a corrupt file is still the user's input
            raise SarexInputError(f"file: {filename!r} could not be read ({type(exc).__name__})") from None
    fixes = [(float(t), float(x), float(y)) for tr in tracks for t, x, y in zip(tr.time_s, tr.lon, tr.lat)]
    if not fixes:
        raise SarexInputError(f"file: {filename!r} holds no position fix")
    return fixes


def format_ddm(lon: float, lat: float) -> str:
    """Degrees and decimal minutes, latitude first (as in the SAP message)."""
    from sarex.planning.message import format_position

    return format_position(lon, lat)


def coastline(bbox: tuple[float, float, float, float], n: int = 240) -> list[list[list[float]]]:
    """GSHHG shoreline (roaring-landmask) inside ``bbox`` as polylines [[lon, lat], ...].

    The exact land mask is sampled on an ``n``×``n`` grid and contoured at one half,
    so the line is good to about one grid cell (bbox width / n).
    """
    import contourpy

    from sarex.environment.coast import Coastline

    lon0, lat0, lon1, lat1 = bbox
    x = np.linspace(lon0, lon1, n)
    y = np.linspace(lat0, lat1, n)
    X, Y = np.meshgrid(x, y)
    land = Coastline(bbox).on_land(X.ravel(), Y.ravel()).reshape(X.shape).astype(float)
    lines = contourpy.contour_generator(x, y, land).lines(0.5)
    return [[[round(float(a), 5), round(float(b), 5)] for a, b in seg] for seg in lines if len(seg) > 1]


def land_polygons(bbox: tuple[float, float, float, float], n: int = 240) -> list[list[list[list[float]]]]:
    """GSHHG land inside ``bbox`` as GeoJSON MultiPolygon coordinates (each polygon: outer ring, then holes).

    The same sampled mask as :func:`coastline`, filled between one half and above (contourpy's filled
    contours close each piece of land along the bbox edge, so a map can fill it); good to a grid cell.
    """
    import contourpy

    from sarex.environment.coast import Coastline

    lon0, lat0, lon1, lat1 = bbox
    x = np.linspace(lon0, lon1, n)
    y = np.linspace(lat0, lat1, n)
    X, Y = np.meshgrid(x, y)
    land = Coastline(bbox).on_land(X.ravel(), Y.ravel()).reshape(X.shape).astype(float)
    gen = contourpy.contour_generator(x, y, land, fill_type=contourpy.FillType.OuterOffset)
    points, offsets = gen.filled(0.5, 1.5)
    out = []
    for pts, offs in zip(points, offsets):
        rings = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
        out.append([[[round(float(a), 5), round(float(b), 5)] for a, b in r] for r in rings if len(r) >= 4])
    return [poly for poly in out if poly]
