"""Who is calling: bearer token (OAuth2 password flow) or session cookie with its CSRF token, as
FastAPI dependencies over the principal cache (:class:`~sarex.server.security.PrincipalCache`)."""

from __future__ import annotations

import asyncio
import threading
from typing import Optional

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from sqlalchemy import select

from sarex.server.db import Store
from sarex.server.models import User
from sarex.server.security import Principal, PrincipalCache, RateLimiter, check_password, new_session, token_digest

COOKIE = "sarex_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_oauth2 = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)
_cookie = APIKeyCookie(name=COOKIE, auto_error=False)


class ApiError(Exception):
    """An HTTP error with its status and the field it is about (answered as one line of JSON)."""

    def __init__(self, status: int, msg: str, field: str = "", headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(msg)
        self.status, self.field, self.headers = status, field, headers


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

    async def refresh(self, digest: str) -> Principal:
        """:meth:`lookup` in a worker thread, so the event loop never waits on the store."""
        return await asyncio.to_thread(self.lookup, digest)

    def alive(self, p: Principal, exercise_id: int) -> bool:
        """Whether ``p``'s session still exists and still holds a role in the exercise (a logout, an
        expiry or a removed grant ends it): one query while nothing changed (the auth epoch)."""
        with self.store.read() as s:
            q = self.cache.lookup(s, p.token_hash)
        return q is not None and bool(q.roles(exercise_id))

    def principal(self, request: Request, bearer: Optional[str] = Depends(_oauth2), cookie: Optional[str] = Depends(_cookie)) -> Principal:
        return _csrf(request, self.lookup(token_digest(_token(bearer, cookie))), bearer)

    async def principal_cached(self, request: Request, bearer: Optional[str] = Depends(_oauth2),
                               cookie: Optional[str] = Depends(_cookie)) -> Principal:
        digest = token_digest(_token(bearer, cookie))
        p = self.cache.get(digest)
        if p is None:
            p = await asyncio.to_thread(self.lookup, digest)
        return _csrf(request, p, bearer)


class Logins:
    """Password logins, throttled and kept off the write lock (issue 27, item 7).

    Failed logins are counted per (address, user name), per address and in total over a sliding
    minute; past a limit a login is refused (429) before any hash is computed. The argon2id check
    runs outside any transaction (the user's hash is read first, the session written after), and
    at most ``concurrent`` checks run at once, so a burst of logins neither holds the store's
    write lock nor takes every core from the units' reports.
    """

    def __init__(self, store: Store, per_user: int = 5, per_address: int = 20, total: int = 100, concurrent: int = 2) -> None:


        self.store = store
        self.per_user, self.per_address, self.total = RateLimiter(per_user, 60.0), RateLimiter(per_address, 60.0), RateLimiter(total, 60.0)
        self._slots = threading.BoundedSemaphore(concurrent)

    def login(self, address: str, username: str, password: str, kind: str) -> tuple[str, str]:
        """A new session's (token, CSRF token), or :class:`ApiError` 401/429."""


        keys = ((self.per_user, f"{address}|{username}", f"too many failed logins for {username!r}"),
                (self.per_address, address, "too many failed logins from your address"),
                (self.total, "*", "too many failed logins on this server"))
        charged: list[tuple[RateLimiter, str]] = []
        for limiter, key, why in keys:  # each attempt counts as a failure until it succeeds
            if not limiter.charge(key):
                for lim, k in charged:
                    lim.refund(k)
                raise ApiError(429, f"username: {why}; wait a minute", "username", headers={"Retry-After": "60"})  # RFC 6585
            charged.append((limiter, key))
        with self.store.read() as s:
            row = s.execute(select(User.id, User.password_hash).where(User.name == username)).first()
        with self._slots:
            ok = check_password(row[1] if row else None, password)
        if not ok:
            raise ApiError(401, "password: wrong user name or password", "password")
        self.per_user.succeeded(keys[0][1])
        for limiter, key in charged[1:]:
            limiter.refund(key)
        with self.store.tx() as s:
            user = s.get(User, row[0])
            if user is None or user.password_hash != row[1]:  # removed or changed meanwhile
                raise ApiError(401, "password: wrong user name or password", "password")
            return new_session(s, user, kind)
