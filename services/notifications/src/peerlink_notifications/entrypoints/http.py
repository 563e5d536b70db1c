"""Notifications' HTTP API: what was told to a person or about a centre, and how far each
delivery got. No route here returns an address or says why a session changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Query
from peerlink_shared.auth import Role
from peerlink_shared.clock import Clock
from peerlink_shared.http import CentreId, PersonId, authorize, authorize_self
from peerlink_shared.person_access import Audited, PersonCaller
from pydantic import BaseModel, Field

from peerlink_notifications.domain.contacts import Channel
from peerlink_notifications.domain.delivery import DeliveryProgress, Status
from peerlink_notifications.domain.message_log import LoggedMessage
from peerlink_notifications.service_layer.ports import DeliveryProgressLog, MessageLog

MAX_HISTORY_DAYS = 366
# Bounded so a window can't overflow a date (days=1000000 was a 500) or scan all history.
HistoryDays = Annotated[
    int,
    Query(
        ge=1,
        le=MAX_HISTORY_DAYS,
        description=f"How many days back to look: 1 to {MAX_HISTORY_DAYS}.",
    ),
]


class MessageOut(BaseModel):
    message_id: str
    recipient_id: str
    channel: str
    text: str
    status: str
    created_at: dt.datetime


class DeliveryOut(BaseModel):
    delivery_id: str
    message_id: str
    recipient_id: str
    channel: Channel
    status: Status
    attempts: int
    last_error: str | None = Field(description="Reason code of the last failed attempt.")
    reason: str | None = Field(description="Why a failed delivery stopped, as a code.")
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None
    created_at: dt.datetime


def notifications_router(
    *, repository: MessageLog, deliveries: DeliveryProgressLog, clock: Clock
) -> APIRouter:
    router = APIRouter(tags=["notifications"])

    @router.get("/persons/{person_id}/messages", response_model=list[MessageOut])
    async def own_messages(person_id: PersonId, caller: PersonCaller) -> list[MessageOut]:
        authorize_self(caller, person_id=person_id)
        return [_message(logged) for logged in await repository.messages_for(person_id)]

    @router.get("/centres/{centre_id}/messages", response_model=list[MessageOut])
    async def centre_messages(
        centre_id: CentreId, caller: PersonCaller, audited: Audited, days: HistoryDays = 30
    ) -> list[MessageOut]:
        """What was sent about this centre's sessions: to whom and how, for its coordinators."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        since = clock.now() - dt.timedelta(days=days)
        found = await repository.messages_at(centre_id, since=since)
        messages = [_message(logged) for logged in found]
        audited.names(*_persons(centre_id, (m.recipient_id for m in messages)))
        return messages

    @router.get("/persons/{person_id}/deliveries", response_model=list[DeliveryOut])
    async def own_deliveries(
        person_id: PersonId, caller: PersonCaller, days: HistoryDays = 30
    ) -> list[DeliveryOut]:
        authorize_self(caller, person_id=person_id)
        since = clock.now() - dt.timedelta(days=days)
        found = await deliveries.for_recipient("person", person_id, since=since)
        return [_delivery(progress) for progress in found]

    @router.get("/centres/{centre_id}/deliveries", response_model=list[DeliveryOut])
    async def centre_deliveries(
        centre_id: CentreId, caller: PersonCaller, audited: Audited, days: HistoryDays = 30
    ) -> list[DeliveryOut]:
        """How far each message about this centre's sessions got, on every channel."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        since = clock.now() - dt.timedelta(days=days)
        found = [_delivery(p) for p in await deliveries.at_centre(centre_id, since=since)]
        audited.names(*_persons(centre_id, (d.recipient_id for d in found)))
        return found

    return router


def _persons(centre_id: str, recipients: Iterable[str]) -> list[str]:
    """The persons among a centre's recipients (the centre itself is told of unfilled
    sessions under its own id)."""
    return [recipient for recipient in recipients if recipient != centre_id]


def _message(logged: LoggedMessage) -> MessageOut:
    return MessageOut.model_validate(logged, from_attributes=True)


def _delivery(progress: DeliveryProgress) -> DeliveryOut:
    return DeliveryOut.model_validate(progress, from_attributes=True)
