"""Notifications' Kafka subscriptions: centre events (names), session events, erasures."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from peerlink_shared.clock import Clock
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
from peerlink_shared.erasure import (
    EraseOwnStores,
    Erasure,
    Handler,
    P,
    undoing_for_erased_persons,
)
from peerlink_shared.topics import Topics

from peerlink_notifications.service_layer.handlers import NotificationsHandlers


def subscribe(
    consumer: EventConsumer,
    *,
    handlers: NotificationsHandlers,
    erasure: Erasure,
    forget: EraseOwnStores,
    clock: Clock,
    topics: Topics,
    group_id: str,
) -> None:
    # Session events arrive on another topic than erasures, so may be handled while one
    # runs: what they wrote about an erased supporter is erased again.
    def undoing(handler: Handler[P], persons: Callable[[P], Iterable[str]]) -> Handler[P]:
        return undoing_for_erased_persons(
            handler, ledger=erasure.ledger, persons=persons, erase_again=forget, clock=clock
        )

    consumer.subscribe(
        topic=topics.centre_events,
        group_id=group_id,
        routes=[route(CentreRegistered, handlers.on_centre_registered)],
    )
    consumer.subscribe(
        topic=topics.session_events,
        group_id=group_id,
        routes=[
            route(SupporterAssigned, undoing(handlers.on_supporter_assigned, supporter)),
            route(SupporterUnassigned, undoing(handlers.on_supporter_unassigned, supporter)),
            route(SessionUnfilled, handlers.on_session_unfilled),
            route(SessionFilled, undoing(handlers.on_session_filled, supporters)),
            route(SessionCancelled, undoing(handlers.on_session_cancelled, supporters)),
        ],
    )
    consumer.subscribe(
        topic=topics.person_erasure,
        group_id=group_id,
        routes=[route(PersonErasureRequested, erasure.on_erasure_requested)],
    )


def supporter(event: SupporterAssigned | SupporterUnassigned) -> list[str]:
    return [event.supporter_id]


def supporters(event: SessionFilled | SessionCancelled) -> tuple[str, ...]:
    return event.supporter_ids
