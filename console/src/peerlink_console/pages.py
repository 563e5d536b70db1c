"""The coordinator's pages: the pool, the policy with its what-if, sessions, messages. Each
route calls the services with the user's own token and renders what they answered."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.security.auth import Role

from peerlink_console.answers import Session
from peerlink_console.forms import PolicyForm, SessionForm
from peerlink_console.rendering import is_htmx, render
from peerlink_console.services import ServiceError, Services
from peerlink_console.sessions import User
from peerlink_console.web_security import LoggedIn, LoggedInPosting

Show = Literal["all", "eligible", "not_yet"]
OpaqueId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN)]
PolicyPosted = Annotated[PolicyForm, Form()]
SessionPosted = Annotated[SessionForm, Form()]


def centre_of(user: User) -> str:
    """These pages show one centre's people: a coordinator's, with their own token."""
    if user.role is not Role.COORDINATOR:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "these pages are for a centre's coordinator; ops pages are under /ops",
        )
    return user.centre


def agenda(sessions: list[Session], timezone: str) -> list[tuple[date, list[Session]]]:
    """Sessions by day in the centre's timezone, soonest first."""
    zone = ZoneInfo(timezone)
    days: dict[date, list[Session]] = defaultdict(list)
    for session in sorted(sessions, key=lambda s: s.starts_at):
        days[session.starts_at.astimezone(zone).date()].append(session)
    return sorted(days.items())


def pages_router(*, services: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/pool", response_class=HTMLResponse)
    async def pool(
        request: Request, user: LoggedIn, show: Annotated[Show, Query()] = "all"
    ) -> Response:
        centre = centre_of(user)
        eligible = {"all": None, "eligible": True, "not_yet": False}[show]
        decisions = await services.decisions(centre, token=user.token, eligible=eligible)
        name = "_pool_rows.html" if is_htmx(request) else "pool.html"
        return render(request, name, centre=centre, decisions=decisions, show=show)

    @router.get("/policy", response_class=HTMLResponse)
    async def policy(request: Request, user: LoggedIn) -> Response:
        centre = centre_of(user)
        current = await services.policy(centre, token=user.token)
        versions = await services.policy_versions(centre, token=user.token)
        return render(
            request, "policy.html", centre=centre, policy=current, versions=versions[::-1]
        )

    @router.post("/policy/preview", response_class=HTMLResponse)
    async def preview(request: Request, user: LoggedInPosting, form: PolicyPosted) -> Response:
        centre = centre_of(user)
        found = await services.preview_policy(centre, form.body(), token=user.token)
        return render(request, "_preview.html", preview=found)

    @router.post("/policy", response_class=HTMLResponse)
    async def save_policy(request: Request, user: LoggedInPosting, form: PolicyPosted) -> Response:
        centre = centre_of(user)
        change = await services.change_policy(centre, form.body(), token=user.token)
        return render(request, "_saved.html", change=change)

    @router.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job(request: Request, user: LoggedIn, job_id: OpaqueId) -> Response:
        try:
            found = await services.job(job_id, token=user.token)
        except ServiceError as error:
            if error.status != status.HTTP_404_NOT_FOUND:
                raise
            return render(request, "_job.html", job=None, job_id=job_id)
        return render(request, "_job.html", job=found, job_id=job_id)

    @router.get("/sessions", response_class=HTMLResponse)
    async def sessions(request: Request, user: LoggedIn) -> Response:
        return await _sessions_page(request, user)

    @router.post("/sessions", response_class=HTMLResponse)
    async def request_session(
        request: Request, user: LoggedInPosting, form: SessionPosted
    ) -> Response:
        centre = centre_of(user)
        found = await services.centre(centre, token=user.token)
        created = await services.request_session(
            centre, form.body(found.timezone), token=user.token
        )
        return await _sessions_page(request, user, created=created.session_id)

    @router.post("/sessions/{session_id}/cancel", response_class=HTMLResponse)
    async def cancel_session(
        request: Request, user: LoggedInPosting, session_id: OpaqueId
    ) -> Response:
        await services.cancel_session(centre_of(user), session_id, token=user.token)
        return await _sessions_page(request, user, cancelled=session_id)

    async def _sessions_page(
        request: Request, user: User, *, created: str | None = None, cancelled: str | None = None
    ) -> Response:
        centre = centre_of(user)
        found = await services.centre(centre, token=user.token)
        listed = await services.sessions(centre, token=user.token)
        return render(
            request,
            "_agenda.html" if is_htmx(request) else "sessions.html",
            centre=centre,
            timezone=found.timezone,
            days=agenda(listed, found.timezone),
            created=created,
            cancelled=cancelled,
        )

    @router.get("/messages", response_class=HTMLResponse)
    async def messages(request: Request, user: LoggedIn) -> Response:
        centre = centre_of(user)
        return render(
            request,
            "messages.html",
            centre=centre,
            messages=await services.messages(centre, token=user.token),
            deliveries=await services.deliveries(centre, token=user.token),
        )

    @router.get("/")
    async def home(user: LoggedIn) -> Response:
        return RedirectResponse("/ops" if user.role is Role.OPS else "/pool", status_code=303)

    return router
