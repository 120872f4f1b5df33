"""Use cases of the server on the store, with the access rules of each.

Every function takes an open transaction ``s``, the acting :class:`Principal`
(or an actor name for the scripted set-up) and plain values, checks what the
actor may do (deny by default), changes the store with one audit entry per
change, and returns JSON-able data already filtered for the actor's roles.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import TYPE_CHECKING, Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, services
from sarex.server.models import ROLES, TRUTH_ROLES, AuditEntry, Exercise, Grant, Org, Period, Plan, Unit, User
from sarex.server.security import Principal, bump_auth_epoch, hash_password, org_owns
from sarex.times import iso

if TYPE_CHECKING:
    from sarex.exercise.scenario import ParticipantScenario, Scenario


class Denied(Exception):
    """The actor may not do this (HTTP 403)."""

    def __init__(self, msg: str, field: str = "") -> None:
        super().__init__(msg)
        self.field = field


class Missing(Exception):
    """No such thing, or not visible to the actor (HTTP 404)."""

    def __init__(self, msg: str, field: str = "") -> None:
        super().__init__(msg)
        self.field = field


class Conflict(Exception):
    """The thing exists in a state that forbids the change (HTTP 409)."""

    def __init__(self, msg: str, field: str = "") -> None:
        super().__init__(msg)
        self.field = field


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _check_code(value: str, field: str) -> str:
    if not _CODE.match(value or ""):
        raise SarexInputError(f"{field}: {value!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return value


# --- scripted set-up ---------------------------------------------------------------------


def canonical_org(code: str) -> str:
    """A nation's organisation code in its canonical ISO 3166 alpha-3 form (ROK -> KOR); other codes as given."""
    return _nation_of(code) or code


def add_org(s: Session, actor: str, code: str, name: str, nation: Optional[str] = None, service: str = "") -> Org:
    """An organisation: a nation's national one (``service`` empty: it owns all its nation's units; a code that is
    a nation's, e.g. KOR, belongs to that nation when ``nation`` is not given) or one of its services (``nation``
    and ``service``, e.g. ROKN, KOR, "ROK Navy": it owns the nation's units whose catalogue ``service`` that is)."""
    from sarex.nations import nation_code
    from sarex.server.schemas import check_string

    _check_code(code, "CODE")
    service = " ".join((service or "").split())
    if len(service) > 64:
        raise SarexInputError(f"--service: {service[:20]!r}... is {len(service)} characters, at most 64")
    if service and not nation:
        raise SarexInputError(f"--nation: an organisation standing for the service {service!r} needs its nation (e.g. KOR)")
    if nation:
        try:
            nation = nation_code(nation)
        except ValueError as exc:
            raise SarexInputError(f"--nation: {exc}") from None
    if not service:
        code = canonical_org(code)  # a national organisation by its nation's code: ROK is KOR
        nation = nation or _nation_of(code)
    if len(code) > 16:
        raise SarexInputError(f"CODE: {code!r} is {len(code)} characters, at most 16")
    check_string(name, "--name", 200)
    if s.execute(select(Org).where(Org.code == code)).scalar():
        raise SarexInputError(f"CODE: organisation {code!r} exists already")
    org = Org(code=code, name=name or code, nation=nation, service=service)
    s.add(org)
    s.flush()
    audit.record(s, actor, "org.add", {"id": org.id, "code": code, "name": org.name, "nation": nation, "service": service}, rows=[org])
    return org


def _nation_of(code: str) -> Optional[str]:
    """The nation (ISO 3166 alpha-3) a code names, or None."""
    from sarex.nations import nation_code

    try:
        return nation_code(code)
    except ValueError:
        return None


def org_label(org: Org) -> str:
    """An organisation as one line names it: ``ROKN (KOR, ROK Navy)``, ``KOR (KOR, all services)``, ``EXCON (no nation)``."""
    if org.nation is None:
        return f"{org.code} (no nation)"
    return f"{org.code} ({org.nation}, {org.service or 'all services'})"


def owns(org_nation: Optional[str], org_service: str, unit: Unit) -> bool:
    """Whether an organisation of ``org_nation`` standing for ``org_service`` ("" = national) owns ``unit``."""
    return org_owns(org_nation, org_service, unit.nation, unit.service)


def add_user(s: Session, actor: str, name: str, org_code: str, password: str) -> User:
    _check_code(name, "NAME")
    org = s.execute(select(Org).where(Org.code == canonical_org(org_code))).scalar()
    if org is None:
        raise SarexInputError(f"--org: no organisation {org_code!r}")
    if len(password) < 8:
        raise SarexInputError("password: must be at least 8 characters")
    if s.execute(select(User).where(User.name == name)).scalar():
        raise SarexInputError(f"NAME: user {name!r} exists already")
    u = User(name=name, org_id=org.id, password_hash=hash_password(password), created_s=time.time())
    s.add(u)
    s.flush()
    audit.record(s, actor, "user.add", {"id": u.id, "name": name, "org": org_code}, rows=[u])  # never the password (its hash's digest only)
    return u


def add_exercise(s: Session, actor: str, toml_text: str, source: str, seed: int = 0, director: Optional[User] = None,
                 check: bool = True) -> Exercise:
    """Create an exercise from a validated scenario, or a real case from one without ``[truth]``;
    its units and periods become rows. ``check``: also check it completely (truth afloat and inside
    the forcing, :func:`~sarex.server.services.check_scenario`); only a built-in scenario, checked
    by its own tests, is made without (the GSHHG land mask takes seconds to load the first time)."""
    from sarex.seeds import check_seed

    seed = check_seed(seed, "seed")
    sc = services.parse_scenario_text(toml_text, source, case=True)
    if check:
        services.check_scenario(sc)
    ex = Exercise(name=sc.name, kind="case" if getattr(sc, "truth", None) is None else "exercise", scenario_toml=toml_text, seed=int(seed), status="planning",
                  truth_released=False, created_s=time.time())
    s.add(ex)
    s.flush()
    made: list[object] = [ex]
    for u in services.units_of(sc):
        made.append(Unit(exercise_id=ex.id, code=u["code"], nation=u["nation"], name=u["name"], type=u["type"], service=u["service"]))
    for k, p in enumerate(sc.periods, start=1):
        made.append(Period(exercise_id=ex.id, number=k, start_s=p.start, end_s=min(p.end, sc.end_time_s)))
    s.add_all(made[1:])

    audit.record(s, actor, "exercise.add", {"id": ex.id, "name": sc.name, "kind": ex.kind, "source": source, "seed": seed,
                                            "sha256": hashlib.sha256(toml_text.encode()).hexdigest()}, ex.id, rows=made)
    if director is not None:
        g = Grant(user_id=director.id, exercise_id=ex.id, role="director")
        s.add(g)
        bump_auth_epoch(s)
        audit.record(s, actor, "grant", {"user": director.name, "role": "director"}, ex.id, rows=[g])
        if ex.kind == "exercise":
            from sarex.server.msel import ensure_scripted

            s.flush()
            ensure_scripted(s, ex, director.id, actor)
    s.flush()
    return ex


def grant(s: Session, actor: str, user_name: str, exercise_id: int, role: str, unit_code: Optional[str] = None) -> Grant:
    user = s.execute(select(User).where(User.name == user_name)).scalar()
    if user is None:
        raise SarexInputError(f"NAME: no user {user_name!r}")
    from sarex.server.schemas import check_id

    if s.get(Exercise, check_id(exercise_id, "--exercise")) is None:
        raise SarexInputError(f"--exercise: no exercise {exercise_id}")
    if role not in ROLES:
        raise SarexInputError(f"--role: {role!r} is not one of {', '.join(ROLES)}")
    if role == "unit":
        if not unit_code:
            raise SarexInputError("--unit: role 'unit' needs the unit's id")
        unit = s.execute(select(Unit).where(Unit.exercise_id == exercise_id, Unit.code == unit_code)).scalar()
        if unit is None:
            raise SarexInputError(f"--unit: exercise {exercise_id} has no unit {unit_code!r}")
    elif unit_code:
        raise SarexInputError(f"--unit: only role 'unit' takes a unit, not {role!r}")
    if role == "planner":
        org = s.get(Org, user.org_id)
        units = list(s.execute(select(Unit).where(Unit.exercise_id == exercise_id)).scalars())
        if not any(owns(org.nation, org.service or "", u) for u in units):
            present = ", ".join(sorted({f"{u.nation} {u.service or '(no service)'}" for u in units}))
            raise SarexInputError(f"--role: planner {user_name!r} is of organisation {org_label(org)}, which owns no units in exercise {exercise_id} "
                                  f"(its units' nations and services: {present})")
    if s.execute(select(Grant).where(Grant.user_id == user.id, Grant.exercise_id == exercise_id, Grant.role == role)).scalar():
        raise SarexInputError(f"--role: {user_name!r} already holds {role!r} in exercise {exercise_id}")
    g = Grant(user_id=user.id, exercise_id=exercise_id, role=role, unit_code=unit_code)
    s.add(g)
    s.flush()
    bump_auth_epoch(s)
    audit.record(s, actor, "grant", {"id": g.id, "user": user_name, "role": role, "unit": unit_code}, exercise_id, rows=[g])
    return g


def revoke(s: Session, actor: str, user_name: str, exercise_id: int, role: str) -> None:
    """Take a role away: the user's requests and open event streams in that exercise stop at once
    (the auth epoch moves, so every server reads the user's grants again)."""
    from sarex.server.schemas import check_id

    user = s.execute(select(User).where(User.name == user_name)).scalar()
    if user is None:
        raise SarexInputError(f"NAME: no user {user_name!r}")
    g = s.execute(select(Grant).where(Grant.user_id == user.id, Grant.exercise_id == check_id(exercise_id, "--exercise"),
                                      Grant.role == role)).scalar()
    if g is None:
        raise SarexInputError(f"--role: {user_name!r} holds no {role!r} in exercise {exercise_id}")
    gid = g.id
    s.delete(g)
    s.flush()
    bump_auth_epoch(s)
    audit.record(s, actor, "revoke", {"id": gid, "user": user_name, "role": role}, exercise_id, deleted=[("grants", gid)])


# --- access helpers ------------------------------------------------------------------------


def exercise_for(s: Session, p: Principal, exercise_id: int, roles: Iterable[str] = ROLES) -> tuple[Exercise, set[str]]:
    """The exercise and the actor's roles in it, if the actor holds one of ``roles`` (else 403; unknown: 404)."""
    from sarex.server.schemas import check_id

    ex = s.get(Exercise, check_id(exercise_id, "exercise_id"))
    have = p.roles(exercise_id)
    if ex is None or not have:
        raise Missing(f"exercise_id: no exercise {exercise_id} visible to {p.name}", "exercise_id")
    if not have & set(roles):
        raise Denied(f"role: {p.name} holds {sorted(have)} in exercise {exercise_id}; this needs one of {sorted(roles)}", "role")
    return ex, have


def truth_visible(ex: Exercise, roles: set[str]) -> bool:
    return bool(roles & TRUTH_ROLES) or ex.truth_released


def _scenario(ex: Exercise) -> Scenario | ParticipantScenario:
    return services.parse_scenario_text(ex.scenario_toml, f"exercise-{ex.id}.toml", case=True)


def no_truth_in_case(ex: Exercise, what: str) -> None:
    """A real case has no truth: its truth and evaluation are not there (404)."""
    if ex.kind == "case":
        raise Missing(f"{what}: exercise {ex.id} is a real case; it has no truth and no evaluation", what)


def _approved_owners(s: Session, ex_id: int) -> set[tuple[str, str]]:
    """(nation, service) of the organisations with an approved plan ("" = a national plan, all the nation's units)."""
    rows = s.execute(select(Plan.nation, Plan.org).where(Plan.exercise_id == ex_id, Plan.status == "approved")).all()
    codes = {o for _n, o in rows if o}
    service = dict(s.execute(select(Org.code, Org.service).where(Org.code.in_(codes))).all()) if codes else {}
    return {(n, service.get(o) or "") for n, o in rows}


def visible_units(s: Session, p: Principal, ex: Exercise, roles: set[str]) -> list[Unit]:
    """All units for exercise control, coordinator and observers; a unit itself; a planner the units its
    organisation owns (a national one: all its nation's) and those of every organisation with an approved plan.

    The same rule holds between two services of one nation as between two nations: a ROK Navy planner sees
    the Korea Coast Guard's units once a KCG (or national KOR) plan is approved, not before; the national
    organisation (the RCC) sees all its nation's units from the start."""
    units = list(s.execute(select(Unit).where(Unit.exercise_id == ex.id).order_by(Unit.id)).scalars())
    if roles & {"director", "evaluator", "coordinator", "observer"}:
        return units
    keep: set[str] = set()
    if "planner" in roles:
        shared = _approved_owners(s, ex.id)
        keep |= {u.code for u in units if p.owns(u.nation, u.service) or any(owns(n, sv, u) for n, sv in shared)}
    if "unit" in roles:
        keep.add(p.unit_of(ex.id))
    return [u for u in units if u.code in keep]


# --- reads ---------------------------------------------------------------------------------


def me(p: Principal) -> dict[str, Any]:
    return {"user": p.name, "org": p.org_code, "org_nation": p.org_nation, "org_service": p.org_service, "csrf": p.csrf if p.kind == "cookie" else None,
            "grants": [{"exercise_id": e, "role": r, "unit": u} for e, rs in sorted(p.grants.items()) for r, u in sorted(rs.items())]}


def list_exercises(s: Session, p: Principal) -> list[dict[str, Any]]:
    rows = s.execute(select(Exercise).where(Exercise.id.in_(list(p.grants))).order_by(Exercise.id)).scalars()
    return [{"id": ex.id, "name": ex.name, "kind": ex.kind, "status": ex.status, "roles": sorted(p.roles(ex.id))} for ex in rows]


def exercise_view(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    ex, roles = exercise_for(s, p, exercise_id)
    sc = _scenario(ex)
    pv = services.participant_scenario(sc)
    seen = {u.code for u in visible_units(s, p, ex, roles)}
    pv["units"] = [u for u in pv["units"] if u["id"] in seen]
    out = {"id": ex.id, "name": ex.name, "kind": ex.kind, "status": ex.status, "seed": ex.seed, "truth_released": ex.truth_released,
           "roles": sorted(roles), "unit": p.unit_of(ex.id), "scenario": pv,
           "lkp": {"lon": sc.reported.lon, "lat": sc.reported.lat, "time": iso(sc.reported.time), "radius_m": sc.reported.radius_m,
                   "ddm": services.format_ddm(sc.reported.lon, sc.reported.lat)},
           "bbox": area_bbox(sc), "audit": published_heads(s, ex)}
    if getattr(sc, "truth", None) is not None and truth_visible(ex, roles):
        out["truth"] = truth_view(sc)
    return out


def published_heads(s: Session, ex: Exercise) -> dict[str, Any]:
    """The audit chain's head as every participant sees it (``ID:HASH``): now, at the end of each
    period that has ended (the newest entry written by then) and at ENDEX (the ENDEX entry itself).
    Both nations keep them; ``sarex server audit verify --head H`` later proves that nothing up to H
    was cut or rewritten."""

    now = time.time()
    ends = s.execute(select(Period.number, Period.end_s).where(Period.exercise_id == ex.id, Period.end_s <= now).order_by(Period.number)).all()
    periods = []
    for n, t in ends:
        h = audit.head_at(s, t)
        if h is not None:
            periods.append({"period": n, "head": audit.head_text(h)})
    endex = s.execute(select(AuditEntry.id, AuditEntry.hash).where(AuditEntry.exercise_id == ex.id, AuditEntry.action == "endex")
                      .order_by(AuditEntry.id.desc()).limit(1)).first()
    return {"head": audit.head_text(audit.head(s)), "periods": periods, "endex": audit.head_text(tuple(endex)) if endex else None}


def area_bbox(sc: Scenario | ParticipantScenario) -> list[float]:
    """The exercise area shown on the map and clipped for the coastline: 1° of longitude and 0.8° of
    latitude around the reported LKP (lon_min, lat_min, lon_max, lat_max)."""
    r = sc.reported
    return [round(r.lon - 1.0, 3), round(r.lat - 0.8, 3), round(r.lon + 1.0, 3), round(r.lat + 0.8, 3)]


def truth_view(sc: Scenario) -> dict[str, Any]:
    t = services.truth_of(sc)
    return {**t, "ddm": services.format_ddm(t["lon"], t["lat"])}


def truth(s: Session, p: Principal, exercise_id: int) -> dict[str, Any]:
    ex, roles = exercise_for(s, p, exercise_id)
    no_truth_in_case(ex, "truth")
    if not truth_visible(ex, roles):
        raise Denied(f"truth: exercise {exercise_id}'s truth has not been released by the director", "truth")
    return truth_view(_scenario(ex))


def units(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, roles = exercise_for(s, p, exercise_id)
    return [{"code": u.code, "nation": u.nation, "name": u.name, "type": u.type, "service": u.service or ""} for u in visible_units(s, p, ex, roles)]


def periods(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, roles = exercise_for(s, p, exercise_id)
    rows = s.execute(select(Period).where(Period.exercise_id == ex.id).order_by(Period.number)).scalars()
    plans = list(s.execute(select(Plan).where(Plan.exercise_id == ex.id)).scalars())
    out = []
    for r in rows:
        mine = [pl for pl in plans if pl.period == r.number]
        out.append({"number": r.number, "start": iso(r.start_s), "end": iso(r.end_s),
                    "approved": sorted({pl.nation for pl in mine if pl.status == "approved"}),
                    "approved_orgs": sorted({pl.org or pl.nation for pl in mine if pl.status == "approved"}),
                    "closed_at": iso(r.closed_ex_s) if r.closed_ex_s is not None else None, "closed_reason": r.closed_reason or ""})
    return out


def audit_entries(s: Session, p: Principal, exercise_id: int, limit: int = 200) -> list[dict[str, Any]]:
    exercise_for(s, p, exercise_id, {"director"})

    rows = s.execute(select(AuditEntry).where(AuditEntry.exercise_id == exercise_id).order_by(AuditEntry.id.desc()).limit(limit)).scalars()
    return [{"id": e.id, "time": iso(e.time_s), "actor": e.actor, "action": e.action, "detail": json.loads(e.detail), "hash": e.hash} for e in rows]
