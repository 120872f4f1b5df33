"""Use cases: background jobs (forecast and plan, evaluation), plan drafts and approval, taskings."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.server import audit, schemas, truthguard
from sarex.server.clock import exercise_now
from sarex.server.models import TRUTH_ROLES, Job, Org, Period, Plan, PositionReport, Unit
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, Denied, Missing, canonical_org, exercise_for, org_label
from sarex.times import iso

if TYPE_CHECKING:
    from sarex.server.models import Exercise

#: plan states: a draft becomes approved, withdrawn (by its planners), rejected (by the coordinator, with a
#: comment) or superseded (by a newer draft of the same nation and period); only draft and approved are live.
LIVE = ("draft", "approved")
JOB_KINDS = {"forecast": {"director", "coordinator", "planner"}, "update": {"director", "coordinator"}, "evaluate": {"director"}}


def job_view(j: Job, roles: frozenset[str] | set[str] = frozenset(), truth: Optional[truthguard.Truth] = None) -> dict[str, Any]:
    """A job's state; never its result (results are read through the filtered endpoints).

    A failed job's reason may quote the scenario (the truth, a file name): participants read a
    generic line with the job's id; exercise control (``roles`` holds director or evaluator) the
    reason, with any path cut to its file name and, while ``truth`` (a :class:`~sarex.server.
    truthguard.Truth`, None once released) is secret, every truth value in it withheld."""
    msg = public_message(j.message or "")
    if truth is not None:
        msg = truthguard.redact(msg, truth)
    if j.status == "failed" and not set(roles) & TRUTH_ROLES:
        msg = f"job {j.id} failed; exercise control (director, evaluators) has the reason"
    return {"id": j.id, "exercise_id": j.exercise_id, "kind": j.kind, "status": j.status, "progress": round(j.progress, 3),
            "message": msg, "attempts": j.attempts, "created": iso(j.created_s), "updated": iso(j.updated_s),
            "created_at": iso(j.created_ex_s) if j.created_ex_s is not None else None}


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\\/\s:'\"()]+)+[\\/]([^\\/\s:'\"()]+)")


def public_message(msg: str) -> str:
    """A message with every file path cut to its file name (no server folders in what anyone reads)."""
    return _PATH.sub(lambda m: m.group(1), msg)


def _job_truth(ex: Exercise) -> Optional[truthguard.Truth]:
    """The truth to withhold from job messages, or None (released, or a real case)."""
    if ex.truth_released or ex.kind == "case":
        return None
    from sarex.server.injects import guard_truth

    return guard_truth(ex)


def create_job(s: Session, p: Principal, exercise_id: int, kind: str, particles: int, period: Optional[int] = None) -> Job:
    """Queue a job: ``forecast`` (plans for every period), ``update`` (the Bayesian update with the units'
    reported tracks of periods 1..``period``, then plans from period + 1) or ``evaluate`` (exercises only)."""
    ex, _ = exercise_for(s, p, exercise_id, JOB_KINDS.get(kind, set().union(*JOB_KINDS.values())))  # who, before what
    if kind not in JOB_KINDS:
        raise SarexInputError(f"kind: {kind!r} is not one of {', '.join(JOB_KINDS)}")
    if not 100 <= particles <= 100_000:
        raise SarexInputError(f"particles: {particles} must be between 100 and 100000")
    if kind == "evaluate" and ex.kind == "case":
        raise Conflict(f"kind: exercise {ex.id} is a real case; with no truth there is nothing to evaluate", "kind")
    if kind == "evaluate" and ex.status != "endex":
        raise Conflict(f"kind: the exercise as played is evaluated after ENDEX (exercise {ex.id} is at {ex.status})", "kind")
    n = s.execute(select(func.count()).select_from(Period).where(Period.exercise_id == ex.id)).scalar()
    if kind == "update" and (period is None or not 1 <= period <= n):
        raise SarexInputError(f"period: an update job names the last period done, 1..{n} (got {period})")
    if kind != "update" and period is not None:
        raise SarexInputError(f"period: only an update job takes a period, not {kind!r}")
    if kind == "update":
        check_update_allowed(s, ex.id, period, exercise_now(s, ex.id).ex_s)
    return queue_job(s, p, ex, kind, {"particles": particles, "seed": ex.seed, **({"period": period} if period else {})})


def queue_job(s: Session, p: Principal, ex: Exercise, kind: str, params: dict[str, Any]) -> Job:
    """Queue a job of ``kind`` with ``params`` (checked by the caller), unless one of that kind is queued or running."""
    busy = s.execute(select(Job).where(Job.exercise_id == ex.id, Job.kind == kind, Job.status.in_(("queued", "running")))).scalar()
    if busy is not None:
        raise Conflict(f"kind: a {kind} job ({busy.id}) is already {busy.status} for exercise {ex.id}", "kind")
    clock = exercise_now(s, ex.id)
    j = Job(exercise_id=ex.id, kind=kind, status="queued", progress=0.0, message="queued", attempts=0, params_json=json.dumps(params),
            created_by=p.user_id, created_s=clock.wall_s, updated_s=clock.wall_s, created_ex_s=clock.ex_s)
    s.add(j)
    s.flush()
    audit.record(s, p.name, "job.create", {"id": j.id, "kind": kind, **{k: v for k, v in params.items() if k != "seed"}}, ex.id, rows=[j])
    return j


def silent_units(s: Session, exercise_id: int, period: int) -> list[str]:
    """Units tasked in an approved plan for ``period`` that reported no position inside it."""
    per = s.execute(select(Period).where(Period.exercise_id == exercise_id, Period.number == period)).scalar()
    if per is None:
        return []
    tasked = sorted({a["unit"] for pl, a in _assignments(s, exercise_id, True) if pl.period == period})
    heard = set(s.execute(select(PositionReport.unit_code).where(PositionReport.exercise_id == exercise_id, PositionReport.time_s >= per.start_s,
                                                               PositionReport.time_s <= per.end_s)).scalars())
    return [u for u in tasked if u not in heard]


def check_update_allowed(s: Session, exercise_id: int, period: int, now_ex: float) -> None:
    """Order of actions (issue 28): no update before a forecast, and none of a period before it ends on the
    exercise clock unless exercise control closed it early (409, naming the units that reported nothing)."""
    if current_forecast(s, exercise_id) is None:
        raise Conflict("kind: no forecast yet; run a forecast job before updating it with reported tracks", "kind")
    per = s.execute(select(Period).where(Period.exercise_id == exercise_id, Period.number == period)).scalar()
    if per is None or per.closed_ex_s is not None or now_ex >= per.end_s:
        return
    silent = silent_units(s, exercise_id, period)
    who = f"; units that reported nothing in it: {', '.join(silent)}" if silent else ""
    raise Conflict(f"period: period {period} ends at {iso(per.end_s)} on the exercise clock (now {iso(now_ex)}); exercise control may close it "
                   f"early with a reason (POST .../periods/{period}/close){who}", "period")


def close_period(s: Session, p: Principal, exercise_id: int, period: int, reason: str) -> dict[str, Any]:
    """Exercise control closes a period before its end on the clock, with a stated reason (director)."""
    ex, _ = exercise_for(s, p, exercise_id, {"director"})
    per = s.execute(select(Period).where(Period.exercise_id == ex.id, Period.number == period)).scalar()
    if per is None:
        raise Missing(f"period: exercise {ex.id} has no period {period}", "period")
    reason = " ".join((reason or "").split())
    if not reason:
        raise SarexInputError("reason: say why the period is closed before its end")
    if len(reason) > 500:
        raise SarexInputError(f"reason: {len(reason)} characters, at most 500")
    if per.closed_ex_s is not None:
        raise Conflict(f"period: period {period} was closed already ({iso(per.closed_ex_s)})", "period")
    now = exercise_now(s, ex.id)
    if now.ex_s >= per.end_s:
        raise Conflict(f"period: period {period} ended at {iso(per.end_s)} on the exercise clock; there is nothing to close", "period")
    silent = silent_units(s, ex.id, period)
    per.closed_ex_s, per.closed_reason = now.ex_s, reason
    audit.record(s, p.name, "period.close", {"period": period, "at": iso(now.ex_s), "at_wall": iso(now.wall_s), "reason": reason,
                                              "silent_units": silent}, ex.id)
    return {"number": period, "closed_at": iso(now.ex_s), "closed_wall": iso(now.wall_s), "reason": reason, "silent_units": silent}


def _job_for(s: Session, p: Principal, job_id: int) -> Job:
    j = s.get(Job, schemas.check_id(job_id, "job_id"))
    if j is None or not p.roles(j.exercise_id):
        raise Missing(f"job_id: no job {job_id} visible to {p.name}", "job_id")
    return j


def get_job(s: Session, p: Principal, job_id: int) -> dict[str, Any]:
    j = _job_for(s, p, job_id)
    ex, roles = exercise_for(s, p, j.exercise_id, JOB_KINDS[j.kind] | {"evaluator", "observer"})
    return job_view(j, roles, _job_truth(ex))


def list_jobs(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, roles = exercise_for(s, p, exercise_id, {"director", "evaluator", "coordinator", "planner", "observer"})
    truth = _job_truth(ex)
    return [job_view(j, roles, truth) for j in s.execute(select(Job).where(Job.exercise_id == ex.id).order_by(Job.id)).scalars()]


def cancel_job(s: Session, p: Principal, job_id: int) -> Job:
    """Cancel a queued or running job: the director and the coordinator any they may start, a planner its own."""
    j = _job_for(s, p, job_id)
    _, roles = exercise_for(s, p, j.exercise_id, JOB_KINDS[j.kind])
    if not roles & {"director", "coordinator"} and j.created_by != p.user_id:
        raise Denied(f"job_id: job {job_id} was started by another user; {p.name} may cancel only its own", "job_id")
    if j.status not in ("queued", "running"):
        raise Conflict(f"job_id: job {job_id} is {j.status}, not queued or running", "job_id")
    j.status, j.message, j.updated_s = "cancelled", f"cancelled by {p.name}", time.time()
    audit.record(s, p.name, "job.cancel", {"id": j.id}, j.exercise_id, rows=[j])
    return j


#: job kinds whose result is a forecast (the newest one done is the current forecast)
FORECAST_KINDS = ("forecast", "update")


def current_forecast_job(s: Session, exercise_id: int) -> Optional[Job]:
    """The newest finished forecast or update job, or None."""
    return s.execute(select(Job).where(Job.exercise_id == exercise_id, Job.kind.in_(FORECAST_KINDS), Job.status == "done")
                     .order_by(Job.id.desc()).limit(1)).scalar()


def current_forecast(s: Session, exercise_id: int) -> Optional[dict[str, Any]]:
    """The newest finished forecast or update job's result, or None."""
    j = current_forecast_job(s, exercise_id)
    return None if j is None else json.loads(j.result_json)


def _forecast(s: Session, ex_id: int) -> dict[str, Any]:
    fc = current_forecast(s, ex_id)
    if fc is None:
        raise Conflict("job: no finished forecast job for this exercise yet (POST .../jobs kind=forecast)", "job")
    return fc


def _period(fc: dict[str, Any], period: int) -> dict[str, Any]:
    for q in fc["periods"]:
        if q["period"] == period:
            return q
    raise Missing(f"period: {period} is not a planned period ({', '.join(str(q['period']) for q in fc['periods'])})", "period")


def _planned(q: dict[str, Any]) -> None:
    if q.get("source") == "reported":
        raise Conflict(f"period: period {q['period']} is over; the forecast is updated with its reported tracks", "period")


def org_part(s: Session, ex_id: int, part: dict[str, Any], service: str) -> dict[str, Any]:
    """The part of a nation's proposal (``part``) that an organisation standing for ``service`` plans ("" = the
    national organisation: all of it): its units' assignments and reasons unassigned, its own SAP message and KML."""
    out = {k: v for k, v in part.items() if k != "services"}
    if not service:
        return out
    mine = set(s.execute(select(Unit.code).where(Unit.exercise_id == ex_id, Unit.nation == part["nation"], Unit.service == service)).scalars())
    out["assignments"] = [a for a in part["assignments"] if a["unit"] in mine]
    out["unassigned"] = {k: v for k, v in part["unassigned"].items() if k in mine}
    own = (part.get("services") or {}).get(service)
    if own is not None:
        out["messages"], out["kml"] = own["messages"], own["kml"]
    elif {a["unit"] for a in part["assignments"]} | set(part["unassigned"]) - mine:
        # a forecast computed before organisations had their own messages: the units' own, one after another
        out["messages"] = {lang: "\n\n".join(a["messages"][lang] for a in out["assignments"]) for lang in part["messages"]}
        out.pop("kml", None)
    return out


def proposal(s: Session, p: Principal, exercise_id: int, period: int) -> dict[str, Any]:
    """The computed plan proposal for a period: a planner gets its own organisation's part only (a national
    organisation its nation's, a service organisation its service's units of it)."""
    ex, roles = exercise_for(s, p, exercise_id, {"director", "coordinator", "planner"})
    q = _period(_forecast(s, ex.id), period)
    _planned(q)
    if roles & {"director", "coordinator"}:
        nations = {k: {kk: vv for kk, vv in v.items() if kk != "services"} for k, v in q["nations"].items()}
    else:
        nations = {k: org_part(s, ex.id, v, p.org_service) for k, v in q["nations"].items() if k == p.org_nation}
    return {"period": period, "start": q["start"], "end": q["end"], "nations": nations}


def datum(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    ex, _ = exercise_for(s, p, exercise_id, {"director", "evaluator", "coordinator", "planner", "observer"})
    return _forecast(s, ex.id)["datum_track"]


def _draft_org(s: Session, p: Principal, roles: set[str], nation: str, org: Optional[str]) -> tuple[str, str]:
    """The organisation a draft is for (code, service): the planner's own; the coordinator's choice (default: the nation's)."""
    code = canonical_org(org) if org else (nation if "coordinator" in roles else p.org_code)
    row = s.execute(select(Org).where(Org.code == code)).scalar()
    if row is None and code != nation:
        raise SarexInputError(f"org: no organisation {code!r}")
    service = row.service or "" if row is not None else ""
    if row is not None and (row.nation != nation):
        raise SarexInputError(f"org: {org_label(row)} is not one of {nation}'s organisations")
    if "coordinator" not in roles and code != p.org_code:
        raise Denied(f"org: {p.name} plans for {p.org_code}, not {code!r} of {nation}", "org")
    return code, service


def draft_plan(s: Session, p: Principal, exercise_id: int, period: int, nation: str, org: Optional[str] = None) -> Plan:
    """A planner drafts its own organisation's plan for a period from the proposal: the units of its nation it owns
    (all of them for a national organisation; those of its service for a service's). The coordinator may draft any."""
    ex, roles = exercise_for(s, p, exercise_id, {"planner", "coordinator"})

    nation = canonical_org(nation)
    if "coordinator" not in roles and nation != p.org_nation:
        raise Denied(f"nation: {p.name} plans for {p.org_code} ({p.org_nation or 'no nation'}), not {nation!r}", "nation")
    code, service = _draft_org(s, p, roles, nation, org)
    if ex.status != "planning":
        raise Conflict(f"exercise_id: exercise {ex.id} is at {ex.status}; no more plans", "exercise_id")
    q = _period(_forecast(s, ex.id), period)
    _planned(q)
    if nation not in q["nations"]:
        raise SarexInputError(f"nation: {nation!r} is not one of {', '.join(q['nations'])}")
    part = org_part(s, ex.id, q["nations"][nation], service)
    units = {a["unit"] for a in part["assignments"]} | set(part["unassigned"])
    if not units:
        raise SarexInputError(f"org: {code} ({service or 'all services'}) has no units in {nation}'s period {period} proposal")
    live = s.execute(select(Plan).where(Plan.exercise_id == ex.id, Plan.period == period, Plan.nation == nation,
                                        Plan.status.in_(LIVE))).scalars().all()
    own = [x for x in live if (x.org or x.nation) == code]
    if any(x.status == "approved" for x in own):
        raise Conflict(f"period: the {code} plan for period {period} is approved already", "period")
    for x in live:  # two live plans of one nation never task the same unit (a national plan and a service's)
        d = json.loads(x.data_json)
        both = units & ({a["unit"] for a in d["assignments"]} | set(d["unassigned"]))
        if x not in own and both:
            raise Conflict(f"org: plan {x.id} of {x.org or x.nation} ({x.status}) for period {period} tasks {', '.join(sorted(both))} already; "
                           "it is withdrawn or rejected first", "org")
    now = exercise_now(s, ex.id)
    for x in own:  # an earlier draft is kept, marked superseded, so it can still be read
        x.status = "superseded"
    new = Plan(exercise_id=ex.id, period=period, nation=nation, org=code, status="draft", data_json=json.dumps(part, ensure_ascii=False),
               drafted_by=p.user_id, created_s=now.wall_s, created_ex_s=now.ex_s)
    s.add(new)
    s.flush()
    audit.record(s, p.name, "plan.draft", {"id": new.id, "period": period, "nation": nation, "org": code, "supersedes": [x.id for x in own]}, ex.id,
                 rows=[new, *own])
    return new


def airspace_conflicts(s: Session, pl: Plan) -> list[dict[str, Any]]:
    """Aircraft of this plan in conflict with those of the exercise's other plans of the same period (drafts and
    approved): areas within the lateral buffer at overlapping times, blocks less than 500 ft apart
    (:func:`sarex.planning.airspace.check_plans`); shown to the coordinator before approval."""
    from sarex.planning.airspace import check_plans

    others = s.execute(select(Plan).where(Plan.exercise_id == pl.exercise_id, Plan.period == pl.period, Plan.id != pl.id)).scalars()
    mine = json.loads(pl.data_json)
    mine_units = {a["unit"] for a in mine["assignments"]}
    got = check_plans([mine] + [json.loads(o.data_json) for o in others])
    return [{"units": list(c.units), "nations": list(c.nations), "gap_nm": c.gap_nm, "vertical_ft": c.vertical_ft}
            for c in got if mine_units & set(c.units) and not set(c.units) <= mine_units]


def plan_view(pl: Plan, full: bool = True, conflicts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    d = json.loads(pl.data_json)
    out = {"id": pl.id, "period": pl.period, "nation": pl.nation, "org": pl.org or pl.nation, "status": pl.status, "start": d["start"], "end": d["end"],
           "approved_at": iso(pl.approved_ex_s) if pl.approved_ex_s is not None else None,
           "approved_wall": iso(pl.approved_s) if pl.approved_s is not None else None}
    if conflicts is not None:
        out["airspace_conflicts"] = conflicts
    if conflicts is None and getattr(pl, "airspace_conflicts", None) is not None:
        out["airspace_conflicts"] = pl.airspace_conflicts
    if full:
        out["assignments"] = [{k: v for k, v in a.items() if k not in ("gpx", "rtz", "kml", "messages")} for a in d["assignments"]]
        out["messages"] = d["messages"]
        out["unassigned"] = d["unassigned"]
        answers, states = d.get("answers", {}), d.get("states", {})
        for a in out["assignments"]:
            a["answer"], a["state"] = answers.get(a["unit"]), states.get(a["unit"])
    if d.get("review"):
        out["review"] = d["review"]
    return out


def plans_own(p: Principal, pl: Plan) -> bool:
    """Whether a planner's organisation drafts ``pl`` or, national, coordinates it (a plan of its nation)."""
    return (pl.org or pl.nation) == p.org_code or (p.national and pl.nation == p.org_nation)


def list_plans(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    """Director, evaluator, coordinator: all; planner: its organisation's (a national one: its nation's) and
    approved ones; observer: approved."""
    ex, roles = exercise_for(s, p, exercise_id, {"director", "evaluator", "coordinator", "planner", "observer"})
    rows = list(s.execute(select(Plan).where(Plan.exercise_id == ex.id).order_by(Plan.period, Plan.nation, Plan.org)).scalars())
    if not roles & {"director", "evaluator", "coordinator"}:
        rows = [r for r in rows if r.status == "approved" or ("planner" in roles and plans_own(p, r))]
    see = bool(roles & {"director", "coordinator"})
    return [plan_view(r, conflicts=airspace_conflicts(s, r) if see else None) for r in rows]


def approve_plan(s: Session, p: Principal, exercise_id: int, plan_id: int) -> Plan:
    ex, _ = exercise_for(s, p, exercise_id, {"coordinator"})
    pl = s.get(Plan, schemas.check_id(plan_id, "plan_id"))
    if pl is None or pl.exercise_id != ex.id:
        raise Missing(f"plan_id: no plan {plan_id} in exercise {ex.id}", "plan_id")
    if pl.status == "approved":
        raise Conflict(f"plan_id: plan {plan_id} is approved already", "plan_id")
    conflicts = airspace_conflicts(s, pl)
    now = exercise_now(s, ex.id)
    pl.status, pl.approved_by, pl.approved_s, pl.approved_ex_s = "approved", p.user_id, now.wall_s, now.ex_s
    audit.record(s, p.name, "plan.approve", {"id": pl.id, "period": pl.period, "nation": pl.nation, "org": pl.org, "at": iso(now.ex_s), "at_wall": iso(now.wall_s),
                                             "airspace_conflicts": conflicts}, ex.id, rows=[pl])
    pl.airspace_conflicts = conflicts  # read by the route's view (not a column)
    return pl


def _assignments(s: Session, ex_id: int, only_approved: bool) -> list[tuple[Plan, dict[str, Any]]]:
    q = select(Plan).where(Plan.exercise_id == ex_id, Plan.status.in_(("approved",) if only_approved else LIVE))
    return [(pl, a) for pl in s.execute(q.order_by(Plan.period)).scalars() for a in json.loads(pl.data_json)["assignments"]]


def tasking(s: Session, p: Principal, exercise_id: int) -> list[dict[str, Any]]:
    """A unit's tasking: its own assignments in approved plans, with its SAP message in en/ko/ja."""
    ex, roles = exercise_for(s, p, exercise_id, {"unit"})
    me = p.unit_of(ex.id)
    out = []
    for pl, a in _assignments(s, ex.id, True):
        if a["unit"] == me:
            d = json.loads(pl.data_json)
            out.append({"period": pl.period, "plan_id": pl.id, **{k: v for k, v in a.items() if k not in ("gpx", "rtz", "kml")},
                        "answer": d.get("answers", {}).get(me), "state": d.get("states", {}).get(me)})
    return out


EXPORTS = {"gpx": "application/gpx+xml", "rtz": "application/xml", "kml": "application/vnd.google-earth.kml+xml"}


def export(s: Session, p: Principal, exercise_id: int, period: int, unit: str, fmt: str, lang: str = "en") -> tuple[str, str]:
    """A unit's route (GPX, RTZ), area (KML) or SAP message (``msg``, text) for a period, as (text, media type).

    Units get their own only; planners their nation's (drafts included); coordinator and director all."""
    ex, roles = exercise_for(s, p, exercise_id, {"director", "coordinator", "planner", "unit"})
    if fmt not in EXPORTS and fmt != "msg":
        raise Missing(f"fmt: {fmt!r} is not one of gpx, rtz, kml, msg", "fmt")
    approved_only = not roles & {"director", "coordinator", "planner"}
    for pl, a in _assignments(s, ex.id, approved_only):
        if pl.period != period or a["unit"] != unit:
            continue
        if not roles & {"director", "coordinator"}:
            own = ("planner" in roles and plans_own(p, pl)) or ("unit" in roles and unit == p.unit_of(ex.id))
            if not own:
                break
        if fmt == "msg":
            if lang not in a["messages"]:
                raise SarexInputError(f"lang: {lang!r} is not one of {', '.join(a['messages'])}")
            return a["messages"][lang], "text/plain; charset=utf-8"
        if a.get(fmt) is None:
            raise Missing(f"fmt: no {fmt} for {unit} (aircraft get GPX, not RTZ)", "fmt")
        return a[fmt], EXPORTS[fmt]
    raise Missing(f"unit: no tasking of {unit!r} in period {period} visible to {p.name}", "unit")


def plan_units(s: Session, ex_id: int) -> Optional[set[str]]:
    return {a["unit"] for _, a in _assignments(s, ex_id, True)}


# --- the plan workflow an SMC can trust: withdraw, reject with a comment, a unit's answer and status ---------

def _plan_in(s: Session, ex_id: int, plan_id: int) -> Plan:
    pl = s.get(Plan, plan_id)
    if pl is None or pl.exercise_id != ex_id:
        raise Missing(f"plan_id: no plan {plan_id} in exercise {ex_id}", "plan_id")
    return pl


def _set_data(pl: Plan, key: str, value: Any) -> None:
    d = json.loads(pl.data_json)
    d[key] = value
    pl.data_json = json.dumps(d, ensure_ascii=False)


def withdraw_plan(s: Session, p: Principal, exercise_id: int, plan_id: int) -> Plan:
    """A draft withdrawn by its organisation's planner (or the coordinator); kept, readable, no longer live."""
    ex, roles = exercise_for(s, p, exercise_id, {"planner", "coordinator"})
    pl = _plan_in(s, ex.id, plan_id)
    if "coordinator" not in roles and (pl.org or pl.nation) != p.org_code:
        raise Denied(f"plan_id: plan {plan_id} is {pl.org or pl.nation}'s; {p.name} plans for {p.org_code}", "plan_id")
    if pl.status != "draft":
        raise Conflict(f"plan_id: plan {plan_id} is {pl.status}; only a draft can be withdrawn", "plan_id")
    pl.status = "withdrawn"
    _set_data(pl, "review", {"by": p.name, "comment": "", "time": iso(exercise_now(s, pl.exercise_id).ex_s), "wall": iso(time.time())})
    audit.record(s, p.name, "plan.withdraw", {"id": pl.id, "period": pl.period, "nation": pl.nation, "org": pl.org}, ex.id, rows=[pl])
    return pl


def reject_plan(s: Session, p: Principal, exercise_id: int, plan_id: int, comment: str) -> Plan:
    """A draft sent back by the coordinator with a comment its planners read; they may draft again."""
    ex, _ = exercise_for(s, p, exercise_id, {"coordinator"})
    pl = _plan_in(s, ex.id, plan_id)
    if pl.status != "draft":
        raise Conflict(f"plan_id: plan {plan_id} is {pl.status}; only a draft can be rejected", "plan_id")
    if not comment.strip():
        raise SarexInputError("comment: say why the plan is rejected (empty)")
    pl.status = "rejected"
    _set_data(pl, "review", {"by": p.name, "comment": comment.strip(), "time": iso(exercise_now(s, pl.exercise_id).ex_s), "wall": iso(time.time())})
    audit.record(s, p.name, "plan.reject", {"id": pl.id, "period": pl.period, "nation": pl.nation, "org": pl.org, "comment": comment.strip()}, ex.id, rows=[pl])
    return pl


UNIT_STATES = ("en_route", "on_scene", "searching", "returning")


def _my_tasking(s: Session, p: Principal, exercise_id: int, period: int) -> tuple[Plan, str]:
    ex, _ = exercise_for(s, p, exercise_id, {"unit"})
    me = p.unit_of(ex.id)
    for pl, a in _assignments(s, ex.id, True):
        if pl.period == period and a["unit"] == me:
            return pl, me
    raise Missing(f"period: no approved tasking of {me} in period {period}", "period")


def answer_tasking(s: Session, p: Principal, exercise_id: int, period: int, answer: str, reason: str = "") -> dict[str, Any]:
    """A unit accepts its tasking of a period, or answers it cannot (with a reason)."""
    pl, me = _my_tasking(s, p, exercise_id, period)
    if answer not in ("accepted", "unable"):
        raise SarexInputError(f"answer: {answer!r} is not accepted or unable")
    if answer == "unable" and not reason.strip():
        raise SarexInputError("reason: say why the unit is unable (empty)")
    d = json.loads(pl.data_json)
    d.setdefault("answers", {})[me] = {"answer": answer, "reason": reason.strip(), "time": iso(exercise_now(s, pl.exercise_id).ex_s), "wall": iso(time.time()), "by": p.name}
    pl.data_json = json.dumps(d, ensure_ascii=False)
    audit.record(s, p.name, "tasking.answer", {"plan": pl.id, "period": period, "unit": me, "answer": answer, "reason": reason.strip()}, pl.exercise_id, rows=[pl])
    return d["answers"][me]


def set_unit_state(s: Session, p: Principal, exercise_id: int, period: int, status: str) -> dict[str, Any]:
    """A unit's status on its tasking of a period: en route, on scene, searching, returning."""
    pl, me = _my_tasking(s, p, exercise_id, period)
    if status not in UNIT_STATES:
        raise SarexInputError(f"status: {status!r} is not one of {', '.join(UNIT_STATES)}")
    d = json.loads(pl.data_json)
    d.setdefault("states", {})[me] = {"status": status, "time": iso(exercise_now(s, pl.exercise_id).ex_s), "wall": iso(time.time()), "by": p.name}
    pl.data_json = json.dumps(d, ensure_ascii=False)
    audit.record(s, p.name, "unit.status", {"plan": pl.id, "period": period, "unit": me, "status": status}, pl.exercise_id, rows=[pl])
    return d["states"][me]
