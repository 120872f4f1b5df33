"""The ``sarex`` command line: one small module per stage, each only translating arguments,
calling :mod:`sarex.app` and printing.

Every user mistake (:class:`~sarex.errors.SarexInputError`) ends as one line on
stderr and exit code 2, with no traceback and no half-written output
(:func:`sarex.cli.console.user_errors`).

Adding a command module
-----------------------
Write ``sarex/cli/<stage>.py`` with a function ``register(app: typer.Typer) -> None``
that adds its commands (or a sub-``Typer``) to ``app``, and add its name to
:data:`MODULES` below: one line. Its commands call one use case of :mod:`sarex.app`
each, build the output target from the user's paths, and print the result.
"""

from __future__ import annotations

import importlib
import sys

import click
import typer
from typer.core import TyperGroup

try:  # typer >= 0.26 vendors click; older ones use click itself
    from typer._click.exceptions import ClickException as _TyperClickException
    from typer._click.exceptions import NoArgsIsHelpError as _NoArgsIsHelp
    from typer.exceptions import Abort as _TyperAbort
except ImportError:  # pragma: no cover
    _TyperClickException = _NoArgsIsHelp = _TyperAbort = ()  # type: ignore[assignment]

_CLICK_ERRORS = tuple(c for c in (click.ClickException, _TyperClickException) if isinstance(c, type))
_ABORTS = tuple(c for c in (click.exceptions.Abort, _TyperAbort) if isinstance(c, type))

from sarex import __version__  # noqa: E402

#: The command modules, in the order their commands appear in ``sarex --help``.
MODULES = (
    "sarex.cli.env",
    "sarex.cli.drift",
    "sarex.cli.search",
    "sarex.cli.plan",
    "sarex.cli.exercise",
    "sarex.cli.observations",
    "sarex.cli.case",
    "sarex.cli.demo",
    "sarex.cli.server",
)

class OneLineErrors(TyperGroup):
    """The root group: a usage error (unknown option, a number that is not one) is one line and exit 2, too."""

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


for _name in MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
