"""The subject access report's assembly over in-memory fakes, and what each kind of answer
from another service means for it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from peerlink_intake.adapters.holdings import fact_name
from peerlink_intake.adapters.peer_holdings import answer_of
from peerlink_intake.service_layer.ports import Relay, Unavailable
from peerlink_intake.service_layer.subject_access import SubjectAccess, UnknownPerson
from peerlink_shared.lifecycle.subject_access import (
    MAX_RECORDS,
    UNTIL_ERASED,
    Held,
    Purpose,
    StoreHeld,
    record,
)
from peerlink_shared.security.auth import Principal, Role

from tests.fakes.clock import MovableClock

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
PERSON = "p-1"
RELAY = Relay(authorization="Bearer t", access_reason=None, request_id="r-1")
CALLER = Principal(subject=PERSON, centre="north", role=Role.SUPPORTER)


def stores(name: str) -> list[StoreHeld]:
    return [StoreHeld(store=name, holds="h", why="w", kept="k", records=[{"n": 1}])]


class FakePersons:
    def __init__(self, *known: str) -> None:
        self.known = set(known)

    async def person_exists(self, person_id: str) -> bool:
        return person_id in self.known


class FakeHoldings:
    async def held(self, person_id: str, *, caller: Principal) -> list[StoreHeld]:
        return stores("facts")


class FakePeers:
    def __init__(self, answers: dict[str, Held | Unavailable]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str, Relay]] = []

    @property
    def services(self) -> list[str]:
        return list(self.answers)

    async def ask(self, service: str, person_id: str, *, relay: Relay) -> Held | Unavailable:
        self.asked.append((service, person_id, relay))
        return self.answers[service]


def subject_access(peers: FakePeers, *known: str) -> SubjectAccess:
    return SubjectAccess(
        persons=FakePersons(*known), holdings=FakeHoldings(), peers=peers, clock=MovableClock(NOW)
    )


def held(service: str) -> Held:
    return Held(service=service, person_id=PERSON, stores=stores(f"{service}-store"))


async def test_every_service_answers_and_the_report_is_complete() -> None:
    peers = FakePeers({"eligibility": held("eligibility"), "scheduling": held("scheduling")})

    report = await subject_access(peers, PERSON).report(PERSON, caller=CALLER, relay=RELAY)

    assert report.complete is True
    assert report.generated_at == NOW
    assert [(s.service, s.status, s.stores[0].store) for s in report.services] == [
        ("intake", "complete", "facts"),
        ("eligibility", "complete", "eligibility-store"),
        ("scheduling", "complete", "scheduling-store"),
    ]
    assert peers.asked == [("eligibility", PERSON, RELAY), ("scheduling", PERSON, RELAY)]


async def test_a_service_that_cannot_answer_makes_the_report_incomplete() -> None:
    peers = FakePeers({"eligibility": held("eligibility"), "scheduling": Unavailable("down")})

    report = await subject_access(peers, PERSON).report(PERSON, caller=CALLER, relay=RELAY)

    assert report.complete is False
    scheduling = report.services[2]
    assert (scheduling.status, scheduling.reason, scheduling.stores) == ("unavailable", "down", [])


async def test_an_unknown_person_asks_no_one() -> None:
    peers = FakePeers({"eligibility": held("eligibility")})

    with pytest.raises(UnknownPerson):
        await subject_access(peers).report(PERSON, caller=CALLER, relay=RELAY)
    assert peers.asked == []


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            401,
            b'{"detail": "the bearer token was refused: expired"}',
            "refused the token (401): the bearer token was refused: expired",
        ),
        (403, b"<html>nope</html>", "refused the token (403): no reason given"),
        (403, b'{"detail": {"nested": 1}}', "refused the token (403): no reason given"),
        (500, b"Internal Server Error", "answered 500"),
        (404, b"{}", "answered 404"),
        (200, None, "answered more than a report can hold"),
        (200, b'{"service": "eligibility"}', "answered something that is not a holdings report"),
        (200, b"[" * 5000, "answered something that is not a holdings report"),
        (
            200,
            held("scheduling").model_dump_json().encode(),
            "answered for another service or person",
        ),
        (
            200,
            Held(service="eligibility", person_id="p-2", stores=[]).model_dump_json().encode(),
            "answered for another service or person",
        ),
    ],
)
def test_what_an_answer_that_is_not_a_holdings_report_means(
    status: int, body: bytes | None, reason: str
) -> None:
    assert answer_of("eligibility", PERSON, status=status, body=body) == Unavailable(reason)


def test_a_holdings_report_for_the_person_is_taken() -> None:
    body = held("eligibility").model_dump_json().encode()

    assert answer_of("eligibility", PERSON, status=200, body=body) == held("eligibility")


def test_the_relay_passes_on_the_token_the_reason_and_the_request_id() -> None:
    relay = Relay(authorization="Bearer t", access_reason="INC-1", request_id="r-1")

    assert relay.headers() == {
        "Authorization": "Bearer t",
        "Accept": "application/json",
        "X-Access-Reason": "INC-1",
        "X-Request-Id": "r-1",
    }
    assert "X-Access-Reason" not in RELAY.headers()


def test_stored_values_become_plain_record_values() -> None:
    stored = {
        "on": date(2026, 1, 2),
        "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        "codes": ("a", 1),
        "role": Role.OPS,
        "nested": {"x": 1},
        "secret": "s",
    }

    assert record(stored, leave_out=("secret",)) == {
        "on": "2026-01-02",
        "at": "2026-01-02T03:04:00+00:00",
        "codes": ["a", "1"],
        "role": "ops",
        "nested": "{'x': 1}",
    }


@pytest.mark.parametrize(
    ("event_type", "shown"),
    [
        ("peerlink.person.relapse-recorded.v1", "relapse-recorded"),
        ("peerlink.person.registered.v2", "registered"),
        ("something.else", "something.else"),
    ],
)
def test_a_fact_is_named_as_a_person_reads_it(event_type: str, shown: str) -> None:
    assert fact_name(event_type) == shown


def test_a_store_says_when_it_holds_more_than_a_report_shows() -> None:
    facts = Purpose(store="facts", holds="every fact", why="the record")
    cut = facts.held({"n": n} for n in range(MAX_RECORDS + 1))
    assert (len(cut.records), cut.truncated) == (MAX_RECORDS, True)
    whole = facts.held([{"n": n} for n in range(MAX_RECORDS)])
    assert (len(whole.records), whole.truncated) == (MAX_RECORDS, False)
    assert (cut.store, cut.holds, cut.why, cut.kept) == (
        "facts",
        "every fact",
        "the record",
        UNTIL_ERASED,
    )
