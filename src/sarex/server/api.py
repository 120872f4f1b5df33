"""HTTP interface: translates requests into workflow calls and results into JSON; no use-case logic here."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path
from typing import Optional

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from sarex.errors import SarexInputError
from sarex.server import api_flow, injects, interop, plans, reports, workflow
from sarex.server.auth import COOKIE, ApiError, Auth
from sarex.server.db import Store
from sarex.server.fastpath import FastPathApp, PositionFastPath
from sarex.server.ingest import GroupCommit, Revoked
from sarex.server.jobs import JobRunner
from sarex.server.limits import BodyLimit, SecurityHeaders
from sarex.server.reports import PositionBatch
from sarex.server.security import Principal, PrincipalCache, RateLimiter, check_password, new_session, revoke_session
from sarex.server.workflow import Conflict, Denied, Missing

STATIC = Path(__file__).parent / "static"

def _err(status: int, msg: str, field: str = "") -> JSONResponse:
    return JSONResponse({"error": " ".join(str(msg).split()), "field": field}, status_code=status)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class JobIn(_In):
    kind: str
    particles: int = 2000
    period: Optional[int] = Field(None, description="update: the last period done (its reported tracks update the forecast)")


class DraftIn(_In):
    period: int = Field(ge=1)
    nation: str = Field(max_length=16)


class PositionIn(_In):
    time: str | float
    lon: float
    lat: float
    unit: Optional[str] = Field(default=None, max_length=64)
    report_id: Optional[str] = Field(default=None, min_length=1, max_length=64)


class PositionsIn(_In):
    reports: list[PositionIn] = Field(min_length=1, max_length=1000)


class SightingIn(_In):
    time: str | float
    lon: float
    lat: float
    note: str = ""


def create_app(store: Store, *, max_upload_bytes: int = 2_000_000, login_limit: int = 5, run_jobs: bool = True,
               nmea_udp=None) -> FastAPI:
    """The web application on a store. Jobs run in worker processes unless ``run_jobs`` is false;
    ``nmea_udp`` (a :class:`~sarex.server.nmea_udp.UdpConfig`) adds the NMEA-over-UDP listener."""
    app = FastPathApp(title="sarex server", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Shared, access-controlled SAR cases and combined exercises (sarex).")
    runner = JobRunner(store)
    limiter = RateLimiter(login_limit, 60.0)
    cache = PrincipalCache()
    writer = GroupCommit(store, cache)
    app.state.store, app.state.runner, app.state.writer = store, runner, writer

    @app.on_event("startup")
    def _start() -> None:
        writer.start()
        if run_jobs:
            runner.start()

    if nmea_udp is not None:
        from sarex.server.nmea_udp import NmeaUdp

        app.state.nmea_udp = NmeaUdp(store, writer, nmea_udp)

        @app.on_event("startup")
        async def _listen() -> None:
            await app.state.nmea_udp.start()

    @app.on_event("shutdown")
    def _stop() -> None:
        if nmea_udp is not None:
            app.state.nmea_udp.stop()
        writer.stop()
        runner.stop()

    # --- errors: one line of JSON naming the field ------------------------------------------
    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError):
        e = exc.errors()[0]
        if e.get("type") == "json_invalid":
            return _err(400, f"body: malformed JSON ({e.get('ctx', {}).get('error', 'invalid')}) at character {e['loc'][-1]}", "body")
        field = ""
        for x in e.get("loc", ())[1:] if e.get("loc", ("",))[0] in ("body", "query", "path", "form", "header", "cookie") else e.get("loc", ()):
            field += f"[{x}]" if isinstance(x, int) else (f".{x}" if field else str(x))
        field = field or "body"
        return _err(422, f"{field}: {e.get('msg', 'invalid')}", field)

    @app.exception_handler(SarexInputError)
    async def _input(_req: Request, exc: SarexInputError):
        msg = str(exc).splitlines()[0] if str(exc) else "bad input"
        return _err(400, msg, msg.split(":", 1)[0] if ":" in msg else "")

    for cls, code in ((Denied, 403), (Missing, 404), (Conflict, 409), (Revoked, 401)):
        def _h(_req: Request, exc, code=code):
            return _err(code, str(exc), exc.field)
        app.add_exception_handler(cls, _h)

    @app.exception_handler(ApiError)
    async def _api(_req: Request, exc: ApiError):
        return _err(exc.status, str(exc), exc.field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException):
        return _err(exc.status_code, str(exc.detail), "")

    # --- authentication -----------------------------------------------------------------------
    auth = Auth(store, cache)
    principal, principal_cached, _lookup = auth.principal, auth.principal_cached, auth.lookup

    def _login(request: Request, username: str, password: str, kind: str) -> tuple[str, str]:
        key = f"{request.client.host if request.client else '?'}|{username}"
        if limiter.blocked(key):
            raise ApiError(429, f"username: too many failed logins for {username!r}; wait a minute", "username")
        with store.tx() as s:
            from sqlalchemy import select

            from sarex.server.models import User

            user = s.execute(select(User).where(User.name == username)).scalar()
            if not check_password(user.password_hash if user else None, password):
                limiter.failed(key)
                raise ApiError(401, "password: wrong user name or password", "password")
            limiter.succeeded(key)
            return new_session(s, user, kind)

    @app.post("/token", tags=["auth"], summary="OAuth2 password flow: a bearer token for scripts and units")
    def token(request: Request, form: OAuth2PasswordRequestForm = Depends()):
        tok, _ = _login(request, form.username, form.password, "bearer")
        return {"access_token": tok, "token_type": "bearer"}

    @app.post("/api/login", tags=["auth"], summary="Browser login: sets an HttpOnly session cookie, returns the CSRF token")
    def login(request: Request, body: LoginIn):
        tok, csrf = _login(request, body.username, body.password, "cookie")
        resp = JSONResponse({"user": body.username, "csrf": csrf})
        resp.set_cookie(COOKIE, tok, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/")
        return resp

    @app.post("/api/logout", tags=["auth"], summary="End this browser session (its cookie stops working at once)")
    def logout(p: Principal = Depends(principal)):
        if p.kind == "cookie":  # a browser session ends here; bearer tokens (scripts, units) run out after SESSION_S
            with store.tx() as s:
                revoke_session(s, p.token_hash)
            cache.drop(p.token_hash)
        resp = JSONResponse({"user": p.name, "logged_out": True})
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @app.get("/api/me", tags=["auth"])
    def me(p: Principal = Depends(principal)):
        return workflow.me(p)

    # --- exercises --------------------------------------------------------------------------------
    def tx(fn, *args, **kw):
        with store.tx() as s:
            return jsonable_encoder(fn(s, *args, **kw))

    def rd(fn, *args, **kw):
        with store.read() as s:
            return jsonable_encoder(fn(s, *args, **kw))

    @app.get("/api/exercises", tags=["exercise"])
    def exercises(p: Principal = Depends(principal)):
        return rd(workflow.list_exercises, p)

    @app.post("/api/exercises", tags=["exercise"], status_code=201, summary="Create an exercise from an uploaded scenario (TOML) or a built-in one (directors); you become its director")
    async def create_exercise(p: Principal = Depends(principal), scenario: Optional[UploadFile] = File(None),
                              builtin: Optional[str] = Form(None), seed: int = Form(0)):
        from sarex.server import services

        if "director" not in {r for rs in p.grants.values() for r in rs}:
            raise ApiError(403, "role: only a director of an exercise may create exercises", "role")
        if (scenario is None) == (builtin is None):
            raise ApiError(422, "scenario: give either a scenario file or builtin=korea-japan", "scenario")
        if scenario is not None:
            raw = await scenario.read()
            try:
                text, src = raw.decode("utf-8"), Path(scenario.filename or "scenario.toml").name
            except UnicodeDecodeError:
                raise ApiError(400, "scenario: the file is not UTF-8 text", "scenario") from None
        else:
            text, src = services.builtin_scenario_text(builtin), builtin

        def make(s):
            from sarex.server.models import User

            ex = workflow.add_exercise(s, p.name, text, src, seed, director=s.get(User, p.user_id))
            return {"id": ex.id, "name": ex.name}

        return await asyncio.to_thread(tx, make)

    @app.get("/api/exercises/{exercise_id}", tags=["exercise"])
    def exercise(exercise_id: int, p: Principal = Depends(principal)):
        return rd(workflow.exercise_view, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/truth", tags=["exercise"], summary="The truth: director and evaluators; everyone after its release")
    def truth(exercise_id: int, p: Principal = Depends(principal)):
        return rd(workflow.truth, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/units", tags=["exercise"])
    def units(exercise_id: int, p: Principal = Depends(principal)):
        return rd(workflow.units, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/periods", tags=["exercise"])
    def periods(exercise_id: int, p: Principal = Depends(principal)):
        return rd(workflow.periods, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/audit", tags=["exercise"], summary="The exercise's audit entries (director)")
    def audit_log(exercise_id: int, p: Principal = Depends(principal), limit: int = Query(200, ge=1, le=5000)):
        return rd(workflow.audit_entries, p, exercise_id, limit)

    # --- jobs ---------------------------------------------------------------------------------------
    @app.post("/api/exercises/{exercise_id}/jobs", tags=["jobs"], status_code=202)
    def create_job(exercise_id: int, body: JobIn, p: Principal = Depends(principal)):
        j = tx(lambda s: plans.job_view(plans.create_job(s, p, exercise_id, body.kind, body.particles, body.period)))
        runner.submit(j["id"])
        return j

    @app.get("/api/exercises/{exercise_id}/jobs", tags=["jobs"])
    def jobs(exercise_id: int, p: Principal = Depends(principal)):
        return rd(plans.list_jobs, p, exercise_id)

    @app.get("/api/jobs/{job_id}", tags=["jobs"])
    def job(job_id: int, p: Principal = Depends(principal)):
        return rd(plans.get_job, p, job_id)

    @app.post("/api/jobs/{job_id}/cancel", tags=["jobs"])
    def cancel(job_id: int, p: Principal = Depends(principal)):
        j = tx(lambda s: plans.job_view(plans.cancel_job(s, p, job_id)))
        runner.cancel(job_id)
        return j

    # --- plans -------------------------------------------------------------------------------------
    @app.get("/api/exercises/{exercise_id}/proposals/{period}", tags=["plans"], summary="Computed plan proposal (planner: own nation)")
    def proposal(exercise_id: int, period: int, p: Principal = Depends(principal)):
        return rd(plans.proposal, p, exercise_id, period)

    @app.get("/api/exercises/{exercise_id}/datum", tags=["plans"], summary="The forecast drifting datum")
    def datum(exercise_id: int, p: Principal = Depends(principal)):
        return rd(plans.datum, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/plans", tags=["plans"])
    def plan_list(exercise_id: int, p: Principal = Depends(principal)):
        return rd(plans.list_plans, p, exercise_id)

    @app.post("/api/exercises/{exercise_id}/plans", tags=["plans"], status_code=201, summary="Draft a nation's plan for a period")
    def draft(exercise_id: int, body: DraftIn, p: Principal = Depends(principal)):
        return tx(lambda s: plans.plan_view(plans.draft_plan(s, p, exercise_id, body.period, body.nation)))

    @app.post("/api/exercises/{exercise_id}/plans/{plan_id}/approve", tags=["plans"], summary="Approve a plan (coordinator)")
    def approve(exercise_id: int, plan_id: int, p: Principal = Depends(principal)):
        return tx(lambda s: plans.plan_view(plans.approve_plan(s, p, exercise_id, plan_id), full=False))

    @app.get("/api/exercises/{exercise_id}/tasking", tags=["plans"], summary="A unit's own tasking in approved plans")
    def tasking(exercise_id: int, p: Principal = Depends(principal)):
        return rd(plans.tasking, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/exports/{period}/{unit}.{fmt}", tags=["plans"], summary="Route (gpx, rtz), area (kml) or SAP message (msg)")
    def export(exercise_id: int, period: int, unit: str, fmt: str, p: Principal = Depends(principal), lang: str = "en"):
        text, media = rd(plans.export, p, exercise_id, period, unit, fmt, lang)
        return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{workflow._check_code(unit, "unit")}-p{period}.{fmt if fmt != "msg" else lang + ".txt"}"'})

    # --- reports -----------------------------------------------------------------------------------
    @app.post("/api/exercises/{exercise_id}/positions", tags=["reports"], status_code=201, summary="A unit's position reports (JSON)")
    async def post_positions(exercise_id: int, body: PositionsIn, p: Principal = Depends(principal_cached)):
        raw = [r.model_dump() for r in body.reports]
        try:
            rows = reports.prepare_positions(p, exercise_id, raw)
        except (Missing, Denied):
            fresh = await asyncio.to_thread(_lookup, p.token_hash)  # a grant made since the principal was cached?
            if fresh.epoch == p.epoch:
                raise
            p, rows = fresh, reports.prepare_positions(fresh, exercise_id, raw)
        return await writer.post(PositionBatch(p, exercise_id, rows), raw)

    @app.post("/api/exercises/{exercise_id}/positions/upload", tags=["reports"], status_code=201, summary="Upload a GPX, NMEA 0183 or AIS log of your unit")
    async def upload(exercise_id: int, file: UploadFile = File(...), p: Principal = Depends(principal)):
        data = await file.read()
        name = Path(file.filename or "upload").name
        raw, kind = await asyncio.to_thread(rd, reports.upload_rows, p, exercise_id, data, name)
        return await writer.post(PositionBatch(p, exercise_id, reports.prepare_positions(p, exercise_id, raw), kind), raw)

    @app.get("/api/exercises/{exercise_id}/positions", tags=["reports"])
    def get_positions(exercise_id: int, p: Principal = Depends(principal), after_id: int = Query(0, ge=0), limit: int = Query(10000, ge=1, le=100000)):
        return rd(reports.positions, p, exercise_id, after_id, limit)

    @app.post("/api/exercises/{exercise_id}/sightings", tags=["reports"], status_code=201)
    def post_sighting(exercise_id: int, body: SightingIn, p: Principal = Depends(principal)):
        return tx(reports.post_sighting, p, exercise_id, body.time, body.lon, body.lat, body.note)

    @app.get("/api/exercises/{exercise_id}/sightings", tags=["reports"])
    def get_sightings(exercise_id: int, p: Principal = Depends(principal)):
        return rd(reports.sightings, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/events", tags=["reports"], summary="Server-sent events: new position reports, injects as they are delivered to you (and the truth once released)")
    async def events(exercise_id: int, p: Principal = Depends(principal), after_id: int = Query(0, ge=0), max_s: float = Query(3600.0, gt=0, le=86400)):
        ex = await asyncio.to_thread(rd, workflow.exercise_view, p, exercise_id)  # checks access before streaming

        async def stream():
            last, waited, sent_truth, sent_injects, tick = after_id, 0.0, False, set(), 0
            if "truth" in ex:
                yield f"event: truth\ndata: {json.dumps(ex['truth'], ensure_ascii=False)}\n\n"
                sent_truth = True
            while waited < max_s:
                if tick % 4 == 0:  # injects as they fall due (every 2 s when idle)
                    for inj in await asyncio.to_thread(rd, injects.visible, p, exercise_id):
                        if inj["delivered"] and inj["id"] not in sent_injects:
                            sent_injects.add(inj["id"])
                            yield f"event: inject\ndata: {json.dumps(inj, ensure_ascii=False)}\n\n"
                tick += 1
                rows = await asyncio.to_thread(rd, reports.positions, p, exercise_id, last, 1000)
                for r in rows:
                    yield f"id: {r['id']}\nevent: position\ndata: {json.dumps(r)}\n\n"
                    last = r["id"]
                if not rows:
                    yield ": keep-alive\n\n"
                    await asyncio.sleep(0.5)
                    waited += 0.5
                if not sent_truth and waited % 5 < 0.5:
                    t = await asyncio.to_thread(_maybe_truth, p, exercise_id)
                    if t is not None:
                        yield f"event: truth\ndata: {json.dumps(t, ensure_ascii=False)}\n\n"
                        sent_truth = True

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    def _maybe_truth(p, exercise_id):
        try:
            return rd(workflow.truth, p, exercise_id)
        except (Denied, Missing):  # not released yet, or a real case with no truth
            return None

    # --- end of exercise ----------------------------------------------------------------------------
    @app.post("/api/exercises/{exercise_id}/endex", tags=["exercise"], summary="End the exercise (director)")
    def endex(exercise_id: int, p: Principal = Depends(principal)):
        return tx(reports.endex, p, exercise_id)

    @app.post("/api/exercises/{exercise_id}/release", tags=["exercise"], summary="Release the truth and the evaluation to all participants (director, after ENDEX)")
    def release(exercise_id: int, p: Principal = Depends(principal)):
        return tx(reports.release, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/scores", tags=["exercise"])
    def scores(exercise_id: int, p: Principal = Depends(principal)):
        return rd(reports.scores, p, exercise_id)

    @app.get("/api/exercises/{exercise_id}/report.html", tags=["exercise"], response_class=HTMLResponse, summary="After-action report")
    def report(exercise_id: int, p: Principal = Depends(principal)):
        return HTMLResponse(rd(reports.report_html, p, exercise_id))

    interop.add_routes(app, store, principal, rd)
    api_flow.add_routes(app, principal, tx, rd)

    # --- UI and API docs from vendored assets ----------------------------------------------------------
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="sarex API", swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css", swagger_favicon_url="/static/favicon.svg",
                                   oauth2_redirect_url="/static/vendor/swagger-ui/oauth2-redirect.html")

    # The router tries routes in order: the busiest one (units' position reports) goes first.
    hot = [r for r in app.router.routes if getattr(r, "path", "") == "/api/exercises/{exercise_id}/positions" and "POST" in getattr(r, "methods", ())]
    app.router.routes[:] = hot + [r for r in app.router.routes if r not in hot]
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    app.fast_path = partial(PositionFastPath, cache=cache, writer=writer, model=PositionsIn, max_bytes=max_upload_bytes)
    return app
