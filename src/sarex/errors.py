"""Errors that mean "the user gave bad input".

The CLI turns every :class:`SarexInputError` into a one-line message and exit
code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class SarexInputError(ValueError):
    """Bad user input: a file, field or value that sarex cannot use.

    The message must name what was wrong (file, field, value) and why, on one line.
    """


class OutsideDomainError(SarexInputError):
    """A particle needed forcing outside a field's space or time domain."""


def format_error(exc: BaseException) -> str:
    """The one-line, plain-text form of a user error, for every front end (CLI, server).

    Newlines and runs of whitespace collapse to single spaces so the message stays
    one line; the text is returned verbatim otherwise (front ends that interpret
    markup, like rich, must print it as plain text: see :mod:`sarex.cli.console`).
    """
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
