"""Logging in and out: paste a token, mint one (local mode, when allowed), or OpenID Connect."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

import httpx
import structlog
from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from peerlink_shared.security.auth import InvalidToken, Role
from peerlink_shared.security.auth_settings import TokenSettings

from peerlink_console import oidc
from peerlink_console.forms import MintForm, TokenForm
from peerlink_console.rendering import render
from peerlink_console.sessions import Session, User
from peerlink_console.settings import ConsoleSettings, OidcSettings
from peerlink_console.tokens import mint, user_of
from peerlink_console.web_security import BrowserSession, CheckedSession, now, store_of

log = structlog.get_logger("peerlink.console")


def home_of(user: User) -> str:
    return "/ops" if user.role is Role.OPS and user.centre == "*" else "/pool"


def _logged_in(request: Request, session: Session, user: User) -> Response:
    fresh = store_of(request).renew(session, now=now())
    fresh.pending = None
    fresh.user = user
    request.state.session = fresh
    log.info("console_login", role=user.role.value, centre=user.centre)
    return RedirectResponse(home_of(user), status_code=status.HTTP_303_SEE_OTHER)


def _refused(request: Request, message: str) -> HTMLResponse:
    return render(request, "login.html", status_code=400, error=message)


def login_router(*, settings: ConsoleSettings, oidc_settings: OidcSettings) -> APIRouter:
    router = APIRouter()

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, session: BrowserSession) -> Response:
        if session.user is not None:
            return RedirectResponse(home_of(session.user), status_code=303)
        return render(request, "login.html")

    @router.post("/login/token")
    async def paste_token(
        request: Request, session: CheckedSession, form: Annotated[TokenForm, Form()]
    ) -> Response:
        try:
            user = user_of(
                form.token,
                now=now(),
                centre_claim=oidc_settings.centre_claim,
                role_claim=oidc_settings.role_claim,
            )
        except InvalidToken as error:
            return _refused(request, f"That token cannot be used: {error}.")
        return _logged_in(request, session, user)

    @router.post("/login/mint")
    async def mint_token(
        request: Request, session: CheckedSession, form: Annotated[MintForm, Form()]
    ) -> Response:
        if not settings.allow_minting:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "minting tokens is not enabled here")
        try:
            token = mint(
                TokenSettings(),
                subject=form.subject,
                centre=form.centre,
                role=Role(form.role),
                now=now(),
                ttl=timedelta(hours=settings.session_hours),
            )
            user = user_of(token, now=now())
        except (InvalidToken, ValueError) as error:
            return _refused(request, f"No token could be minted: {error}")
        return _logged_in(request, session, user)

    @router.get("/login/oidc")
    async def oidc_start(request: Request, session: BrowserSession) -> Response:
        if not oidc_settings.enabled:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "OpenID Connect is not configured")
        client: httpx.AsyncClient = request.app.state.http
        metadata = await oidc.discover(client, oidc_settings)
        session.pending = oidc.new_login()
        url = oidc.authorization_url(
            metadata, oidc_settings, session.pending, redirect_uri=_callback(settings)
        )
        return RedirectResponse(url, status_code=303)

    @router.get(oidc.CALLBACK_PATH)
    async def oidc_callback(
        request: Request, session: BrowserSession, code: str = "", state: str = ""
    ) -> Response:
        pending = session.pending
        if not oidc_settings.enabled or pending is None or not code:
            return _refused(request, "No login is under way: start again.")
        if not secrets.compare_digest(state.encode(), pending.state.encode()):
            return _refused(request, "That login answer is not for this login: start again.")
        client: httpx.AsyncClient = request.app.state.http
        try:
            metadata = await oidc.discover(client, oidc_settings)
            token = await oidc.exchange_code(
                client,
                metadata,
                oidc_settings,
                pending,
                code=code,
                redirect_uri=_callback(settings),
            )
            user = user_of(
                token,
                now=now(),
                centre_claim=oidc_settings.centre_claim,
                role_claim=oidc_settings.role_claim,
            )
        except (InvalidToken, httpx.HTTPError) as error:
            return _refused(request, f"The login did not complete: {error}")
        return _logged_in(request, session, user)

    @router.post("/logout")
    async def logout(request: Request, session: CheckedSession) -> Response:
        store_of(request).end(session)
        request.state.session = store_of(request).new(now=now())
        return RedirectResponse("/login", status_code=303)

    return router


def _callback(settings: ConsoleSettings) -> str:
    return f"{str(settings.public_url).rstrip('/')}{oidc.CALLBACK_PATH}"
