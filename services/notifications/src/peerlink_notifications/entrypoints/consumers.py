"""Notifications' Kafka subscriptions: centre events (names), session events, erasures."""

from __future__ import annotations

from peerlink_shared.contracts import (
    CentreRegistered,
    SessionCancelled,
    SessionFilled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.lifecycle.erasure import Erasure
from peerlink_shared.messaging.consumer import route
from peerlink_shared.messaging.subscriptions import Subscription
from peerlink_shared.messaging.topics import Topics

from peerlink_notifications.service_layer.handlers import NotificationsHandlers


def subscriptions(
    *, handlers: NotificationsHandlers, erasure: Erasure, topics: Topics
) -> list[Subscription]:
    # Session events arrive on another topic than erasures, so may be handled while one
    # runs: what they wrote about an erased supporter is erased again.
    undoing = erasure.undoing
    return [
        Subscription(
            topics.centre_events, [route(CentreRegistered, handlers.on_centre_registered)]
        ),
        Subscription(
            topics.session_events,
            [
                route(SupporterAssigned, undoing(handlers.on_supporter_assigned, supporter)),
                route(SupporterUnassigned, undoing(handlers.on_supporter_unassigned, supporter)),
                route(SessionUnfilled, handlers.on_session_unfilled),
                route(SessionFilled, undoing(handlers.on_session_filled, supporters)),
                route(SessionCancelled, undoing(handlers.on_session_cancelled, supporters)),
            ],
        ),
        erasure.subscription(),
    ]


def supporter(event: SupporterAssigned | SupporterUnassigned) -> list[str]:
    return [event.supporter_id]


def supporters(event: SessionFilled | SessionCancelled) -> tuple[str, ...]:
    return event.supporter_ids
