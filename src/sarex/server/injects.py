"""Injects: what exercise control feeds into the exercise (a new sighting report, a unit's breakdown,
a new distress datum, a message), each addressed to roles (and optionally organisations) and
delivered at its time.

The director schedules an inject for a delivery time (UTC, default now) or issues a
scheduled one at once. A participant sees an inject only once it is due and only if
one of its roles (and its organisation, when the inject names organisations) is
addressed; exercise control (director, evaluator) sees all, scheduled ones included.
Every creation and issue is an audit entry. An inject to participants may not carry
the truth before its release (its position, time or object class): such an inject is
refused, so no participant response can hold it.
"""

from __future__ import annotations

import time
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, schemas, services, truthguard
from sarex.server.models import ROLES, TRUTH_ROLES, Inject, Org, Unit
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Missing, canonical_org, exercise_for
from sarex.times import iso

KINDS = ("sighting", "breakdown", "datum", "message")


def _time(value, field: str) -> Optional[float]:
    return None if value is None else schemas.check_time(value, field)


def _guard(sc) -> truthguard.Truth:
    t = sc.truth
    return truthguard.Truth(float(t.lon), float(t.lat), float(t.time), str(t.object_class))


def guard_truth(ex) -> Optional[truthguard.Truth]:
    """The exercise's truth as the guard compares it, or None for a real case."""
    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    return None if getattr(sc, "truth", None) is None else _guard(sc)


def truth_leaks(ex, text: str, lon: Optional[float], lat: Optional[float], when: Optional[float], to: set[str]) -> list[tuple[str, truthguard.Leak]]:
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


def create(s: Session, p: Principal, exercise_id: int, body: dict) -> Inject:
    """Schedule an inject (director). ``body``: kind, text, to (roles), orgs, at (delivery), time (of the event), lon, lat, unit."""
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
    text = schemas.check_string(body.get("text") or "", "text", 2000, multiline=True)
    now = time.time()
    at = _time(body.get("at"), "at")
    at = now if at is None else at
    when = _time(body.get("time"), "time")
    leaks = truth_leaks(ex, text, lon, lat, when, to)
    if leaks and not body.get("reveal_truth"):
        field, leak = leaks[0]
        raise Conflict(f"{field}: the inject would give participants the truth's {leak.what} before its release "
                       "(a scripted reveal needs the director's reveal_truth: true)", field)
    row = Inject(exercise_id=ex.id, kind=kind, text=text, to_roles=",".join(sorted(to)), to_orgs=",".join(orgs), at_s=at,
                 time_s=when, lon=lon, lat=lat, unit_code=unit, created_by=p.user_id, created_s=now)
    s.add(row)
    s.flush()
    audit.record(s, p.name, "inject.create", {"id": row.id, "kind": kind, "to": sorted(to), "orgs": orgs, "at": at, "unit": unit}, ex.id, rows=[row])
    if leaks:  # the director's explicit override: what it reveals is on the record
        audit.record(s, p.name, "inject.reveal_truth", {"id": row.id, "reveals": sorted({x.what for _, x in leaks})}, ex.id)
    return row


def issue(s: Session, p: Principal, exercise_id: int, inject_id: int) -> Inject:
    """Deliver a scheduled inject now (director)."""
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    row = s.get(Inject, schemas.check_id(inject_id, "inject_id"))
    if row is None or row.exercise_id != ex.id:
        raise Missing(f"inject_id: no inject {inject_id} in exercise {ex.id}", "inject_id")
    now = time.time()
    if row.at_s <= now:
        raise Conflict(f"inject_id: inject {inject_id} was delivered already ({iso(row.at_s)})", "inject_id")
    row.at_s = now
    audit.record(s, p.name, "inject.issue", {"id": row.id, "at": now}, ex.id, rows=[row])
    return row


def view(row: Inject, now: Optional[float] = None) -> dict:
    now = time.time() if now is None else now
    return {"id": row.id, "kind": row.kind, "text": row.text, "to": row.to_roles.split(","), "orgs": [o for o in row.to_orgs.split(",") if o],
            "at": iso(row.at_s), "delivered": row.at_s <= now, "time": iso(row.time_s) if row.time_s is not None else None,
            "lon": row.lon, "lat": row.lat, "unit": row.unit_code}


def _visible(row: Inject, p: Principal, roles: set[str], now: float) -> bool:
    if roles & TRUTH_ROLES:
        return True
    if row.at_s > now:
        return False
    if not roles & set(row.to_roles.split(",")):
        return False
    orgs = [o for o in row.to_orgs.split(",") if o]
    return not orgs or p.org_code in orgs


def visible(s: Session, p: Principal, exercise_id: int, after_id: int = 0) -> list[dict]:
    """The injects ``p`` may see now: due and addressed to one of its roles (and its organisation); all for exercise control."""
    schemas.check_after_id(after_id)
    ex, roles = exercise_for(s, p, exercise_id)
    now = time.time()
    rows = s.execute(select(Inject).where(Inject.exercise_id == ex.id, Inject.id > after_id).order_by(Inject.at_s, Inject.id)).scalars()
    return [view(r, now) for r in rows if _visible(r, p, roles, now)]


def units_out_of_action(s: Session, exercise_id: int) -> list[str]:
    """Units a delivered breakdown inject took out of action (the next plans leave them out)."""
    now = time.time()
    rows = s.execute(select(Inject.unit_code).where(Inject.exercise_id == exercise_id, Inject.kind == "breakdown", Inject.at_s <= now)).scalars()
    return sorted({u for u in rows if u})
