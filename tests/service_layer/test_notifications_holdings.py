"""What notifications reports holding about a person, over in-memory fakes: addresses to the
person themself only, never the webhook's secret, and their messages and deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from peerlink_notifications.adapters.holdings import NotificationsHoldings
from peerlink_notifications.domain.contacts import Contact
from peerlink_shared.contracts import SupporterAssigned
from peerlink_shared.security.auth import Principal, Role

from tests.fakes.notifications import FakeNotifications, scheduling_event

NOW = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
PERSON = "p-ana"
SECRET = "whsec_c2VjcmV0"


async def held_by(caller: Principal) -> dict[str, list[dict[str, object]]]:
    world = FakeNotifications.at(NOW)
    world.contacts.contacts[("person", PERSON)] = Contact(
        email="ana@example.org",
        webhook_url="https://hooks.example.org/ana",
        webhook_secret=SECRET,
        consent=frozenset({"email"}),
    )
    assigned = SupporterAssigned(
        session_id="s-1",
        centre_id="harbour",
        supporter_id=PERSON,
        slot=0,
        starts_at=NOW + timedelta(days=5),
        duration_minutes=60,
        assigned_on=date(2031, 5, 1),
    )
    await world.handlers.on_supporter_assigned(scheduling_event(assigned, at=NOW), assigned)
    holdings = NotificationsHoldings(
        contacts=world.contacts,
        repository=world.records,
        deliveries=world.deliveries,
        clock=world.clock,
        message_days=30,
        delivery_days=30,
    )
    stores = await holdings.held(PERSON, caller=caller)
    return {store.store: [dict(r) for r in store.records] for store in stores}


async def test_the_person_sees_their_addresses_and_what_was_sent_to_them() -> None:
    held = await held_by(Principal(subject=PERSON, centre="harbour", role=Role.SUPPORTER))
    (contact,) = held["contacts"]
    assert contact["email"] == "ana@example.org"
    assert contact["webhook_url"] == "https://hooks.example.org/ana"
    assert contact["on_file"] == ["email", "webhook"]
    assert contact["webhook_signing_secret"] == "on file (never shown)"
    assert SECRET not in repr(held)
    assert len(held["messages"]) == 1
    assert sorted(str(d["channel"]) for d in held["deliveries"]) == ["email", "in_app"]


async def test_ops_sees_which_channels_are_on_file_but_not_where_they_lead() -> None:
    held = await held_by(Principal(subject="ops-1", centre="*", role=Role.OPS))
    (contact,) = held["contacts"]
    assert contact["on_file"] == ["email", "webhook"]
    assert "email" not in contact
    assert "webhook_url" not in contact
    assert "ana@example.org" not in repr(held)
