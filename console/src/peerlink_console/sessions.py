"""Browser sessions, kept server-side: the cookie holds only a random id, so the user's bearer
token never reaches the browser, a script or a log.

In memory, one process: a restart logs everyone out, and replicas would need a shared store.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peerlink_shared.security.auth import Role

COOKIE_NAME = "peerlink_console"
MAX_SESSIONS = 10_000


@dataclass(frozen=True)
class User:
    """Who the token says is logged in: for showing and for choosing pages. The services
    verify the token on every call; the console grants nothing on these claims."""

    subject: str
    centre: str
    role: Role
    token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class PendingLogin:
    """An OpenID Connect login under way: what the callback must match."""

    state: str
    nonce: str
    code_verifier: str = field(repr=False)


@dataclass
class Session:
    session_id: str = field(repr=False)
    csrf_token: str = field(repr=False)
    created_at: datetime
    user: User | None = None
    pending: PendingLogin | None = None

    def csrf_matches(self, given: str | None) -> bool:
        # Bytes: compare_digest refuses a str that is not ASCII (a hostile form field).
        return given is not None and hmac.compare_digest(given.encode(), self.csrf_token.encode())


class SessionStore:
    def __init__(self, *, lifetime: timedelta, capacity: int = MAX_SESSIONS) -> None:
        self._lifetime = lifetime
        self._capacity = capacity
        self._sessions: dict[str, Session] = {}

    def get(self, session_id: str | None, *, now: datetime) -> Session | None:
        session = self._sessions.get(session_id) if session_id else None
        if session is None:
            return None
        expired = now - session.created_at > self._lifetime or (
            session.user is not None and session.user.expires_at <= now
        )
        if expired:
            self._sessions.pop(session.session_id, None)
            return None
        return session

    def new(self, *, now: datetime) -> Session:
        if len(self._sessions) >= self._capacity:
            self._forget_oldest()
        session = Session(
            session_id=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
        )
        self._sessions[session.session_id] = session
        return session

    def renew(self, session: Session, *, now: datetime) -> Session:
        """A new id and CSRF token at login, so an id planted before it is worth nothing."""
        self._sessions.pop(session.session_id, None)
        fresh = self.new(now=now)
        fresh.pending = session.pending
        return fresh

    def end(self, session: Session) -> None:
        self._sessions.pop(session.session_id, None)

    def _forget_oldest(self) -> None:
        """Anonymous sessions go first: anyone can make them, so a flood of visits must not
        log out the people working."""
        oldest = min(self._sessions.values(), key=lambda s: (s.user is not None, s.created_at))
        self._sessions.pop(oldest.session_id, None)
