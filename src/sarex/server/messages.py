"""Use cases: the message log between participants and the SITREPs of the case (issue 30).

Messages: a unit, the coordinator (the RCC) or exercise control sends a standard phrase
(:mod:`sarex.exercise.phrases`, with its parameters) or free text to units (by code), to
``rcc``, ``excon`` or ``all``. Each reader gets the message in their own language (their
organisation's nation: KOR Korean, JPN Japanese, else English; or ``lang``); free text is shown
as written and marked untranslated. Exercise control and the coordinator read the whole log; a
unit reads what it sent and what is addressed to it or to all.

SITREPs: the coordinator (RCC) drafts and sends SITREP n + 1 of the case from the exercise state
(reported datum, approved plans, reports, sightings, alerts, next period), with its own edits
(identity, persons, weather, remarks); every participant reads them in en/ko/ja.

Everything sent is audited, and goes through the truth guard of :mod:`sarex.server.injects` in every
language it can be read in (a message or SITREP may not carry the truth before its release).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sarex.errors import SarexInputError
from sarex.exercise import phrases
from sarex.exercise.sitrep import FORMS, LANGUAGES, SitrepFacts, sitrep_text
from sarex.server import audit, comms, injects, services
from sarex.server.models import Message, Period, Plan, PositionReport, SeparationAlert, Sighting, Sitrep, Unit
from sarex.server.security import Principal
from sarex.server.workflow import Conflict, exercise_for
from sarex.times import iso, to_epoch_s

if TYPE_CHECKING:
    from sarex.server.models import Exercise

SENDERS = {"unit", "coordinator", "director"}
GROUPS = ("rcc", "excon", "all")
MAX_TEXT = 1000


def _guard(ex: Exercise, texts: list[str], params: dict[str, Any]) -> None:
    """The truth guard (:func:`sarex.server.injects.truth_leaks`) on everything a participant could read of it: each
    language's text, its position and its time; a leak before the release is refused (409)."""
    when = to_epoch_s(str(params["time"])) if params.get("time") else None
    leaks = injects.truth_leaks(ex, "\n".join(texts), params.get("lon"), params.get("lat"), when, {"unit"})
    if leaks:
        field, leak = leaks[0]
        field = "text" if field == "text" else f"params.{field}"
        raise Conflict(f"{field}: the message would give participants the truth's {leak.what} before its release", field)


def _sender(p: Principal, ex_id: int, roles: set[str]) -> str:
    if "unit" in roles:
        return p.unit_of(ex_id)
    return "rcc" if "coordinator" in roles else "excon"


def _now(s: Session, exercise_id: int) -> float:
    """Exercise time now: the exercise clock's (issue 28, :func:`sarex.server.clock.exercise_now`) where the server has
    one, else wall time (before the clock is merged)."""
    try:
        from sarex.server.clock import exercise_now
    except ImportError:
        return time.time()
    return exercise_now(s, exercise_id).ex_s


def _time(v: object, field: str = "time", now_s: Optional[float] = None) -> float:
    if v is None:
        return time.time() if now_s is None else now_s
    try:
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else to_epoch_s(str(v))
    except (SarexInputError, ValueError):
        raise SarexInputError(f"{field}: {v!r} is not an ISO 8601 UTC time (e.g. 2026-02-11T03:00:00Z)") from None


def send(s: Session, p: Principal, exercise_id: int, to: list[str], phrase: Optional[str], params: dict[str, Any], text: str,
         at: Optional[str | float] = None) -> dict[str, Any]:
    """Log a message; returns its view for the sender."""
    ex, roles = exercise_for(s, p, exercise_id, SENDERS)
    codes = set(s.execute(select(Unit.code).where(Unit.exercise_id == ex.id)).scalars())
    if not to:
        raise SarexInputError("to: name at least one unit code, or rcc, excon, all")
    for i, d in enumerate(to):
        if d not in codes and d not in GROUPS:
            raise SarexInputError(f"to[{i}]: {d!r} is not a unit of exercise {ex.id} nor one of {', '.join(GROUPS)}")
    if bool(phrase) == bool(text):
        raise SarexInputError("phrase: give a standard phrase (with params) or free text, not both")
    if len(text) > MAX_TEXT:
        raise SarexInputError(f"text: {len(text)} characters, at most {MAX_TEXT}")
    texts = [phrases.render(phrase, params, text, lang) for lang in phrases.LANGUAGES]  # checks the phrase and its params
    _guard(ex, texts, params if phrase else {})
    m = Message(exercise_id=ex.id, sender=_sender(p, ex.id, roles), to=",".join(to), phrase=phrase or None,
                params_json=json.dumps(params if phrase else {}, ensure_ascii=False), text=text if not phrase else "",
                time_s=_time(at, now_s=_now(s, ex.id)), user_id=p.user_id, created_s=time.time())
    s.add(m)
    s.flush()
    audit.record(s, p.name, "message", {"id": m.id, "sender": m.sender, "to": to, "phrase": phrase, "params": params, "text": m.text}, ex.id, rows=[m])
    return view(m, phrases.language_of(p.org_nation or p.org_code))


def view(m: Message, lang: str) -> dict[str, Any]:
    params = json.loads(m.params_json)
    return {"id": m.id, "sender": m.sender, "to": m.to.split(","), "time": iso(m.time_s), "phrase": m.phrase, "params": params,
            "lang": lang, "text": phrases.render(m.phrase, params, m.text, lang), "untranslated": not m.phrase}


def log(s: Session, p: Principal, exercise_id: int, lang: Optional[str] = None, after_id: int = 0) -> list[dict[str, Any]]:
    """The messages the caller may read (module docstring), in ``lang`` or the caller's nation's language."""
    ex, roles = exercise_for(s, p, exercise_id, {"director", "evaluator", "coordinator", "unit"})
    lang = lang or phrases.language_of(p.org_nation or p.org_code)
    if lang not in phrases.LANGUAGES:
        raise SarexInputError(f"lang: {lang!r} is not one of {', '.join(phrases.LANGUAGES)}")
    rows = s.execute(select(Message).where(Message.exercise_id == ex.id, Message.id > after_id).order_by(Message.id)).scalars()
    if roles & {"director", "evaluator", "coordinator"}:
        return [view(m, lang) for m in rows]
    me = p.unit_of(ex.id)
    return [view(m, lang) for m in rows if m.sender == me or me in m.to.split(",") or "all" in m.to.split(",")]


# --- SITREPs ---------------------------------------------------------------------------------------------------------
def _facts(s: Session, ex: Exercise, at_s: float, edits: dict[str, Any], rcc: str) -> SitrepFacts:

    sc = services.parse_scenario_text(ex.scenario_toml, case=True)
    com = comms.current(ex)
    r = sc.reported
    periods = list(s.execute(select(Period).where(Period.exercise_id == ex.id).order_by(Period.number)).scalars())
    done = [q.number for q in periods if q.end_s <= at_s]
    nxt = next((q.start_s for q in periods if q.start_s > at_s), None)
    approved = list(s.execute(select(Plan).where(Plan.exercise_id == ex.id, Plan.status == "approved")).scalars())
    tasked: list[str] = []
    area, aco = 0.0, ""
    for pl in approved:
        d = json.loads(pl.data_json)
        aco = aco or d.get("airspace", {}).get("aco", "")
        for a in d.get("assignments", []):
            if a["unit"] not in tasked:
                tasked.append(a["unit"])
            if pl.period in done:
                area += float(a.get("area_nm2", 0.0))
    count = lambda model: s.execute(select(func.count()).select_from(model).where(model.exercise_id == ex.id)).scalar()  # noqa: E731
    return SitrepFacts(case=sc.name, time_s=at_s, identity=edits.get("identity") or (r.summary or sc.name), lon=r.lon, lat=r.lat,
                       position_time_s=r.time, object_key=r.object_class, persons=edits.get("persons"), rcc=rcc,
                       units_tasked=len(tasked), units_names=tuple(tasked), periods_done=len(done), area_searched_nm2=round(area, 1),
                       reports=count(PositionReport), sightings=count(Sighting), alerts=count(SeparationAlert), osc=sc.on_scene_coordinator,
                       aco=aco or com.aircraft_coordinator or "", on_scene_channel=edits.get("on_scene_channel") or com.channels.get("on_scene", ""),
                       next_period_start_s=nxt,
                       wind=edits.get("wind", ""), remarks=edits.get("remarks", ""))


def send_sitrep(s: Session, p: Principal, exercise_id: int, form: str, edits: dict[str, Any], at: Optional[str | float] = None) -> dict[str, Any]:
    """Draft SITREP n + 1 from the exercise state with the RCC's edits, guard it, number it, store and audit it."""
    ex, _ = exercise_for(s, p, exercise_id, {"coordinator"})
    if form not in FORMS:
        raise SarexInputError(f"form: {form!r} is not one of {', '.join(FORMS)}")
    for k, v in edits.items():
        if k == "persons":
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise SarexInputError(f"persons: {v!r} is not a number of persons")
        elif not isinstance(v, str) or len(v) > 500:
            raise SarexInputError(f"{k}: at most 500 characters of text")
    f = _facts(s, ex, _time(at, now_s=_now(s, ex.id)), edits, f"RCC ({p.org_code})")
    n = (s.execute(select(func.max(Sitrep.number)).where(Sitrep.exercise_id == ex.id)).scalar() or 0) + 1
    texts = {lang: sitrep_text(n, form, f, lang) for lang in LANGUAGES}
    _guard(ex, list(texts.values()), {})
    row = Sitrep(exercise_id=ex.id, number=n, form=form, data_json=json.dumps(f._asdict(), ensure_ascii=False), time_s=f.time_s,
                 user_id=p.user_id, created_s=time.time())
    s.add(row)
    s.flush()
    audit.record(s, p.name, "sitrep", {"id": row.id, "number": n, "form": form, "edits": edits}, ex.id, rows=[row])
    return sitrep_view(row, phrases.language_of(p.org_nation or p.org_code))


def sitrep_view(row: Sitrep, lang: str) -> dict[str, Any]:
    d = json.loads(row.data_json)
    d["units_names"] = tuple(d["units_names"])
    f = SitrepFacts(**d)
    return {"id": row.id, "number": row.number, "form": row.form, "time": iso(row.time_s), "lang": lang,
            "text": sitrep_text(row.number, row.form, f, lang), "texts": {k: sitrep_text(row.number, row.form, f, k) for k in LANGUAGES}}


def sitreps(s: Session, p: Principal, exercise_id: int, lang: Optional[str] = None) -> list[dict[str, Any]]:
    """Every SITREP of the case, in number order (every participant)."""
    ex, _ = exercise_for(s, p, exercise_id)
    lang = lang or phrases.language_of(p.org_nation or p.org_code)
    if lang not in LANGUAGES:
        raise SarexInputError(f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    return [sitrep_view(r, lang) for r in s.execute(select(Sitrep).where(Sitrep.exercise_id == ex.id).order_by(Sitrep.number)).scalars()]


def log_table(s: Session, exercise_id: int, lang: str = "en") -> list[dict[str, Any]]:
    """The whole message log of an exercise for the after-action report: time (exercise), sender, addressees, text in
    ``lang``, and the wall time it was logged (``created_wall``)."""
    rows = s.execute(select(Message).where(Message.exercise_id == exercise_id).order_by(Message.time_s, Message.id)).scalars()
    return [{"time": iso(m.time_s), "sender": m.sender, "to": m.to.split(","), "text": phrases.render(m.phrase, json.loads(m.params_json), m.text, lang),
             "untranslated": not m.phrase, "created_wall": iso(m.created_s)} for m in rows]
