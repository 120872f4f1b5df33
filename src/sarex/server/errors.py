"""The one error shape of the HTTP API: ``{"error": "<one line>", "field": "<name>", "code": "<stable id>"}``.

``code`` is a stable identifier (``bad_request``, ``unauthorized``, ``forbidden``, ``not_found``,
``conflict``, ``too_large``, ``invalid``, ``too_many``, or a more specific one a route chooses) so that
a page can show the message in its reader's language. Routers declare the statuses they can send with
:func:`responses`, so that the OpenAPI document states every answer.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many", 503: "unavailable"}


class ErrorOut(BaseModel):
    """A refused request, in one line."""

    error: str = Field(description="one line: field, value and why")
    field: str = Field("", description="the request field it is about ('' when none)")
    code: str = Field("", description="stable machine-readable code for translation")


def error_body(status: int, msg: str, field: str = "", code: str = "") -> dict[str, str]:
    """The one-line JSON error as a dict (whitespace folded, so a message never spans lines)."""
    return {"error": " ".join(str(msg).split()), "field": field, "code": code or CODES.get(status, "error")}


def error_response(status: int, msg: str, field: str = "", code: str = "", headers: dict[str, str] | None = None) -> JSONResponse:
    """The one-line JSON error as a response."""
    return JSONResponse(error_body(status, msg, field, code), status_code=status, headers=headers)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for a route: each status with the :class:`ErrorOut` model."""
    return {s: {"model": ErrorOut, "description": CODES.get(s, "error").replace("_", " ")} for s in statuses}


AUTH = (401, 403)
"""What every authenticated route can answer before it runs."""
