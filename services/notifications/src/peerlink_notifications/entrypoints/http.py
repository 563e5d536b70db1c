"""Notifications' HTTP API: a person's contact details and messages, a centre's messages."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Principal, Role
from peerlink_shared.clock import Clock
from peerlink_shared.http import Caller, CentreId, PersonId, authorize
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from peerlink_notifications.adapters.repository import NotificationsRepository


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class MessageOut(BaseModel):
    message_id: str
    recipient_id: str
    channel: str
    text: str
    status: str
    created_at: dt.datetime


def _own_or_ops(caller: Principal, person_id: str) -> None:
    if not (
        caller.role is Role.OPS or (caller.role is Role.SUPPORTER and caller.subject == person_id)
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only the person themself (or ops) may do this"
        )


def notifications_router(*, repository: NotificationsRepository, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["notifications"])

    @router.put("/persons/{person_id}/contact", status_code=status.HTTP_204_NO_CONTENT)
    async def set_contact(person_id: PersonId, body: ContactIn, caller: Caller) -> None:
        _own_or_ops(caller, person_id)
        await repository.set_contact(person_id, body.model_dump(mode="json"))

    @router.get("/persons/{person_id}/messages", response_model=list[MessageOut])
    async def own_messages(person_id: PersonId, caller: Caller) -> list[MessageOut]:
        _own_or_ops(caller, person_id)
        return [_out(doc) for doc in await repository.messages_for(person_id)]

    @router.get("/centres/{centre_id}/messages", response_model=list[MessageOut])
    async def centre_messages(
        centre_id: CentreId, caller: Caller, days: int = 30
    ) -> list[MessageOut]:
        """What was sent about this centre's sessions: to whom and how, for its coordinators."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        since = clock.now() - dt.timedelta(days=days)
        return [_out(doc) for doc in await repository.messages_at(centre_id, since=since)]

    return router


def _out(doc: dict[str, object]) -> MessageOut:
    return MessageOut(
        message_id=str(doc["_id"]),
        recipient_id=str(doc["recipient_id"]),
        channel=str(doc["channel"]),
        text=str(doc["text"]),
        status=str(doc["status"]),
        created_at=doc["created_at"],
    )
