"""Who is calling: bearer token (OAuth2 password flow) or session cookie with its CSRF token, as
FastAPI dependencies over the principal cache (:class:`~sarex.server.security.PrincipalCache`)."""

from __future__ import annotations

import asyncio
from typing import Optional

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer

from sarex.server.db import Store
from sarex.server.security import Principal, PrincipalCache, token_digest

COOKIE = "sarex_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_oauth2 = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)
_cookie = APIKeyCookie(name=COOKIE, auto_error=False)


class ApiError(Exception):
    """An HTTP error with its status and the field it is about (answered as one line of JSON)."""

    def __init__(self, status: int, msg: str, field: str = "") -> None:
        super().__init__(msg)
        self.status, self.field = status, field


def _csrf(request: Request, p: Principal, bearer: Optional[str]) -> Principal:
    if not bearer and request.method not in SAFE_METHODS and request.headers.get("x-csrf-token") != p.csrf:
        raise ApiError(403, "x-csrf-token: missing or wrong for this session", "x-csrf-token")
    return p


def _token(bearer: Optional[str], cookie: Optional[str]) -> str:
    token = bearer or cookie
    if not token:
        raise ApiError(401, "authorization: log in (POST /api/login) or send a bearer token from POST /token", "authorization")
    return token


class Auth:
    """The two dependencies: ``principal`` (checked against the store's auth epoch, one query when
    cached) and ``principal_cached`` (no query when cached; the group commit checks the epoch)."""

    def __init__(self, store: Store, cache: PrincipalCache) -> None:
        self.store, self.cache = store, cache

    def lookup(self, digest: str) -> Principal:
        with self.store.read() as s:
            p = self.cache.lookup(s, digest)
        if p is None:
            raise ApiError(401, "authorization: the session or token is unknown or expired", "authorization")
        return p

    def principal(self, request: Request, bearer: Optional[str] = Depends(_oauth2), cookie: Optional[str] = Depends(_cookie)) -> Principal:
        return _csrf(request, self.lookup(token_digest(_token(bearer, cookie))), bearer)

    async def principal_cached(self, request: Request, bearer: Optional[str] = Depends(_oauth2),
                               cookie: Optional[str] = Depends(_cookie)) -> Principal:
        digest = token_digest(_token(bearer, cookie))
        p = self.cache.get(digest)
        if p is None:
            p = await asyncio.to_thread(self.lookup, digest)
        return _csrf(request, p, bearer)
