"""Wires notifications: settings → runtime → stores, handlers, delivery loop, routes."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import uuid
from datetime import timedelta

from fastapi import FastAPI
from peerlink_shared.clock import Clock
from peerlink_shared.lifecycle.erasure import erasure_in
from peerlink_shared.messaging.publishing import EventSink, Publisher, source_of
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.runtime import ServiceRuntime
from peerlink_shared.web.app import create_app
from peerlink_shared.web.held_routes import held_router

from peerlink_notifications.adapters.contacts import ContactStore
from peerlink_notifications.adapters.deliveries import DeliveryStore
from peerlink_notifications.adapters.holdings import NotificationsHoldings
from peerlink_notifications.adapters.repository import NotificationsRepository
from peerlink_notifications.adapters.smtp import SmtpRelay, SmtpTransport
from peerlink_notifications.adapters.webhook import SmsTransport, WebhookTransport
from peerlink_notifications.adapters.webhook_signing import new_webhook_secret
from peerlink_notifications.adapters.webhook_targets import (
    Resolver,
    WebhookTargets,
    system_resolver,
)
from peerlink_notifications.domain.delivery import RetryPolicy
from peerlink_notifications.entrypoints import consumers
from peerlink_notifications.entrypoints.contacts import contacts_router
from peerlink_notifications.entrypoints.delivery_loop import DeliveryLoop
from peerlink_notifications.entrypoints.http import notifications_router
from peerlink_notifications.service_layer.contacts import ContactKeeping
from peerlink_notifications.service_layer.erasure import NotificationsErasure
from peerlink_notifications.service_layer.handlers import NotificationsHandlers
from peerlink_notifications.service_layer.sending import DeliverySender
from peerlink_notifications.settings import NotificationsSettings


def bootstrap(
    settings: NotificationsSettings,
    *,
    clock: Clock | None = None,
    resolver: Resolver = system_resolver,
) -> FastAPI:
    runtime = ServiceRuntime(service="notifications", settings=settings, clock=clock)
    # httpx logs every request's URL at INFO, and a webhook URL is a contact detail.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    repository = NotificationsRepository(runtime.db)
    contacts = ContactStore(runtime.db, keys=runtime.keys)
    deliveries = DeliveryStore(runtime.db)
    runtime.startup_hooks += [repository.ensure_indexes, deliveries.ensure_indexes]
    for expiry in settings.notification_expiries():
        runtime.retention.add(expiry)
    wake = asyncio.Event()
    webhook_targets = WebhookTargets(
        allow_insecure_local=settings.webhook_allow_insecure_local,
        timeout=settings.delivery_send_timeout_seconds,
        resolver=resolver,
    )
    forget = NotificationsErasure(
        repository=repository, contacts=contacts, deliveries=deliveries
    ).erase_person
    erasure = erasure_in(runtime, service="notifications", erase_own_stores=forget)
    notification_events = notification_events_publisher(
        sink=runtime.outbox, topics=runtime.topics, clock=runtime.clock
    )
    handlers = NotificationsHandlers(
        repository=repository,
        contacts=contacts,
        deliveries=deliveries,
        notification_events=notification_events,
        clock=runtime.clock,
        wake=wake,
        erasures=erasure.ledger,
    )
    runtime.subscribe(
        consumers.subscriptions(handlers=handlers, erasure=erasure, topics=runtime.topics)
    )
    runtime.background.append(
        DeliveryLoop(
            sender=_sender(
                settings,
                runtime,
                contacts=contacts,
                deliveries=deliveries,
                webhook_targets=webhook_targets,
                notification_events=notification_events,
            ),
            wake=wake,
            poll_seconds=settings.delivery_poll_seconds,
        )
    )
    holdings = NotificationsHoldings(
        contacts=contacts,
        repository=repository,
        deliveries=deliveries,
        clock=runtime.clock,
        message_days=settings.message_retention_days,
        delivery_days=settings.delivery_retention_days,
    )
    return create_app(
        runtime=runtime,
        title="PeerLink notifications",
        routers=[
            notifications_router(repository=repository, deliveries=deliveries, clock=runtime.clock),
            contacts_router(
                contacts=ContactKeeping(
                    contacts=contacts, webhooks=webhook_targets, new_secret=new_webhook_secret
                )
            ),
            held_router(runtime=runtime, holdings=holdings),
        ],
    )


def notification_events_publisher(*, sink: EventSink, topics: Topics, clock: Clock) -> Publisher:
    """The one way this service publishes: every event it sends but erasure confirmations."""
    return Publisher(
        sink=sink, source=source_of("notifications"), topic=topics.notification_events, clock=clock
    )


def _sender(
    settings: NotificationsSettings,
    runtime: ServiceRuntime,
    *,
    contacts: ContactStore,
    deliveries: DeliveryStore,
    webhook_targets: WebhookTargets,
    notification_events: Publisher,
) -> DeliverySender:
    timeout = settings.delivery_send_timeout_seconds
    provider = settings.sms_provider_url
    return DeliverySender(
        deliveries=deliveries,
        contacts=contacts,
        notification_events=notification_events,
        clock=runtime.clock,
        transports={
            "email": SmtpTransport(relay=smtp_relay(settings), timeout=timeout),
            "webhook": WebhookTransport(
                targets=webhook_targets, clock=runtime.clock, timeout=timeout
            ),
            "sms": SmsTransport(
                provider_url=None if provider is None else str(provider), timeout=timeout
            ),
        },
        policy=RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            base_delay=timedelta(seconds=settings.delivery_base_delay_seconds),
            max_delay=timedelta(seconds=settings.delivery_max_delay_seconds),
        ),
        # Names the claimer in its claims, for whoever reads them after a crash.
        replica=f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
        claim_lease=timedelta(seconds=settings.delivery_claim_lease_seconds),
        tracer=runtime.tracing.tracer if runtime.tracing else None,
    )


def smtp_relay(settings: NotificationsSettings) -> SmtpRelay:
    password = settings.smtp_password
    ca_file = settings.smtp_ca_file
    return SmtpRelay(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=None if password is None else password.get_secret_value(),
        tls_context=None if ca_file is None else ssl.create_default_context(cafile=ca_file),
    )
