"""Forgetting a person in notifications: their contact, messages and deliveries."""

from __future__ import annotations

from datetime import datetime

from peerlink_notifications.service_layer.ports import (
    ContactBook,
    DeliveryBook,
    NotificationsRecords,
)


class NotificationsErasure:
    def __init__(
        self,
        *,
        repository: NotificationsRecords,
        contacts: ContactBook,
        deliveries: DeliveryBook,
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
