"""Passwords (argon2id), sessions and bearer tokens, login rate limit, roles per exercise.

Only SHA-256 digests of session tokens are stored, so a copy of the database
does not log anyone in. A browser session carries a CSRF token that every
state-changing request must echo in ``X-CSRF-Token``; bearer tokens (OAuth2
password flow, for scripts and units) are not sent automatically by browsers and
need none.

Principals are cached per token digest (:class:`PrincipalCache`) so a request
costs no session and grant queries; an entry is trusted while the store's
``auth_epoch`` counter is the one it was read at. Everything that changes who
may do what (a grant, a revoked session) bumps the counter in its own
transaction (:func:`bump_auth_epoch`), whichever process makes it.

``SAREX_ARGON2=TIME,MEMORY_KIB,PARALLELISM`` sets cheaper hashing parameters
for new hashes (the tests use it; verification reads the parameters from each
stored hash).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session as DbSession

from sarex.server.models import AuthEpoch, Grant, Org, Session, User
from sarex.server import audit


def _hasher() -> PasswordHasher:
    """argon2id with RFC 9106's low-memory profile (the library default), or ``SAREX_ARGON2``'s parameters."""
    spec = os.environ.get("SAREX_ARGON2", "").strip()
    if not spec:
        return PasswordHasher()
    t, m, p = (int(v) for v in spec.split(","))
    return PasswordHasher(time_cost=t, memory_cost=m, parallelism=p)


_HASHER = _hasher()
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


def org_owns(org_nation: str | None, org_service: str | None, nation: str, service: str | None) -> bool:
    """The one ownership rule (issue 29): an organisation of ``org_nation`` standing for ``org_service``
    ("" = the nation's national organisation, all its services) owns a unit of ``nation`` brought by ``service``."""
    return org_nation is not None and nation == org_nation and (not org_service or (service or "") == org_service)


@dataclass
class Principal:
    """The authenticated user and their grants: exercise id -> {role: unit code or None}."""

    user_id: int
    name: str
    org_code: str
    csrf: str
    kind: str
    grants: dict[int, dict[str, str | None]] = field(default_factory=dict)
    token_hash: str = ""
    epoch: int = -1  # the store's auth_epoch when this was read
    expires_s: float = 0.0
    #: the organisation's nation (alpha-3) and service ("" = the whole nation; issue 29); None: owns no units
    org_nation: str | None = None
    org_service: str = ""

    def owns(self, nation: str, service: str | None) -> bool:
        """Whether a unit of ``nation`` brought by ``service`` is one of this user's organisation's."""
        return org_owns(self.org_nation, self.org_service, nation, service)

    @property
    def national(self) -> bool:
        """A national organisation (an RCC): it owns, and sees the plans of, all its nation's units."""
        return self.org_nation is not None and not self.org_service

    def roles(self, exercise_id: int) -> set[str]:
        return set(self.grants.get(exercise_id, {}))

    def unit_of(self, exercise_id: int) -> str | None:
        return self.grants.get(exercise_id, {}).get("unit")


def new_session(s: DbSession, user: User, kind: str) -> tuple[str, str]:
    """Create a session; returns (token, csrf token)."""

    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    row = Session(token_hash=token_digest(token), user_id=user.id, csrf=csrf, kind=kind, expires_s=time.time() + SESSION_S)
    s.add(row)
    audit.record(s, user.name, "session.open", {"user": user.name, "kind": kind}, rows=[row])  # a digest of the row, not the token
    return token, csrf


def auth_epoch(s: DbSession) -> int:
    return int(s.execute(select(AuthEpoch.n).where(AuthEpoch.id == 1)).scalar() or 0)


def bump_auth_epoch(s: DbSession) -> None:
    """Invalidate every server's cached principals once this transaction commits."""
    s.execute(update(AuthEpoch).where(AuthEpoch.id == 1).values(n=AuthEpoch.n + 1))


def revoke_session(s: DbSession, digest: str, actor: str = "") -> None:

    if s.execute(delete(Session).where(Session.token_hash == digest)).rowcount:
        audit.record(s, actor or "server", "session.close", {}, deleted=[("sessions", digest)])
    bump_auth_epoch(s)


def principal_for(s: DbSession, token: str) -> Principal | None:
    return principal_for_digest(s, token_digest(token))


def principal_for_digest(s: DbSession, digest: str, epoch: int | None = None) -> Principal | None:
    """The principal of a session token's digest, or None if unknown or expired."""
    epoch = auth_epoch(s) if epoch is None else epoch
    row = s.get(Session, digest)
    if row is None or row.expires_s < time.time():
        return None
    user = s.get(User, row.user_id)
    org = s.get(Org, user.org_id)
    p = Principal(user.id, user.name, org.code, row.csrf, row.kind, token_hash=digest, epoch=epoch, expires_s=row.expires_s,
                  org_nation=org.nation, org_service=org.service or "")
    for g in s.execute(select(Grant).where(Grant.user_id == user.id)).scalars():
        p.grants.setdefault(g.exercise_id, {})[g.role] = g.unit_code
    return p


class PrincipalCache:
    """Token digest -> principal, valid while its epoch is current and its session unexpired."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._d: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, epoch: int | None = None) -> Principal | None:
        """The cached principal; with ``epoch`` only if read at that epoch."""
        p = self._d.get(digest)
        if p is None or p.expires_s < time.time() or (epoch is not None and p.epoch != epoch):
            return None
        return p

    def put(self, p: Principal) -> None:
        with self._lock:
            if len(self._d) >= self.max_entries:
                self._d.clear()  # rare: many live sessions; they are read again on their next request
            self._d[p.token_hash] = p

    def drop(self, digest: str) -> None:
        with self._lock:
            self._d.pop(digest, None)

    def lookup(self, s: DbSession, digest: str) -> Principal | None:
        """The principal at the store's current epoch: cached if still valid, else read (and cached)."""
        epoch = auth_epoch(s)
        p = self.get(digest, epoch)
        if p is None:
            p = principal_for_digest(s, digest, epoch)
            if p is None:
                self.drop(digest)
            else:
                self.put(p)
        return p


class RateLimiter:
    """At most ``limit`` failed logins per key in a sliding ``window_s``."""

    def __init__(self, limit: int = 5, window_s: float = 60.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            q = self._fails[key]
            while q and now - q[0] > self.window_s:
                q.popleft()
            return len(q) >= self.limit

    def charge(self, key: str) -> bool:
        """Count an attempt before it is made, if the key is under its limit (atomic: concurrent
        attempts cannot all slip under it); False if over. :meth:`refund` takes a success back."""
        now = time.monotonic()
        with self._lock:
            q = self._fails[key]
            while q and now - q[0] > self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True

    def refund(self, key: str) -> None:
        with self._lock:
            q = self._fails.get(key)
            if q:
                q.pop()

    def failed(self, key: str) -> None:
        with self._lock:
            self._fails[key].append(time.monotonic())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)
