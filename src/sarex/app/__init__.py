"""The application layer: one function per use case, shared by the CLI, the demo and the server.

Each use case takes a validated request (a pydantic model, :mod:`sarex.app._validate`)
and an :class:`~sarex.app.output.OutputTarget`, writes its whole result through the
target and commits it once, and returns a result object for the front end to print.

============================  =========================================  ==============================
use case                      request                                    outputs (logical names)
============================  =========================================  ==============================
``env.env_synth``             ``EnvSynthRequest``                        env.nc
``env.env_inspect``           ``EnvInspectRequest``                      (none)
``env.env_sample``            ``EnvSampleRequest``                       samples.csv
``drift.drift``               ``DriftRequest``                           drift.nc [, drift.png]
``drift.drift_continue``      ``DriftContinueRequest``                   drift.nc [, drift.png]
``search.probability``        ``ProbabilityRequest``                     probability.nc [, areas.geojson, probability.png]
``search.search_update``      ``SearchUpdateRequest``                    drift.nc
``plan.plan``                 ``PlanRequest``                            the plan folder
``exercise.exercise_check``   ``ScenarioRequest``                        (none)
``exercise.exercise_brief``   ``ScenarioRequest``                        scenario.json, brief.html
``exercise.exercise_truth``   ``TruthRequest``                           truth.nc [, truth.png]
``exercise.exercise_run``     ``RunRequest``                             the exercise folder
``exercise.exercise_evaluate``  ``EvaluateRequest``                      replay.html, replay.pdf, replay_units.csv, replay_nations.csv
``demo.demo``                 (none)                                     the demo folder
============================  =========================================  ==============================

Build a request with :func:`sarex.app._validate.build` (one-line errors) or the model itself.
"""

from sarex.app._validate import build
from sarex.app.output import MANIFEST, FileSetTarget, FolderTarget, OutputTarget, run_into

__all__ = ["build", "MANIFEST", "FileSetTarget", "FolderTarget", "OutputTarget", "run_into"]
