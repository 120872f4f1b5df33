"""Group commit of position reports: one writer thread, many requests per transaction.

Request handlers check a report against the caller's cached grants and queue it;
the writer takes everything queued (up to ``max_reports``), writes it in one
transaction (one multi-row insert that skips report ids already stored, one
audit entry per stored report from a single chain-head read) and only after the commit
resolves each request's future, so an acknowledged report is durable. The
requests of one batch that wait in the event loop are woken by one call into
that loop per batch, not one per request (each such call writes to the loop's
wake-up pipe). While one
batch commits the next one gathers, so the batch grows with the load and an idle
server answers at once. If a batch fails as a whole, its requests are retried
one by one so that one bad request cannot refuse the others.

Before writing, the writer reads the store's ``auth_epoch`` once (in the one statement
that also reads the exercises' states and the audit chain's head,
:func:`~sarex.server.batchwrite.batch_state`): a request whose principal was cached at an
older epoch is checked again against the current grants (a revoked token gets ``Revoked``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from sarex.server import batchwrite, reports, workflow
from sarex.server.db import Store
from sarex.server.batchwrite import PositionBatch
from sarex.server.security import Principal, PrincipalCache, principal_for_digest

log = logging.getLogger("sarex.server.ingest")


class Revoked(Exception):
    """The session or token was revoked or expired while its request waited (HTTP 401)."""

    def __init__(self, msg: str, field: str = "authorization") -> None:
        super().__init__(msg)
        self.field = field


@dataclass(eq=False)  # hashed by identity
class _Item:
    batch: PositionBatch
    raw: list[dict[str, Any]]
    future: concurrent.futures.Future[list[dict[str, Any]]] | None = None  # a caller outside the event loop (submit)
    waiter: asyncio.Future[list[dict[str, Any]]] | None = None  # or one in it (post)


class GroupCommit:
    """The single writer of position reports (start it once per server process)."""

    def __init__(self, store: Store, cache: PrincipalCache | None = None, max_reports: int = 2000) -> None:
        self.store, self.cache, self.max_reports = store, cache, max_reports
        self._q: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="sarex-group-commit", daemon=True)
        self.batches = 0
        self.reports = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        if self._thread.is_alive():
            self._q.put(None)
            self._thread.join(60)

    def submit(self, batch: PositionBatch, raw: list[dict[str, Any]]) -> concurrent.futures.Future[list[dict[str, Any]]]:
        """Queue a checked request; the future gives its results once committed (``raw``: the reports
        as received, checked again if the principal turns out stale)."""
        item = _Item(batch, raw, future=concurrent.futures.Future())
        if not self._thread.is_alive():
            item.future.set_exception(RuntimeError("the report writer is not running"))
        else:
            self._q.put(item)
        return item.future

    async def accept(self, p: Principal, exercise_id: int, raw: list[dict[str, Any]],
                     refresh: Callable[[str], Awaitable[Principal]]) -> list[dict[str, Any]]:
        """The one handler of a unit's JSON position reports, for the route and the fast path:
        checked against the caller's grants (:func:`~sarex.server.reports.prepare_positions`; if
        refused, once more with the principal read afresh by ``refresh(token hash)`` in case a grant
        was made since it was cached), then group-committed. Raises the refusal otherwise."""
        try:
            rows = reports.prepare_positions(p, exercise_id, raw)
        except (workflow.Missing, workflow.Denied):
            fresh = await refresh(p.token_hash)
            if fresh.epoch == p.epoch:
                raise
            p, rows = fresh, reports.prepare_positions(fresh, exercise_id, raw)
        return await self.post(PositionBatch(p, exercise_id, rows), raw)

    async def post(self, batch: PositionBatch, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self._thread.is_alive():
            raise RuntimeError("the report writer is not running")
        item = _Item(batch, raw, waiter=asyncio.get_running_loop().create_future())
        self._q.put(item)
        return await item.waiter

    def _loop(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            items, n, stop = [item], len(item.batch.rows), False
            while n < self.max_reports:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                items.append(nxt)
                n += len(nxt.batch.rows)
            self._write(items)
            if stop:
                return

    def _write(self, items: list[_Item]) -> None:
        try:
            with self.store.tx() as s:
                state = batchwrite.batch_state(s, {it.batch.exercise_id for it in items})
                done = self._recheck(s, items, state.epoch)
                todo = [it for it in items if it not in done]
                results = batchwrite.write_positions(s, [it.batch for it in todo], state)
            done.update(zip(todo, results))
        except Exception as exc:  # noqa: BLE001 - retried one by one, or handed to the request
            if len(items) > 1:
                for it in items:
                    self._write([it])
                return
            log.warning("position batch failed: %s", type(exc).__name__)
            _settle([(items[0], exc)])
            return
        self.batches += 1
        self.reports += sum(len(r) for r in done.values() if not isinstance(r, Exception))
        _settle([(it, done[it]) for it in items])

    def _recheck(self, s, items: list[_Item], epoch: int) -> dict[str, Any]:
        """Check again the requests whose principal is older than the store's auth ``epoch``; returns
        {item: error} for those now refused (their batch is replaced by one for the fresh principal)."""
        refused: dict[str, Any] = {}
        fresh: dict[str, object] = {}
        for it in items:
            p = it.batch.p
            if p.epoch == epoch or not p.token_hash:
                continue
            if p.token_hash not in fresh:
                fresh[p.token_hash] = principal_for_digest(s, p.token_hash, epoch)
                if self.cache is not None:
                    self.cache.drop(p.token_hash) if fresh[p.token_hash] is None else self.cache.put(fresh[p.token_hash])
            p2 = fresh[p.token_hash]
            if p2 is None:
                refused[it] = Revoked("authorization: the session or token was revoked or has expired")
                continue
            try:
                rows = reports.prepare_positions(p2, it.batch.exercise_id, it.raw)
            except Exception as exc:  # noqa: BLE001 - the request's own error (403/404/400)
                refused[it] = exc
                continue
            it.batch = PositionBatch(p2, it.batch.exercise_id, rows, it.batch.source, it.batch.actor)
        return refused


def _settle(outcomes: list[tuple[_Item, list[dict[str, Any]] | Exception]]) -> None:
    """Hand each request its results or error: concurrent futures at once, the event loop's waiters
    in one call per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[list[dict[str, Any]]], list[dict[str, Any]] | Exception]]] = {}
    for it, res in outcomes:
        if it.waiter is not None:
            by_loop.setdefault(it.waiter.get_loop(), []).append((it.waiter, res))
        elif isinstance(res, Exception):
            it.future.set_exception(res)
        else:
            it.future.set_result(res)
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_wake, pairs)
        except RuntimeError:  # the loop was closed (server shutting down): nobody is waiting
            pass


def _wake(pairs: list[tuple[asyncio.Future[list[dict[str, Any]]], list[dict[str, Any]] | Exception]]) -> None:
    for fut, res in pairs:
        if fut.done():  # the request was cancelled (its client went away)
            continue
        if isinstance(res, Exception):
            fut.set_exception(res)
        else:
            fut.set_result(res)
