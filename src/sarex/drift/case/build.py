"""From a case to a drift: particle allocation, per-group seeding, drift, the case variables.

Particles are allocated to scenarios by their normalised weights, then within a scenario to
its objects (largest remainders, each (scenario, object) group at least one particle). A
particle of group (s, o) carries the prior weight ``π = w_s · w_o|s / N(s, o)``, so the
probability map is the mixture ``Σ_s w_s Σ_o w_o|s p_{s,o}`` (REFERENCES §10).

Seeds: every group draws from its own stream, ``SeedSequence(seed, spawn_key=(crc32(scenario
name, class),))``, and its particles' counter-based keys (jibing) are that hash and their
index in the group. A group's particles are therefore the same whatever else is in the case,
so a case drifts exactly as the weighted sum of its scenarios run alone with the same seed and
start. The drift starts at the earliest release, floored to a whole time step since the epoch;
per-step draws use the absolute step number.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from sarex.drift.case.fixes import sample_beacon, sample_bearings
from sarex.drift.case.geometry import sample_error, sample_polygon, sample_times, valid_polygon
from sarex.drift.case.model import At, Case
from sarex.drift.case.states import median_h, sample_paths, state_history, survival_fraction, time_in_water, water_intervals
from sarex.drift.case.voyage import sample_dead_reckoning, sample_voyage
from sarex.drift.ensemble import Ensemble, positive_slope_normals
from sarex.drift.objects import get_object
from sarex.errors import SarexInputError
from sarex.times import to_epoch_s

LAND_TRIES = 20


def allocate(weights: list[float], n: int, what: str) -> list[int]:
    """Largest-remainder allocation of ``n`` particles to ``weights`` (each at least 1)."""
    w = np.asarray(weights, dtype=np.float64)
    exact = n * w / w.sum()
    k = np.floor(exact).astype(int)
    rest = n - int(k.sum())
    k[np.argsort(-(exact - k), kind="stable")[:rest]] += 1
    if (k < 1).any():
        raise SarexInputError(f"particles: {n} are too few for {what} (each needs at least one particle)")
    return k.tolist()


def group_key(scenario: str, object_class: str) -> int:
    """31-bit key of a (scenario, object) group: its seed stream and its particles' random keys."""
    return zlib.crc32(f"{scenario}\x1f{object_class}".encode()) & 0x7FFFFFFF


def sample_scenario(rng: np.random.Generator, n: int, sc, at: At) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start positions (degrees) and times (s since epoch) of ``n`` particles of scenario ``sc``."""
    t = sc.type
    if t == "point":
        lon, lat = sample_error(rng, n, sc.lon, sc.lat, sc)
        return lon, lat, sample_times(rng, n, to_epoch_s(sc.time), _opt(sc.end_time))
    if t == "area":
        poly = valid_polygon(sc.polygon, at)
        lon, lat = sample_polygon(rng, n, poly)
        return lon, lat, sample_times(rng, n, to_epoch_s(sc.time), _opt(sc.end_time))
    if t == "voyage":
        return sample_voyage(rng, n, sc, at)
    if t == "dead-reckoning":
        return sample_dead_reckoning(rng, n, sc, at)
    if t == "beacon":
        lon, lat = sample_beacon(rng, n, sc)
        return lon, lat, sample_times(rng, n, to_epoch_s(sc.time), _opt(sc.end_time))
    lon, lat = sample_bearings(rng, n, sc, at)
    return lon, lat, sample_times(rng, n, to_epoch_s(sc.time), _opt(sc.end_time))


def _opt(t):
    return None if t is None else to_epoch_s(t)


def check_case(case: Case, source: str = "case") -> None:
    """Checks that need geometry (polygons, bearing fixes, voyage times): draw a few particles of each scenario."""
    for i, sc in enumerate(case.scenario):
        end = getattr(sc, "end_time", None)
        if end is not None and to_epoch_s(end) < to_epoch_s(sc.time):
                raise At(source, i, sc.name).error("end_time", end, f"is before time {sc.time}")
        sample_scenario(np.random.default_rng(0), 16, sc, At(source, i, sc.name))


@dataclass
class CaseEnsemble:
    """A case's particles: the drift ensemble plus what the drift file records about the case."""

    ensemble: Ensemble
    start_s: float
    scenario: np.ndarray
    scenario_names: list[str]
    object_keys: list[str]
    state: np.ndarray | None  # initial state (index into state_names), -1 without a chain
    state_names: list[str]
    events: tuple[np.ndarray, np.ndarray, np.ndarray]  # time, particle, state
    in_water: np.ndarray  # per state: decays with survival
    survival: list  # per scenario: (median_h, shape) or None
    state_objects: list[int]  # per state: its object class (index into object_keys)


def build_ensemble(
    case: Case,
    particles: int,
    seed: int,
    until_s: float,
    step_s: float = 600.0,
    on_land: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    source: str = "case",
) -> CaseEnsemble:
    """Seed the particles of a case (see the module docstring); ``until_s`` bounds the state changes."""
    check_case(case, source)
    ws = case.weights()
    n_s = allocate(ws, int(particles), f"the {len(ws)} scenarios")
    keys: list[str] = []
    state_names: list[str] = []
    state_class: list[str] = []
    parts: dict[str, list] = {k: [] for k in ("lon", "lat", "t", "cls", "zdw", "zcw", "side", "rid", "w", "sc", "st")}
    ev = ([], [], [])
    survival = []
    offset = 0
    for i, sc in enumerate(case.scenario):
        where = At(source, i, sc.name)
        wo = np.array([o.weight for o in sc.objects])
        wo = wo / wo.sum()
        n_o = allocate(wo.tolist(), n_s[i], f"scenario {sc.name!r} with {len(wo)} objects")
        st_base = len(state_names)
        for s in sc.state:
            state_names.append(f"{sc.name}/{s.name}")
            state_class.append(s.class_)
        survival.append(None if sc.survival is None else (median_h(sc.survival), float(sc.survival.weibull_shape)))
        for j_o, (o, n) in enumerate(zip(sc.objects, n_o)):
            key = group_key(sc.name, o.class_)
            rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(key,)))
            lon, lat, t = sample_scenario(rng, n, sc, where)
            if on_land is not None:
                lon, lat, t = _off_land(rng, sc, where, lon, lat, t, on_land)
            obj = get_object(o.class_)
            for k, v in (("lon", lon), ("lat", lat), ("t", t)):
                parts[k].append(v)
            parts["zdw"].append(positive_slope_normals(rng, n, obj))
            parts["zcw"].append(rng.standard_normal(n))
            local = np.arange(n, dtype=np.int64)
            parts["side"].append((local % 2).astype(np.int8))
            parts["rid"].append((np.int64(key) << np.int64(32)) | local)
            parts["w"].append(np.full(n, ws[i] * wo[j_o] / n))
            parts["sc"].append(np.full(n, i, dtype=np.int16))
            if o.class_ not in keys:
                keys.append(o.class_)
            parts["cls"].append(np.full(n, keys.index(o.class_), dtype=np.int16))
            if sc.state:
                j0 = [s.class_ for s in sc.state].index(o.class_)
                parts["st"].append(np.full(n, st_base + j0, dtype=np.int16))
                # the chain's own stream: its draws do not depend on the positions (or land redraws)
                chain = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(key, 1)))
                et, ep, es = sample_paths(chain, sc.state, np.full(n, j0), t, until_s)
                ev[0].append(et)
                ev[1].append(ep + offset)
                ev[2].append(es + st_base)
            else:
                parts["st"].append(np.full(n, -1, dtype=np.int16))
            offset += n
    for c in state_class:
        if c not in keys:
            keys.append(c)
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    ev_t = np.concatenate(ev[0]) if ev[0] else np.zeros(0)
    ev_p = np.concatenate(ev[1]) if ev[1] else np.zeros(0, dtype=np.int64)
    ev_s = np.concatenate(ev[2]) if ev[2] else np.zeros(0, dtype=np.int64)
    st_obj = np.array([keys.index(c) for c in state_class], dtype=np.int16)
    ens = Ensemble(
        lon=cat["lon"], lat=cat["lat"], time_s=cat["t"], objects=tuple(get_object(k) for k in keys),
        object_index=cat["cls"], z_dw=cat["zdw"], z_cw=cat["zcw"], side=cat["side"], rng_id=cat["rid"], weight=cat["w"],
        event_time_s=ev_t, event_particle=ev_p, event_object=st_obj[ev_s] if ev_s.size else np.zeros(0, dtype=np.int16),
    )
    start = math.floor(float(cat["t"].min()) / step_s + 1e-9) * step_s
    in_water = np.array([c.startswith("PIW") for c in state_class], dtype=bool)
    return CaseEnsemble(ens, start, cat["sc"], [s.name for s in case.scenario], keys,
                        cat["st"] if state_names else None, state_names, (ev_t, ev_p, ev_s), in_water, survival, st_obj.tolist())


def _off_land(rng, sc, where, lon, lat, t, on_land):
    """Redraw particles that start on land (up to LAND_TRIES times); an error if some still are."""
    land = on_land(lon, lat)
    for _ in range(LAND_TRIES):
        if not land.any():
            return lon, lat, t
        k = int(land.sum())
        lo, la, tt = sample_scenario(rng, k, sc, where)
        lon[land], lat[land], t[land] = lo, la, tt
        land = on_land(lon, lat)
    if land.any():
        raise where.error("", None, f"{int(land.sum())} of {lon.size} start positions stay on land (GSHHG) after {LAND_TRIES} redraws")
    return lon, lat, t


def case_variables(ds: xr.Dataset, ce: CaseEnsemble, case: Case) -> xr.Dataset:
    """The drift dataset with the case's per-particle variables and attributes added."""
    out = ds.copy()
    out["scenario"] = (("trajectory",), ce.scenario, {"long_name": "scenario index", "scenario_names": json.dumps(ce.scenario_names)})
    out["object"] = (("trajectory",), ce.ensemble.object_index.astype(np.int16),
                     {"long_name": "Leeway object class index at release", "object_keys": json.dumps(ce.object_keys)})
    times = ds["time"].values.astype("datetime64[ns]").astype(np.int64) / 1e9
    rel = ce.ensemble.time_s
    ev_t, ev_p, ev_s = ce.events
    if ce.state is not None:
        hist = state_history(ce.state, ev_t, ev_p, ev_s, times)
        hist = np.where(rel[:, None] <= times[None, :], hist, ce.state[:, None])
        out["state"] = (("trajectory", "time"), hist, {"long_name": "object state index (-1: no state chain)",
                                                      "state_names": json.dumps(ce.state_names),
                                                      "state_objects": json.dumps(ce.state_objects)})
    if any(s is not None for s in ce.survival):
        alive = np.ones((rel.size, times.size))
        piw_obj = np.array([k.startswith("PIW") for k in ce.object_keys])
        if ce.state is not None:
            water = np.concatenate([ce.in_water, [False]])  # state -1 (no chain): by its object class below
            init = np.where(ce.state >= 0, ce.state, water.size - 1)
            iv = water_intervals(init, water, rel, ev_t, ev_p, ev_s)
            tau = time_in_water(rel.size, iv, times)
            nochain = ce.state < 0
        else:
            tau = np.zeros((rel.size, times.size))
            nochain = np.ones(rel.size, dtype=bool)
        plain = nochain & piw_obj[ce.ensemble.object_index]
        tau[plain] = np.maximum(times[None, :] - rel[plain, None], 0.0)
        for i, s in enumerate(ce.survival):
            if s is not None:
                sel = ce.scenario == i
                alive[sel] = survival_fraction(tau[sel], s[0], s[1])
        out["alive"] = (("trajectory", "time"), alive, {"long_name": "probability the person is alive (survival in water)", "units": "1"})
    weights = case.weights()
    out.attrs.update(
        title=f"sarex Leeway drift of case {case.title or ''}".strip(),
        object_class=ce.object_keys[int(np.bincount(ce.ensemble.object_index, weights=ce.ensemble.weight).argmax())],
        object_classes=json.dumps(ce.object_keys),
        scenario_names=json.dumps(ce.scenario_names),
        scenario_weights=json.dumps(weights),
        case=case.model_dump_json(by_alias=True),
    )
    return out


def scenario_table(ds: xr.Dataset) -> list[dict]:
    """Per scenario: prior probability, current (posterior) probability and POS of the searches applied."""
    names = json.loads(ds["scenario"].attrs["scenario_names"])
    sc = ds["scenario"].values
    w = ds["weight"].values
    prior = ds["prior_weight"].values if "prior_weight" in ds else w
    surv = ds["survival"].values if "survival" in ds else np.ones_like(w)
    p_tot, w_tot = float(prior.sum()), float(w.sum())
    rows = []
    for i, name in enumerate(names):
        sel = sc == i
        rows.append({"scenario": name, "prior": float(prior[sel].sum()) / p_tot, "posterior": float(w[sel].sum()) / w_tot,
                     "pos": float((prior[sel] * (1.0 - surv[sel])).sum()) / p_tot})
    return rows
