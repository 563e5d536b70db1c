"""`peerlink-dlq` against the real Kafka: list, inspect without health data, and replay."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from peerlink_devtools.kafka_watch import Record, read_all
from peerlink_shared.contracts import CravingCheckInRecorded
from peerlink_shared.dead_letter_kafka import partitions_of
from peerlink_shared.dead_letters_cli import run
from peerlink_shared.kafka_access import child_environment
from peerlink_shared.topics import Topics, dead_letter_topic
from peerlink_shared.topics_admin import provision, provision_clinic

from tests.integration.helpers import envelope_for
from tests.servers import Servers

CANARY = "CANARY-Mary-Major-naltrexone"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
CLINIC = "dlq-ehr"
INBOUND = f"clinic-inbound.{CLINIC}"


@dataclass(frozen=True)
class Letter:
    topic: str
    key: bytes | None
    value: bytes
    code: str
    original: str
    timestamp_ms: int
    partition: int = -1
    offset: int = -1

    @property
    def position(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


@dataclass(frozen=True)
class Seeded:
    servers: Servers
    topics: Topics
    letters: dict[str, Letter]

    async def dlq(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        common = ["--bootstrap", self.servers.kafka.bootstrap, "--prefix", self.topics.prefix]
        code = await run([argv[0], *common, *argv[1:]], out=out, err=err)
        return code, out.getvalue(), err.getvalue()


def check_in(event_id: str, person_id: str) -> bytes:
    payload = CravingCheckInRecorded(person_id=person_id, level=1, checked_on=date(2026, 1, 1))
    envelope = envelope_for(payload, subject=person_id, event_id=event_id)
    # The canary sits where a refused payload's health data would be.
    return envelope.model_dump_json().replace('"level":1', f'"level":"{CANARY}"').encode()


@pytest.fixture(scope="module")
async def seeded(servers: Servers, topics: Topics, run_id: str) -> Seeded:
    # Topics of their own (still under the run id, so the session drops them): other tests
    # dead-letter to this run's shared topics, and these counts must be exact.
    mine = Topics(prefix=f"{run_id}-dlq-")
    await provision(servers.kafka, mine)
    await provision_clinic(servers.kafka, mine, CLINIC)
    inbound, person_events = mine.clinic_inbound(CLINIC), mine.person_events
    wanted = {
        "payload-1": (b"p-1", check_in("e-payload-1", "p-1"), "invalid_payload", inbound),
        "payload-2": (b"p-2", check_in("e-payload-2", "p-2"), "invalid_payload", inbound),
        "payload-3": (b"p-3", check_in("e-payload-3", "p-3"), "invalid_payload", inbound),
        "person-1": (b"p-4", check_in("e-person-1", "p-4"), "unknown_person", inbound),
        "person-2": (b"Mary Major", check_in("e-person-2", "p-5"), "unknown_person", inbound),
        "binary": (None, b"\xff\xfe" + CANARY.encode(), "not_utf8", inbound),
        "elsewhere": (b"p-6", check_in("e-elsewhere", "p-6"), "handler_failed", "elsewhere"),
        "person-events": (b"p-7", check_in("e-fact", "p-7"), "incoherent_fact", person_events),
    }
    producer = AIOKafkaProducer(
        **servers.kafka.client_options(), acks="all", enable_idempotence=True
    )
    await producer.start()
    letters: dict[str, Letter] = {}
    try:
        for index, (name, (key, value, code, original)) in enumerate(wanted.items()):
            topic = dead_letter_topic(person_events if original == person_events else inbound)
            metadata = await producer.send_and_wait(
                topic,
                value,
                key=key,
                timestamp_ms=T0 + index * 1000,
                headers=[
                    ("x-dlq-reason-code", code.encode()),
                    ("x-dlq-reason", b"level: int_parsing"),
                    ("x-original-topic", original.encode()),
                    ("x-original-partition", b"0"),
                    ("x-original-offset", str(index).encode()),
                ],
            )
            letters[name] = Letter(
                topic,
                key,
                value,
                code,
                original,
                T0 + index * 1000,
                metadata.partition,
                metadata.offset,
            )
    finally:
        await producer.stop()
    return Seeded(servers, mine, letters)


async def replayed_from(seeded: Seeded, topic: str) -> dict[str, list[Record]]:
    """Records on a topic, by the dead letter they were replayed from."""
    found: dict[str, list[Record]] = {}
    for record in await read_all(seeded.servers.kafka, [topic], idle_seconds=0.5):
        found.setdefault(record.headers.get("x-dlq-replayed-from", ""), []).append(record)
    return found


async def records_on(seeded: Seeded, topic: str) -> int:
    kafka = seeded.servers.kafka
    (parts,) = (await partitions_of(kafka, [topic])).values()
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(topic, part) for part in parts])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def test_list_counts_per_reason_and_original_topic(seeded: Seeded) -> None:
    code, out, _ = await seeded.dlq("list", "--json")
    assert code == 0
    summaries = {item["topic"]: item for item in json.loads(out)}
    inbound = dead_letter_topic(seeded.topics.clinic_inbound(CLINIC))
    assert summaries[inbound] == {
        "topic": inbound,
        "count": 7,
        "by_reason": {
            "handler_failed": 1,
            "invalid_payload": 3,
            "not_utf8": 1,
            "unknown_person": 2,
        },
        "by_original_topic": {"elsewhere": 1, seeded.topics.clinic_inbound(CLINIC): 6},
        "oldest": "2026-01-01T00:00:00.000+00:00",
        "newest": "2026-01-01T00:00:06.000+00:00",
    }
    person_events = dead_letter_topic(seeded.topics.person_events)
    assert summaries[person_events]["by_reason"] == {"incoherent_fact": 1}
    # The catalogue's own, and the one clinic's found on the broker.
    catalogue = {topic for topic, _ in seeded.topics.all_with_dead_letters()}
    assert set(summaries) == {t for t in catalogue if t.endswith(".dlq")} | {inbound}
    assert sum(item["count"] for item in summaries.values()) == 8

    code, table, _ = await seeded.dlq("list", "--topic", INBOUND)
    assert code == 0
    assert table.splitlines()[1].split()[:2] == [inbound, "7"]
    assert "invalid_payload=3" in table
    assert person_events not in table


async def test_inspect_shows_metadata_and_never_the_data(seeded: Seeded) -> None:
    code, out, _ = await seeded.dlq("inspect", "--topic", INBOUND, "--json")
    assert code == 0
    views = [json.loads(line) for line in out.splitlines()]
    assert len(views) == 7
    assert CANARY not in out
    assert "Mary Major" not in out
    by_offset = {(item["dlq_partition"], item["dlq_offset"]): item for item in views}
    payload = seeded.letters["payload-1"]
    shown = by_offset[(payload.partition, payload.offset)]
    assert shown["envelope"]["event_id"] == "e-payload-1"
    assert shown["envelope"]["subject"] == "p-1"
    assert shown["original_topic"] == seeded.topics.clinic_inbound(CLINIC)
    assert (shown["reason_code"], shown["key"]) == ("invalid_payload", "p-1")
    assert shown["body_bytes"] == len(payload.value)
    binary = seeded.letters["binary"]
    junk = by_offset[(binary.partition, binary.offset)]
    assert (junk["body"], junk["body_bytes"], junk["envelope"], junk["key"]) == (
        "not_utf8",
        len(binary.value),
        None,
        "(none)",
    )

    code, text, _ = await seeded.dlq("inspect", "--topic", INBOUND)
    assert code == 0
    assert len(text.splitlines()) == 7
    assert CANARY not in text
    assert "key=(withheld: 10 chars)" in text


async def test_inspect_filters_by_reason_and_limits(seeded: Seeded) -> None:
    code, out, _ = await seeded.dlq(
        "inspect", "--topic", f"{INBOUND}.dlq", "--reason", "invalid_payload", "--json"
    )
    assert code == 0
    ids = [json.loads(line)["envelope"]["event_id"] for line in out.splitlines()]
    assert ids == ["e-payload-1", "e-payload-2", "e-payload-3"]  # oldest first

    code, out, _ = await seeded.dlq("inspect", "--topic", INBOUND, "--limit", "2")
    assert code == 0
    assert len(out.splitlines()) == 2


async def test_replay_puts_the_original_bytes_and_key_back_with_a_trace(seeded: Seeded) -> None:
    code, out, err = await seeded.dlq(
        "replay",
        "--topic",
        INBOUND,
        "--reason",
        "invalid_payload",
        "--progress-every",
        "2",
    )
    assert (code, err) == (0, "")
    assert "replayed 2/3\nreplayed 3/3\n" in out
    code, _, err = await seeded.dlq("replay", "--topic", INBOUND, "--reason", "not_utf8")
    assert (code, err) == (0, "")

    found = await replayed_from(seeded, seeded.topics.clinic_inbound(CLINIC))
    chosen = [seeded.letters[name] for name in ("payload-1", "payload-2", "payload-3", "binary")]
    assert set(found) == {letter.position for letter in chosen}
    for letter in chosen:
        (record,) = found[letter.position]
        assert (record.key, record.value) == (letter.key, letter.value)
    assert CANARY not in out


async def test_replay_of_chosen_event_ids_only(seeded: Seeded) -> None:
    chosen = seeded.letters["person-2"]
    before = await replayed_from(seeded, seeded.topics.clinic_inbound(CLINIC))
    code, out, _ = await seeded.dlq(
        "replay", "--topic", INBOUND, "--event-id", "e-person-2", "e-not-there"
    )
    assert code == 0
    assert "done: replayed 1 of 1" in out
    after = await replayed_from(seeded, seeded.topics.clinic_inbound(CLINIC))
    assert set(after) - set(before) == {chosen.position}
    (record,) = after[chosen.position]
    assert (record.key, record.value) == (b"Mary Major", chosen.value)


async def test_dry_run_publishes_nothing(seeded: Seeded) -> None:
    before = await records_on(seeded, seeded.topics.clinic_inbound(CLINIC))
    code, out, _ = await seeded.dlq(
        "replay", "--topic", INBOUND, "--reason", "unknown_person", "--dry-run"
    )
    assert code == 0
    assert out.splitlines()[-1].startswith("dry run: would replay 2 from")
    assert len(out.splitlines()) == 3
    assert await records_on(seeded, seeded.topics.clinic_inbound(CLINIC)) == before


async def test_replay_refuses_a_topic_outside_the_catalogue(seeded: Seeded) -> None:
    before = await records_on(seeded, seeded.topics.clinic_inbound(CLINIC))
    code, out, err = await seeded.dlq("replay", "--topic", INBOUND, "--reason", "handler_failed")
    assert code == 1
    assert "'elsewhere' is not in the topic catalogue" in err
    assert out == ""
    assert await records_on(seeded, seeded.topics.clinic_inbound(CLINIC)) == before

    code, _, err = await seeded.dlq("list", "--topic", "billing")
    assert code == 1
    assert "'billing' is not in the topic catalogue" in err

    code, _, err = await seeded.dlq("list", "--topic", "clinic-inbound")
    assert code == 1
    assert "one topic per clinic now: clinic-inbound.<clinic>" in err


async def test_the_console_script_reads_the_environment(seeded: Seeded) -> None:
    script = Path(sys.executable).parent / "peerlink-dlq"
    process = await asyncio.create_subprocess_exec(
        str(script),
        "list",
        "--topic",
        "person-events",
        "--json",
        env={
            **os.environ,
            # As on call: the ops principal, with only its own ACLs.
            **child_environment(seeded.servers.kafka, "ops"),
            "PEERLINK_TOPIC_PREFIX": seeded.topics.prefix,
        },
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    (summary,) = json.loads(out)
    assert (summary["topic"], summary["count"]) == (
        dead_letter_topic(seeded.topics.person_events),
        1,
    )
