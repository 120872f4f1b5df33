"""The units' position reports without the web framework's per-request machinery (issue 11 load bar).

``POST /api/exercises/{id}/positions`` with a bearer token whose principal is cached and a body
that validates is answered here by the route's own handler
(:meth:`~sarex.server.ingest.GroupCommit.accept`: the grants check, a fresh principal if refused,
the group commit) after the route's model (:class:`~sarex.server.schemas.PositionsIn`); its
refusals are answered as the application's error handlers answer them (one table,
:mod:`sarex.server.refusals`). Everything else (no bearer token, an uncached principal, a body that
does not validate) is handed to the application unchanged (its body replayed), so the route's
validation answers and OpenAPI entry stay the only definition; this middleware only skips routing,
dependency solving and validation wrappers for the common case.

It wraps the whole application, outside FastAPI's and Starlette's own middleware (error
handler, body-limit and telemetry layers) and ours (:mod:`sarex.server.limits`), because each
layer costs a coroutine call and a closure per request on the one core the server has; so it
applies the body limit and the security headers itself, and only to bodies that declare their
length (anything else goes the long way, through :class:`~sarex.server.limits.BodyLimit`).
"""

from __future__ import annotations

import json
import logging
import re
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Optional

from fastapi import FastAPI
from pydantic import ValidationError

from sarex.server.auth import Auth
from sarex.server.errors import error_body
from sarex.server.ingest import GroupCommit
from sarex.server.limits import SECURITY_HEADERS
from sarex.server.refusals import refusal_of
from sarex.server.security import PrincipalCache, token_digest

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from sarex.server.schemas import PositionsIn

_PATH = re.compile(r"^/api/exercises/([0-9]{1,9})/positions$")
log = logging.getLogger("sarex.server.fastpath")


class PositionFastPath:
    def __init__(self, app: ASGIApp, cache: PrincipalCache, auth: Auth, writer: GroupCommit, model: type[PositionsIn], max_bytes: int) -> None:
        self.app, self.cache, self.writer, self.model, self.max_bytes = app, cache, writer, model, max_bytes
        self.refresh = auth.refresh

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not (m := _PATH.match(scope["path"])):
            return await self.app(scope, receive, send)
        auth = length = b""
        for k, v in scope["headers"]:
            if k == b"authorization":
                auth = v
            elif k == b"content-length":
                length = v
        # no declared length, or too long: the application's BodyLimit answers (413 early, or counting)
        if not auth[:7].lower() == b"bearer " or not length.isdigit() or int(length) > self.max_bytes:
            return await self.app(scope, receive, send)
        p = self.cache.get(token_digest(auth[7:].decode("latin-1").strip()))
        if p is None:
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                return  # the client went away
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        exercise_id = int(m.group(1))
        try:
            raw = [r.model_dump() for r in self.model.model_validate_json(body).reports]
        except ValidationError:  # the route answers it, in the words of its request validation
            return await self.app(scope, _replay(body, receive), send)
        try:
            result = await self.writer.accept(p, exercise_id, raw, self.refresh)
        except Exception as exc:  # noqa: BLE001 - answered as the application's error handlers would
            refused = refusal_of(exc)
            if refused is None:  # a fault: the type only is logged
                log.error("position report failed: %s", type(exc).__name__)
                return await _json(send, 500, error_body(500, "internal error", "", "internal"))
            return await _json(send, refused.status, refused.body)
        await _json(send, 201, result)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


# One encoder and one header tuple for every answer, not json.dumps's per-call encoder and a list
# built per request: this runs once per report on the server's busiest path.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_HEADERS = ((b"content-type", b"application/json"), *SECURITY_HEADERS)


async def _json(send: Send, status: int, data: Any) -> None:
    out = _encode(data).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": (*_HEADERS, (b"content-length", b"%d" % len(out)))})
    await send({"type": "http.response.body", "body": out})


class FastPathApp(FastAPI):
    """FastAPI with the units' position fast path in front of it, outside even its own ``__call__``
    (which looks up its telemetry settings in the environment on every request) and its whole
    middleware stack: per-request layers cost CPU on the busiest route (see :mod:`sarex.server.fastpath`)."""

    fast_path: Optional[Callable[[ASGIApp], ASGIApp]] = None
    _outer: Optional[ASGIApp] = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast_path is None:
            return await super().__call__(scope, receive, send)
        if self._outer is None:
            self._outer = self.fast_path(partial(FastAPI.__call__, self))
        await self._outer(scope, receive, send)
