"""Typed FastAPI dependencies shared by every router in :mod:`sarex.server.routes`.

Everything a route needs comes from ``request.app.state`` (set once by
:func:`sarex.server.api.create_app`), so a router module is importable on its own and holds no closure:

- :data:`PrincipalDep` — who is calling (bearer token, or session cookie with its CSRF token);
- :data:`CachedPrincipalDep` — the same without a query when cached (the position hot path);
- :data:`StoreDep` — the database store; :func:`read` and :func:`write` run a use case in one
  read-only or one write transaction and encode its result as JSON-ready data.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, Optional, cast

from fastapi import Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder

from sarex.server.auth import _cookie, _oauth2
from sarex.server.db import Store
from sarex.server.security import Principal


def get_store(request: Request) -> Store:
    """The application's store."""
    return cast("Store", request.app.state.store)


def principal(request: Request, bearer: Optional[str] = Depends(_oauth2), cookie: Optional[str] = Depends(_cookie)) -> Principal:
    """The logged-in caller, checked against the store's auth epoch (401/403 otherwise)."""
    return cast("Principal", request.app.state.auth.principal(request, bearer, cookie))


async def principal_cached(request: Request, bearer: Optional[str] = Depends(_oauth2), cookie: Optional[str] = Depends(_cookie)) -> Principal:
    """The logged-in caller from the principal cache (no query when cached)."""
    return cast("Principal", await request.app.state.auth.principal_cached(request, bearer, cookie))


PrincipalDep = Annotated[Principal, Depends(principal)]
CachedPrincipalDep = Annotated[Principal, Depends(principal_cached)]
StoreDep = Annotated[Store, Depends(get_store)]


def read(store: Store, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn(session, *args, **kw)`` in one read transaction, JSON-encoded."""
    with store.read() as s:
        return jsonable_encoder(fn(s, *args, **kw))


def write(store: Store, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn(session, *args, **kw)`` in one write transaction, JSON-encoded."""
    with store.tx() as s:
        return jsonable_encoder(fn(s, *args, **kw))


MAX_ID = 2**63 - 1
"""The largest id a database integer column holds (SQLite and PostgreSQL BIGINT)."""

ExerciseId = Annotated[int, Path(ge=1, le=MAX_ID, description="exercise id")]
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="job id")]
PlanId = Annotated[int, Path(ge=1, le=MAX_ID, description="plan id")]
InjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="inject id")]
AlertId = Annotated[int, Path(ge=1, le=MAX_ID, description="alert id")]
Period = Annotated[int, Path(ge=1, le=1000, description="period number (1 = first)")]
AfterId = Annotated[int, Query(ge=0, le=MAX_ID, description="only records with a larger id")]
