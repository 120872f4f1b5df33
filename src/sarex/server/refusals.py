"""One table from the service layer's refusals to the HTTP answer, for the application's error
handlers and the position fast path (:mod:`sarex.server.fastpath`), so the two answer a refused
report alike: status and the one-line JSON error of :mod:`sarex.server.errors`."""

from __future__ import annotations

from typing import NamedTuple, Optional

from sarex.errors import SarexInputError
from sarex.server.auth import ApiError
from sarex.server.errors import error_body
from sarex.server.ingest import Revoked
from sarex.server.workflow import Conflict, Denied, Missing

#: The refusals that carry the field they are about, and their statuses.
REFUSALS: tuple[tuple[type[Exception], int], ...] = ((Revoked, 401), (Denied, 403), (Missing, 404), (Conflict, 409))


class Refusal(NamedTuple):
    """An HTTP answer to a refused request: status, one-line JSON body, extra headers."""

    status: int
    body: dict[str, str]
    headers: Optional[dict[str, str]] = None


def refusal_of(exc: BaseException) -> Optional[Refusal]:
    """The answer to ``exc`` if it is a refusal (bad input, denied, missing, conflict, revoked, an
    :class:`~sarex.server.auth.ApiError`); None for anything else (a fault: the caller answers 500)."""
    if isinstance(exc, ApiError):
        return Refusal(exc.status, error_body(exc.status, str(exc), exc.field), exc.headers)
    for cls, status in REFUSALS:
        if isinstance(exc, cls):
            return Refusal(status, error_body(status, str(exc), getattr(exc, "field", "")))
    if isinstance(exc, SarexInputError):
        msg = str(exc).splitlines()[0] if str(exc) else "bad input"
        return Refusal(400, error_body(400, msg, msg.split(":", 1)[0] if ":" in msg else ""))
    return None
