"""The console's app: its pages, its static files, and what every response carries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import structlog
from aiokafka.errors import KafkaError
from fastapi import FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from peerlink_ops.dead_letter_kafka import MissingTopics
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth_settings import TokenSettings
from starlette.exceptions import HTTPException as StarletteHTTPException

from peerlink_console.login import login_router
from peerlink_console.ops_access import OpsGate, gate_for
from peerlink_console.ops_kafka import OpsKafka
from peerlink_console.ops_pages import ops_router
from peerlink_console.pages import pages_router
from peerlink_console.rendering import HERE, is_htmx, render, templates
from peerlink_console.services import ServiceError, Services
from peerlink_console.sessions import COOKIE_NAME, SessionStore
from peerlink_console.settings import SERVICES, ConsoleSettings, OidcSettings, TopicSettings
from peerlink_console.web_security import (
    LoginRequired,
    SecurityHeaders,
    browser_session,
    set_cookie,
)

log = structlog.get_logger("peerlink.console")


def _to_login(request: Request) -> Response:
    if is_htmx(request):
        return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"HX-Redirect": "/login"})
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


async def _login_required(request: Request, _: Exception) -> Response:
    return _to_login(request)


async def _service_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ServiceError)
    if error.status == status.HTTP_401_UNAUTHORIZED:
        # The services refused the token (expired, revoked key): log in again.
        session = browser_session(request)
        session.user = None
        return _to_login(request)
    log.info("console_service_refused", status=error.status)
    return _problem(request, error.status, error.detail)


async def _kafka_error(request: Request, error: Exception) -> Response:
    log.warning("console_kafka_error", error=type(error).__name__)
    if isinstance(error, MissingTopics):
        return _problem(request, 503, f"no such topic (is the prefix right?): {error}")
    return _problem(request, 503, "Kafka cannot be reached right now; try again")


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    return _problem(request, error.status_code, str(error.detail))


async def _invalid_form(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc'][1:]) or 'form'}: {item['msg']}"
        for item in error.errors()
    )
    return _problem(request, status.HTTP_422_UNPROCESSABLE_CONTENT, problems)


def _problem(request: Request, code: int, detail: str) -> HTMLResponse:
    name = "_problem.html" if is_htmx(request) else "problem.html"
    return render(request, name, status_code=code, status=code, detail=detail)


async def session_cookie(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Sets the session cookie whenever the session the request ended with is not the one
    the browser sent: a first visit, a login (new id), a logout."""
    response = await call_next(request)
    session = getattr(request.state, "session", None)
    if session is not None and request.cookies.get(COOKIE_NAME) != session.session_id:
        set_cookie(request, response, session)
    return response


def ops_parts(settings: ConsoleSettings) -> tuple[OpsGate | None, OpsKafka | None]:
    """The ops pages' token check and Kafka login, when they are on."""
    if not settings.ops_kafka:
        return None, None
    kafka = KafkaAccess.from_env()
    topics = Topics(prefix=TopicSettings().topic_prefix)
    return gate_for(TokenSettings()), OpsKafka(kafka=kafka, topics=topics)


def create_app(
    settings: ConsoleSettings | None = None, oidc_settings: OidcSettings | None = None
) -> FastAPI:
    settings = settings or ConsoleSettings()
    oidc_settings = oidc_settings or OidcSettings()
    gate, ops_kafka = ops_parts(settings)
    http = httpx.AsyncClient(timeout=settings.service_timeout_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await http.aclose()

    app = FastAPI(
        title="PeerLink console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.oidc = oidc_settings
    app.state.http = http
    app.state.ops_gate = gate
    app.state.ops_kafka = ops_kafka
    app.state.templates = templates(trace_url=settings.trace_url)
    app.state.sessions = SessionStore(lifetime=timedelta(hours=settings.session_hours))
    services = Services(
        client=http, urls={service: settings.service_url(service) for service in SERVICES}
    )
    app.include_router(login_router(settings=settings, oidc_settings=oidc_settings))
    app.include_router(pages_router(services=services))
    app.include_router(ops_router())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(MissingTopics, _kafka_error)
    app.add_exception_handler(KafkaError, _kafka_error)
    app.add_exception_handler(RequestValidationError, _invalid_form)
    app.middleware("http")(session_cookie)
    app.add_middleware(SecurityHeaders)

    @app.get("/health")
    @app.get("/ready")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
