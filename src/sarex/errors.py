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
