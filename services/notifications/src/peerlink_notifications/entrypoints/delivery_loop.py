"""Runs the delivery sender beside the consumers: a round when woken or every poll."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from peerlink_shared.background import BackgroundLoop

from peerlink_notifications.service_layer.sending import DeliverySender

log = structlog.get_logger("peerlink.notifications.delivery")


class DeliveryLoop(BackgroundLoop):
    name = "delivery-loop"

    def __init__(self, *, sender: DeliverySender, wake: asyncio.Event, poll_seconds: float) -> None:
        super().__init__()
        self._sender = sender
        self._wake = wake
        self._poll_seconds = poll_seconds

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._sender.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The database is away: what is pending stays pending; try next round.
                log.warning("delivery_round_failed", error=type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
