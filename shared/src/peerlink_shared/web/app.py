"""The FastAPI app every service serves: its routes, ops routes, privacy-safe 422s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from peerlink_shared.auditing.audit_trail import AuditTrail
from peerlink_shared.keys import PersonKeyDestroyed
from peerlink_shared.messaging.asyncapi import asyncapi_document
from peerlink_shared.messaging.asyncapi_channels import received_channels, sent_channels
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.web.audit_routes import audit_router
from peerlink_shared.web.body_limit import BodyLimit
from peerlink_shared.web.http import current_principal, ops_router
from peerlink_shared.web.http_errors import document_refusals, method_not_allowed
from peerlink_shared.web.person_access import audited_caller

VERSION = "0.1.0"


async def validation_error_without_input(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field, without echoing what was sent (it may be health data).

    Messages of custom validators (`value_error`: e-mail checks, for one) can quote the
    input, so those say only that the value is invalid.
    """
    errors: list[Mapping[str, Any]] = []
    if isinstance(exc, RequestValidationError):
        errors = list(exc.errors())
    elif isinstance(exc, ValidationError):
        errors = list(exc.errors(include_input=False))
    detail = [
        {
            "loc": list(error.get("loc", ())),
            "msg": "invalid value"
            if str(error.get("type", "")).startswith("value_error")
            else error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


async def person_erased(request: Request, exc: Exception) -> JSONResponse:
    """410 for a write about a person whose data key was destroyed: nothing is recorded or
    sealed for them again."""
    return JSONResponse(status_code=410, content={"detail": "the person was erased"})


def create_app(
    *,
    runtime: ServiceRuntime,
    title: str,
    routers: Sequence[APIRouter],
) -> FastAPI:
    """Call it once the runtime's subscriptions are made: the AsyncAPI document receives what
    they read, and sends what the topic catalogue says this service publishes."""
    app = FastAPI(title=title, version=VERSION, lifespan=runtime.lifespan)
    document = asyncapi_document(
        title=title,
        version=VERSION,
        bootstrap=runtime.settings.kafka_bootstrap,
        security=runtime.settings.kafka_access().security_protocol,
        sends=sent_channels(runtime.service, topics=runtime.topics),
        receives=received_channels(runtime.subscriptions, topics=runtime.topics),
    )

    @app.get("/asyncapi.json", tags=["ops"], summary="The AsyncAPI 3.0 document of this service")
    async def asyncapi() -> JSONResponse:
        return JSONResponse(document)

    app.state.token_verifier = runtime.settings.token_verifier(
        audience=runtime.settings.token_audience
    )
    app.add_middleware(BodyLimit)
    # Outermost of ours, so a request BodyLimit refuses still leaves its audit entry.
    app.add_middleware(
        AuditTrail,
        recorder=runtime.audit,
        clock=runtime.clock,
        service=runtime.service,
        routes=app.router.routes,
    )
    if runtime.tracing is not None:
        runtime.tracing.instrument(app)
    app.add_exception_handler(RequestValidationError, validation_error_without_input)
    app.add_exception_handler(405, method_not_allowed)
    # A contract model built in a route from checked input should not fail; if it does,
    # it is still the caller's input, answered as a 422 rather than a 500 with a traceback.
    app.add_exception_handler(ValidationError, validation_error_without_input)
    app.add_exception_handler(PersonKeyDestroyed, person_erased)
    app.include_router(
        ops_router(
            kafka_ready=runtime.kafka_ready,
            mongo_ready=runtime.mongo_ready,
            stuck_partitions=runtime.consumer.health.stuck,
        )
    )
    for router in (audit_router(log=runtime.audit), *routers):
        # Before including: FastAPI reads each route's `responses` as it includes it.
        document_refusals(router.routes, caller=current_principal, person_caller=audited_caller)
        app.include_router(router)
    return app
