"""Exercise scenarios whose distress is a case: ``[[scenario]]`` tables (:mod:`sarex.drift.case`).

An exercise file may give what is reported as a case (the same ``[[scenario]]`` tables as
``sarex case``: weighted point/area/voyage/... scenarios with object mixtures): the
planners' forecast drift is then the case's ensemble. ``[reported]`` becomes optional: by
default it is the case's summary (weighted centre and spread of the starts, the earliest
start, the heaviest object class). The truth can be drawn from the case::

    [truth]
    from_case = true          # scenario drawn by its weight, object by the scenario's mixture
    scenario = "On the fishing ground"   # or named (then from_case may be left out)
    object = "PIW-1"          # optional: named, else drawn
    seed = 7                  # the draw's seed (default 0)
    [truth.environment] ...

The truth's position and time are one draw of that scenario's start distribution; its
object is the class at distress (a state chain's later changes are not drifted for the truth).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sarex.drift.case import build_ensemble, check_case, parse_case
from sarex.drift.case.build import group_key, sample_scenario
from sarex.drift.case.model import At, Case
from sarex.errors import SarexInputError
from sarex.geo import LocalProjection
from sarex.times import iso
from sarex.tomlfile import field_message

#: keys of ``[truth]`` that draw the truth from the case
CASE_TRUTH_KEYS = ("from_case", "scenario", "object", "seed")
#: stream of the truth draw (independent of the forecast particles' streams)
TRUTH_STREAM = 0x54525554


def split_case(raw: dict[str, Any], source: Any) -> tuple[dict[str, Any], Case | None]:
    """The exercise file without its ``[[scenario]]`` tables, with ``[reported]`` and ``[truth]`` filled from the case."""
    if "scenario" not in raw:
        truth = raw.get("truth")
        if isinstance(truth, dict) and any(k in truth for k in CASE_TRUTH_KEYS):
            key = next(k for k in CASE_TRUTH_KEYS if k in truth)
            raise SarexInputError(field_message(source, f"truth.{key}", truth[key], "needs the case: [[scenario]] tables in the file"))
        return raw, None
    raw = dict(raw)
    case = parse_case({"title": str(raw.get("name", "")), "scenario": raw.pop("scenario")}, str(source))
    check_case(case, str(source))
    if "reported" not in raw:
        raw["reported"] = reported_from_case(case)
    truth = raw.get("truth")
    if isinstance(truth, dict) and any(k in truth for k in CASE_TRUTH_KEYS):
        raw["truth"] = truth_from_case(case, truth, source)
    return raw, case


def reported_from_case(case: Case, particles: int = 4000) -> dict[str, Any]:
    """A ``[reported]`` table summarising the case: weighted centre and 1-sd radius of the starts, earliest start, heaviest class."""
    ce = build_ensemble(case, max(particles, 2 * len(case.scenario) * 8), 0, math.inf)
    e = ce.ensemble
    w = e.weight / e.weight.sum()
    guess = LocalProjection(float(np.median(e.lon)), float(np.median(e.lat)))
    x, y = guess.forward(e.lon, e.lat)
    mx, my = float(np.sum(w * x)), float(np.sum(w * y))
    lon, lat = guess.inverse(np.array([mx]), np.array([my]))
    radius = math.sqrt(float(np.sum(w * ((x - mx) ** 2 + (y - my) ** 2))) / 2.0)
    cls = ce.object_keys[int(np.bincount(e.object_index, weights=e.weight).argmax())]
    parts = ", ".join(f"{s.name} {100 * wt:.0f} %" for s, wt in zip(case.scenario, case.weights()))
    return {"lon": round(float(lon[0]), 6), "lat": round(float(lat[0]), 6), "time": iso(float(e.time_s.min())),
            "radius_m": round(radius, 1), "object_class": cls, "summary": f"case of {len(case.scenario)} scenarios: {parts}"}


def truth_from_case(case: Case, truth: dict[str, Any], source: Any) -> dict[str, Any]:
    """The ``[truth]`` table with lon, lat, time and object_class drawn from (or named in) the case."""
    for k in ("lon", "lat", "time", "object_class"):
        if k in truth:
            raise SarexInputError(field_message(source, f"truth.{k}", truth[k], "give the truth's position or draw it from the case, not both"))
    seed = truth.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SarexInputError(field_message(source, "truth.seed", seed, "must be a whole number >= 0"))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(TRUTH_STREAM,)))
    names = [s.name for s in case.scenario]
    if "scenario" in truth:
        if truth["scenario"] not in names:
            raise SarexInputError(field_message(source, "truth.scenario", truth["scenario"], f"is not a scenario of the case ({', '.join(names)})"))
        i = names.index(truth["scenario"])
    else:
        if truth.get("from_case") is not True:
            raise SarexInputError(field_message(source, "truth.from_case", truth.get("from_case"), "must be true (or name the truth's scenario)"))
        i = int(rng.choice(len(names), p=np.asarray(case.weights())))
    sc = case.scenario[i]
    classes = [o.class_ for o in sc.objects]
    if "object" in truth:
        if truth["object"] not in classes:
            raise SarexInputError(field_message(source, "truth.object", truth["object"], f"is not an object of scenario {sc.name!r} ({', '.join(classes)})"))
        obj = truth["object"]
    else:
        wo = np.array([o.weight for o in sc.objects])
        obj = classes[int(rng.choice(len(classes), p=wo / wo.sum()))]
    start = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(TRUTH_STREAM, group_key(sc.name, obj))))
    lon, lat, t = sample_scenario(start, 1, sc, At(str(source), i, sc.name))
    out = {k: v for k, v in truth.items() if k not in CASE_TRUTH_KEYS}
    return {**out, "lon": float(lon[0]), "lat": float(lat[0]), "time": iso(float(t[0])), "object_class": obj, "case_scenario": sc.name}
