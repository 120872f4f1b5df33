"""Bad input, command by command: every case is exit 2, one line on stderr, no traceback, nothing written
and no file of the user's changed (issue 15 items 1-3, 9, 10, 12, 13, 16).

The same table generates ``docs/bad-input.md``: ``make docs-tables`` (``SAREX_WRITE_DOCS=1``) rewrites it,
and ``test_bad_input_doc_is_up_to_date`` fails when it is stale.
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sarex.cli import app
from sarex.io.driftfile import write_drift
from search_synthetic import T0, drift_dataset

DOC = Path(__file__).resolve().parents[1] / "docs" / "bad-input.md"

DRIFT = ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00Z", "--hours", "2", "--synthetic"]
SC_TEXT = resources.files("sarex.data").joinpath("korea_japan_sarex.toml").read_text(encoding="utf-8")

# (command, input, arguments, a part of the expected message). Placeholders: {d} the work folder,
# {drift} a drift file, {sc} a scenario file, {env} an environment file, {pts} a points CSV, {gpx} a GPX track.
CASES = [
    ("drift", "negative --seed", DRIFT + ["--seed", "-1", "--out", "{d}/o.nc"], "--seed: -1 must be >= 0"),
    ("drift", "--seed 2^64", DRIFT + ["--seed", str(2**64), "--out", "{d}/o.nc"], "must be <= 9223372036854775807"),
    ("drift", "--particles 1000000000", DRIFT + ["--particles", "1000000000", "--out", "{d}/o.nc"], "of memory"),
    ("drift", "--particles 10.5", DRIFT + ["--particles", "10.5", "--out", "{d}/o.nc"], "'--particles'"),
    ("drift", "time without a zone", ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00", "--synthetic", "--out", "{d}/o.nc"], "has no time zone"),
    ("drift", "a year no drift file can hold", ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2999-01-01T00:00Z", "--synthetic", "--out", "{d}/o.nc"], "outside the years 1678–2261"),
    ("drift", "local-time (J) DTG", ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "150600J JAN 2026", "--synthetic", "--out", "{d}/o.nc"], "local-time (J)"),
    ("drift", "--workers 0", DRIFT + ["--workers", "0", "--out", "{d}/o.nc"], "--workers: 0 must be > 0"),
    ("drift", "--part-particles 0", DRIFT + ["--part-particles", "0", "--out", "{d}/o.nc"], "--part-particles: 0 must be > 0"),
    ("drift", "--scheduler nobody listens at", DRIFT + ["--scheduler", "tcp://127.0.0.1:9", "--out", "{d}/o.nc"], "--scheduler: cannot connect to 'tcp://127.0.0.1:9'"),
    ("drift", "--scheduler not an address", DRIFT + ["--scheduler", "no-such-host.invalid:xyz", "--out", "{d}/o.nc"], "--scheduler: cannot connect to"),
    ("drift", "--env and --synthetic", DRIFT + ["--env", "{env}", "--out", "{d}/o.nc"], "not both"),
    ("drift", "--out is the --env input", ["drift", "--lon", "129.6", "--lat", "34.9", "--start", "2026-01-15T06:00Z", "--env", "{env}", "--out", "{env}"], "is an input of this command"),
    ("drift", "--plot is the --out file", DRIFT + ["--out", "{d}/x.nc", "--plot", "{d}/x.nc"], "is also --out"),
    ("drift", "--out is a folder", DRIFT + ["--out", "{d}/sub"], "is a folder; give a file name"),
    ("drift", "--out in a missing folder", DRIFT + ["--out", "{d}/missing/o.nc"], "does not exist"),
    ("drift", "--out in a read-only folder", DRIFT + ["--out", "/proc/sarex-o.nc"], "cannot write in folder"),
    ("drift", "--plot in a read-only folder", DRIFT + ["--out", "{d}/o.nc", "--plot", "/proc/sarex-p.png"], "--plot: cannot write in folder"),
    ("drift", "--out is a user's file", DRIFT + ["--out", "{d}/notes.txt"], "sarex did not write it; give --force"),
    ("probability", "--out is the drift file", ["probability", "{drift}", "--time", "2026-01-15T02:00Z", "--out", "{drift}"], "is an input of this command"),
    ("probability", "--smooth-nm 1e6", ["probability", "{drift}", "--time", "2026-01-15T02:00Z", "--smooth-nm", "1e6", "--out", "{d}/p.nc"], "--smooth-nm 1e+06"),
    ("probability", "--alive without a survival model", ["probability", "{drift}", "--time", "2026-01-15T02:00Z", "--alive", "--out", "{d}/p.nc"], "--alive: the drift has no survival model"),
    ("search-update", "--out is the GPX track", ["search-update", "{drift}", "--track", "{gpx}", "--sweep-width-nm", "1", "--out", "{gpx}"], "is an input of this command"),
    ("plan", "--out is the folder of the drift file", ["plan", "{drift}", "--start", "2026-01-15T02:00Z", "--hours", "2", "--out", "{d}"], "holds the input"),
    ("plan", "--out is the drift file", ["plan", "{drift}", "--start", "2026-01-15T02:00Z", "--hours", "2", "--out", "{drift}"], "is a file; give a folder name"),
    ("plan", "--out .", ["plan", "{drift}", "--start", "2026-01-15T02:00Z", "--hours", "2", "--out", "."], "the current folder"),
    ("plan", "--out a folder of the user's", ["plan", "{drift}", "--start", "2026-01-15T02:00Z", "--hours", "2", "--out", "{d}/mine"], "holds files sarex did not write"),
    ("plan", "--periods 0", ["plan", "{drift}", "--start", "2026-01-15T00:00Z", "--hours", "2", "--periods", "0", "--out", "{d}/pl"], "--periods: 0 must be >= 1"),
    ("plan", "--periods beyond the drift", ["plan", "{drift}", "--start", "2026-01-15T00:00Z", "--hours", "2", "--periods", "3", "--out", "{d}/pl"], "outside the drift's time span"),
    ("plan-compare", "plan A is not a plan", ["plan-compare", "{pts}", "{pts}", "--out", "{d}/cmp"], "not a plan.json"),
    ("plan", "negative --sortie-gap-hours", ["plan", "{drift}", "--start", "2026-01-15T00:00Z", "--hours", "2", "--periods", "2", "--sortie-gap-hours", "-1", "--out", "{d}/pl"], "--sortie-gap-hours: -1"),
    ("env sample", "--out is the points file", ["env", "sample", "{env}", "--points", "{pts}", "--time", "2026-01-15T06:00Z", "--out", "{pts}"], "is an input of this command"),
    ("env synth", "negative --variant", ["env", "synth", "--start", "2026-01-15T00:00Z", "--variant", "-7", "--out", "{d}/e.nc"], "--variant: -7 must be >= 0"),
    ("exercise truth", "--out is the scenario", ["exercise", "truth", "{sc}", "--out", "{sc}"], "is an input of this command"),
    ("exercise run", "--out is the scenario's folder", ["exercise", "run", "{sc}", "--out", "{d}"], "holds the input"),
    ("exercise run", "--workers 0", ["exercise", "run", "korea-japan", "--workers", "0", "--out", "{d}/run"], "--workers: 0 must be > 0"),
    ("exercise evaluate", "--out is the folder of the tracks", ["exercise", "evaluate", "{sc}", "--tracks", "{d}/sub", "--planned", "{gpx}", "--out", "{d}"], "holds the input"),
    ("exercise brief", "--out a folder of the user's", ["exercise", "brief", "{sc}", "--out", "{d}/mine"], "holds files sarex did not write"),
    ("exercise check", "variant = -7 in the scenario", ["exercise", "check", "{sc_variant}"], "variant"),
    ("exercise check", "[lon, lat] text in a message", ["exercise", "check", "{sc_swapped}"], "[lon, lat]"),
    ("exercise check", "emoji code in a unit id", ["exercise", "check", "{sc_emoji}"], "':back:'"),
    ("exercise check", "time without a zone in the scenario", ["exercise", "check", "{sc_naive}"], "has no time zone"),
    ("serve", "--nmea-udp without --nmea-exercise", ["serve", "--data", "{d}/srv", "--nmea-udp", "10110"], "--nmea-exercise: give the exercise id"),
    ("serve", "--nmea-udp 70000", ["serve", "--data", "{d}/srv", "--nmea-udp", "70000", "--nmea-exercise", "1"], "is not a UDP port"),
    ("serve", "--nmea-source without =UNIT", ["serve", "--data", "{d}/srv", "--nmea-udp", "10110", "--nmea-exercise", "1", "--nmea-source", "gps1"], "is not NAME=UNIT"),
    ("drift", "bad --forcing-error", DRIFT + ["--forcing-error", "0.05", "--out", "{d}/o.nc"], "--forcing-error: '0.05' must be"),
    ("drift", "--objects with a negative slope", DRIFT + ["--objects", "{neg}", "--object", "NEG", "--out", "{d}/o.nc"], "is negative"),
    ("exercise run", "bad --forcing-error", ["exercise", "run", "korea-japan", "--forcing-error", "-1,24", "--out", "{d}/run"], "--forcing-error"),
    ("skill", "observed times going backwards", ["skill", "{drift}", "{back}", "--out", "{d}/sk"], "times must increase"),
    ("skill", "observed track of one point", ["skill", "{drift}", "{one}", "--out", "{d}/sk"], "at least 2"),
    ("fit-object", "track times going backwards", ["fit-object", "{back}", "--synthetic", "--out", "{d}/obj.toml"], "times must increase"),
    ("fit-object", "track of one point", ["fit-object", "{one}", "--synthetic", "--out", "{d}/obj.toml"], "at least 2"),
    ("backtrack", "find outside the forcing", ["backtrack", "--find-lon", "140", "--find-lat", "34.9", "--find-time", "2026-01-15T06:00Z",
                                                "--origin-time", "2026-01-15T00:00Z", "--synthetic", "--out", "{d}/bt"], "outside"),
    ("backtrack", "--objects with a negative slope", ["backtrack", "--find-lon", "129.6", "--find-lat", "34.9", "--find-time", "2026-01-15T06:00Z",
                                                      "--origin-time", "2026-01-15T00:00Z", "--synthetic", "--objects", "{neg}", "--object", "NEG",
                                                      "--out", "{d}/bt"], "is negative"),
    ("drift-continue", "--dmb track times going backwards", ["drift-continue", "{drift}", "--hours", "1", "--synthetic", "--dmb", "{back}",
                                                            "--out", "{d}/c.nc"], "times must increase"),
    ("drift-continue", "--dmb track of one point", ["drift-continue", "{drift}", "--hours", "1", "--synthetic", "--dmb", "{one}",
                                                   "--out", "{d}/c.nc"], "at least 2"),
    ("case check", "--objects with a negative slope", ["case", "check", "{sc}", "--objects", "{neg}"], "is negative"),
]


def _hash_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture()
def work(tmp_path, monkeypatch):
    d = tmp_path / "w"
    d.mkdir()
    (d / "sub").mkdir()
    (d / "mine").mkdir()
    (d / "mine" / "report.docx").write_bytes(b"the user's")
    (d / "notes.txt").write_text("the user's notes")
    t = T0 + 3600.0 * np.arange(5)
    rng = np.random.default_rng(1)
    x0, y0 = rng.standard_normal(300) * 2000.0, rng.standard_normal(300) * 2000.0
    write_drift(drift_dataset(x0[:, None] + 0.3 * (t - T0), y0[:, None] + 0.1 * (t - T0), t, lkp_radius_m=1852.0), d / "drift.nc")
    (d / "env.nc").write_bytes(b"an environment file (never read: the output check comes first)")
    (d / "pts.csv").write_text("lon,lat\n129.6,34.9\n")
    (d / "t.gpx").write_text("<gpx/>")
    (d / "back.csv").write_text("time,lon,lat\n2026-01-15T02:00Z,129.6,34.9\n2026-01-15T01:00Z,129.61,34.91\n2026-01-15T03:00Z,129.62,34.92\n")
    (d / "one.csv").write_text("time,lon,lat\n2026-01-15T02:00Z,129.6,34.9\n")
    (d / "neg.toml").write_text('[[object]]\nkey = "NEG"\nkind = "windage"\nwindage_pct = -1.0\n')
    (d / "sc.toml").write_text(SC_TEXT)
    variants = {
        "sc_variant": ("variant = 7", "variant = -7"),
        "sc_swapped": ("start = [129.10, 35.05]", "start = [35.05, 129.10]"),
        "sc_emoji": ('id = "ROK-HELO-1"\nnation = "ROK"\nservice = "ROK Navy"\ntype = "helicopter"',
                     'id = ":back:"\nnation = "ROK"\nservice = "ROK Navy"\ntype = "battleship"'),
        "sc_naive": ('time = "2026-02-10T21:30:00Z"', 'time = "2026-02-10T21:30:00"'),
    }
    paths = {"d": str(d), "drift": str(d / "drift.nc"), "sc": str(d / "sc.toml"), "env": str(d / "env.nc"),
             "pts": str(d / "pts.csv"), "gpx": str(d / "t.gpx"), "back": str(d / "back.csv"), "one": str(d / "one.csv"),
             "neg": str(d / "neg.toml")}
    for key, (a, b) in variants.items():
        assert a in SC_TEXT, a
        (tmp_path / f"{key}.toml").write_text(SC_TEXT.replace(a, b, 1))
        paths[key] = str(tmp_path / f"{key}.toml")
    monkeypatch.chdir(d / "sub")  # an empty folder of the user's, as the current folder
    return tmp_path, paths


def _run(args, paths):
    argv = [a.format(**paths) for a in args]
    return CliRunner().invoke(app, argv, env={"COLUMNS": "80"})


def _message(result, root: Path) -> str:
    """The message as the doc shows it: the test folder as "…", and what depends on the machine as <...>."""
    text = result.stderr.strip().replace(str(root), "…")
    text = re.sub(r"[0-9.]+ GB available", "<memory> GB available", text)
    return re.sub(r"cannot write in folder '/proc' \([^)]*\)", "cannot write in folder '/proc' (<reason>)", text)


@pytest.mark.parametrize("command,what,args,needle", CASES, ids=[f"{c}: {w}" for c, w, _, _ in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(work, command, what, args, needle):
    root, paths = work
    before = _hash_tree(root)
    r = _run(args, paths)
    assert r.exit_code == 2, (what, r.output)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), (what, r.output)
    assert "Traceback" not in r.output
    assert needle in lines[0], (what, lines[0])
    assert _hash_tree(root) == before, what  # nothing written, nothing changed, no temporaries left


def render_doc(rows: list[tuple[str, str, str]]) -> str:
    head = ("# Bad input: what sarex says\n\n"
            "Generated from `tests/test_bad_input.py` (`make docs-tables`); every row exits with code 2, prints this one line "
            "on stderr and writes nothing. `…` stands for the folder the test ran in.\n\n"
            "| command | input | message |\n|---|---|---|\n")
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    return head + "".join(f"| `{c}` | {esc(w)} | {esc(m)} |\n" for c, w, m in rows)


def test_bad_input_doc_is_up_to_date(work):
    root, paths = work
    rows = []
    for command, what, args, _ in CASES:
        r = _run(args, paths)
        rows.append((command, what, _message(r, root)))
    text = render_doc(rows)
    if os.environ.get("SAREX_WRITE_DOCS"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.exists() and DOC.read_text(encoding="utf-8") == text, "docs/bad-input.md is stale: run `make docs-tables`"


def test_error_text_is_printed_verbatim():
    """Item 10: rich markup and emoji codes in a message are printed as they are."""
    from sarex.cli.console import print_error
    from sarex.errors import SarexInputError

    r = CliRunner()
    import typer

    t = typer.Typer()

    @t.command()
    def x() -> None:
        print_error(SarexInputError("start = [34.95, 129.7] must be [lon, lat] in degrees; track :back: [bold]x[/]"))

    res = r.invoke(t, [])
    assert "start = [34.95, 129.7] must be [lon, lat] in degrees; track :back: [bold]x[/]" in res.stderr
    assert "\N{BACK WITH LEFTWARDS ARROW ABOVE}" not in res.stderr
    assert re.search(r"^error: ", res.stderr)
