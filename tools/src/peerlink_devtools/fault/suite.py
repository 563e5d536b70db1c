"""One fault run: the four services as replicated processes on the real servers, a seeded
workload fed through the clinic door, faults done while it flows, then the oracle."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from peerlink_ops.topics_admin import provision
from peerlink_shared.messaging.envelope import make_envelope, new_event_id
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics, dead_letter_topic
from peerlink_shared.security.auth import Role

from peerlink_devtools.clinics import add_clinic
from peerlink_devtools.fault.canary import canary_for, leaks
from peerlink_devtools.fault.cluster import Cluster, Usage
from peerlink_devtools.fault.oracle import Observed, Verdict, judge
from peerlink_devtools.fault.workload import Person, Workload, bad_inputs, facts_for, plan
from peerlink_devtools.kafka_watch import group_lag, read_all, wait_for_zero_lag
from peerlink_devtools.processes import Network, consumer_groups
from peerlink_devtools.scenario import Api

Say = Callable[[str], None]
FAULTS = ("kill", "kill", "kill", "add", "remove", "freeze", "replay")
REQUIRED = ("kill", "add", "remove", "freeze", "replay")
SERVERS = ("kafka", "ferretdb", "postgres")
REPLAYED = "x-fault-replayed"


@dataclass(frozen=True)
class Config:
    persons: int
    centres: int
    sessions_per_centre: int
    bad_inputs: int
    replicas: int
    feed_seconds: float  # how long the inputs are spread over, with faults throughout
    fault_every: float  # seconds between faults, on average
    server_restarts: bool
    settle_timeout: float = 240.0


SHORT = Config(40, 2, 2, 14, 2, 30, 2.0, server_restarts=True)
# About 10,000 events a run (1,600 persons' facts, a sixth of them twice, and the hostile ones).
LONG = Config(1600, 8, 3, 28, 2, 120, 2.0, server_restarts=True, settle_timeout=600.0)


@dataclass
class RunReport:
    seed: int
    events_sent: int = 0
    duplicates_sent: int = 0
    replayed: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    verdict: Verdict = field(default_factory=Verdict)
    usage_start: dict[str, Usage] = field(default_factory=dict)
    usage_end: dict[str, Usage] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.verdict.passed and not self.growth()

    def growth(self) -> list[str]:
        """Processes alive from start to end whose memory or open files kept growing."""
        grew = []
        for name, start in self.usage_start.items():
            end = self.usage_end.get(name)
            if end is None:
                continue
            if end.open_files > start.open_files + 40:
                grew.append(f"{name}: open files {start.open_files} -> {end.open_files}")
            if end.rss_kib > start.rss_kib * 2 + 100_000:
                grew.append(f"{name}: RSS {start.rss_kib} KiB -> {end.rss_kib} KiB")
        return grew


@dataclass
class Feed:
    """The clinics' side: each publishes on its own topic, here through one idempotent
    producer, retrying across broker restarts (a retry may publish twice: the system must
    not care)."""

    kafka: KafkaAccess
    topics: dict[str, str]  # each clinic's inbound topic
    producer: AIOKafkaProducer | None = None
    sent: int = 0
    replayed: int = 0

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        *,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        while True:
            try:
                if self.producer is None:
                    self.producer = AIOKafkaProducer(
                        **self.kafka.client_options(),
                        acks="all",
                        enable_idempotence=True,
                        max_request_size=1_048_576,
                    )
                    await self.producer.start()
                await asyncio.wait_for(
                    self.producer.send_and_wait(topic, value, key=key, headers=headers),
                    timeout=20,
                )
                self.sent += 1
                return
            except (KafkaError, TimeoutError, OSError):
                await self.close()
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
            self.producer = None


async def run_once(
    config: Config, *, seed: int, kafka: KafkaAccess, mongo: str, servers_script: Path,
    log_dir: Path, say: Say,
) -> RunReport:  # fmt: skip
    began = time.monotonic()
    rng = random.Random(seed)
    report = RunReport(seed=seed)
    prefix = f"f{seed}-"
    topics = Topics(prefix=prefix)
    await provision(kafka, topics)
    network = Network(
        kafka=kafka, mongo_url=mongo, log_dir=log_dir / f"run-{seed}",
        topic_prefix=prefix, database_prefix=f"fault_{seed}_",
        # A frozen consumer must be noticed within the run: the default session timeout.
        extra_env={"PEERLINK_LOG_LEVEL": "INFO"},
    )  # fmt: skip
    cluster = Cluster(network=network, servers_script=servers_script)
    try:
        await cluster.start(config.replicas)
        today = datetime.now(UTC).date()
        work = plan(
            seed=seed, persons=config.persons, centres=config.centres,
            sessions_per_centre=config.sessions_per_centre, today=today,
        )  # fmt: skip
        await _set_up(work, cluster, network.token_secret, kafka=kafka, topics=topics, say=say)
        canary = canary_for(seed)
        work.bad = bad_inputs(
            seed, person_id=next(iter(work.persons)), count=config.bad_inputs, canary=canary
        )
        report.usage_start = cluster.usage()
        feed = Feed(kafka, {clinic: topics.clinic_inbound(clinic) for clinic in _clinics(work)})
        stop = asyncio.Event()
        faults = asyncio.create_task(
            _faults(
                cluster, config, rng, feed=feed, groups=_groups(work, topics), stop=stop, say=say
            )
        )
        try:
            await _feed(work, feed, config, rng, report, canary=canary)
        finally:
            stop.set()
            await faults
            await feed.close()
        report.faults = cluster.faults
        report.events_sent, report.replayed = feed.sent - feed.replayed, feed.replayed
        say(
            f"fed {report.events_sent} events and replayed {report.replayed}; "
            f"faults: {dict(cluster.faults)}; settling"
        )
        await wait_for_zero_lag(kafka, _groups(work, topics), timeout=config.settle_timeout)
        report.verdict = await _settle(
            work, cluster, secret=network.token_secret, kafka=kafka, topics=topics, config=config,
            say=say,
        )  # fmt: skip
        report.usage_end = cluster.usage()
        urls = [running.url for running in network.processes.values()]
        report.verdict.wrong += await leaks(
            canary, kafka=kafka, topics=topics, clinic_topics=[*feed.topics.values()],
            log_dir=network.log_dir, service_urls=urls,
        )  # fmt: skip
        return report
    finally:
        report.seconds = time.monotonic() - began
        codes = cluster.stop()
        if any(code not in {0, -15, None} for code in codes.values()):
            report.verdict.wrong.append(f"a service did not stop cleanly on SIGTERM: {codes}")


def _clinics(work: Workload) -> list[str]:
    return [*work.clinics.values(), work.outsider]


def _groups(work: Workload, topics: Topics) -> dict[str, list[str]]:
    return consumer_groups(topics.prefix, topics, clinics=_clinics(work))


async def _set_up(
    work: Workload, cluster: Cluster, secret: str, *, kafka: KafkaAccess, topics: Topics, say: Say
) -> None:
    """Centres, each centre's clinic system, persons and sessions, before any fault."""
    api = Api({s: cluster.url(s) for s in ("intake", "scheduling")}, secret)
    ops = api.token(role=Role.OPS, centre="*", subject="fault-suite", reason="fault suite: set-up")
    try:
        for centre in work.centres:
            body = {"centre_id": centre, "display_name": centre, "region": "north",
                    "timezone": "Europe/Dublin"}  # fmt: skip
            await _ok(api.call("PUT", "intake", f"/centres/{centre}", headers=ops, json=body))
        for centre, clinic in [*work.clinics.items(), ("", work.outsider)]:
            await add_clinic(
                api, kafka=kafka, topics=topics, clinic=clinic,
                centres=[centre] if centre else [], ops=ops,
            )  # fmt: skip
        for centre, kind in work.kinds:
            person = await _ok(
                api.call("POST", "intake", f"/centres/{centre}/persons", headers=ops)
            )
            person_id = str(person["person_id"])
            work.persons[person_id] = Person(
                centre, kind, facts_for(person_id, centre, kind, work.today)
            )
        for centre, day, needed in work.sessions:
            starts = datetime.combine(work.today + timedelta(days=day), datetime.min.time(), UTC)
            session: dict[str, object] = {
                "starts_at": (starts + timedelta(hours=10)).isoformat(),
                "duration_minutes": 60,
                "supporters_needed": needed,
            }
            await _ok(
                api.call(
                    "POST", "scheduling", f"/centres/{centre}/sessions", headers=ops, json=session
                )
            )
        centres, persons, sessions = len(work.centres), len(work.persons), len(work.sessions)
        say(
            f"{centres} centres, each with its clinic system, {persons} persons, "
            f"{sessions} sessions"
        )
    finally:
        await api.close()


async def _ok(call: Awaitable[httpx.Response]) -> dict[str, object]:
    response = await call
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text}")
    body: dict[str, object] = response.json() if response.content else {}
    return body


async def _feed(
    work: Workload, feed: Feed, config: Config, rng: random.Random, report: RunReport,
    *, canary: str,
) -> None:  # fmt: skip
    """Every fact once, in a shuffled order (reordered), some twice (duplicated), with the
    hostile events among them, spread over the feed time. Some facts carry the canary in a
    field no contract has (ignored on the way in, so it must go no further)."""
    items: list[tuple[str, bytes | None, bytes]] = []
    for person_id, person in work.persons.items():
        topic = feed.topics[work.clinics[person.centre_id]]
        for n, fact in enumerate(person.facts):
            data = {**fact.model_dump(mode="json"), **({"note": canary} if n == 1 else {})}
            envelope = make_envelope(
                event_id=new_event_id(), source=f"/fault/{person.centre_id}",
                event_type=fact.event_type(), subject=person_id, time=datetime.now(UTC),
                data=data, correlation_id=new_event_id(),
            )  # fmt: skip
            items.append((topic, person_id.encode(), envelope.model_dump_json().encode()))
    duplicates = rng.sample(items, k=len(items) // 6)
    # The hostile events come from the first centre's clinic, or from the outsider.
    hostile = {False: feed.topics[work.clinics[work.centres[0]]], True: feed.topics[work.outsider]}
    items += duplicates + [
        (hostile[bad.outsider], bad.marker.encode(), bad.body) for bad in work.bad
    ]
    rng.shuffle(items)
    # In bursts, so consumers have a backlog when faults strike (a kill -9 of an idle
    # consumer proves little).
    bursts = 6
    size = max(1, len(items) // bursts)
    for start in range(0, len(items), size):
        for topic, key, value in items[start : start + size]:
            await feed.send(topic, key, value)
        await asyncio.sleep(config.feed_seconds / bursts)
    report.duplicates_sent = len(duplicates)


async def _faults(
    cluster: Cluster, config: Config, rng: random.Random, *, feed: Feed,
    groups: dict[str, list[str]], stop: asyncio.Event, say: Say,
) -> None:  # fmt: skip
    """Every kind of fault at least once, in a random order, then random ones until the feed
    is done (and all of the first kinds have happened)."""
    owed = [*REQUIRED, *(SERVERS if config.server_restarts else ())]
    rng.shuffle(owed)
    while owed or not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=rng.uniform(0.5, 1.5) * config.fault_every)
        if stop.is_set() and not owed:
            break
        fault = owed.pop() if owed else rng.choice(FAULTS)
        if fault in SERVERS:
            say(f"restarting {fault}")
            await cluster.restart_server(fault)
        else:
            await _one_fault(cluster, fault, rng, feed=feed, groups=groups, say=say)


async def _one_fault(
    cluster: Cluster,
    fault: str,
    rng: random.Random,
    *,
    feed: Feed,
    groups: dict[str, list[str]],
    say: Say,
) -> None:
    service = rng.choice(("intake", "eligibility", "scheduling", "notifications"))
    if fault in {"kill", "freeze"}:
        # Preferably a service with work in hand.
        busy = [name for name, lag in (await _lags(feed.kafka, groups)).items() if lag]
        service = rng.choice(busy) if busy else service
    replicas = cluster.replicas(service)
    if fault == "kill" and replicas:
        victim = rng.choice(replicas)
        say(f"kill -9 {victim}")
        await cluster.kill_and_restart(victim)
    elif fault == "add" and len(replicas) < 3:
        say(f"adding a {service} replica")
        await cluster.add(service)
        cluster.faults["replica added"] += 1
    elif fault == "remove" and len(replicas) > 1:
        victim = rng.choice(replicas)
        say(f"SIGTERM {victim}")
        await cluster.remove(victim)
    elif fault == "freeze" and replicas:
        victim = rng.choice(replicas)
        say(f"SIGSTOP {victim} for 14 s")
        await cluster.freeze(victim, 14.0)
    elif fault == "replay":
        # The clinic door again from the beginning, as clinic systems resending their logs,
        # each on its own topic. What the clinics sent, not earlier replays: replaying those
        # too would double the topics at every replay.
        records = [
            record
            for record in await read_all(feed.kafka, [*feed.topics.values()], idle_seconds=1.0)
            if REPLAYED not in record.headers
        ]
        say(f"replaying {len(records)} clinic events from the beginning")
        for record in records:
            await feed.send(record.topic, record.key, record.value, headers=[(REPLAYED, b"1")])
        feed.replayed += len(records)
        cluster.faults["topic replayed from the beginning"] += 1


async def _lags(kafka: KafkaAccess, groups: dict[str, list[str]]) -> dict[str, int]:
    """Each service's consumer lag right now."""
    found = {}
    for group, names in groups.items():
        with contextlib.suppress(Exception):
            found[group.rsplit("peerlink-", 1)[-1]] = await group_lag(kafka, group, names)
    return found


async def _settle(
    work: Workload, cluster: Cluster, *, secret: str, kafka: KafkaAccess, topics: Topics,
    config: Config, say: Say,
) -> Verdict:  # fmt: skip
    """Observes until the oracle is satisfied or the time is up (outboxes may still be
    draining when lag first reads zero); returns the last verdict."""
    deadline = time.monotonic() + config.settle_timeout
    while True:
        seen = await _observe(work, cluster, secret, kafka, topics)
        verdict = judge(work, seen)
        if verdict.passed or time.monotonic() > deadline:
            return verdict
        first = [*verdict.lost, *verdict.duplicated, *verdict.wrong][0]
        say(
            f"not settled yet: {len(verdict.lost)} missing, {len(verdict.duplicated)} doubled, "
            f"{len(verdict.wrong)} wrong (first: {first})"
        )
        await asyncio.sleep(5.0)
        await wait_for_zero_lag(kafka, _groups(work, topics), timeout=60)


async def _observe(
    work: Workload, cluster: Cluster, secret: str, kafka: KafkaAccess, topics: Topics
) -> Observed:
    api = Api({s: cluster.url(s) for s in ("eligibility", "scheduling", "notifications")}, secret)
    ops = api.token(
        role=Role.OPS, centre="*", subject="fault-suite", reason="fault suite: the oracle reads"
    )
    try:
        decisions = {}
        for person_id, person in work.persons.items():
            response = await api.call(
                "GET", "eligibility", f"/centres/{person.centre_id}/persons/{person_id}/decision",
                headers=ops,
            )  # fmt: skip
            decisions[person_id] = response.status_code == 200 and response.json()["eligible"]
        sessions: dict[str, list[str]] = {}
        needed: dict[str, int] = {}
        centre_of: dict[str, str] = {}
        for centre in work.centres:
            response = await api.call(
                "GET", "scheduling", f"/centres/{centre}/sessions", headers=ops
            )
            for session in response.json():
                sid = session["session_id"]
                sessions[sid] = [a["supporter_id"] for a in session["assignments"]]
                needed[sid] = session["supporters_needed"]
                centre_of[sid] = centre
        messages = {}
        for person_id in work.persons:
            response = await api.call(
                "GET", "notifications", f"/persons/{person_id}/messages", headers=ops
            )
            messages[person_id] = [m["message_id"] for m in response.json()]
    finally:
        await api.close()
    return Observed(
        decisions=decisions, sessions=sessions, needed=needed, centre_of=centre_of,
        messages=messages,
        session_events=await read_all(kafka, [topics.session_events], idle_seconds=1.0),
        dead_letters=await read_all(
            kafka,
            [dead_letter_topic(topics.clinic_inbound(clinic)) for clinic in _clinics(work)],
            idle_seconds=1.0,
        ),
    )  # fmt: skip
