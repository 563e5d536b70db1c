"""What every response and every POST carries: strict headers, the session cookie, CSRF."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Form, Header, HTTPException, Request, Response, status
from starlette.middleware.base import BaseHTTPMiddleware

from peerlink_console.sessions import COOKIE_NAME, Session, SessionStore, User

# Scripts, styles, images and requests from the console's own origin only: no inline script,
# no eval (htmx is configured not to use it), no framing, forms post only back here.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
CSRF_HEADER = "X-CSRF-Token"


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def now() -> datetime:
    return datetime.now(UTC)


def store_of(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


def browser_session(request: Request) -> Session:
    """The caller's session, or a new anonymous one (its cookie set by `set_cookie`)."""
    store = store_of(request)
    session = store.get(request.cookies.get(COOKIE_NAME), now=now())
    if session is None:
        session = store.new(now=now())
    request.state.session = session
    return session


def set_cookie(request: Request, response: Response, session: Session) -> None:
    response.set_cookie(
        COOKIE_NAME,
        session.session_id,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookie,
        path="/",
    )


BrowserSession = Annotated[Session, Depends(browser_session)]


def checked_session(
    session: BrowserSession,
    csrf_field: Annotated[str | None, Form(alias="csrf_token")] = None,
    csrf_header: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Session:
    """Every POST carries the session's CSRF token, in the form or in a header; SameSite
    cookies alone would leave older browsers and same-site attackers."""
    if not session.csrf_matches(csrf_field or csrf_header):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form's CSRF token is missing or wrong")
    return session


CheckedSession = Annotated[Session, Depends(checked_session)]


class LoginRequired(Exception):
    """Raised by `logged_in`: the app answers with the login page (or a redirect to it)."""


def logged_in(session: BrowserSession) -> User:
    if session.user is None:
        raise LoginRequired
    return session.user


def logged_in_posting(session: CheckedSession) -> User:
    if session.user is None:
        raise LoginRequired
    return session.user


LoggedIn = Annotated[User, Depends(logged_in)]
LoggedInPosting = Annotated[User, Depends(logged_in_posting)]
