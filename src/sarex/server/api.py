"""The web application: one router per resource (:mod:`sarex.server.routes`), the error handlers that
answer every refusal as one line of JSON (:mod:`sarex.server.errors`), and the start and stop of the
background services (group commit, job runner, NMEA-over-UDP listener). No use-case logic here."""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sarex.errors import SarexInputError
from sarex.server.auth import ApiError, Auth, Logins
from sarex.server.db import Store
from sarex.server.deliveries import DeliverySweeper
from sarex.server.errors import error_response
from sarex.server.fastpath import FastPathApp, PositionFastPath
from sarex.server.ingest import GroupCommit
from sarex.server.jobs import JobRunner
from sarex.server.limits import BodyLimit, SecurityHeaders
from sarex.server.refusals import REFUSALS, refusal_of
from sarex.server.routes import (alerts, auth, clock, communications, cot, events, exercises, features, injects, interop, jobs, land, messages,
                                 planflow, played, plans, reports, sitreps, ui)
from sarex.server.schemas import PositionsIn
from sarex.server.security import PrincipalCache, RateLimiter

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sarex.server.cot_tcp import CotTcpConfig
    from sarex.server.nmea_udp import UdpConfig

STATIC = Path(__file__).parent / "static"
ROUTERS = (reports, auth, exercises, jobs, plans, planflow, injects, events, interop, features, cot, land, clock, played, alerts, messages, sitreps,
           communications, ui)
"""Included in this order: the busiest route (units' position reports) is tried first."""


def _field_of(loc: tuple[int | str, ...]) -> str:
    """``body.reports[0].time`` from a pydantic error location."""
    field = ""
    for x in loc[1:] if loc and loc[0] in ("body", "query", "path", "form", "header", "cookie") else loc:
        field += f"[{x}]" if isinstance(x, int) else (f".{x}" if field else str(x))
    return field or "body"


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        e = exc.errors()[0]
        if e.get("type") == "json_invalid":
            return error_response(400, f"body: malformed JSON ({e.get('ctx', {}).get('error', 'invalid')}) at character {e['loc'][-1]}", "body")
        field = _field_of(tuple(e.get("loc", ())))
        return error_response(422, f"{field}: {e.get('msg', 'invalid')}", field)

    def _refused(_req: Request, exc: Exception) -> JSONResponse:
        r = refusal_of(exc)
        assert r is not None  # registered only for the refusals' classes
        return JSONResponse(r.body, status_code=r.status, headers=r.headers)

    for cls in (SarexInputError, ApiError, *(c for c, _ in REFUSALS)):
        app.add_exception_handler(cls, _refused)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), "", headers=getattr(exc, "headers", None))


def _openapi_states_every_answer(app: FastAPI) -> None:
    """Two answers FastAPI sends but does not document: a 400 for a request body it cannot parse
    (on every route with a body), and refusals as JSON also on routes whose own answer is not JSON
    (an HTML report's 404 is the one-line JSON error, not HTML)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        doc = base()
        for item in doc.get("paths", {}).values():
            for op in item.values():
                res = op.get("responses", {}) if isinstance(op, dict) else {}
                if "requestBody" in op and "400" not in res:
                    res["400"] = {"description": "bad request (a body that cannot be parsed)",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
                for code, r in res.items():
                    content = r.get("content", {})
                    if code[0] == "4" and content and "application/json" not in content:
                        r["content"] = {"application/json": next(iter(content.values()))}
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(store: Store, *, max_upload_bytes: int = 2_000_000, login_limit: int = 5, run_jobs: bool = True,
               nmea_udp: UdpConfig | None = None, cot_tcp: CotTcpConfig | None = None) -> FastAPI:
    """The web application on a store. Jobs run in worker processes unless ``run_jobs`` is false;
    ``nmea_udp`` (a :class:`~sarex.server.nmea_udp.UdpConfig`) adds the NMEA-over-UDP listener,
    ``cot_tcp`` (a :class:`~sarex.server.cot_tcp.CotTcpConfig`) the Cursor-on-Target stream port."""
    cache = PrincipalCache()
    runner, writer = JobRunner(store), GroupCommit(store, cache)
    sweeper = DeliverySweeper(store)  # inject deliveries audited as the clock reaches them

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writer.start()
        sweeper.start()
        if run_jobs:
            runner.start()
        listener = None
        if nmea_udp is not None:
            from sarex.server.nmea_udp import NmeaUdp

            listener = app.state.nmea_udp = NmeaUdp(store, writer, nmea_udp)
            await listener.start()
        cot_stream = None
        if cot_tcp is not None:
            from sarex.server.cot_tcp import CotTcp

            cot_stream = app.state.cot_tcp = CotTcp(store, cache, cot_tcp)
            await cot_stream.start()
        try:
            yield
        finally:
            if cot_stream is not None:
                cot_stream.stop()
            if listener is not None:
                listener.stop()
            sweeper.stop()
            writer.stop()
            runner.stop()

    app = FastPathApp(title="sarex server", version="0.1.0", docs_url=None, redoc_url=None, lifespan=lifespan,
                      description="Shared, access-controlled SAR cases and combined exercises (sarex).")
    app.state.store, app.state.runner, app.state.writer, app.state.cache = store, runner, writer, cache
    app.state.auth, app.state.limiter = Auth(store, cache), RateLimiter(login_limit, 60.0)
    app.state.logins = Logins(store, per_user=login_limit)
    _add_error_handlers(app)
    for module in ROUTERS:
        app.include_router(module.router)
    _openapi_states_every_answer(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    app.fast_path = partial(PositionFastPath, cache=cache, auth=app.state.auth, writer=writer, model=PositionsIn, max_bytes=max_upload_bytes)
    return app
