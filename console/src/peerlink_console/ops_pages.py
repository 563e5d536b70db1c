"""The ops pages: consumer lag per group, dead letters by reason, their metadata, replay
(confirmed). Only for a token a service accepts as ops for every centre (`OpsGate`)."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from peerlink_shared.security.auth import Principal
from pydantic import BaseModel, ConfigDict, Field

from peerlink_console.ops_access import NotNetworkOps, OpsGate
from peerlink_console.ops_kafka import OpsKafka
from peerlink_console.rendering import render
from peerlink_console.web_security import LoggedIn, LoggedInPosting

log = structlog.get_logger("peerlink.console")
REASON_PATTERN = r"^[a-z0-9_]{1,64}$"
TOPIC_PATTERN = r"^[A-Za-z0-9._-]{1,249}$"
SHOWN_LETTERS = 50


class ReplayForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    topic: str = Field(pattern=TOPIC_PATTERN)
    reason: str = Field(pattern=REASON_PATTERN)
    confirm: bool = False


OFF = (
    "the ops pages are off: set PEERLINK_CONSOLE_OPS_KAFKA=true with the ops principal's "
    "PEERLINK_KAFKA_* settings"
)


def ops_kafka(request: Request) -> OpsKafka:
    found: OpsKafka | None = request.app.state.ops_kafka
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, OFF)
    return found


def network_ops(request: Request, user: LoggedIn) -> Principal:
    gate: OpsGate | None = request.app.state.ops_gate
    if gate is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, OFF)
    try:
        return gate.check(user.token)
    except NotNetworkOps as refused:
        raise HTTPException(status.HTTP_403_FORBIDDEN, refused.why) from refused


def network_ops_posting(request: Request, user: LoggedInPosting) -> Principal:
    return network_ops(request, user)


Ops = Annotated[Principal, Depends(network_ops)]
OpsPosting = Annotated[Principal, Depends(network_ops_posting)]


async def known_topic(kafka: OpsKafka, topic: str) -> str:
    if topic not in await kafka.dead_letter_topics():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such dead-letter topic")
    return topic


def ops_router() -> APIRouter:
    router = APIRouter(prefix="/ops")

    @router.get("", response_class=HTMLResponse)
    async def overview(request: Request, caller: Ops) -> Response:
        kafka = ops_kafka(request)
        names = await kafka.dead_letter_topics()
        return render(
            request,
            "ops.html",
            groups=await kafka.lag(),
            summaries=[s for s in await kafka.summaries(names) if s.count],
            watched=len(names),
        )

    @router.get("/dead-letters", response_class=HTMLResponse)
    async def letters(
        request: Request,
        caller: Ops,
        topic: Annotated[str, Query(pattern=TOPIC_PATTERN)],
        reason: Annotated[str, Query(pattern=REASON_PATTERN)],
    ) -> Response:
        kafka = ops_kafka(request)
        name = await known_topic(kafka, topic)
        shown = await kafka.letters(name, reason=reason, limit=SHOWN_LETTERS)
        return render(request, "ops_letters.html", topic=name, reason=reason, letters=shown)

    @router.post("/dead-letters/replay", response_class=HTMLResponse)
    async def replay(
        request: Request, caller: OpsPosting, form: Annotated[ReplayForm, Form()]
    ) -> Response:
        kafka = ops_kafka(request)
        name = await known_topic(kafka, form.topic)
        if not form.confirm:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "tick the confirmation to replay: the events go back to their topic",
            )
        done = await kafka.replay(name, reason=form.reason)
        log.info(
            "dead_letters_replayed",
            by=caller.subject,
            topic=name,
            reason=form.reason,
            count=done.count,
            refused=len(done.refused),
        )
        return render(request, "_replayed.html", topic=name, reason=form.reason, done=done)

    return router
