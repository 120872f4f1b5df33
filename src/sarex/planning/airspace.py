"""Aircraft deconfliction of a plan: altitude blocks, entry and exit points, the aircraft coordinator (ACO).

IAMSAR Vol. II as amended by IMO MSC.1/Circ.1513 (REFERENCES §14): the ACO keeps
aircraft at a scene safe; aircraft searching the same or adjacent areas are
separated vertically by at least 500 ft (150 m) or laterally by a buffer, and
helicopters normally fly below fixed-wing aircraft.

Rules used here (defaults in :class:`AirspaceSettings`, stated in docs/planning.md):

* Two aircraft are *neighbours* when their areas are closer than ``lateral_buffer_nm``
  (2 NM: a maritime patrol aircraft at 200 kn in a 30° bank turns on a radius of about
  1 NM, v²/(g·tan 30°) = 103²/5.66 m, so it can overshoot its area's edge by that much;
  one more NM for navigation error and the turn back) and their times in the area,
  widened by ``time_margin_s`` (30 min, for entering and leaving), overlap.
* Blocks are ``block_ft`` thick (500 ft) around the requested search altitude, with
  edges on whole 100 ft. Aircraft are stacked helicopters first, then fixed-wing, each
  by requested altitude: a block's floor is at least ``vertical_separation_ft`` above
  the ceiling of every neighbour stacked before it. Where the requested altitude falls
  outside the block, the search altitude becomes the block's middle (and the plan says
  the altitude changed: the sweep width was computed for the requested one).
* A block may not rise above ``ceiling_ft`` (3 000 ft: IAMSAR's visual sweep-width
  tables stop at 2 000 ft, above which a visual search of a person or a raft is of
  little use). Where it would, the pair cannot be separated vertically: the plan lists
  it as a conflict that the ACO must resolve laterally (areas at least the buffer
  apart, by re-planning with pinned areas) or in time; the planner does not move
  areas itself.

Heights are feet (aviation); positions degrees at the edges.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np
from shapely.geometry import LineString, Polygon

from sarex.geo import FT_M, NM_M, LocalProjection
from sarex.planning.plantypes import Assignment, Plan
from sarex.planning.units import UnitCatalogue
from sarex.times import to_epoch_s

#: IAMSAR: aircraft in the same or adjacent areas at least this far apart vertically (REFERENCES §14).
IAMSAR_VERTICAL_SEPARATION_FT = 500.0


class AirspaceSettings(NamedTuple):
    """Thresholds of the deconfliction (see the module docstring for the reasons)."""

    vertical_separation_ft: float = IAMSAR_VERTICAL_SEPARATION_FT
    lateral_buffer_nm: float = 2.0
    block_ft: float = 500.0
    ceiling_ft: float = 3000.0
    floor_ft: float = 200.0
    time_margin_s: float = 1800.0


class AircraftBlock(NamedTuple):
    """One aircraft's airspace: altitude block, search altitude, entry and exit points (lon, lat)."""

    unit_id: str
    helicopter: bool
    low_ft: float
    high_ft: float
    search_alt_ft: float
    requested_alt_ft: float
    entry: tuple[float, float]
    exit: tuple[float, float]

    @property
    def altitude_changed(self) -> bool:
        return abs(self.search_alt_ft - self.requested_alt_ft) > 0.5


class AirspacePair(NamedTuple):
    """Two neighbouring aircraft and how they are kept apart: ``"vertical"`` or ``"none"`` (a conflict for the ACO:
    separate them laterally by the buffer or in time)."""

    units: tuple[str, str]
    gap_nm: float
    vertical_ft: float
    separation: str


class Airspace(NamedTuple):
    """The plan's airspace: blocks by unit, neighbouring pairs, the ACO and the settings used."""

    blocks: dict[str, AircraftBlock]
    pairs: list[AirspacePair]
    aco: str
    settings: AirspaceSettings

    @property
    def conflicts(self) -> list[AirspacePair]:
        return [p for p in self.pairs if p.separation == "none"]


def _round100(v: float) -> float:
    return float(math.floor(v / 100.0 + 0.5) * 100.0)


def _window(a: Assignment, margin_s: float) -> tuple[float, float]:
    return a.arrive_s - margin_s, a.search_end_s + margin_s


def _entry_exit(a: Assignment, plan: Plan) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the transit out crosses into the area and where the transit back leaves it (plane → lon, lat).

    The CSP (or the last waypoint) itself where the route does not cross the boundary (a start inside the area)."""
    px, py = a.pattern.x, a.pattern.y
    out = a.route_out_xy if a.route_out_xy is not None else np.array([a.start_xy, (px[0], py[0])])
    back = a.route_back_xy if a.route_back_xy is not None else np.array([(px[-1], py[-1]), a.start_xy])
    ring = a.rect.polygon().exterior

    def crossing(route: np.ndarray, last: bool) -> tuple[float, float]:
        line = LineString(route) if len(route) >= 2 and np.ptp(route, axis=0).any() else None
        fallback = (float(route[-1 if last else 0][0]), float(route[-1 if last else 0][1]))
        if line is None:
            return fallback
        hit = line.intersection(ring)
        pts = [hit] if hit.geom_type == "Point" else [g for g in getattr(hit, "geoms", []) if g.geom_type == "Point"]
        if not pts:
            return fallback
        d = [line.project(p) for p in pts]  # along the route from its start
        p = pts[int(np.argmax(d) if last else np.argmin(d))]
        return float(p.x), float(p.y)

    e, x = crossing(out, True), crossing(back, False)
    lon, lat = plan.frame.inverse(np.array([e[0], x[0]]), np.array([e[1], x[1]]))
    return (round(float(lon[0]), 6), round(float(lat[0]), 6)), (round(float(lon[1]), 6), round(float(lat[1]), 6))


def default_aco(plan: Plan, catalogue: UnitCatalogue) -> str:
    """The ACO: the catalogue's ``coordination.aco`` if given; else the first fixed-wing aircraft of the plan
    (IAMSAR: a fixed-wing aircraft with suitable communications often acts as ACO); else the SMC."""
    co = catalogue.coordination
    if getattr(co, "aco", None):
        return co.aco
    units = {u.id: u for u in catalogue.units}
    fw = [a.unit_id for a in plan.assignments if units[a.unit_id].type == "fixed-wing"]
    return fw[0] if fw else (co.smc or "SMC")


def deconflict(plan: Plan, catalogue: UnitCatalogue, settings: AirspaceSettings = AirspaceSettings()) -> Airspace:
    """Altitude blocks for every aircraft of the plan, neighbours separated (see the module docstring).

    Parameters
    ----------
    plan : the plan (areas in the plane, times in epoch s).
    catalogue : its units (type, requested ``altitude_m``) and coordination (``aco``).
    settings : separation minima, buffer (NM), block thickness and ceiling (ft).

    Returns
    -------
    Airspace: blocks per aircraft (ft), the neighbouring pairs with their lateral gap (NM), vertical gap
    between blocks (ft) and how they are separated, and the ACO.
    """
    units = {u.id: u for u in catalogue.units}
    air = [a for a in plan.assignments if units[a.unit_id].is_aircraft]
    # Stacking order: helicopters below fixed-wing, then by requested altitude, then by id (deterministic).
    air.sort(key=lambda a: (units[a.unit_id].type != "helicopter", units[a.unit_id].altitude_m or 0.0, a.unit_id))
    polys = {a.unit_id: a.rect.polygon() for a in air}
    gaps: dict[tuple[str, str], float] = {}
    for i, a in enumerate(air):
        for b in air[:i]:
            (a0, a1), (b0, b1) = _window(a, settings.time_margin_s), _window(b, settings.time_margin_s)
            gap = polys[a.unit_id].distance(polys[b.unit_id]) / NM_M
            if a0 < b1 and b0 < a1 and gap < settings.lateral_buffer_nm:
                gaps[(b.unit_id, a.unit_id)] = gap
    blocks: dict[str, AircraftBlock] = {}
    half = 0.5 * settings.block_ft
    for a in air:
        u = units[a.unit_id]
        req = (u.altitude_m or 0.0) / FT_M
        low = max(_round100(req - half), settings.floor_ft)
        below = [blocks[b].high_ft for (b, c) in gaps if c == a.unit_id]
        if below:
            low = max(low, max(below) + settings.vertical_separation_ft)
        high = low + settings.block_ft
        if high > settings.ceiling_ft:  # no room above: keep the requested block, the pair is listed below
            low = max(_round100(req - half), settings.floor_ft)
            high = low + settings.block_ft
        alt = req if low <= req <= high else 0.5 * (low + high)
        entry, exit_ = _entry_exit(a, plan)
        blocks[u.id] = AircraftBlock(u.id, u.type == "helicopter", low, high, round(alt, 1), round(req, 1), entry, exit_)
    pairs = []
    for (b, c), gap in gaps.items():
        lo, hi = sorted((blocks[b], blocks[c]), key=lambda k: k.low_ft)
        vert = hi.low_ft - lo.high_ft
        sep = "vertical" if vert >= settings.vertical_separation_ft else "none"
        pairs.append(AirspacePair((b, c), round(gap, 3), vert, sep))
    return Airspace(blocks, pairs, default_aco(plan, catalogue), settings)


def airspace_of(plan: Plan, catalogue: UnitCatalogue) -> Airspace:
    """The plan's airspace: the one computed on the whole plan (``plan.airspace``) when set, else computed now.

    Setting it on the whole plan before splitting it by nation keeps one nation's blocks clear of the other's."""
    got: Optional[Airspace] = getattr(plan, "airspace", None)
    return got if got is not None else deconflict(plan, catalogue)


def airspace_summary(space: Airspace) -> dict:
    """plan.json's ``airspace`` section."""
    s = space.settings
    return {
        "aco": space.aco,
        "vertical_separation_ft": s.vertical_separation_ft,
        "lateral_buffer_nm": s.lateral_buffer_nm,
        "block_ft": s.block_ft,
        "ceiling_ft": s.ceiling_ft,
        "pairs": [{"units": list(p.units), "gap_nm": p.gap_nm, "vertical_ft": p.vertical_ft, "separation": p.separation} for p in space.pairs],
        "conflicts": [list(p.units) for p in space.conflicts],
    }


def block_row(b: AircraftBlock) -> dict:
    """plan.json's per-aircraft fields."""
    return {"altitude_block_ft": [b.low_ft, b.high_ft], "search_altitude_ft": b.search_alt_ft, "requested_altitude_ft": b.requested_alt_ft,
            "altitude_changed": b.altitude_changed, "entry": list(b.entry), "exit": list(b.exit)}


class PlanConflict(NamedTuple):
    """Two aircraft of plans checked together whose areas are within the buffer at overlapping times and whose
    blocks are less than the vertical minimum apart (ft; negative: the blocks overlap)."""

    units: tuple[str, str]
    nations: tuple[str, str]
    gap_nm: float
    vertical_ft: float


def check_plans(plans: list[dict], settings: AirspaceSettings = AirspaceSettings()) -> list[PlanConflict]:
    """Check several plans (of different organisations or nations) together, as the coordinator approves them.

    Parameters
    ----------
    plans : plan summaries as stored by the server: each with ``assignments``, each assignment with ``unit``,
        ``nation``, ``area_ring`` ([[lon, lat], ...], degrees), ``on_task``/``off_task`` (ISO UTC) and, for
        aircraft, ``altitude_block_ft`` ([low, high]); surface units (no block) are skipped.
    settings : the lateral buffer (NM), vertical minimum (ft) and time margin (s).

    Returns
    -------
    The conflicting pairs, each once, in the order the aircraft are listed.
    """
    air = [a for pl in plans for a in pl.get("assignments", []) if a.get("altitude_block_ft") and a.get("area_ring")]
    if len(air) < 2:
        return []
    pts = np.array([p for a in air for p in a["area_ring"]], dtype=float)
    frame = LocalProjection(float(pts[:, 0].mean()), float(pts[:, 1].mean()))
    polys, windows = [], []
    for a in air:
        ring = np.asarray(a["area_ring"], dtype=float)
        x, y = frame.forward(ring[:, 0], ring[:, 1])
        polys.append(Polygon(np.column_stack([x, y])))
        windows.append((to_epoch_s(a["on_task"]) - settings.time_margin_s, to_epoch_s(a["off_task"]) + settings.time_margin_s))
    out = []
    for i in range(len(air)):
        for j in range(i):
            if not (windows[i][0] < windows[j][1] and windows[j][0] < windows[i][1]):
                continue
            gap = polys[i].distance(polys[j]) / NM_M
            (lo_i, hi_i), (lo_j, hi_j) = air[i]["altitude_block_ft"], air[j]["altitude_block_ft"]
            vert = max(lo_i - hi_j, lo_j - hi_i)
            if gap < settings.lateral_buffer_nm and vert < settings.vertical_separation_ft:
                out.append(PlanConflict((air[j]["unit"], air[i]["unit"]), (air[j].get("nation", ""), air[i].get("nation", "")),
                                        round(gap, 3), float(vert)))
    return out
