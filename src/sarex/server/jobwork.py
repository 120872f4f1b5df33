"""What a job computes, in its worker process (:mod:`sarex.server.jobs` schedules and watches it)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, cast

from sarex.server import audit, services
from sarex.server.models import Exercise, Job

if TYPE_CHECKING:
    from collections.abc import Callable

    from sarex.server.db import Store


def run_job(store: Store, job_id: int, progress: Callable[[float, str], None]) -> None:
    """Execute a job (in a worker process): compute, then store the result unless it was cancelled meanwhile."""
    from sarex.server.updates import FORECAST_KINDS, job_inputs

    with store.tx() as s:
        # the scheduler stored the job (and its exercise) before starting this process: both exist
        j = cast("Job", s.get(Job, job_id))
        ex = cast("Exercise", s.get(Exercise, j.exercise_id))
        params, toml_text, kind = json.loads(j.params_json), ex.scenario_toml, j.kind
        inputs = job_inputs(s, j) if kind in FORECAST_KINDS else {}
        if kind == "evaluate":
            from sarex.server.played_export import build

            played = build(s, ex)
        from sarex.server import comms

        sc = comms.apply(services.parse_scenario_text(toml_text, case=True), ex)
    if kind in FORECAST_KINDS:
        result = services.forecast_and_plan(sc, params["particles"], params["seed"], progress, **inputs)
    else:
        result = services.evaluate(toml_text, params["seed"], params["particles"], progress, played=played)
    with store.tx() as s:
        j = cast("Job", s.get(Job, job_id, with_for_update=True))
        if j.status != "running":
            return
        j.status, j.progress, j.message, j.updated_s = "done", 1.0, "done", time.time()
        j.result_json = json.dumps(result, ensure_ascii=False)
        audit.record(s, "job-runner", "job.done", {"id": j.id, "kind": kind}, j.exercise_id, rows=[j])
