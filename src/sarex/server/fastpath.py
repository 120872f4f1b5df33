"""The units' position reports without the web framework's per-request machinery (issue 11 load bar).

``POST /api/exercises/{id}/positions`` with a bearer token whose principal is cached and a body
that validates is answered here: the same model (:class:`~sarex.server.api.PositionsIn`), the same
use-case check (:func:`~sarex.server.reports.prepare_positions`) and the same group commit as the
route. Everything else, including every request that would be refused before the write, is handed
to the application unchanged (its body replayed), so the route's answers, errors and OpenAPI entry
stay the only definition; this middleware only skips routing, dependency solving and validation
wrappers for the common case. Refusals that only the writer can give (ENDEX, a revoked token) are
answered here in the route's one-line JSON form.
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from sarex.server.ingest import GroupCommit, Revoked
from sarex.server.reports import PositionBatch, prepare_positions
from sarex.server.security import PrincipalCache, token_digest
from sarex.server.workflow import Conflict, Denied, Missing

_PATH = re.compile(r"^/api/exercises/([0-9]{1,9})/positions$")
_STATUS = ((Revoked, 401), (Denied, 403), (Missing, 404), (Conflict, 409))


class PositionFastPath:
    def __init__(self, app, cache: PrincipalCache, writer: GroupCommit, model) -> None:
        self.app, self.cache, self.writer, self.model = app, cache, writer, model

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not (m := _PATH.match(scope["path"])):
            return await self.app(scope, receive, send)
        auth = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        if not auth[:7].lower() == b"bearer ":
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
            rows = prepare_positions(p, exercise_id, raw)
        except (ValidationError, Exception):  # noqa: BLE001 - the route gives the answer (422, 403, 404, ...)
            return await self.app(scope, _replay(body, receive), send)
        try:
            result = await self.writer.post(PositionBatch(p, exercise_id, rows), raw)
        except Exception as exc:  # noqa: BLE001
            status = next((code for cls, code in _STATUS if isinstance(exc, cls)), None)
            if status is None:
                raise
            return await _json(send, status, {"error": " ".join(str(exc).split()), "field": getattr(exc, "field", "")})
        await _json(send, 201, result)


def _replay(body: bytes, receive):
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def _json(send, status: int, data) -> None:
    out = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(out)).encode())]})
    await send({"type": "http.response.body", "body": out})
