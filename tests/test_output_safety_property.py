"""Property: nothing a user owns is ever removed or overwritten without --force, and an input never
(issue 15, bar "a property test of every command's output path against its inputs and foreign files").

Two levels: the output targets under random folder trees and random output paths; and every
command of the CLI with its output pointed at one of its inputs, at a folder holding them, at a
user's file or folder, or at the current folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sarex.app.output import FileSetTarget, FolderTarget, run_into
from sarex.errors import SarexInputError

NAMES = ["a.nc", "b.png", "c.csv", "sub/d.txt", "sub/e.nc", "f.gpx", "g/h.toml"]


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


tree = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(["user", "input", "sarex"]), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=tree, kind=st.sampled_from(["file", "folder"]), where=st.sampled_from(NAMES + ["sub", "g", "new.nc", "newdir", "."]),
       force=st.booleans())
def test_targets_never_touch_inputs_or_user_files(tmp_path_factory, files, kind, where, force):
    root = tmp_path_factory.mktemp("p")
    cwd = root / "cwd"
    cwd.mkdir()
    inputs = []
    for name, owner in files.items():
        p = cwd / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if owner == "sarex":  # written by an earlier sarex command, so recorded in its folder's manifest
            t = FileSetTarget({"x": p}, force=True)
            run_into(t, lambda t=t: t.write_text("x", "sarex output"))
        else:
            p.write_text(f"{owner} data {name}")
        if owner == "input":
            inputs.append(p)
    before = _snapshot(root)
    owned = {k for k, v in files.items() if v in ("user", "input")}
    out = cwd / where if where != "." else Path(".")
    old = os.getcwd()
    os.chdir(cwd)
    try:
        if kind == "file":
            t = FileSetTarget({"o": out}, labels={"o": "--out"}, inputs=inputs, force=force)
            run_into(t, lambda: t.write_text("o", "new result"))
        else:
            t = FolderTarget(out, inputs=inputs, force=force)
            run_into(t, lambda: t.write_text("r.txt", "new result"))
        ok = True
    except SarexInputError as e:
        ok = False
        assert "\n" not in str(e)
    finally:
        os.chdir(old)
    after = _snapshot(root)
    if not ok:
        assert after == before  # refused: nothing changed, no temporaries left
        return
    for name in owned:
        key = f"cwd/{name}"
        if files[name] == "input" or not force:
            assert after.get(key) == before[key], (name, files[name], kind, where, force)


DRIFT = ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00Z", "--hours", "1"]
# Each command with its inputs; OUT is replaced by the output under test. Inputs: drift.nc, env.nc, t.gpx,
# pts.csv, sc.toml (all in the work folder w/).
COMMANDS = {
    "drift": (DRIFT + ["--env", "w/env.nc", "--out", "OUT"], ["w/env.nc"], "file"),
    "drift --plot": (DRIFT + ["--env", "w/env.nc", "--out", "w/new.nc", "--plot", "OUT"], ["w/env.nc"], "file"),
    "drift-continue": (["drift-continue", "w/drift.nc", "--hours", "1", "--env", "w/env.nc", "--out", "OUT"], ["w/drift.nc", "w/env.nc"], "file"),
    "probability": (["probability", "w/drift.nc", "--time", "2026-01-15T02:00Z", "--out", "OUT"], ["w/drift.nc"], "file"),
    "probability --geojson": (["probability", "w/drift.nc", "--time", "2026-01-15T02:00Z", "--out", "w/p.nc", "--geojson", "OUT"], ["w/drift.nc"], "file"),
    "search-update": (["search-update", "w/drift.nc", "--track", "w/t.gpx", "--sweep-width-nm", "1", "--out", "OUT"], ["w/drift.nc", "w/t.gpx"], "file"),
    "plan": (["plan", "w/drift.nc", "--start", "2026-01-15T02:00Z", "--hours", "1", "--out", "OUT"], ["w/drift.nc"], "folder"),
    "env synth": (["env", "synth", "--start", "2026-01-15T00:00Z", "--days", "1", "--out", "OUT"], [], "file"),
    "env sample": (["env", "sample", "w/env.nc", "--points", "w/pts.csv", "--time", "2026-01-15T06:00Z", "--out", "OUT"], ["w/env.nc", "w/pts.csv"], "file"),
    "exercise brief": (["exercise", "brief", "w/sc.toml", "--out", "OUT"], ["w/sc.toml"], "folder"),
    "exercise truth": (["exercise", "truth", "w/sc.toml", "--out", "OUT"], ["w/sc.toml"], "file"),
    "exercise run": (["exercise", "run", "w/sc.toml", "--out", "OUT"], ["w/sc.toml"], "folder"),
    "exercise evaluate": (["exercise", "evaluate", "w/sc.toml", "--tracks", "w/tracks", "--planned", "w/t.gpx", "--out", "OUT"],
                          ["w/sc.toml", "w/t.gpx", "w/tracks/u.gpx"], "folder"),
    "demo": (["demo", "--out", "OUT"], [], "folder"),
}


def _work(root: Path) -> None:
    from importlib import resources

    from sarex.io.driftfile import write_drift
    from search_synthetic import T0, drift_dataset

    w = root / "w"
    (w / "tracks").mkdir(parents=True)
    t = T0 + 3600.0 * np.arange(3)
    write_drift(drift_dataset(np.zeros((10, 1)) + 0.3 * (t - T0), np.zeros((10, 1)) + t * 0, t), w / "drift.nc")
    (w / "env.nc").write_bytes(b"env")
    (w / "t.gpx").write_text("<gpx/>")
    (w / "tracks" / "u.gpx").write_text("<gpx/>")
    (w / "pts.csv").write_text("lon,lat\n129.6,34.9\n")
    (w / "sc.toml").write_text(resources.files("sarex.data").joinpath("korea_japan_sarex.toml").read_text(encoding="utf-8"))
    (root / "mine").mkdir()
    (root / "mine" / "thesis.tex").write_text("the user's")
    (root / "notes.txt").write_text("the user's")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(sorted(COMMANDS)), target=st.sampled_from(["an input", "the inputs' folder", "a user's file",
                                                                         "a user's folder", "the current folder"]))
def test_no_command_writes_over_inputs_or_user_files(tmp_path_factory, command, target):
    from sarex.cli import app

    root = tmp_path_factory.mktemp("c")
    _work(root)
    args, inputs, kind = COMMANDS[command]
    if target == "an input":
        if not inputs:
            return
        out = inputs[0]
    elif target == "the inputs' folder":
        out = "w" if inputs else "mine"
    elif target == "a user's file":
        out = "notes.txt" if kind == "file" else "mine"
    elif target == "a user's folder":
        out = "mine"
    else:
        out = "."
    before = _snapshot(root)
    old = os.getcwd()
    os.chdir(root)
    try:
        r = CliRunner().invoke(app, [out if a == "OUT" else a for a in args])
    finally:
        os.chdir(old)
    assert r.exit_code == 2, (command, target, r.output)
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1, r.output
    assert _snapshot(root) == before, (command, target)
