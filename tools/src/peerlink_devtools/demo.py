"""`peerlink-demo`: starts the four services and plays the foundation scenario, narrated;
then two clinic systems report over Kafka, each on its own topic: the one the centre let act
for it is heard, the other is refused.

Expects the local servers (`infra/local-servers up`) and the topics (`peerlink-topics create`);
`make demo` does all three. The clinics' topics it adds itself, as ops would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role

from peerlink_devtools.clinics import CLINIC, STRANGER, two_clinics_report
from peerlink_devtools.console import start_console
from peerlink_devtools.kafka_watch import wait_for_zero_lag
from peerlink_devtools.processes import SERVICES, Network, consumer_groups
from peerlink_devtools.replay import find_event, republish
from peerlink_devtools.scenario import Api, play, retry_milestone, wait_for_messages

BOLD, DIM, RESET = ("\033[1m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "", "")


def say(text: str) -> None:
    print(f"{BOLD}▶ {text}{RESET}", flush=True)


async def watch(kafka: KafkaAccess, topics: list[str]) -> None:
    """Prints every event as it crosses Kafka: topic, type, subject (ids only)."""
    consumer = AIOKafkaConsumer(*topics, **kafka.client_options(), auto_offset_reset="latest")
    await consumer.start()
    try:
        async for record in consumer:
            event = json.loads(record.value)
            print(
                f"{DIM}  ⇢ kafka {record.topic:<20} {event['type']:<45} "
                f"subject={event['subject']}{RESET}",
                flush=True,
            )
    finally:
        await consumer.stop()


async def keep_console_open(url: str, *, centre_id: str) -> None:
    """Run by a person (a terminal), the network stays up for the console until Ctrl-C."""
    if not sys.stdin.isatty() or os.environ.get("PEERLINK_DEMO_KEEP") == "0":
        return
    say(
        f"the console is at {url}: log in as a coordinator of {centre_id} "
        "(mint a token on the login page); Ctrl-C stops everything"
    )
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()


async def run() -> int:
    kafka = KafkaAccess.from_env()
    mongo_url = os.environ.get(
        "PEERLINK_MONGO_URL", "mongodb://127.0.0.1:27027/?directConnection=true"
    )
    topics = Topics()
    network = Network(
        kafka=kafka,
        mongo_url=mongo_url,
        log_dir=Path(os.environ.get("PEERLINK_LOG_DIR", ".local/logs/services")),
        ports={"intake": 8101, "eligibility": 8102, "scheduling": 8103, "notifications": 8104},
    )
    say("starting intake, eligibility, scheduling and notifications as processes")
    network.start_all()
    for service in SERVICES:
        print(f"  {service:<14} {network.url(service)}  (OpenAPI at {network.url(service)}/docs)")
    try:
        console = start_console(network, port=int(os.environ.get("PEERLINK_CONSOLE_PORT", "8100")))
    except BaseException:
        network.stop_all()
        raise
    print(f"  {'console':<14} {console.url}  (log in: mint a coordinator token for the centre)")
    watched = [
        topics.person_events,
        topics.eligibility_changes,
        topics.session_events,
        topics.notification_events,
    ]
    watcher = asyncio.create_task(watch(kafka, watched))
    await asyncio.sleep(1.0)
    api = Api({service: network.url(service) for service in SERVICES}, network.token_secret)
    try:
        result = await play(api, say=say, today=datetime.now(UTC).date())
        supporter = api.token(
            role=Role.SUPPORTER, centre=result.centre_id, subject=result.person_id
        )
        say(f"notification recorded for {result.person_id}: {result.messages[0]['text']!r}")
        await two_clinics_report(
            api,
            kafka=kafka,
            topics=topics,
            centre_id=result.centre_id,
            person_id=result.person_id,
            say=say,
        )

        say("the clinic retries the milestone with the same Idempotency-Key ...")
        again = await retry_milestone(api, result)
        say(f"intake answers {again.status_code}, duplicate={again.json()['duplicate']}")
        say("... and Kafka redelivers the milestone event twice more")
        record = await find_event(kafka, topics.person_events, result.milestone_event_id)
        await republish(kafka, record, times=2)
        await wait_for_zero_lag(
            kafka, consumer_groups(topics.prefix, topics, clinics=(CLINIC, STRANGER))
        )
        messages = await wait_for_messages(
            api, person_id=result.person_id, headers=supporter, at_least=1, timeout=10
        )
        say(
            f"all consumers caught up; messages for the supporter: {len(messages)} "
            "(duplicates ignored)"
        )
        await keep_console_open(console.url, centre_id=result.centre_id)
        return 0 if len(messages) == 1 else 1
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await api.close()
        say("stopping the services and the console (servers stay up: `make down` stops them)")
        network.stop_all()
        print(f"  service logs (JSON lines): {network.log_dir}/")


def main() -> None:
    try:
        sys.exit(asyncio.run(run()))
    except KeyboardInterrupt:
        sys.exit(0)
