"""Forgetting a person in notifications: their contact, messages and deliveries."""

from __future__ import annotations

from datetime import datetime

from peerlink_notifications.adapters.contacts import ContactStore
from peerlink_notifications.adapters.deliveries import DeliveryStore
from peerlink_notifications.adapters.repository import NotificationsRepository


class NotificationsErasure:
    def __init__(
        self,
        *,
        repository: NotificationsRepository,
        contacts: ContactStore,
        deliveries: DeliveryStore,
    ) -> None:
        self._repository = repository
        self._contacts = contacts
        self._deliveries = deliveries

    async def erase_person(
        self, person_id: str, *, now: datetime, correlation_id: str
    ) -> dict[str, int]:
        # The contact first: from then on the delivery loop has no address to send to.
        counts = {"contacts": await self._contacts.forget_person(person_id)}
        counts |= await self._deliveries.forget_person(person_id)
        counts |= await self._repository.forget_person(person_id)
        return counts
