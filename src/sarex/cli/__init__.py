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
from typing import Optional

import typer

from sarex import __version__

#: The command modules, in the order their commands appear in ``sarex --help``.
MODULES = (
    "sarex.cli.env",
    "sarex.cli.drift",
    "sarex.cli.search",
    "sarex.cli.plan",
    "sarex.cli.exercise",
    "sarex.cli.demo",
)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, help="sarex: maritime SAR planning and exercise evaluation.",
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
