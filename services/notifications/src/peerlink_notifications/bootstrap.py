"""Wires notifications: settings → runtime → repository, handlers, subscriptions, routes."""

from __future__ import annotations

from fastapi import FastAPI
from peerlink_shared.app import create_app
from peerlink_shared.asyncapi import Channel
from peerlink_shared.contracts import (
    CentreRegistered,
    MessageRecorded,
    SessionCancelled,
    SessionUnfilled,
    SupporterAssigned,
    SupporterUnassigned,
)
from peerlink_shared.runtime import ServiceRuntime

from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_notifications.entrypoints import consumers
from peerlink_notifications.entrypoints.http import notifications_router
from peerlink_notifications.handlers import NotificationsHandlers
from peerlink_notifications.settings import NotificationsSettings


def bootstrap(settings: NotificationsSettings) -> FastAPI:
    runtime = ServiceRuntime(service="notifications", settings=settings)
    repository = NotificationsRepository(runtime.db)
    runtime.startup_hooks.append(repository.ensure_indexes)
    handlers = NotificationsHandlers(
        repository=repository, outbox=runtime.outbox, topics=runtime.topics, clock=runtime.clock
    )
    consumers.subscribe(
        runtime.consumer, handlers=handlers, topics=runtime.topics, group_id=settings.consumer_group
    )
    router = notifications_router(
        repository=repository,
        clock=runtime.clock,
    )
    topics = runtime.topics
    return create_app(
        runtime=runtime,
        title="PeerLink notifications",
        routers=[router],
        receives=[
            Channel(topics.centre_events, (CentreRegistered,), "centre-events"),
            Channel(
                topics.session_events,
                (SupporterAssigned, SupporterUnassigned, SessionUnfilled, SessionCancelled),
                "session-events",
            ),
        ],
        sends=[Channel(topics.notification_events, (MessageRecorded,), "notification-events")],
    )
