"""Notifications' Kafka subscriptions: centre events (names), session events, erasures."""

from __future__ import annotations

from peerlink_shared.consumer import EventConsumer, route
from peerlink_shared.contracts import (
    CentreRegistered,
    PersonErasureRequested,
    SessionCancelled,
    SessionFilled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.erasure import Erasure
from peerlink_shared.topics import Topics

from peerlink_notifications.handlers import NotificationsHandlers


def subscribe(
    consumer: EventConsumer,
    *,
    handlers: NotificationsHandlers,
    erasure: Erasure,
    topics: Topics,
    group_id: str,
) -> None:
    consumer.subscribe(
        topic=topics.centre_events,
        group_id=group_id,
        routes=[route(CentreRegistered, handlers.on_centre_registered)],
    )
    consumer.subscribe(
        topic=topics.session_events,
        group_id=group_id,
        routes=[
            route(SupporterAssigned, handlers.on_supporter_assigned),
            route(SupporterUnassigned, handlers.on_supporter_unassigned),
            route(SessionUnfilled, handlers.on_session_unfilled),
            route(SessionFilled, handlers.on_session_filled),
            route(SessionCancelled, handlers.on_session_cancelled),
        ],
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )
