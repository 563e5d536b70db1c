"""HTTP pieces every service shares: bearer-token dependencies and the ops routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.messaging.consumer_health import StuckPartition
from peerlink_shared.security.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenKeysUnavailable,
    TokenVerifier,
)

log = structlog.get_logger("peerlink.http")
bearer = HTTPBearer(auto_error=False)

# Path ids are opaque: a name or an operator in a URL is refused with a 422 at the door.
CentreId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])]
PersonId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["p-7f3a9c"])]
SessionId = Annotated[str, Path(pattern=OPAQUE_ID_PATTERN, examples=["s-5e1d0c"])]


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from a bearer token this app's verifier (`app.state`) accepts.

    A sync dependency on purpose: in oidc mode a cold JWKS cache fetches the provider's keys
    over the network, which FastAPI then does in its thread pool, not on the event loop.
    """
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except InvalidToken as error:
        # The reason is one of auth's fixed phrases: never the token, a key or a secret.
        reason = str(error)
        log.info("token_refused", reason=reason, path=request.url.path)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"the bearer token was refused: {reason}",
            headers={
                "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'
            },
        ) from error
    except TokenKeysUnavailable as error:
        log.warning("token_keys_unavailable", reason=str(error))
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "tokens cannot be checked right now; try again"
        ) from error


Caller = Annotated[Principal, Depends(current_principal)]


def authorize(principal: Principal, *, centre_id: str, roles: set[Role]) -> None:
    """403 unless the token's role is allowed here and its centre is this centre (or all)."""
    if principal.role not in roles:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {principal.role.value!r} may not do this; needs one of "
            + ", ".join(sorted(role.value for role in roles)),
        )
    if not principal.may_act_for(centre_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this token is for another centre")


def authorize_self(principal: Principal, *, person_id: str) -> None:
    """403 unless the token is the person's own supporter token, or an ops token for every
    centre: these routes name no centre, so an ops token for one centre has no claim here."""
    if principal.role is Role.OPS and principal.spans_network:
        return
    if principal.role is not Role.SUPPORTER or principal.subject != person_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "only the person themself (or ops for every centre, *) may do this",
        )


class Health(BaseModel):
    status: str


class StuckOut(BaseModel):
    """A partition whose record in hand has kept failing; `why` is an error class, never
    the event's content."""

    topic: str
    partition: int
    offset: int
    failing_seconds: float
    failures: int
    why: str = Field(examples=["waiting for infrastructure: AutoReconnect"])


class Readiness(BaseModel):
    status: str
    kafka: bool
    mongo: bool
    consumers: bool = Field(description="False while a partition is stuck (see `stuck`).")
    stuck: list[StuckOut] = Field(default=[], description="Partitions that stopped moving.")


def ops_router(
    *,
    kafka_ready: Callable[[], Awaitable[bool]],
    mongo_ready: Callable[[], Awaitable[bool]],
    stuck_partitions: Callable[[], Sequence[StuckPartition]],
) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/health", response_model=Health)
    async def health() -> Health:
        return Health(status="alive")

    @router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
    async def ready(response: Response) -> Readiness:
        kafka, mongo = await kafka_ready(), await mongo_ready()
        stuck = [StuckOut(**asdict(item)) for item in stuck_partitions()]
        ok = kafka and mongo and not stuck
        if not ok:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Readiness(
            status="ready" if ok else "not_ready",
            kafka=kafka,
            mongo=mongo,
            consumers=not stuck,
            stuck=stuck,
        )

    @router.get("/metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
