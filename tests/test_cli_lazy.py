"""The CLI imports only what the command it runs needs (issue 14 start-up), and still lists every command.

No times are measured here: what is checked is which modules a process has loaded, in a
fresh interpreter each (``sys.modules`` of the test process itself is shared by all tests).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import typer
import typer.main
from typer.testing import CliRunner

from sarex.cli import COMMANDS, MODULES, app

#: Never needed by ``sarex drift`` on NetCDF forcing: the other stages, dask (xarray asks
#: whether arrays are dask arrays), GRIB readers (xarray's engine guess loads every backend),
#: the server, plotting, and scipy's linear algebra (numba's first kernel load asks for BLAS: sarex._numba_blas).
_NOT_FOR_DRIFT = ("sarex.exercise", "sarex.planning", "sarex.search", "sarex.report", "sarex.server", "sarex.cli.exercise",
                  "sarex.cli.plan", "sarex.cli.server", "dask", "distributed", "cfgrib", "eccodes", "matplotlib", "fastapi",
                  "scipy.linalg")

_LOADED = r"""
import json, sys
import sarex.cli
sys.argv = ["sarex", *json.loads(sys.argv[1])]
try:
    sarex.cli.main()
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _loaded(args: list[str]) -> tuple[int, set[str]]:
    r = subprocess.run([sys.executable, "-c", _LOADED, json.dumps(args)], capture_output=True, text=True, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return out["code"], set(out["modules"])


def _present(modules: set[str], names) -> list[str]:
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


def test_root_help_imports_no_command_module():
    code, mods = _loaded(["--help"])
    assert code == 0
    assert not _present(mods, MODULES), _present(mods, MODULES)
    assert not _present(mods, ("numba", "xarray", "pydantic", "pyproj", "scipy", "dask")), mods


def test_drift_help_loads_the_drift_module_only():
    code, mods = _loaded(["drift", "--help"])
    assert code == 0
    assert "sarex.cli.drift" in mods
    assert not _present(mods, [m for m in MODULES if m != "sarex.cli.drift"])
    assert not _present(mods, (*_NOT_FOR_DRIFT, "numba", "xarray", "scipy")), _present(mods, (*_NOT_FOR_DRIFT, "numba", "xarray", "scipy"))


def test_a_drift_on_netcdf_files_imports_nothing_it_does_not_need(tmp_path):
    from sarex.environment.synthetic import korea_strait_dataset

    ds = korea_strait_dataset("2026-01-15T00:00Z", days=0.5, resolution_deg=0.25)
    ds[["x_wind", "y_wind"]].to_netcdf(tmp_path / "wind.nc")
    ds[["x_sea_water_velocity", "y_sea_water_velocity"]].to_netcdf(tmp_path / "current.nc")
    code, mods = _loaded(["drift", "--lon", "129.2", "--lat", "34.6", "--start", "2026-01-15T06:00Z", "--hours", "1",
                          "--particles", "100", "--no-coast", "--radius-m", "1000", "--out", str(tmp_path / "d.nc"),
                          "--wind", str(tmp_path / "wind.nc"), "--current", str(tmp_path / "current.nc")])
    assert code == 0 and (tmp_path / "d.nc").stat().st_size > 0
    assert "xarray" in mods and "numba" in mods  # the check sees a real run
    assert not _present(mods, _NOT_FOR_DRIFT), _present(mods, _NOT_FOR_DRIFT)


def _all_loaded_group():
    """The root group with every command module loaded, as before commands were loaded lazily."""
    group = typer.main.get_command(app)
    for module in MODULES:
        group._load(module)
    return group


def test_commands_table_is_what_the_modules_register():
    group = _all_loaded_group()
    assert sorted(name for name, _, _ in COMMANDS) == sorted(group.commands), "COMMANDS must list every command once"
    for name, module, text in COMMANDS:
        sub = typer.Typer(rich_markup_mode=None)
        importlib.import_module(module).register(sub)
        assert name in typer.main.get_group(sub).commands, f"{name} is not registered by {module}"
        assert group.commands[name].help == text, f"{name}: the help in COMMANDS differs from the command's own"


def _root_help(group) -> str:
    with group.make_context("sarex", [], resilient_parsing=True) as ctx:
        return group.get_help(ctx)


def test_root_help_lists_every_command_as_the_loaded_commands_do():
    lazy = typer.main.get_command(app)
    text = _root_help(lazy)
    assert not lazy.commands  # listed without loading any
    for name, _, _ in COMMANDS:
        assert f"\n  {name} " in text
    assert _root_help(_all_loaded_group()) == text  # the real commands, once loaded, give the same listing


def test_subcommands_and_unknown_commands_still_work():
    r = CliRunner().invoke(app, ["exercise", "--help"])
    assert r.exit_code == 0 and "evaluate" in r.output
    r = CliRunner().invoke(app, ["drfit"])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "No such command 'drfit'" in r.output
