"""Starts the four services as separate OS processes against given servers, and stops them."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from peerlink_ops.kafka_acls import SUBSCRIPTIONS, consumer_group
from peerlink_shared.keys import new_kek_setting
from peerlink_shared.messaging.kafka_access import KafkaAccess, child_environment
from peerlink_shared.messaging.topics import Topics

SERVICES = ("intake", "eligibility", "scheduling", "notifications")


def consumer_groups(
    prefix: str, topics: Topics, *, clinics: Sequence[str] = ()
) -> dict[str, list[str]]:
    """Each service's consumer group and the topics it reads: what to watch for lag. Intake
    reads every clinic's topic; these clinics' are the ones watched."""
    return {
        consumer_group(prefix, service): [topics.name(base) for base in names]
        + ([topics.clinic_inbound(clinic) for clinic in clinics] if service == "intake" else [])
        for service, names in SUBSCRIPTIONS.items()
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_command(service: str) -> str:
    """The service's console script from this environment, even when it is not on PATH."""
    beside = Path(sys.executable).parent / f"peerlink-{service}"
    return str(beside) if beside.exists() else f"peerlink-{service}"


def new_token_secret() -> str:
    return secrets.token_urlsafe(48)


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Network:
    """The four services of one run: same servers, topic prefix, token secret."""

    kafka: KafkaAccess
    mongo_url: str
    log_dir: Path
    topic_prefix: str = ""
    database_prefix: str = ""
    token_secret: str = field(default_factory=new_token_secret)
    key_encryption_keys: str = field(default_factory=new_kek_setting)
    ports: Mapping[str, int] = field(default_factory=dict)
    extra_env: Mapping[str, str] = field(default_factory=dict)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    # Each service's port, chosen once: every service is told where the others are (intake's
    # subject access report asks them) before any of them starts.
    planned: dict[str, int] = field(default_factory=dict)

    def port_of(self, service: str) -> int:
        if service not in self.planned:
            self.planned[service] = self.ports.get(service) or free_port()
        return self.planned[service]

    def service_urls(self) -> dict[str, str]:
        """`PEERLINK_<SERVICE>_URL` for every service, as intake's settings read them."""
        return {
            f"PEERLINK_{service.upper()}_URL": f"http://127.0.0.1:{self.port_of(service)}"
            for service in SERVICES
        }

    @property
    def key_vault_db(self) -> str:
        return f"{self.database_prefix}peerlink_keys"

    def environment(self, service: str, port: int) -> dict[str, str]:
        env = {
            **os.environ,
            # Each service logs in to Kafka as itself, with only its own ACLs.
            **child_environment(self.kafka, service),
            "PEERLINK_MONGO_URL": self.mongo_url,
            "PEERLINK_MONGO_DATABASE": f"{self.database_prefix}peerlink_{service}",
            "PEERLINK_CONSUMER_GROUP": consumer_group(self.topic_prefix, service),
            "PEERLINK_TOPIC_PREFIX": self.topic_prefix,
            "PEERLINK_HTTP_PORT": str(port),
            "PEERLINK_TOKEN_SECRET": self.token_secret,
            "PEERLINK_KEY_ENCRYPTION_KEYS": self.key_encryption_keys,
            # One vault for the network's four services.
            "PEERLINK_KEY_VAULT_DB": self.key_vault_db,
            **self.service_urls(),
            **self.extra_env,
        }
        return env

    def start(self, service: str, *, replica: str | None = None) -> ServiceProcess:
        """Starts the service; a `replica` name runs another instance beside it, in the same
        consumer group, with its own port and log."""
        name = replica or service
        port = free_port() if replica else self.port_of(service)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                [service_command(service)],
                env=self.environment(service, port),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        started = ServiceProcess(service, port, process, log_path)
        self.processes[name] = started
        return started

    def start_all(self, *, ready_timeout: float = 60.0) -> None:
        try:
            for service in SERVICES:
                self.start(service)
            for service in SERVICES:
                self.wait_ready(service, timeout=ready_timeout)
        except BaseException:
            self.stop_all()
            raise

    def wait_ready(self, name: str, *, timeout: float) -> None:
        running = self.processes[name]
        service = name
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if running.process.poll() is not None:
                raise RuntimeError(
                    f"{service} exited with {running.process.returncode}; "
                    f"log:\n{running.log_path.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{running.url}/ready", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{service} not ready within {timeout}s; see {running.log_path}")

    def stop_all(self, *, timeout: float = 30.0) -> dict[str, int | None]:
        """SIGTERM each service, wait, SIGKILL stragglers; returns exit codes."""
        for running in self.processes.values():
            if running.process.poll() is None:
                running.process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, running in self.processes.items():
            try:
                codes[name] = running.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                running.process.kill()
                codes[name] = running.process.wait()
        self.processes.clear()
        return codes

    def url(self, service: str) -> str:
        return self.processes[service].url
