"""Jinja2 templates, autoescaped everywhere: reasons, messages and ids are shown as text."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from peerlink_console.plain_words import POLICY_FIELDS, UNFILLED, holds_text, reason_text
from peerlink_console.sessions import Session

HERE = Path(__file__).parent


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %Y, %H:%M")


def _day(day: date) -> str:
    return day.strftime("%d %b %Y")


def templates() -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
    environment.filters.update(reason=reason_text, holds=holds_text, local=_local, day=_day)
    environment.globals.update(policy_fields=POLICY_FIELDS, unfilled=UNFILLED)
    return Jinja2Templates(env=environment)


def render(
    request: Request, name: str, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    session: Session | None = getattr(request.state, "session", None)
    page: Jinja2Templates = request.app.state.templates
    return page.TemplateResponse(
        request,
        name,
        {
            "user": session.user if session else None,
            "csrf_token": session.csrf_token if session else "",
            "minting": request.app.state.settings.allow_minting,
            "oidc": request.app.state.oidc.enabled,
            **context,
        },
        status_code=status_code,
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
