"""The live stream (server-sent events): new position reports, injects as delivered, the truth once released."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from sarex.server import alerts, injects, reports, workflow
from sarex.server.deps import AfterId, ExerciseId, PrincipalDep, StoreDep, read
from sarex.server.errors import AUTH, responses
from sarex.server.workflow import Denied, Missing

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sarex.server.db import Store
    from sarex.server.security import Principal

router = APIRouter(tags=["reports"])


def _maybe_truth(store: Store, p: Principal, exercise_id: int) -> Any:
    try:
        return read(store, workflow.truth, p, exercise_id)
    except (Denied, Missing):  # not released yet, or a real case with no truth
        return None


def _sse(event: str, data: Any, id_: int | None = None) -> str:
    head = f"id: {id_}\n" if id_ is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/api/exercises/{exercise_id}/events", response_class=StreamingResponse,
            responses={**responses(*AUTH, 404), 200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "event stream"}},
            summary="Server-sent events: new position reports, separation alerts (event alert), injects as they are delivered to you (and the truth once released)")
async def events(exercise_id: ExerciseId, p: PrincipalDep, store: StoreDep, request: Request, after_id: AfterId = 0,
                 max_s: float = Query(3600.0, gt=0, le=86400)) -> StreamingResponse:
    ex = await asyncio.to_thread(read, store, workflow.exercise_view, p, exercise_id)  # checks access before streaming

    auth = request.app.state.auth

    async def stream() -> AsyncIterator[str]:
        last, waited, sent_truth, sent_injects, tick, last_alert = after_id, 0.0, False, set(), 0, 0
        if "truth" in ex:
            yield _sse("truth", ex["truth"])
            sent_truth = True
        while waited < max_s:
            # a logout, an expired session or a removed grant ends the stream within a second
            if tick % 2 == 0 and not await asyncio.to_thread(auth.alive, p, exercise_id):
                yield _sse("end", {"reason": "the session ended or the grant was removed"})
                return
            if tick % 4 == 0:  # injects as they fall due (every 2 s when idle)
                for inj in await asyncio.to_thread(read, store, injects.visible, p, exercise_id):
                    if inj["delivered"] and inj["id"] not in sent_injects:
                        sent_injects.add(inj["id"])
                        yield _sse("inject", inj)
            if tick % 2 == 0 and alerts.readable(p, exercise_id):  # separation alerts (issue 30), every second
                for al in await asyncio.to_thread(read, store, alerts.visible, p, exercise_id, last_alert):
                    last_alert = al["id"]
                    yield _sse("alert", al)
            tick += 1
            rows = await asyncio.to_thread(read, store, reports.positions, p, exercise_id, last, 1000)
            for r in rows:
                yield _sse("position", r, r["id"])
                last = r["id"]
            if not rows:
                yield ": keep-alive\n\n"
                await asyncio.sleep(0.5)
                waited += 0.5
            if not sent_truth and waited % 5 < 0.5:
                t = await asyncio.to_thread(_maybe_truth, store, p, exercise_id)
                if t is not None:
                    yield _sse("truth", t)
                    sent_truth = True

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
