"""The real pipeline: the four services as processes (`peerlink_devtools.processes`), under
the run's own topic and database prefixes. Centres, persons and sessions are made over HTTP
before a step, as a coordinator would, so intake knows every person its clinic events name;
the clinic is added once, and granted each step's centres."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from peerlink_devtools.clinics import add_clinic
from peerlink_devtools.processes import SERVICES, Network, consumer_groups
from peerlink_devtools.scenario import Api
from peerlink_devtools.sealed import NetworkEvents
from peerlink_ops.topics_admin import provision
from peerlink_shared.messaging.kafka_access import KafkaAccess
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role

from benchmarks.pipeline.hops import CLINIC
from benchmarks.pipeline.observe import Events
from benchmarks.pipeline.opcount import counting_environment
from benchmarks.pipeline.population import Graduate, Layout, Population, graduate

# Registration is not measured; a few calls at once keep it short without flooding intake.
HTTP_CONCURRENCY = 8


class PipelineSide:
    def __init__(
        self,
        *,
        kafka: KafkaAccess,
        mongo: str,
        run_id: str,
        log_dir: Path,
        layout: Layout,
        name: str = "pipeline",
        letter: str = "p",
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.topics = Topics(prefix=f"{run_id}-{letter}-")
        self.groups = consumer_groups(self.topics.prefix, self.topics, clinics=[CLINIC])
        self.database_prefix = f"{run_id}_{letter}_peerlink_"
        self.ops_dir = log_dir / "ops"
        self.kafka = self._kafka = kafka
        self._layout = layout
        self._network = Network(
            kafka=kafka,
            mongo_url=mongo,
            log_dir=log_dir,
            topic_prefix=self.topics.prefix,
            database_prefix=f"{run_id}_{letter}_",
            # Logs at INFO write a JSON line per event: part of what the services cost.
            extra_env={
                "PEERLINK_LOG_LEVEL": "INFO",
                **counting_environment(self.ops_dir),
                **(env or {}),
            },
        )
        self._api: Api | None = None
        self._events = NetworkEvents(self._network)
        self.events: Events | None = self._events

    async def start(self) -> None:
        await provision(self._kafka, self.topics)
        await asyncio.to_thread(self._network.start_all, ready_timeout=120.0)
        urls = {service: self._network.url(service) for service in SERVICES}
        self._api = Api(urls, self._network.token_secret)
        ops = self._api.token(role=Role.OPS, centre="*", subject="bench-pipeline")
        await add_clinic(
            self._api, kafka=self._kafka, topics=self.topics, clinic=CLINIC, centres=(), ops=ops
        )

    def dead(self) -> list[str]:
        """Services that exited (a crashed service would look like a stalled one)."""
        running = self._network.processes.items()
        return [name for name, service in running if service.process.poll() is not None]

    async def stop(self) -> None:
        if self._api is not None:
            await self._api.close()
        await asyncio.to_thread(self._network.stop_all)
        await self._events.close()

    async def populate(self, step: int, graduates: int) -> Population:
        api = self._api
        if api is None:
            raise RuntimeError("start the pipeline first")
        ops = api.token(
            role=Role.OPS, centre="*", subject="bench-pipeline", reason="benchmark population"
        )
        today = datetime.now(UTC).date()
        centres = tuple(f"{self.topics.prefix}c{step}-{n}" for n in range(self._layout.centres))
        limit = asyncio.Semaphore(HTTP_CONCURRENCY)

        async def call(method: str, service: str, path: str, body: object = None) -> str:
            async with limit:
                response = await api.call(method, service, path, headers=ops, json=body)
            if response.status_code >= 300:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
            return str(response.json().get("person_id", "")) if response.content else ""

        for centre in centres:
            body = {
                "centre_id": centre,
                "display_name": centre,
                "region": "north",
                "timezone": "UTC",
            }
            await call("PUT", "intake", f"/centres/{centre}", body)
            await call("PUT", "intake", f"/clinics/{CLINIC}/centres/{centre}")
        session = {
            "starts_at": self._layout.session_start(today).isoformat(),
            "duration_minutes": self._layout.session_minutes,
            "supporters_needed": self._layout.supporters_per_session,
        }
        await asyncio.gather(
            *(
                call("POST", "scheduling", f"/centres/{centre}/sessions", session)
                for centre in centres
                for _ in range(self._layout.sessions_per_centre)
            )
        )
        homes = [centres[n % len(centres)] for n in range(graduates)]
        ids = await asyncio.gather(
            *(call("POST", "intake", f"/centres/{home}/persons") for home in homes)
        )
        people: tuple[Graduate, ...] = tuple(
            graduate(person, home, today) for person, home in zip(ids, homes, strict=True)
        )
        return Population(centres, people, self._layout.places_per_centre * len(centres))
