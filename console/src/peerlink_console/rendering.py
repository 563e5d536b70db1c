"""Jinja2 templates, autoescaped everywhere: reasons, messages and ids are shown as text."""

from __future__ import annotations

import re
from collections.abc import Callable
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


TRACE_ID = re.compile(r"[0-9a-f]{32}")


def trace_link(trace_url: str | None) -> Callable[[str | None], str | None]:
    """The trace viewer's address of a trace, or None (no viewer set, no trace, or an id
    that is not a W3C trace id: nothing but 32 hex digits ever goes into the address)."""

    def link(trace_id: str | None) -> str | None:
        if trace_url is None or trace_id is None or not TRACE_ID.fullmatch(trace_id):
            return None
        return trace_url.replace("{trace_id}", trace_id)

    return link


def templates(*, trace_url: str | None = None) -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=True, auto_reload=False
    )
    environment.filters.update(reason=reason_text, holds=holds_text, local=_local, day=_day)
    environment.globals.update(
        policy_fields=POLICY_FIELDS, unfilled=UNFILLED, trace_link=trace_link(trace_url)
    )
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
