"""The ``sarex`` command line: one small module per stage, each only translating arguments,
calling :mod:`sarex.app` and printing.

Every user mistake (:class:`~sarex.errors.SarexInputError`) ends as one line on
stderr and exit code 2, with no traceback and no half-written output
(:func:`sarex.cli.console.user_errors`).

Adding a command module
-----------------------
Write ``sarex/cli/<stage>.py`` with a function ``register(app: typer.Typer) -> None``
that adds its commands (or a sub-``Typer``) to ``app``, and add one line per command
to :data:`COMMANDS` below: its name, the module and the first sentence of its help.
Its commands call one use case of :mod:`sarex.app` each, build the output target from
the user's paths, and print the result.

A command's module is imported only when that command runs (or its help is asked
for): importing all of them cost ~0.8 s of a 1-hour drift's start-up (pyproj, the
exercise and planning layers). ``sarex --help`` lists every command from
:data:`COMMANDS` without importing any; ``tests/test_cli_lazy.py`` checks that this
listing is the one the modules' own help gives.
"""

from __future__ import annotations

import gc
import importlib
import sys

import click
import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

try:  # typer >= 0.26 vendors click; older ones use click itself
    from typer._click.exceptions import ClickException as _TyperClickException
    from typer._click.exceptions import NoArgsIsHelpError as _NoArgsIsHelp
    from typer.exceptions import Abort as _TyperAbort
except ImportError:  # pragma: no cover
    _TyperClickException = _NoArgsIsHelp = _TyperAbort = ()  # type: ignore[assignment]

_CLICK_ERRORS = tuple(c for c in (click.ClickException, _TyperClickException) if isinstance(c, type))
_ABORTS = tuple(c for c in (click.exceptions.Abort, _TyperAbort) if isinstance(c, type))

from sarex import __version__  # noqa: E402

#: Every top-level command: (name, the module whose ``register`` adds it, its help),
#: in the order of ``sarex --help`` (typer lists plain commands before groups).
COMMANDS = (
    ('objects', 'sarex.cli.drift',
     'List the Leeway object classes and their coefficients (and the custom classes of --objects).'),
    ('drift', 'sarex.cli.drift',
     'Drift a search object from its last known position (Monte-Carlo Leeway), or the scenarios of a case.'),
    ('drift-continue', 'sarex.cli.drift',
     'Continue a drift past the end of its file (e.g. with a newer forecast), keeping weights and searches.'),
    ('probability', 'sarex.cli.search',
     'Probability map, containment areas and the IAMSAR datum area at one time.'),
    ('search-update', 'sarex.cli.search',
     'Apply an unsuccessful search to a drift file (Bayesian update); print POS and cumulative POS.'),
    ('plan', 'sarex.cli.plan',
     'Plan a multi-unit search: areas, patterns, routes (GPX/RTZ), KML, GeoJSON, SAP messages, map.'),
    ('plan-compare', 'sarex.cli.plan',
     "Compare two search plans: a PNG map of both plans' areas and routes and an HTML table per unit."),
    ('skill', 'sarex.cli.observations',
     'Score a drift forecast against observed trajectories (separation, Liu–Weisberg skill, containment).'),
    ('fit-object', 'sarex.cli.observations',
     'Least-squares drift coefficients of an object class from observed tracks and the forcing.'),
    ('backtrack', 'sarex.cli.observations',
     'Where did a found object come from? Origin probability map by forward ensembles and likelihood weighting.'),
    ('demo', 'sarex.cli.demo',
     'Run the built-in Korea Strait case end to end into OUT.'),
    ('serve', 'sarex.cli.server',
     'Run the sarex web server (schema migrations are applied on start).'),
    ('env', 'sarex.cli.env',
     'Environment (wind and current) files.'),
    ('exercise', 'sarex.cli.exercise',
     'Exercises: scenario, hidden truth, replay evaluation.'),
    ('case', 'sarex.cli.case',
     'Case files: weighted scenarios of what the rescue centre knows.'),
    ('server', 'sarex.cli.server',
     'Set up the sarex server without a browser (organisations, users, exercises, grants, audit).'),
)

#: The command modules, in the order of :data:`COMMANDS`.
MODULES = tuple(dict.fromkeys(module for _, module, _ in COMMANDS))

_MODULE_OF = {name: module for name, module, _ in COMMANDS}


class OneLineErrors(TyperGroup):
    """The root group: a usage error (unknown option, a number that is not one) is one line and exit 2, too.

    Its commands are loaded on first use (:data:`COMMANDS`).
    """

    def list_commands(self, ctx):  # type: ignore[override]
        return list(dict.fromkeys([name for name, _, _ in COMMANDS] + list(super().list_commands(ctx))))

    def get_command(self, ctx, cmd_name):  # type: ignore[override]
        if cmd_name not in self.commands and cmd_name in _MODULE_OF:
            self._load(_MODULE_OF[cmd_name])
        return super().get_command(ctx, cmd_name)

    def _load(self, module: str) -> None:
        """Import one command module and add the click commands it registers to this group."""
        sub = typer.Typer(rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)
        importlib.import_module(module).register(sub)
        for name, cmd in typer.main.get_group(sub).commands.items():
            self.commands.setdefault(name, cmd)

    def format_commands(self, ctx, formatter) -> None:
        """``sarex --help``: the listing of :data:`COMMANDS`, importing no command module."""
        stubs = {name: self.commands.get(name) or _Stub(name, help=text, rich_markup_mode=None) for name, _, text in COMMANDS}
        saved = self.commands
        self.commands = {**saved, **stubs}
        try:
            # click asks get_command for each listed name: the stubs answer, nothing is imported.
            super().format_commands(ctx, formatter)
        finally:
            self.commands = saved

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        from sarex.cli.console import print_error

        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
        except _CLICK_ERRORS as exc:
            if not standalone_mode:
                raise
            if isinstance(_NoArgsIsHelp, type) and isinstance(exc, _NoArgsIsHelp):
                print(exc.format_message())  # the help text, as click shows it
                sys.exit(2)
            path = exc.ctx.command_path.split() if getattr(exc, "ctx", None) is not None else []
            where = " ".join(["sarex", *path[1:]])
            print_error(Exception(f"{where}: {exc.format_message()} (see '{where} --help')"))
            sys.exit(exc.exit_code)
        except _ABORTS:
            if not standalone_mode:
                raise
            print_error(Exception("aborted"))
            sys.exit(1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


app = typer.Typer(cls=OneLineErrors, add_completion=False, no_args_is_help=True, rich_markup_mode=None, help="sarex: maritime SAR planning and exercise evaluation.",
                  context_settings={"max_content_width": 120, "help_option_names": ["-h", "--help"]})


def _version(value: bool) -> None:
    if value:
        print(f"sarex {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit.")) -> None:
    """sarex: maritime SAR planning and exercise evaluation."""


class _Stub(TyperCommand):
    """A command's name and help for the listing in ``sarex --help``, before its module is loaded
    (typer's own command class, so its help is shortened exactly as the real command's is)."""


__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - entry point
    # A command's start-up allocates ~200 000 objects that live as long as the process
    # (the modules of xarray, pandas, numba). With CPython's default first-generation
    # threshold (700) the collector ran ~470 times and traversed all of them three more
    # times: 0.2 s of a 1-hour drift's ~2 s. A larger first generation only lets garbage
    # cycles, which sarex's array code hardly makes, wait a little longer.
    gc.set_threshold(10_000, *gc.get_threshold()[1:])
    from sarex._pandas_lean import install as _pandas_without_pyarrow

    _pandas_without_pyarrow()  # no command uses arrow-backed columns (sarex._pandas_lean)
    try:
        app()
    finally:
        # The interpreter's collections at exit would traverse every object once more
        # (~0.3 s); their memory goes back to the system anyway, and finalizers of objects
        # in reference cycles were never guaranteed to run at exit (atexit handlers do run).
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
