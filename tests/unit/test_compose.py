"""docker-compose.yml agrees with the code (Docker cannot run here, so this is the check)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from peerlink_console.settings import ConsoleSettings, OidcSettings
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.settings import NotificationsSettings
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS: dict[str, type[ServiceSettings]] = {
    "intake": IntakeSettings,
    "eligibility": EligibilitySettings,
    "scheduling": SchedulingSettings,
    "notifications": NotificationsSettings,
}
# OpenTelemetry's own variables, read by its SDK (peerlink_shared.observability.tracing), not
# settings.
TRACING_VARIABLES = {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER"}
TOPICS_CLI_VARIABLES = {
    "PEERLINK_KAFKA_BOOTSTRAP",
    "PEERLINK_KAFKA_SECURITY_PROTOCOL",
    "PEERLINK_KAFKA_CA_FILE",
    "PEERLINK_KAFKA_USERNAME",
    "PEERLINK_KAFKA_PASSWORD_FILE",
    "PEERLINK_TOPIC_PREFIX",
}


def test_every_part_is_present() -> None:
    assert set(COMPOSE["services"]) == {*SETTINGS, "kafka", "mongo", "topics", "console"}


def test_the_console_names_real_settings_and_waits_for_the_services() -> None:
    console = COMPOSE["services"]["console"]
    fields = {f"PEERLINK_CONSOLE_{name.upper()}" for name in ConsoleSettings.model_fields} | {
        f"PEERLINK_CONSOLE_OIDC_{name.upper()}" for name in OidcSettings.model_fields
    }
    assert set(console["environment"]) <= fields, set(console["environment"]) - fields
    # Never minting in compose: whoever reached the page could sign tokens.
    assert "PEERLINK_CONSOLE_ALLOW_MINTING" not in console["environment"]
    assert "PEERLINK_TOKEN_SECRET" not in console["environment"]
    for service in SETTINGS:
        port = COMPOSE["services"][service]["environment"]["PEERLINK_HTTP_PORT"]
        url = console["environment"][f"PEERLINK_CONSOLE_{service.upper()}_URL"]
        assert url == f"http://{service}:{port}"
        assert console["depends_on"][service]["condition"] == "service_healthy"
    port = console["environment"]["PEERLINK_CONSOLE_HTTP_PORT"]
    assert f"127.0.0.1:{port}/ready" in " ".join(console["healthcheck"]["test"])
    assert console["ports"] == [f"{port}:{port}"]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_service_environment_names_real_settings(service: str) -> None:
    fields = {f"PEERLINK_{name.upper()}" for name in SETTINGS[service].model_fields}
    environment = COMPOSE["services"][service]["environment"]
    assert set(environment) <= fields | TRACING_VARIABLES, set(environment) - fields
    assert "PEERLINK_TOKEN_SECRET" in environment
    assert "PEERLINK_KEY_ENCRYPTION_KEYS" in environment


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_service_port_matches_its_health_check_and_mapping(service: str) -> None:
    definition = COMPOSE["services"][service]
    port = str(definition["environment"]["PEERLINK_HTTP_PORT"])
    assert f"127.0.0.1:{port}/ready" in " ".join(definition["healthcheck"]["test"])
    assert definition["ports"] == [f"{port}:{port}"]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_service_waits_for_healthy_servers_and_topics(service: str) -> None:
    depends = COMPOSE["services"][service]["depends_on"]
    assert depends["kafka"]["condition"] == "service_healthy"
    assert depends["mongo"]["condition"] == "service_healthy"
    assert depends["topics"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_build_contexts_and_dockerfiles_exist(service: str) -> None:
    build = COMPOSE["services"][service]["build"]
    context = ROOT / build["context"]
    assert context.is_dir()
    dockerfile = context / build["dockerfile"]
    assert dockerfile.is_file()
    service_name = build["args"]["SERVICE"]
    assert (ROOT / "services" / service_name / "pyproject.toml").is_file()
    for source in re.findall(r"^COPY (?!--)(\S+)", dockerfile.read_text(), flags=re.MULTILINE):
        path = context / source.replace("${SERVICE}", service_name)
        assert path.exists(), f"{dockerfile} copies missing {path}"


def test_the_topics_job_runs_from_the_ops_image() -> None:
    build = COMPOSE["services"]["topics"]["build"]
    dockerfile = ROOT / build["context"] / build["dockerfile"]
    assert dockerfile == ROOT / "ops" / "Dockerfile"
    for source in re.findall(r"^COPY (?!--)(\S+)", dockerfile.read_text(), flags=re.MULTILINE):
        assert (ROOT / source).exists(), f"{dockerfile} copies missing {source}"
    project = tomllib.loads((ROOT / "ops" / "pyproject.toml").read_text())
    assert COMPOSE["services"]["topics"]["command"][0] in project["project"]["scripts"]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_service_images_leave_the_on_call_tools_out(service: str) -> None:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert not any(dep.startswith("peerlink-ops") for dep in project["project"]["dependencies"])
    assert "ops" not in (ROOT / "services" / "Dockerfile").read_text().split()
    shared = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())
    assert "peerlink-ops" not in str(shared["project"].get("dependencies", []))


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_each_image_runs_its_own_service(service: str) -> None:
    assert COMPOSE["services"][service]["build"]["args"]["SERVICE"] == service
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert f"peerlink-{service}" in project["project"]["scripts"]
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    assert "/app/.venv/bin/peerlink-${SERVICE} /app/.venv/bin/peerlink-service" in dockerfile


def test_topic_job_uses_real_variables() -> None:
    assert set(COMPOSE["services"]["topics"]["environment"]) <= TOPICS_CLI_VARIABLES


def test_kafka_is_the_version_the_local_servers_run() -> None:
    script = (ROOT / "infra" / "local-servers").read_text()
    version = re.search(r"^KAFKA_VERSION=(\S+)$", script, flags=re.MULTILINE)
    assert version is not None
    assert COMPOSE["services"]["kafka"]["image"] == f"apache/kafka:{version.group(1)}"
    assert "healthcheck" in COMPOSE["services"]["kafka"]
    assert "healthcheck" in COMPOSE["services"]["mongo"]


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_each_service_logs_in_to_kafka_as_itself_over_sasl_ssl(service: str) -> None:
    environment = {
        **COMPOSE["x-service-env"],
        **COMPOSE["services"][service]["environment"],
    }
    assert environment["PEERLINK_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert environment["PEERLINK_KAFKA_USERNAME"] == service
    assert environment["PEERLINK_KAFKA_PASSWORD_FILE"].endswith(f"/credentials/{service}")
    assert "kafka-secrets:/run/kafka-secrets:ro" in COMPOSE["services"][service]["volumes"]


def test_the_broker_has_no_plaintext_listener() -> None:
    template = (ROOT / "infra" / "kafka" / "server.properties.in").read_text()
    listeners = re.search(r"^listeners=(.*)$", template, flags=re.MULTILINE)
    assert listeners is not None and "PLAINTEXT" not in listeners.group(1)
    assert "allow.everyone.if.no.acl.found=false" in template
    assert "PLAINTEXT" not in str(COMPOSE["services"]["kafka"])


def test_the_console_image_carries_every_workspace_package_it_depends_on() -> None:
    """The ops pages import peerlink_ops (dead letters, replays): an image built without it
    would start and fail on the first ops page."""
    build = COMPOSE["services"]["console"]["build"]
    dockerfile = (ROOT / build["context"] / build["dockerfile"]).read_text()
    project = tomllib.loads((ROOT / "console" / "pyproject.toml").read_text())
    workspace = project["tool"]["uv"]["sources"]
    copied = set(re.findall(r"^COPY (?!--)(\S+) \1$", dockerfile, flags=re.MULTILINE))
    assert "peerlink-ops" in workspace
    for package in workspace:
        folder = package.removeprefix("peerlink-")
        assert folder in copied, f"{build['dockerfile']} does not copy {folder}/"
        assert f"COPY {folder}/pyproject.toml {folder}/" in dockerfile
