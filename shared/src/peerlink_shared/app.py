"""The FastAPI app every service serves: its routes, ops routes, privacy-safe 422s."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from peerlink_shared.http import ops_router
from peerlink_shared.runtime import ServiceRuntime


async def validation_error_without_input(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field, without echoing what was sent (it may be health data)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


def create_app(*, runtime: ServiceRuntime, title: str, routers: Sequence[APIRouter]) -> FastAPI:
    app = FastAPI(title=title, version="0.1.0", lifespan=runtime.lifespan)
    app.state.token_secret = runtime.settings.token_secret.get_secret_value()
    app.add_exception_handler(RequestValidationError, validation_error_without_input)
    app.include_router(ops_router(kafka_ready=runtime.kafka_ready, mongo_ready=runtime.mongo_ready))
    for router in routers:
        app.include_router(router)
    return app
