"""SHA-256 of drift files' arrays, for checking that a refactoring of the drift step changes no bit.

Runs the configurations of the fused-vs-general bit-identity tests (``tests/test_drift_fused.py``:
both paths), a drift split into parts (``tests/test_drift_parts.py``), the curvilinear grids of
``tests/test_curvilinear_cache.py`` (ROMS-style, alone and nested in a regional grid) and the
benchmark cases of ``benchmarks/drift_forcing_speed.py`` (two grids RK2 and Euler, Lambert +
ROMS, nested; through the CLI, which streams its file to disk) at small particle counts, and
prints one line per drift file: the hash of its data arrays (values, dtypes, shapes, names) and,
separately, the hash of its attributes (global and per variable), so that a change of an
attribute alone shows as such.

    PYTHONPATH=$PWD/src python tools/drift_hashes.py [--only NAME,...] > hashes.txt

Two runs print the same lines when the drift files are the same bit for bit.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

START = "2026-01-15T06:00Z"
#: Attributes that name the software version (not the drift): left out of the attribute hash.
_VERSION_ATTRS = ("source", "sarex_model_version")


def data_hash(ds: xr.Dataset) -> str:
    """SHA-256 of every variable's name, dtype, shape and bytes (coordinates included), in name order."""
    h = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        a = np.ascontiguousarray(ds[name].values)
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        if a.dtype.kind == "O":
            h.update(json.dumps([str(x) for x in a.ravel()]).encode())
        else:
            h.update(a.tobytes())
    return h.hexdigest()


def attrs_hash(ds: xr.Dataset) -> str:
    """SHA-256 of the global attributes (but the version) and each variable's attributes."""
    glob = {k: v for k, v in ds.attrs.items() if k not in _VERSION_ATTRS}
    per = {str(n): dict(ds[n].attrs) for n in ds.variables}
    text = json.dumps({"global": glob, "variables": per}, sort_keys=True, default=lambda x: np.asarray(x).tolist())
    return hashlib.sha256(text.encode()).hexdigest()


def _general(kw: dict) -> dict:
    """The keywords that make ``simulate`` take the general path, whichever API this checkout has."""
    step = importlib.import_module("sarex.drift.step")
    if hasattr(step, "USE_FUSED"):
        step.USE_FUSED = False
        return kw
    return {**kw, "fused": False}


def _restore() -> None:
    step = importlib.import_module("sarex.drift.step")
    if hasattr(step, "USE_FUSED"):
        step.USE_FUSED = True


def _both(name: str, make_env, obj, kw: dict, out: dict) -> None:
    """The drift on the fused path and on the general path."""
    from sarex.drift import simulate

    out[f"{name}/fused"] = simulate(make_env(), obj, **kw)
    try:
        out[f"{name}/general"] = simulate(make_env(), obj, **_general(kw))
    finally:
        _restore()


def fused_cases(tmp: Path, out: dict) -> None:
    """tests/test_drift_fused.py's configurations, each on both paths."""
    import forcing_data as fd
    from sarex.drift.ensemble import Ensemble
    from sarex.drift.forcing_error import ForcingError
    from sarex.drift.objects import get_object
    from sarex.environment.base import Environment, OutsidePolicy
    from sarex.environment.cf import open_vector_field
    from sarex.environment.regular import RegularGridField
    from sarex.environment.stack import StackedField
    from sarex.environment.synthetic import korea_strait_dataset
    from sarex.times import parse_utc

    synth = korea_strait_dataset(START, days=1.5)
    coarse = korea_strait_dataset(START, days=1.5, resolution_deg=0.1)

    def fields(w, c):
        return (RegularGridField(w["x_wind"], w["y_wind"], "wind"),
                RegularGridField(c["x_sea_water_velocity"], c["y_sea_water_velocity"], "current"))

    for scheme, outside, lon, lat, grids in (("euler", "error", 129.2, 34.6, "same"), ("rk2", "error", 129.2, 34.6, "same"),
                                             ("rk2", "error", 129.2, 34.6, "different"), ("rk2", "deactivate", 131.35, 35.0, "same")):
        kw = dict(lon=lon, lat=lat, start=START, radius_m=3000.0, hours=18, particles=3000, seed_value=11, scheme=scheme, coast=False, output_s=1800)
        c = synth if grids == "same" else coarse
        _both(f"paths-{scheme}-{outside}-{grids}", lambda c=c, outside=outside: Environment(*fields(synth, c), OutsidePolicy(outside)),
              "LIFE-RAFT-NB-2", kw, out)

    base = dict(lon=129.2, lat=34.6, start=START, radius_m=4000.0, hours=12, particles=2000, seed_value=5, coast=False, output_s=3600)
    combos = {
        "capsize-jibe": dict(capsize=True, jibe_probability_per_hour=0.5),
        "capsize-euler": dict(capsize=True, scheme="euler"),
        "forcing-error": dict(forcing_error="on", capsize=True),
        "coast": dict(coast=True, lon=129.05, lat=35.0, capsize=True),
        "deactivate": dict(outside="deactivate", lon=131.35, lat=35.0, radius_m=20000.0, capsize=True, forcing_error="on"),
        "fallback": dict(outside="fallback", lon=131.35, lat=35.0, radius_m=20000.0, forcing_error="on"),
    }
    for name, kw in combos.items():
        kw = dict(kw)
        outside = OutsidePolicy(kw.pop("outside", "error"))
        if kw.get("forcing_error") == "on":
            kw["forcing_error"] = ForcingError(0.1, 3600.0, 2.0)
        _both(f"combo-{name}", lambda outside=outside: Environment(*fields(synth, coarse), outside), "LIFE-RAFT-NB-2", {**base, **kw}, out)

    # class changes (an ensemble): the same draws for both paths
    t0 = parse_utc(START, "start").timestamp()
    objs = (get_object("LIFE-RAFT-NB-2"), get_object("PIW-1"))

    def ens():
        rng = np.random.default_rng(3)
        n = 1000
        return Ensemble(lon=129.2 + 0.02 * rng.standard_normal(n), lat=34.6 + 0.02 * rng.standard_normal(n), time_s=np.full(n, t0), objects=objs,
                        object_index=np.zeros(n, dtype=np.int16), z_dw=np.abs(rng.standard_normal(n)), z_cw=rng.standard_normal(n),
                        side=(np.arange(n) % 2).astype(np.int8), rng_id=np.arange(n, dtype=np.int64), weight=np.full(n, 1.0 / n),
                        event_time_s=t0 + rng.uniform(0, 6 * 3600, n), event_particle=np.arange(n), event_object=np.ones(n, dtype=np.int16))

    from sarex.drift import simulate

    kw = dict(hours=8, coast=False, capsize=True)
    out["class-changes/fused"] = simulate(Environment(*fields(synth, synth)), None, **kw, ensemble=ens())
    try:
        out["class-changes/general"] = simulate(Environment(*fields(synth, synth)), None, **_general(kw), ensemble=ens())
    finally:
        _restore()

    # Lambert + ROMS, either way round
    x = np.arange(-500_000.0, 500_001.0, 20_000.0)
    y = np.arange(-600_000.0, 0.1, 20_000.0)
    wind = fd.uniform_east_projected(fd.LAMBERT, x, y, speed=9.0, kind="wind", nt=10)
    wind["u"] = wind["u"].copy(data=wind["u"].values * (1.0 + 0.3 * np.sin(wind.x.values / 150_000.0)))
    wind["time"] = np.array([np.datetime64("2026-01-01T00:00") + np.timedelta64(3 * h, "h") for h in range(10)])
    roms = fd.roms_dataset(ny=60, nx=70, nt=25)
    roms["ocean_time"] = np.array([np.datetime64("2026-01-01T00:00") + np.timedelta64(h, "h") for h in range(25)])
    paths = tmp / "lambert_wind.nc", tmp / "roms_current.nc", tmp / "lambert_current.nc", tmp / "roms_wind.nc"
    wind.to_netcdf(paths[0])
    roms.to_netcdf(paths[1])
    with xr.set_options(keep_attrs=True):
        wind.assign(u=wind.u * 0.05, v=wind.v * 0.05).to_netcdf(paths[2])
        roms.assign(u=roms.u * 5.0, v=roms.v * 5.0).to_netcdf(paths[3])
    for swap in (False, True):
        wp, cp = (paths[3], paths[2]) if swap else paths[:2]
        kw = dict(lon=129.55, lat=34.32, start="2026-01-01T00:00Z", radius_m=12000.0, hours=14, particles=3000, seed_value=4,
                  coast=False, output_s=3600, capsize=True)
        _both(f"lambert-roms-swap{int(swap)}", lambda wp=wp, cp=cp, swap=swap: Environment(
            open_vector_field(wp, "current" if swap else "wind"), open_vector_field(cp, "wind" if swap else "current"), OutsidePolicy("deactivate")),
            "LIFE-RAFT-NB-2", kw, out)

    # stacked sources: Lambert wind ending after 8 h then 0.1°; a coastal current with land, then 0.1°
    lam = fd.uniform_east_projected(fd.LAMBERT, *fd.lambert_axes(), speed=7.0, kind="wind", nt=4)
    lam["time"] = np.array([np.datetime64("2026-01-15T06:00") + np.timedelta64(3 * h, "h") for h in range(4)])
    lam["u"] = lam["u"].copy(data=lam["u"].values * (1.0 + 0.2 * np.cos(lam.y.values[:, None] / 120_000.0)))
    lp = tmp / "lambert.nc"
    lam.to_netcdf(lp)
    coastal = synth.sel(lon=slice(129.0, 129.5), lat=slice(34.4, 34.9)).copy(deep=True)
    for v in ("x_sea_water_velocity", "y_sea_water_velocity"):
        coastal[v][:, 3:5, 4:6] = np.nan

    def stacked():
        return Environment(StackedField([open_vector_field(lp, "wind"), fields(coarse, coarse)[0]]),
                           StackedField([fields(synth, coastal)[1], fields(synth, coarse)[1]]), OutsidePolicy("deactivate"))

    kw = dict(lon=129.47, lat=34.86, start=START, radius_m=15000.0, hours=12, particles=3000, seed_value=8, coast=False, output_s=3600, capsize=True)
    _both("stacked", stacked, "LIFE-RAFT-NB-2", kw, out)

    # a curvilinear grid in a stack (test_drift_fused and test_curvilinear_cache's ROMS grid)
    r2 = fd.roms_dataset(ny=40, nx=50, nt=20)
    r2["ocean_time"] = np.array([np.datetime64("2026-01-15T05:00") + np.timedelta64(h, "h") for h in range(20)])
    rp = tmp / "roms_stack.nc"
    r2.to_netcdf(rp)

    def curv_stack():
        wind, regional = fields(coarse, coarse)
        return Environment(wind, StackedField([open_vector_field(rp, "current"), regional]), OutsidePolicy("deactivate"))

    for tag, lon, lat in (("across-the-edge", 129.55, 34.22), ("drifting-in", 128.6, 34.3)):
        kw = dict(lon=lon, lat=lat, start=START, radius_m=15000.0, hours=12, particles=3000, seed_value=11, coast=False, output_s=3600, capsize=True)
        _both(f"curvilinear-stack-{tag}", curv_stack, "LIFE-RAFT-NB-2", kw, out)


def parts_cases(tmp: Path, out: dict) -> None:
    """tests/test_drift_parts.py: a drift file written in parts (in turn) through the app."""
    from sarex.app._validate import build
    from sarex.app.drift import DriftRequest, EnvironmentChoice
    from sarex.app.driftparts import write_drift_file
    from sarex.io.driftfile import read_drift

    for n, part in ((200, None), (250, 100)):
        extra = {} if part is None else {"part_particles": part}
        req = build(DriftRequest, lon=129.6, lat=34.9, start=START, hours=3.0, object_class="LIFE-RAFT-NB-2", radius_m=3000.0,
                    environment=EnvironmentChoice(synthetic=True), particles=n, seed=11, **extra)
        path = tmp / f"parts_{n}.nc"
        write_drift_file(req, path, req.environment.open(START, 3.0))
        with read_drift(path) as ds:
            out[f"parts-{n}-{part}"] = ds.load()


def bench_cases(tmp: Path, out: dict, n: int = 2000) -> None:
    """benchmarks/drift_forcing_speed.py's cases through the CLI (the streamed file), ``n`` particles, 6 h."""
    import drift_forcing_speed as b

    wp, cp = b.write_two_grids(tmp)
    lw, lc, where = b.write_lambert_roms(tmp)
    rp = b.write_nested(tmp)
    cli = [sys.executable, "-m", "sarex.cli"]
    runs = {
        "bench-two-rk2": (["--wind", str(wp), "--current", str(cp)], "rk2", b.LKP[0], b.LKP[1], b.START),
        "bench-two-euler": (["--wind", str(wp), "--current", str(cp)], "euler", b.LKP[0], b.LKP[1], b.START),
        "bench-lambert-roms": (["--wind", str(lw), "--current", str(lc)], "rk2", where["lon"], where["lat"], where["start"]),
        "bench-nested": (["--wind", str(wp), "--current", str(rp), "--current", str(cp)], "rk2", *b.NESTED_LKP, b.START),
    }
    for name, (forcing, scheme, lon, lat, start) in runs.items():
        path = tmp / f"{name}.nc"
        cmd = cli + ["drift", "--lon", str(lon), "--lat", str(lat), "--start", start, "--hours", "6", "--particles", str(n), "--scheme", scheme,
                     "--no-coast", "--output-min", "60", "--object", "LIFE-RAFT-NB-2", "--radius-m", "1000", "--out", str(path), "--force", *forcing]
        subprocess.run(cmd, check=True, capture_output=True)
        with xr.open_dataset(path) as ds:
            out[name] = ds.load()


GROUPS = {"fused": fused_cases, "parts": parts_cases, "bench": bench_cases}


def main() -> None:
    """Run the groups asked for and print one line per drift file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(GROUPS), help="groups to run: " + ", ".join(GROUPS))
    args = ap.parse_args()
    out: dict[str, xr.Dataset] = {}
    with tempfile.TemporaryDirectory() as d:
        for g in args.only.split(","):
            GROUPS[g](Path(d), out)
        for name, ds in out.items():
            print(f"{name:45s} data {data_hash(ds)[:16]}  attrs {attrs_hash(ds)[:16]}", flush=True)


if __name__ == "__main__":
    main()
