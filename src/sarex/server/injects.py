"""Injects: what exercise control feeds into the exercise (a new sighting report, a unit's breakdown,
a new distress datum, a message), each addressed to roles (and optionally organisations and
units) and delivered when the exercise clock passes its time — the master scenario events
list (MSEL; HSEEP, REFERENCES §15).

Times are exercise time (:mod:`sarex.server.clock`): an inject's ``at`` is the exercise time
of delivery (default: exercise now); it is delivered when the clock passes it, so a paused
clock holds it. The scenario's ``[[inject]]`` entries become rows when the exercise is
created (or at the first clock change). The director releases one early, holds, un-holds,
cancels or edits it, or adds one. A participant sees an inject only once delivered and only if
one of its roles (its organisation, its unit, where the inject names them) is addressed;
exercise control (director, evaluator) sees the whole timeline. Every creation, change and
delivery is an audit entry, with the wall time of the delivery stored beside its exercise time. An inject to participants may not carry
the truth before its release (its position, time or object class): such an inject is
refused, so no participant response can hold it.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, schemas, services, truthguard
from sarex.server.clock import load_clock
from sarex.server.models import ROLES, TRUTH_ROLES, Inject, Org, Unit
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Missing, canonical_org, exercise_for
from sarex.times import iso

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sarex.exercise.clock import ExerciseClock
    from sarex.exercise.scenario import Scenario
    from sarex.server.models import Exercise

KINDS = ("sighting", "breakdown", "datum", "message")


def _time(value: object, field: str) -> Optional[float]:
    return None if value is None else schemas.check_time(value, field)


def _guard(sc: Scenario) -> truthguard.Truth:
    t = sc.truth
    return truthguard.Truth(float(t.lon), float(t.lat), float(t.time), str(t.object_class))


def guard_truth(ex: Exercise) -> Optional[truthguard.Truth]:
    """The exercise's truth as the guard compares it, or None for a real case."""
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    return None if getattr(sc, "truth", None) is None else _guard(sc)


def truth_leaks(ex: Exercise, text: str, lon: Optional[float], lat: Optional[float], when: Optional[float], to: set[str]) -> list[tuple[str, truthguard.Leak]]:
    """What of the truth an inject to participants would carry before its release, as (field, leak)
    pairs (see :mod:`sarex.server.truthguard`); empty when nothing, when only exercise control is
    addressed, after the release, and in a real case."""
    if ex.truth_released or not (to - TRUTH_ROLES):
        return []
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    if getattr(sc, "truth", None) is None:  # a real case
        return []
    truth = _guard(sc)
    return ([("time" if x.what == "time" else "lon", x) for x in truthguard.check_fields(truth, lon, lat, when)]
            + [("text", x) for x in truthguard.check_text(text, truth, public_classes=[sc.reported.object_class])])


def _clock(s: Session, ex_id: int) -> ExerciseClock:
    return load_clock(s, ex_id)


def _check_units(s: Session, ex: Exercise, units: Iterable[str]) -> list[str]:
    codes = set(s.execute(select(Unit.code).where(Unit.exercise_id == ex.id)).scalars())
    for u in units:
        if u not in codes:
            raise SarexInputError(f"units: exercise {ex.id} has no unit {u!r}")
    return sorted(set(units))


def create(s: Session, p: Principal, exercise_id: int, body: dict[str, Any]) -> Inject:
    """Schedule an inject (director). ``body``: kind, text, to (roles), orgs, units, at (exercise time of
    delivery), time (of the event), lon, lat, unit, expected_action, objective."""
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    kind = body["kind"]
    if kind not in KINDS:
        raise SarexInputError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    to = set(body["to"])
    bad = sorted(to - set(ROLES))
    if not to or bad:
        raise SarexInputError(f"to: {bad[0] if bad else '[]'!r} is not a role ({', '.join(ROLES)})")
    orgs = sorted({canonical_org(schemas.check_string(o, "orgs", 16)) for o in body.get("orgs") or []})
    known = set(s.execute(select(Org.code).where(Org.code.in_(orgs))).scalars()) if orgs else set()
    if set(orgs) - known:
        raise SarexInputError(f"orgs: {sorted(set(orgs) - known)[0]!r} is not an organisation of this server")
    lon, lat = body.get("lon"), body.get("lat")
    if (lon is None) != (lat is None):
        raise SarexInputError("lon: give both lon and lat, or neither")
    if lon is not None:
        lon, lat = schemas.check_lonlat(lon, lat, "")
    if kind in ("sighting", "datum") and lon is None:
        raise SarexInputError(f"lon: a {kind} inject needs lon and lat")
    unit = body.get("unit")
    if unit is not None:
        schemas.check_string(unit, "unit", 64)
    if kind == "breakdown":
        if not unit:
            raise SarexInputError("unit: a breakdown inject names the unit that breaks down")
    if unit and s.execute(select(Unit).where(Unit.exercise_id == ex.id, Unit.code == unit)).scalar() is None:
        raise SarexInputError(f"unit: exercise {ex.id} has no unit {unit!r}")
    units = _check_units(s, ex, body.get("units") or [])
    text = schemas.check_string(body.get("text") or "", "text", 2000, multiline=True)
    wall = time.time()
    clock = _clock(s, ex.id)
    now_ex = clock.exercise_time(wall)
    at = _time(body.get("at"), "at")
    at = now_ex if at is None else at
    when = _time(body.get("time"), "time")
    leaks = truth_leaks(ex, text, lon, lat, when, to)
    if leaks and not body.get("reveal_truth"):
        field, leak = leaks[0]
        raise Conflict(f"{field}: the inject would give participants the truth's {leak.what} before its release "
                       "(a scripted reveal needs the director's reveal_truth: true)", field)
    row = Inject(exercise_id=ex.id, kind=kind, text=text, to_roles=",".join(sorted(to)), to_orgs=",".join(orgs), at_s=at,
                 time_s=when, lon=lon, lat=lat, unit_code=unit, created_by=p.user_id, created_s=wall, status="scheduled",
                 to_units=",".join(units), expected_action=body.get("expected_action") or "", objective=body.get("objective") or "",
                 ref=body.get("ref") or "")
    s.add(row)
    s.flush()
    audit.record(s, p.name, "inject.create", {"id": row.id, "kind": kind, "to": sorted(to), "orgs": orgs, "units": units, "at": iso(at),
                                              "at_wall": iso(wall), "unit": unit}, ex.id, rows=[row])
    if leaks:  # the director's explicit override: what it reveals is on the record
        audit.record(s, p.name, "inject.reveal_truth", {"id": row.id, "reveals": sorted({x.what for _, x in leaks})}, ex.id)
    deliver_due(s, ex.id, wall)
    row.now_ex_s = now_ex
    return row


def _row(s: Session, ex: Exercise, inject_id: int) -> Inject:
    row = s.get(Inject, schemas.check_id(inject_id, "inject_id"))
    if row is None or row.exercise_id != ex.id:
        raise Missing(f"inject_id: no inject {inject_id} in exercise {ex.id}", "inject_id")
    return row


def _deliver(s: Session, row: Inject, ex_s: float, wall_s: float, actor: str, action: str) -> None:
    row.status, row.delivered_ex_s, row.delivered_s = "delivered", ex_s, wall_s
    audit.record(s, actor, action, {"id": row.id, "at": iso(ex_s), "at_wall": iso(wall_s)}, row.exercise_id, rows=[row])


def issue(s: Session, p: Principal, exercise_id: int, inject_id: int) -> Inject:
    """Release a scheduled (or held) inject now, before its time (director)."""
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    wall = time.time()
    deliver_due(s, ex.id, wall)
    row = _row(s, ex, inject_id)
    if row.status == "delivered":
        raise Conflict(f"inject_id: inject {inject_id} was delivered already ({iso(row.delivered_ex_s or row.at_s)})", "inject_id")
    if row.status == "cancelled":
        raise Conflict(f"inject_id: inject {inject_id} is cancelled", "inject_id")
    now_ex = _clock(s, ex.id).exercise_time(wall)
    row.at_s = min(row.at_s, now_ex)
    _deliver(s, row, now_ex, wall, p.name, "inject.issue")
    row.now_ex_s = now_ex
    return row


EDITABLE = ("at", "text", "to", "orgs", "units", "expected_action", "objective", "time")


def change(s: Session, p: Principal, exercise_id: int, inject_id: int, action: str, fields: dict[str, Any]) -> Inject:
    """Exercise control changes an inject on the timeline: release (now), hold, unhold, cancel, edit (director)."""
    if action == "release":
        return issue(s, p, exercise_id, inject_id)
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    wall = time.time()
    deliver_due(s, ex.id, wall)
    row = _row(s, ex, inject_id)
    if row.status in ("delivered", "cancelled"):
        raise Conflict(f"inject_id: inject {inject_id} is {row.status}; it can no longer be changed", "inject_id")
    now_ex = _clock(s, ex.id).exercise_time(wall)
    detail: dict[str, Any] = {"id": row.id}
    if action == "hold":
        if row.status == "held":
            raise Conflict(f"inject_id: inject {inject_id} is held already", "inject_id")
        row.status = "held"
    elif action == "unhold":
        if row.status != "held":
            raise Conflict(f"inject_id: inject {inject_id} is not held", "inject_id")
        row.status = "scheduled"
    elif action == "cancel":
        row.status = "cancelled"
    elif action == "edit":
        unknown = sorted(set(fields) - set(EDITABLE))
        if unknown:
            raise SarexInputError(f"{unknown[0]}: not editable (only {', '.join(EDITABLE)})")
        if "at" in fields:
            row.at_s = _time(fields["at"], "at")
        if "time" in fields:
            row.time_s = _time(fields["time"], "time")
        if "text" in fields:
            if len(fields["text"] or "") > 2000:
                raise SarexInputError(f"text: {len(fields['text'])} characters, at most 2000")
            row.text = fields["text"] or ""
        if "to" in fields:
            to = set(fields["to"] or [])
            bad = sorted(to - set(ROLES))
            if not to or bad:
                raise SarexInputError(f"to: {bad[0] if bad else '[]'!r} is not a role ({', '.join(ROLES)})")
            row.to_roles = ",".join(sorted(to))
        if "orgs" in fields:
            row.to_orgs = ",".join(sorted({canonical_org(o) for o in fields["orgs"] or []}))
        if "units" in fields:
            row.to_units = ",".join(_check_units(s, ex, fields["units"] or []))
        for k in ("expected_action", "objective"):
            if k in fields:
                setattr(row, k, fields[k] or "")
        leaks = truth_leaks(ex, row.text, row.lon, row.lat, row.time_s, set(row.to_roles.split(",")))
        if leaks:
            field, leak = leaks[0]
            raise Conflict(f"{field}: the inject would give participants the truth's {leak.what} before its release", field)
        detail["fields"] = sorted(fields)
    else:
        raise SarexInputError(f"action: {action!r} is not one of release, hold, unhold, cancel, edit")
    detail["at"] = iso(row.at_s)
    audit.record(s, p.name, f"inject.{action}", detail, ex.id, rows=[row])
    s.flush()
    deliver_due(s, ex.id, wall)  # an un-held or re-timed inject whose time has passed goes out now
    row.now_ex_s = now_ex
    return row


def deliver_due(s: Session, exercise_id: int, wall_s: Optional[float] = None) -> int:
    """Mark the scheduled injects the clock has passed as delivered, each with one audit entry.

    Delivery is at the inject's own exercise time (the clock passed it then); its wall time is the
    clock's inverse at that time, or now for one un-held or re-timed after its time. Called before
    every clock change and on every change of the timeline, so the recorded times are the clock's."""
    wall = time.time() if wall_s is None else wall_s
    clock = _clock(s, exercise_id)
    now_ex = clock.exercise_time(wall)
    rows = list(s.execute(select(Inject).where(Inject.exercise_id == exercise_id, Inject.status == "scheduled", Inject.at_s <= now_ex)
                          .order_by(Inject.at_s, Inject.id)).scalars())
    for r in rows:
        w = clock.wall_time(r.at_s)
        ex_t, w = (r.at_s, w) if math.isfinite(w) and w <= wall else (now_ex, wall)
        if w < r.created_s:  # scheduled for a time already past when made: delivered as made
            ex_t, w = now_ex, wall
        _deliver(s, r, ex_t, w, "exercise-clock", "inject.deliver")
    return len(rows)


def _delivered(row: Inject, now_ex: float) -> bool:
    return row.status == "delivered" or (row.status == "scheduled" and row.at_s <= now_ex)


def view(row: Inject, now: Optional[float] = None, control: bool = True) -> dict[str, Any]:
    """An inject as JSON; times are exercise time (``delivered_wall`` the wall time beside its delivery).

    ``now``: the exercise time now (default: the one the use case that made ``row`` read)."""
    now_ex = getattr(row, "now_ex_s", None) if now is None else now
    now_ex = -math.inf if now_ex is None else now_ex
    delivered = _delivered(row, now_ex)
    out = {"id": row.id, "kind": row.kind, "text": row.text, "to": row.to_roles.split(","), "orgs": [o for o in row.to_orgs.split(",") if o],
           "units": [u for u in (row.to_units or "").split(",") if u], "at": iso(row.at_s), "status": "delivered" if delivered else row.status,
           "delivered": delivered, "delivered_at": iso(row.delivered_ex_s if row.delivered_ex_s is not None else row.at_s) if delivered else None,
           "delivered_wall": iso(row.delivered_s) if row.delivered_s is not None else None,
           "time": iso(row.time_s) if row.time_s is not None else None, "lon": row.lon, "lat": row.lat, "unit": row.unit_code,
           "ref": row.ref or ""}
    if control:
        out["expected_action"], out["objective"] = row.expected_action or "", row.objective or ""
    return out


def _visible(row: Inject, p: Principal, roles: set[str], now_ex: float, unit: Optional[str]) -> bool:
    if roles & TRUTH_ROLES:
        return True
    if not _delivered(row, now_ex):
        return False
    addressed = roles & set(row.to_roles.split(","))
    if not addressed:
        return False
    units = [u for u in (row.to_units or "").split(",") if u]
    if units and addressed == {"unit"} and unit not in units:
        return False
    orgs = [o for o in row.to_orgs.split(",") if o]
    # addressed to a nation (KOR): each of its organisations, the services' (ROKN, KCG) too (issue 29)
    return not orgs or p.org_code in orgs or (p.org_nation is not None and p.org_nation in orgs)


def visible(s: Session, p: Principal, exercise_id: int, after_id: int = 0) -> list[dict[str, Any]]:
    """The injects ``p`` may see now: delivered and addressed to one of its roles (its organisation, its unit);
    the whole timeline for exercise control."""
    schemas.check_after_id(after_id)
    ex, roles = exercise_for(s, p, exercise_id)
    now_ex = _clock(s, ex.id).exercise_time(time.time())
    control = bool(roles & TRUTH_ROLES)
    unit = p.unit_of(ex.id) if "unit" in roles else None
    rows = s.execute(select(Inject).where(Inject.exercise_id == ex.id, Inject.id > after_id).order_by(Inject.at_s, Inject.id)).scalars()
    return [view(r, now_ex, control) for r in rows if _visible(r, p, roles, now_ex, unit)]


def timeline(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    """The MSEL as exercise control sees it (director, evaluator): every inject by exercise time, after
    recording the deliveries due (director only: evaluators read)."""
    ex, roles = exercise_for(s, p, exercise_id, TRUTH_ROLES)
    wall = time.time()
    now_ex = _clock(s, ex.id).exercise_time(wall)
    rows = s.execute(select(Inject).where(Inject.exercise_id == ex.id).order_by(Inject.at_s, Inject.id)).scalars()
    return [view(r, now_ex, True) for r in rows]


def units_out_of_action(s: Session, exercise_id: int) -> list[str]:
    """Units a delivered breakdown inject took out of action (the next plans leave them out)."""
    now_ex = _clock(s, exercise_id).exercise_time(time.time())
    rows = s.execute(select(Inject).where(Inject.exercise_id == exercise_id, Inject.kind == "breakdown")).scalars()
    return sorted({r.unit_code for r in rows if r.unit_code and _delivered(r, now_ex)})
