"""Who sent a clinic event: each clinic's own topic, found by one pattern that never takes a
dead-letter topic or another run's topic; what the clinic may speak for (versioned grants);
and the inbox key that tells two senders' events apart."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from peerlink_intake.domain.clinics import (
    ChangedBy,
    granted,
    replaced,
    revoked,
    sender_refusal,
)
from peerlink_ops import topics_cli
from peerlink_ops.kafka_acls import catalogue_grants, clinic_grants
from peerlink_shared.messaging.inbox import inbox_key
from peerlink_shared.messaging.topics import CATALOGUE, Topics, is_clinic_id

TOPICS = Topics(prefix="run1-")
OPS = ChangedBy("ops-1", "ops", "*")
COORDINATOR = ChangedBy("coordinator-1", "coordinator", "bay")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("topic", "clinic"),
    [
        ("run1-clinic-inbound.bay-ehr", "bay-ehr"),
        ("run1-clinic-inbound.x", "x"),
        ("run1-clinic-inbound.dlq-north", "dlq-north"),
        ("run1-clinic-inbound.bay-ehr.dlq", None),  # its dead-letter topic
        ("run1-clinic-inbound.dlq", None),  # the old shared topic's dead-letter topic
        ("run1-clinic-inbound", None),  # the old shared topic
        ("clinic-inbound.bay-ehr", None),  # no prefix: another deployment's
        ("run1-dlq-clinic-inbound.bay-ehr", None),  # another run whose prefix starts alike
        ("xrun1-clinic-inbound.bay-ehr", None),
        ("run1-clinic-inbound.Bay-EHR", None),
        ("run1-clinic-inbound.bay_ehr", None),
        ("run1-clinic-inbound.bay.ehr", None),
        ("run1-clinic-inbound.-bay", None),
        ("run1-person-events", None),
    ],
)
def test_the_sender_is_the_clinic_whose_topic_the_pattern_matched(
    topic: str, clinic: str | None
) -> None:
    assert TOPICS.clinic_of(topic) == clinic
    matched = TOPICS.clinic_inbound_pattern.match(topic)
    assert (matched["sender"] if matched else None) == clinic


def test_a_clinic_topic_and_its_dead_letters_are_named_from_the_clinic_id() -> None:
    assert TOPICS.clinic_inbound("bay-ehr") == "run1-clinic-inbound.bay-ehr"
    assert TOPICS.clinic_with_dead_letters("bay-ehr") == [
        ("run1-clinic-inbound.bay-ehr", 6),
        ("run1-clinic-inbound.bay-ehr.dlq", 6),
    ]
    dead_letters = TOPICS.clinic_dead_letters_pattern()
    assert dead_letters.match("run1-clinic-inbound.bay-ehr.dlq")
    assert not dead_letters.match("run1-clinic-inbound.bay-ehr")
    assert not dead_letters.match("run1-clinic-inbound.dlq")
    assert not dead_letters.match("run1-clinic-inbound.bay-ehr.dlq.dlq")


@pytest.mark.parametrize(
    "clinic", ["", "dlq", "Bay", "bay_ehr", "bay.ehr", "-bay", "bay-", "b" * 41, "bay ehr", "ä"]
)
def test_an_id_that_cannot_name_a_clinic_topic_is_refused(clinic: str) -> None:
    assert not is_clinic_id(clinic)
    with pytest.raises(ValueError, match="a clinic id is"):
        TOPICS.clinic_inbound(clinic)


def test_the_pattern_is_one_a_kafka_client_can_take_and_the_catalogue_has_no_shared_topic() -> None:
    pattern = TOPICS.clinic_inbound_pattern
    assert "{" not in pattern.pattern  # FastStream would read braces as a path parameter
    assert pattern.pattern.startswith("^") and pattern.pattern.endswith("$")
    assert "clinic-inbound" not in {spec.name for spec in CATALOGUE}
    assert not any(pattern.match(name) for name, _ in TOPICS.all_with_dead_letters())


@pytest.mark.parametrize(
    ("granted_centres", "fact_centre", "admits", "person_centres", "refusal"),
    [
        # A fact about the person alone: they must be at a centre the clinic serves.
        ({"bay"}, None, False, {"bay"}, None),
        ({"bay", "cove"}, None, False, {"cove", "dune"}, None),
        ({"cove"}, None, False, {"bay"}, "the person is at no centre this clinic may act for"),
        (set(), None, False, {"bay"}, "the person is at no centre this clinic may act for"),
        ({"bay"}, None, False, set(), "the person is at no centre this clinic may act for"),
        # An admission: its centre must be served; the person need not be there yet.
        ({"bay"}, "bay", True, set(), None),
        ({"cove"}, "bay", True, {"bay"}, "data.centre_id is not a centre this clinic may act for"),
        # Any other stay fact: served, and the person is there.
        ({"bay"}, "bay", False, {"bay"}, None),
        ({"cove"}, "bay", False, {"bay"}, "data.centre_id is not a centre this clinic may act for"),
        (
            {"bay", "cove"},
            "cove",
            False,
            {"bay"},
            "the person is not registered or admitted at data.centre_id",
        ),
    ],
)
def test_a_clinic_speaks_only_for_the_centres_it_serves(
    granted_centres: set[str],
    fact_centre: str | None,
    admits: bool,
    person_centres: set[str],
    refusal: str | None,
) -> None:
    found = sender_refusal(
        frozenset(granted_centres),
        fact_centre=fact_centre,
        admits=admits,
        person_centres=frozenset(person_centres),
    )
    assert found == refusal


def test_each_change_of_grants_is_a_new_version_saying_who_and_when() -> None:
    first = replaced(None, clinic="bay-ehr", centres=frozenset(), by=OPS, at=T0)
    assert first is not None
    assert (first.version, first.centres, first.change, first.centre) == (
        1,
        frozenset(),
        "replaced",
        None,
    )
    second = granted(first, centre="bay", by=COORDINATOR, at=T0.replace(hour=10))
    assert second is not None
    assert (second.version, second.centres, second.change, second.centre) == (
        2,
        frozenset({"bay"}),
        "granted",
        "bay",
    )
    assert (second.changed_by, second.changed_at) == (COORDINATOR, T0.replace(hour=10))
    third = revoked(second, centre="bay", by=COORDINATOR, at=T0.replace(hour=11))
    assert third is not None
    assert (third.version, third.centres, third.change) == (3, frozenset(), "revoked")
    fourth = replaced(third, clinic="bay-ehr", centres=frozenset({"bay", "cove"}), by=OPS, at=T0)
    assert fourth is not None
    assert (fourth.version, fourth.centres) == (4, frozenset({"bay", "cove"}))


def test_a_change_that_changes_nothing_makes_no_version() -> None:
    current = replaced(None, clinic="bay-ehr", centres=frozenset({"bay"}), by=OPS, at=T0)
    assert current is not None
    assert granted(current, centre="bay", by=COORDINATOR, at=T0) is None
    assert revoked(current, centre="cove", by=COORDINATOR, at=T0) is None
    assert replaced(current, clinic="bay-ehr", centres=frozenset({"bay"}), by=OPS, at=T0) is None


def test_the_inbox_key_tells_senders_and_sources_apart_and_cannot_be_forged() -> None:
    one = inbox_key(sender="bay-ehr", source="/ehr", event_id="e-1")
    assert one == inbox_key(sender="bay-ehr", source="/ehr", event_id="e-1")
    assert one != inbox_key(sender="cove-ehr", source="/ehr", event_id="e-1")
    assert one != inbox_key(sender="bay-ehr", source="/other", event_id="e-1")
    assert one != inbox_key(sender="", source="/ehr", event_id="e-1")
    # A separator inside a sender's own values cannot spell another pair's key.
    assert inbox_key(sender="", source="a\x1fb", event_id="c") != inbox_key(
        sender="", source="a", event_id="b\x1fc"
    )
    assert inbox_key(sender="", source='a","b', event_id="c") != inbox_key(
        sender="", source="a", event_id='b","c'
    )
    # Storable whatever the id holds (a lone surrogate is escaped, not an encoding error).
    assert inbox_key(sender="", source="/s", event_id="\ud800").isascii()


def test_a_clinic_may_write_its_topic_alone_and_intake_read_it_and_dead_letter_it() -> None:
    assert [str(rule).split() for rule in clinic_grants(TOPICS, "bay-ehr")] == [
        ["User:run1-clinic-bay-ehr", "WRITE", "topic", "run1-clinic-inbound.bay-ehr"],
        ["User:intake", "READ", "topic", "run1-clinic-inbound.bay-ehr"],
        ["User:intake", "WRITE", "topic", "run1-clinic-inbound.bay-ehr.dlq"],
    ]
    # Nothing for the catalogue grants any principal a clinic's topic, or intake a prefix.
    for rule in catalogue_grants(TOPICS):
        assert not rule.name.startswith("run1-clinic-inbound"), rule
        assert rule.principal != "intake" or rule.pattern == "LITERAL" or rule.resource == "GROUP"


def test_the_topics_tool_lists_the_clinic_topics_and_their_acls(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for argv in (["list"], ["acls", "--clinic", "bay-ehr"]):
        monkeypatch.setattr(sys, "argv", ["peerlink-topics", *argv, "--prefix", "run1-"])
        topics_cli.main()
    out = capsys.readouterr().out
    assert "run1-clinic-inbound.{clinic}\t6\tkey=person id" in out
    assert "User:run1-clinic-bay-ehr WRITE      topic run1-clinic-inbound.bay-ehr" in out
    monkeypatch.setattr(sys, "argv", ["peerlink-topics", "add-clinic", "Bay_EHR"])
    with pytest.raises(SystemExit):
        topics_cli.main()
    assert "'Bay_EHR' cannot be a clinic id" in capsys.readouterr().err
