"""Backlog drain: N graduates' facts pushed into a clinic's topic at once; how long until the
four services (as processes) have decided every one of them eligible.

    make bench-drain                  # 300 graduates, 1,500 facts
    make bench-drain GRADUATES=1000

The closed-loop counterpart of `make bench-pipeline` (which offers a fixed rate and measures
latency): this one measures how fast a backlog is worked off, the way issue 9 first measured
it. Each graduate is registered over HTTP first (not timed); the clock starts when the first
fact is sent and stops when the last graduate's `EligibilityChanged` (eligible) is read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from peerlink_devtools.cleanup import forget
from peerlink_devtools.clinics import add_clinic
from peerlink_devtools.fault.workload import facts_for
from peerlink_devtools.processes import Network
from peerlink_devtools.scenario import Api
from peerlink_devtools.sealed import NetworkEvents
from peerlink_ops.topics_admin import provision
from peerlink_shared.messaging.envelope import make_envelope, new_event_id
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role

CENTRES = ("drain-north", "drain-south")
CLINIC = "drain-ehr"


async def register(
    api: Api, graduates: int, *, kafka: KafkaAccess, topics: Topics
) -> list[tuple[bytes, bytes]]:
    """Centres, the clinic acting for them, a session at each, and the graduates; returns
    their facts as Kafka records."""
    ops = api.token(role=Role.OPS, centre="*", subject="bench-drain", reason="benchmark set-up")
    today = datetime.now(UTC).date()
    starts = datetime.combine(today + timedelta(days=3), datetime.min.time(), UTC)
    for centre in CENTRES:
        body = {"centre_id": centre, "display_name": centre, "region": "north",
                "timezone": "Europe/Dublin"}  # fmt: skip
        (
            await api.call("PUT", "intake", f"/centres/{centre}", headers=ops, json=body)
        ).raise_for_status()
        session = {"starts_at": (starts + timedelta(hours=10)).isoformat(),
                   "duration_minutes": 60, "supporters_needed": 2}  # fmt: skip
        path = f"/centres/{centre}/sessions"
        (await api.call("POST", "scheduling", path, headers=ops, json=session)).raise_for_status()
    await add_clinic(api, kafka=kafka, topics=topics, clinic=CLINIC, centres=CENTRES, ops=ops)
    records = []
    for n in range(graduates):
        centre = CENTRES[n % len(CENTRES)]
        response = await api.call("POST", "intake", f"/centres/{centre}/persons", headers=ops)
        person = str(response.raise_for_status().json()["person_id"])
        for fact in facts_for(person, centre, "qualifies", today):
            envelope = make_envelope(
                event_id=new_event_id(), source=f"/bench-drain/{centre}",
                event_type=fact.event_type(), subject=person, time=datetime.now(UTC),
                data=fact.model_dump(mode="json"), correlation_id=new_event_id(),
            )  # fmt: skip
            records.append((person.encode(), envelope.model_dump_json().encode()))
    return records


async def drain(kafka: KafkaAccess, topics: Topics, records: list[tuple[bytes, bytes]],
                graduates: int, timeout: float, *,
                events: NetworkEvents) -> tuple[float, list[float]]:  # fmt: skip
    """Seconds until every graduate was decided eligible, and when each one was."""
    consumer = AIOKafkaConsumer(
        topics.eligibility_changes, **kafka.client_options(), auto_offset_reset="earliest"
    )
    producer = AIOKafkaProducer(**kafka.client_options(), acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    try:
        began = time.perf_counter()
        sends = [
            await producer.send(topics.clinic_inbound(CLINIC), value, key=key)
            for key, value in records
        ]
        await asyncio.gather(*sends)
        eligible: dict[str, float] = {}
        while len(eligible) < graduates and time.perf_counter() - began < timeout:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for record in batch:
                    # Eligibility changes are sealed: opened with the network's vault.
                    event = await events.event(record.value)
                    data = event["data"] if event else {}
                    if data.get("eligible") and data["person_id"] not in eligible:
                        eligible[data["person_id"]] = time.perf_counter() - began
        return time.perf_counter() - began, sorted(eligible.values())
    finally:
        await consumer.stop()
        await producer.stop()


async def run(graduates: int, timeout: float) -> int:
    kafka = KafkaAccess.from_env()
    mongo = os.environ.get("PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true")
    run_id = f"d{secrets.token_hex(3)}"
    topics = Topics(prefix=f"{run_id}-")
    await provision(kafka, topics)
    network = Network(
        kafka=kafka, mongo_url=mongo, log_dir=Path(tempfile.mkdtemp(prefix="drain-")),
        topic_prefix=topics.prefix, database_prefix=f"{run_id}_",
    )  # fmt: skip
    try:
        network.start_all()
        api = Api({s: network.url(s) for s in ("intake", "scheduling")}, network.token_secret)
        try:
            records = await register(api, graduates, kafka=kafka, topics=topics)
        finally:
            await api.close()
        events = NetworkEvents(network)
        try:
            seconds, decided = await drain(
                kafka, topics, records, graduates, timeout, events=events
            )
        finally:
            await events.close()
    finally:
        network.stop_all()
        await forget(kafka=kafka, mongo=mongo, database_prefix=run_id, topic_prefix=f"{run_id}-")
    print(f"{graduates} graduates, {len(records)} facts pushed at once")
    print(f"decided eligible: {len(decided)} of {graduates} in {seconds:.1f} s")
    rate = len(records) / seconds
    print(f"throughput: {rate:.1f} facts/s, {len(decided) / seconds:.1f} graduates/s")
    if decided:
        print(
            f"time to eligible: median {statistics.median(decided):.1f} s, last {decided[-1]:.1f} s"
        )
    return 0 if len(decided) == graduates else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graduates", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (seconds)")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.graduates, args.timeout)))


if __name__ == "__main__":
    main()
