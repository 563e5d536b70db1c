"""Forgetting a person in notifications, over in-memory fakes: their contact, messages and
deliveries (with pending entries and claims) go; another person's and the centre's stay."""

from __future__ import annotations

from datetime import UTC, datetime

from peerlink_notifications.domain.contacts import Contact
from peerlink_notifications.service_layer.erasure import NotificationsErasure
from peerlink_shared.contracts import SessionCancelled
from peerlink_shared.envelope import new_event_id

from tests.fakes.notifications import FakeNotifications, scheduling_event

NOW = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
GONE, OTHER = "p-gone", "p-other"


async def test_a_person_is_forgotten_and_nobody_else() -> None:
    world = FakeNotifications.at(NOW)
    for person in (GONE, OTHER):
        world.contacts.contacts[("person", person)] = Contact(
            email=f"{person}@example.org", consent=frozenset({"email"})
        )
    world.contacts.contacts[("centre", "harbour")] = Contact(email="desk@harbour.example")
    cancelled = SessionCancelled(
        session_id="s-1",
        centre_id="harbour",
        starts_at=datetime(2031, 5, 6, 16, 0, tzinfo=UTC),
        supporter_ids=(GONE, OTHER),
    )
    await world.handlers.on_session_cancelled(scheduling_event(cancelled, at=NOW), cancelled)
    (theirs,) = [
        pending
        for pending in world.deliveries.pending
        if world.deliveries.progress(pending).recipient_id == GONE
    ]
    assert await world.deliveries.claim(theirs, 1, by="replica-1", now=NOW)

    erasure = NotificationsErasure(
        repository=world.records, contacts=world.contacts, deliveries=world.deliveries
    )
    counts = await erasure.erase_person(GONE, now=NOW, correlation_id=new_event_id())

    assert counts == {
        "contacts": 1,
        "deliveries": 2,  # in-app and e-mail
        "delivery_pending": 1,
        "delivery_claims": 1,
        "messages": 1,
        "staffing_states": 0,
    }
    assert await world.contacts.find("person", GONE) is None
    assert await world.records.messages_for(GONE) == []
    assert await world.deliveries.for_recipient("person", GONE, since=NOW) == []
    assert await world.contacts.find("person", OTHER) is not None
    assert await world.contacts.find("centre", "harbour") is not None
    assert len(await world.records.messages_for(OTHER)) == 1
    assert len(await world.deliveries.for_recipient("person", OTHER, since=NOW)) == 2
