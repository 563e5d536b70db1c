"""Intake's erasure use cases over fakes: the key is destroyed, the request published once
per request, a second request returns the first; what 'done' means; and whom an erasure
concerns (who may ask for it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from peerlink_intake.domain.erasure import (
    SERVICES,
    Confirmation,
    ErasureRequest,
    Requester,
)
from peerlink_intake.service_layer.erasures import Erasures, UnknownPerson
from peerlink_shared.contracts import PersonErased, PersonErasureRequested
from peerlink_shared.envelope import Envelope, derived_event_id, new_event_id
from peerlink_shared.publishing import Publisher, source_of
from peerlink_shared.topics import Topics
from pydantic import ValidationError

from tests.fakes.clock import MovableClock
from tests.fakes.intake import (
    ErasureRequestStore,
    FakeIntake,
    IntakeStore,
    RecordingShredder,
    Tombstones,
)
from tests.fakes.outbox import RecordingOutbox

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
OPS = Requester(role="ops", centre="*", subject="ops-7")


def use_case() -> tuple[
    Erasures, RecordingShredder, ErasureRequestStore, Tombstones, RecordingOutbox
]:
    keys, requests, tombstones, outbox = (
        RecordingShredder(),
        ErasureRequestStore(),
        Tombstones(),
        RecordingOutbox(),
    )
    clock = MovableClock(NOW)
    erasures = Erasures(
        persons=IntakeStore(),
        repository=tombstones,
        requests=requests,
        keys=keys,
        person_erasure=Publisher(
            sink=outbox,
            source=source_of("intake"),
            topic=Topics(prefix="t-").person_erasure,
            clock=clock,
        ),
        clock=clock,
    )
    return erasures, keys, requests, tombstones, outbox


async def test_accepting_a_request_destroys_the_key_and_publishes_the_request() -> None:
    erasures, keys, _, tombstones, outbox = use_case()
    request = await erasures.request("p-1", by=OPS, reason="DPO-311: Art. 17 request")
    assert keys.destroyed == ["p-1"]
    assert tombstones.erased == {"p-1": request.request_id}
    ((topic, envelope),) = outbox.added
    assert topic == "t-person-erasure"
    assert envelope.subject == "p-1"
    published = PersonErasureRequested.model_validate(envelope.data)
    assert (published.person_id, published.request_id) == ("p-1", request.request_id)
    assert (published.requested_by_role, published.requested_by_centre) == ("ops", "*")
    assert published.reason == "DPO-311: Art. 17 request"


async def test_a_second_request_returns_the_first_and_publishes_the_same_event() -> None:
    erasures, keys, requests, _, outbox = use_case()
    first = await erasures.request("p-1", by=OPS, reason="first reason")
    coordinator = Requester(role="coordinator", centre="harbour", subject="c-1")
    again = await erasures.request("p-1", by=coordinator, reason="another reason")
    assert again == first
    assert len(requests.by_id) == 1
    assert len(outbox.added) == 1  # the same event id: recorded once
    assert keys.destroyed == ["p-1", "p-1"]  # idempotent, repeated to repair a crash


async def test_the_request_is_done_once_all_four_services_confirmed() -> None:
    erasures, _, requests, _, _ = use_case()
    request = await erasures.request("p-1", by=OPS, reason="first reason")
    for n, service in enumerate(SERVICES):
        assert not requests.by_id[request.request_id].done
        confirmed = PersonErased(
            person_id="p-1",
            request_id=request.request_id,
            service=service,
            deleted={"facts": n},
            erased_at=NOW + timedelta(minutes=n),
        )
        envelope = Envelope(
            id=new_event_id(),
            source=f"/peerlink/{service}",
            type=confirmed.event_type(),
            subject="p-1",
            time=NOW,
            correlationid="c",
            data=confirmed.model_dump(mode="json"),
        )
        await erasures.on_person_erased(envelope, confirmed)
    done = requests.by_id[request.request_id]
    assert done.done
    assert done.done_at == NOW + timedelta(minutes=len(SERVICES) - 1)


def test_a_service_confirms_once_its_first_counts_stay() -> None:
    request = ErasureRequest("er-1", "p-1", OPS, "reason", NOW)
    once = request.confirmed("intake", Confirmation(NOW, {"facts": 3}))
    twice = once.confirmed("intake", Confirmation(NOW + timedelta(hours=1), {"facts": 0}))
    assert twice.confirmations["intake"].deleted == {"facts": 3}
    assert not twice.done and twice.done_at is None


@pytest.mark.parametrize(
    "change",
    [
        {"service": "billing"},  # not one of the four
        {"deleted": {"Facts; drop": 1}},  # a store name is a plain identifier
        {"deleted": {"facts": -1}},
        {"person_id": "p 1"},
    ],
)
def test_a_confirmation_is_held_to_its_contract(change: dict[str, object]) -> None:
    valid: dict[str, object] = {
        "person_id": "p-1",
        "request_id": "er-1",
        "service": "intake",
        "deleted": {"facts": 1},
        "erased_at": NOW.isoformat(),
    }
    with pytest.raises(ValidationError):
        PersonErased.model_validate({**valid, **change})


@pytest.mark.parametrize("reason", ["no", "x" * 201, "line\nbreak"])
def test_a_request_states_a_bounded_plain_reason(reason: str) -> None:
    with pytest.raises(ValidationError):
        PersonErasureRequested(
            person_id="p-1",
            request_id="er-1",
            requested_by_role="ops",
            requested_by_centre="*",
            requested_by_subject="ops-7",
            reason=reason,
            requested_at=NOW,
        )


async def test_two_requests_at_once_make_one() -> None:
    erasures, _, requests, _, _ = use_case()
    first, second = await asyncio.gather(
        erasures.request("p-1", by=OPS, reason="first reason"),
        erasures.request("p-1", by=OPS, reason="second reason"),
    )
    assert first.request_id == second.request_id
    assert len(requests.by_id) == 1


async def test_the_request_is_published_under_an_id_fixed_by_the_request() -> None:
    erasures, _, _, _, outbox = use_case()
    request = await erasures.request("p-1", by=OPS, reason="DPO-311")
    ((_, envelope),) = outbox.added
    expected = derived_event_id("erasure-requested", request.request_id)
    assert (envelope.id, envelope.correlationid) == (expected, expected)
    assert envelope.source == "/peerlink/intake"


def with_persons(persons: IntakeStore) -> Erasures:
    clock = MovableClock(NOW)
    return Erasures(
        persons=persons,
        repository=persons,
        requests=ErasureRequestStore(),
        keys=RecordingShredder(),
        person_erasure=Publisher(
            sink=RecordingOutbox(), source=source_of("intake"), topic="t-erasure", clock=clock
        ),
        clock=clock,
    )


async def test_an_erasure_concerns_the_centres_linked_to_the_person() -> None:
    intake = FakeIntake(MovableClock(NOW))
    intake.person_at("p-1", "north", "south")
    concerned = await with_persons(intake.store).concerned("p-1")
    assert concerned.centres == {"north", "south"}
    assert concerned.latest is None


async def test_once_erased_it_concerns_the_centre_that_asked() -> None:
    intake = FakeIntake(MovableClock(NOW))
    intake.person_at("p-1", "north", "south")
    erasures = with_persons(intake.store)
    asked = Requester(role="coordinator", centre="south", subject="c-1")
    request = await erasures.request("p-1", by=asked, reason="the person asked")
    concerned = await erasures.concerned("p-1")
    assert concerned.centres == {"south"}
    assert concerned.latest == request


async def test_an_unknown_person_concerns_no_one() -> None:
    with pytest.raises(UnknownPerson):
        await with_persons(IntakeStore()).concerned("p-404")
