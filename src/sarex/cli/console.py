"""Printing for the CLI: consoles, the one error formatter, progress bars.

User-facing text (error messages, notes) is printed as plain :class:`rich.text.Text`,
never parsed as rich markup or emoji codes: ``start = [34.95, 129.7]`` stays as it
is and a GPX track named ``:back:`` prints its name, not an emoji.
Piped output is not squeezed to 80 columns: without a terminal the width is
``$COLUMNS`` or 200.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, Callable

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from sarex.errors import SarexInputError, format_error

PIPE_WIDTH = 200


def _width(stream: Any) -> int | None:
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    try:
        if stream.isatty():
            return None  # rich asks the terminal
    except (AttributeError, ValueError):
        pass
    return PIPE_WIDTH


def console() -> Console:
    """The console for results (stdout), sized for where stdout goes now."""
    return Console(width=_width(sys.stdout), emoji=False, highlight=False)


def err_console() -> Console:
    """The console for errors, notes and progress (stderr)."""
    return Console(stderr=True, width=_width(sys.stderr), emoji=False, highlight=False)


def print_error(exc: BaseException) -> None:
    """The one place a user error is printed: ``error: <message>`` on one line of stderr."""
    err_console().print(Text("error: ", style="bold red") + Text(format_error(exc)), soft_wrap=True)


def note(message: str, label: str = "note:") -> None:
    """A one-line note (warning, advice) on stderr, printed verbatim."""
    err_console().print(Text(f"{label} ", style="yellow") + Text(" ".join(str(message).split())), soft_wrap=True)


def user_errors(fn: Callable) -> Callable:
    """Turn :class:`SarexInputError` into the one-line message and exit code 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SarexInputError as exc:
            print_error(exc)
            raise typer.Exit(code=2) from None

    return wrapper


def progress() -> Progress:
    """A transient progress bar on stderr (off when stderr is not a terminal)."""
    err = err_console()
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


FORCE_HELP = "Replace existing outputs that sarex did not write (never an input)."
