"""Background jobs: each runs in its own worker process, one at a time, recorded in the store.

The state lives in the ``jobs`` table, so a restart loses nothing: on start,
a job left ``queued`` or ``running`` by a crashed server is queued again and
resumed (jobs are deterministic per seed, so a rerun gives the same result);
one interrupted twice is marked failed. A worker process keeps the numerical
work off the web server's interpreter and can be stopped at once on cancel.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from typing import TYPE_CHECKING

from sqlalchemy import select

from sarex.errors import SarexInputError
from sarex.server import audit
from sarex.server.db import Store
from sarex.server.models import Job

if TYPE_CHECKING:
    from pathlib import Path

MAX_ATTEMPTS = 2


def _exit_with_parent(parent: int) -> None:  # pragma: no cover - child process
    """A worker whose server was killed (kill -9 leaves it orphaned) stops too; the next server reruns the job."""

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(3)


def _worker(url: str, job_id: int, parent: int, key_file: Path | None = None) -> None:  # pragma: no cover - runs in a child process
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    store = Store(url, upgrade=False, key_file=key_file)

    def progress(fraction: float, message: str) -> None:
        with store.tx() as s:
            j = s.get(Job, job_id)
            if j.status == "running":
                j.progress, j.message, j.updated_s = float(fraction), message[:500], time.time()

    from sarex.server.jobwork import run_job

    try:
        run_job(store, job_id, progress)
    except Exception as exc:
        from sarex.server.plans import public_message

        msg = public_message(str(exc)) if isinstance(exc, SarexInputError) else f"internal error ({type(exc).__name__})"
        traceback.print_exc()
        with store.tx() as s:
            j = s.get(Job, job_id)
            if j.status == "running":
                j.status, j.message, j.updated_s = "failed", msg[:500], time.time()
                audit.record(s, "job-runner", "job.failed", {"id": j.id, "why": msg[:200]}, j.exercise_id)


class JobRunner:
    """Runs queued jobs one after another in spawned worker processes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._q: queue.Queue[int] = queue.Queue()
        self._current: tuple[int, mp.Process] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sarex-jobs", daemon=True)

    def start(self) -> None:
        """Recover jobs a previous server left unfinished, then start the loop."""
        with self.store.tx() as s:
            for j in s.execute(select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.id)).scalars():
                if j.status == "running" and j.attempts >= MAX_ATTEMPTS:
                    j.status, j.message = "failed", f"interrupted {j.attempts} times by a server restart"
                    audit.record(s, "job-runner", "job.failed", {"id": j.id, "why": "interrupted"}, j.exercise_id)
                    continue
                if j.status == "running":
                    j.status, j.message = "queued", "resumed after a server restart"
                    audit.record(s, "job-runner", "job.resume", {"id": j.id}, j.exercise_id)
                j.updated_s = time.time()
                self._q.put(j.id)
        self._thread.start()

    def submit(self, job_id: int) -> None:
        self._q.put(job_id)

    def cancel(self, job_id: int) -> None:
        """Stop the worker of a job already marked cancelled in the store."""
        cur = self._current
        if cur is not None and cur[0] == job_id and cur[1].is_alive():
            cur[1].terminate()

    def stop(self) -> None:
        self._stop.set()
        self._q.put(-1)
        cur = self._current
        if cur is not None and cur[1].is_alive():
            cur[1].terminate()

    def _loop(self) -> None:
        ctx = mp.get_context("spawn")
        while not self._stop.is_set():
            job_id = self._q.get()
            if job_id < 0:
                return
            with self.store.tx() as s:
                j = s.get(Job, job_id)
                if j is None or j.status != "queued":
                    continue
                j.status, j.attempts, j.message, j.updated_s = "running", j.attempts + 1, "starting", time.time()
            import os

            proc = ctx.Process(target=_worker, args=(self.store.url, job_id, os.getpid(), self.store.key_file), daemon=True)
            self._current = (job_id, proc)
            proc.start()
            proc.join()
            self._current = None
            with self.store.tx() as s:
                j = s.get(Job, job_id)
                if j.status == "running":  # the worker died without saying why
                    j.status, j.message, j.updated_s = "failed", f"worker exited with code {proc.exitcode}", time.time()
                    audit.record(s, "job-runner", "job.failed", {"id": j.id, "why": f"exit {proc.exitcode}"}, j.exercise_id)
