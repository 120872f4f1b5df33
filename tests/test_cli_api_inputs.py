"""Python API types, date-time groups and zones, and the CLI at 80 columns (issue 15 items 12, 13, 15, 16)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from sarex.app import build
from sarex.app.drift import DriftRequest, EnvironmentChoice
from sarex.cli import app
from sarex.errors import SarexInputError
from sarex.times import iso, parse_utc, to_epoch_s

SYN = EnvironmentChoice(synthetic=True)


@pytest.mark.parametrize("field,value,needle", [
    ("particles", 10.5, "--particles: 10.5 must be a whole number"),
    ("particles", True, "--particles: True must be a whole number"),
    ("seed", 1.5, "--seed: 1.5 must be a whole number"),
    ("seed", -3, "--seed: -3 must be >= 0"),
    ("lon", "east", "--lon: 'east'"),
    ("hours", float("nan"), "--hours: nan"),
])
def test_requests_refuse_wrong_types_and_values(field, value, needle):
    kw = dict(lon=129.6, lat=34.9, start="2026-01-15T06:00Z", environment=SYN)
    kw[field] = value
    with pytest.raises(SarexInputError) as e:
        build(DriftRequest, **kw)
    assert needle in str(e.value)


def test_simulate_refuses_float_particles_and_seed():
    from sarex.drift import simulate
    from sarex.environment.synthetic import korea_strait_environment

    env = korea_strait_environment("2026-01-15T00:00Z", days=1)
    for kw, needle in ((dict(particles=10.5), "particles: 10.5 must be a whole number"), (dict(seed_value=1.5), "seed: 1.5"),
                       (dict(seed_value=-1), "seed: -1 must be in")):
        with pytest.raises(SarexInputError, match=re.escape(needle)):
            simulate(env, "PIW-1", lon=129.6, lat=34.9, start="2026-01-15T06:00Z", hours=1, **kw)


@pytest.mark.parametrize("text,utc", [
    ("151200Z JAN 2026", "2026-01-15T12:00:00Z"),
    ("151200ZJAN26", "2026-01-15T12:00:00Z"),
    ("151200I JAN 2026", "2026-01-15T03:00:00Z"),  # I = UTC+9 (Korea, Japan)
    ("010030Q MAR 2026", "2026-03-01T04:30:00Z"),  # Q = UTC-4
    ("2026-01-15T21:00+09:00", "2026-01-15T12:00:00Z"),
])
def test_times_accept_dtgs_and_offsets(text, utc):
    assert iso(to_epoch_s(text)) == utc


@pytest.mark.parametrize("text,needle", [
    ("2026-01-15T12:00", "has no time zone"),
    ("151200J JAN 2026", "local-time (J)"),
    ("321200Z JAN 2026", "not a valid date-time group"),
    ("151200Z JUX 2026", "'JUX' is not a month"),
])
def test_times_without_zone_or_bad_dtgs_are_refused(text, needle):
    with pytest.raises(SarexInputError, match=re.escape(needle)):
        parse_utc(text, "--start")


def test_formats_defined_as_utc_still_read_naive_times():
    assert iso(to_epoch_s("2026-01-15T12:00", assume_utc=True)) == "2026-01-15T12:00:00Z"


def _help_options(command: list[str]) -> list[str]:
    import typer.main

    cmd = typer.main.get_command(app)
    for name in command:
        cmd = cmd.get_command(None, name)  # loads the command's module (sarex.cli loads them on first use)
    return [o for p in cmd.params if not getattr(p, "hidden", False) for o in p.opts if o.startswith("--")]


@pytest.mark.parametrize("command", [["search-update"], ["drift"], ["plan"], ["probability"], ["exercise", "evaluate"]])
def test_help_at_80_columns_shows_every_option_name_whole(command):
    r = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert r.exit_code == 0
    assert max(len(ln) for ln in r.output.splitlines()) <= 80
    words = set(re.findall(r"--[a-z0-9-]+", r.output))
    missing = [o for o in _help_options(command) if o not in words]
    assert not missing, missing


def test_objects_is_one_line_per_class_at_80_columns_and_not_squeezed_when_piped():
    from sarex.drift.objects import leeway_objects

    n = len(leeway_objects())
    r = CliRunner().invoke(app, ["objects"], env={"COLUMNS": "80"})
    lines = r.output.splitlines()
    assert r.exit_code == 0 and len(lines) <= n + 6, len(lines)
    assert max(len(ln) for ln in lines) <= 80
    assert "0.96" in r.output  # PIW-1's downwind slope is there, not cut
    piped = CliRunner().invoke(app, ["objects"], env={"COLUMNS": ""})
    assert max(len(ln) for ln in piped.output.splitlines()) > 80  # no terminal: not forced to 80 columns
    assert "Person-in-water (PIW), unknown state (mean values)" in piped.output


def test_version():
    from sarex import __version__

    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"sarex {__version__}"
