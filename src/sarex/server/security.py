"""Passwords (argon2id), sessions and bearer tokens, login rate limit, roles per exercise.

Only SHA-256 digests of session tokens are stored, so a copy of the database
does not log anyone in. A browser session carries a CSRF token that every
state-changing request must echo in ``X-CSRF-Token``; bearer tokens (OAuth2
password flow, for scripts and units) are not sent automatically by browsers and
need none.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from sarex.server.models import Grant, Org, Session, User

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile defaults
SESSION_S = 12 * 3600.0
_DUMMY = _HASHER.hash("not a password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (no user-enumeration by timing)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Principal:
    """The authenticated user and their grants: exercise id -> {role: unit code or None}."""

    user_id: int
    name: str
    org_code: str
    csrf: str
    kind: str
    grants: dict[int, dict[str, str | None]] = field(default_factory=dict)

    def roles(self, exercise_id: int) -> set[str]:
        return set(self.grants.get(exercise_id, {}))

    def unit_of(self, exercise_id: int) -> str | None:
        return self.grants.get(exercise_id, {}).get("unit")


def new_session(s: DbSession, user: User, kind: str) -> tuple[str, str]:
    """Create a session; returns (token, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    s.add(Session(token_hash=token_digest(token), user_id=user.id, csrf=csrf, kind=kind, expires_s=time.time() + SESSION_S))
    return token, csrf


def principal_for(s: DbSession, token: str) -> Principal | None:
    row = s.get(Session, token_digest(token))
    if row is None or row.expires_s < time.time():
        return None
    user = s.get(User, row.user_id)
    org = s.get(Org, user.org_id)
    p = Principal(user.id, user.name, org.code, row.csrf, row.kind)
    for g in s.execute(select(Grant).where(Grant.user_id == user.id)).scalars():
        p.grants.setdefault(g.exercise_id, {})[g.role] = g.unit_code
    return p


class RateLimiter:
    """At most ``limit`` failed logins per key in a sliding ``window_s``."""

    def __init__(self, limit: int = 5, window_s: float = 60.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._fails[key]
            while q and now - q[0] > self.window_s:
                q.popleft()
            return len(q) >= self.limit

    def failed(self, key: str) -> None:
        with self._lock:
            self._fails[key].append(time.monotonic())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)
