"""Every service's AsyncAPI document passes the official parser (`@asyncapi/parser`, run by
Node from tools/asyncapi-check) and tells an integrator what the wire holds beyond the
payloads: the servers and how to log in, the dead-letter topics, every header and the key."""

from __future__ import annotations

import copy
import json
import secrets
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from peerlink_eligibility.bootstrap import bootstrap as eligibility
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.bootstrap import bootstrap as notifications
from peerlink_notifications.settings import NotificationsSettings
from peerlink_scheduling.bootstrap import bootstrap as scheduling
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.contracts import PERSON_FACTS
from peerlink_shared.keys import new_kek_setting
from peerlink_shared.messaging.asyncapi import Channel, asyncapi_document
from peerlink_shared.messaging.dead_letters import ReasonCode
from peerlink_shared.messaging.topics import CATALOGUE, CLINIC_INBOUND, CLINIC_INBOUND_SPEC
from peerlink_shared.observability.trace_context import TRACEPARENT_PATTERN

Document = dict[str, Any]  # JSON, as served
Diagnostic = dict[str, str]  # one finding of the parser: severity, code, message, path
CHECKER = Path(__file__).resolve().parents[2] / "tools" / "asyncapi-check"
BROKERS = ["kafka-a.clinic-net.example:9093", "kafka-b.clinic-net.example:9093"]
SECRET = secrets.token_urlsafe(40)
KEK = new_kek_setting()
SERVICES: dict[str, Callable[[dict[str, str]], FastAPI]] = {
    "intake": lambda values: intake(IntakeSettings.model_validate(values)),
    "eligibility": lambda values: eligibility(EligibilitySettings.model_validate(values)),
    "scheduling": lambda values: scheduling(SchedulingSettings.model_validate(values)),
    "notifications": lambda values: notifications(NotificationsSettings.model_validate(values)),
}
EVENT_HEADERS = {"content-type", "ce_type", "correlation_id", "x-dlq-replayed-from"}
DEAD_LETTER_HEADERS = {
    "x-dlq-reason-code",
    "x-dlq-reason",
    "x-original-topic",
    "x-original-partition",
    "x-original-offset",
}
KEYS = {spec.name: spec.key for spec in CATALOGUE} | {CLINIC_INBOUND: CLINIC_INBOUND_SPEC.key}
# The per-clinic inbound topics, subscribed by pattern: a channel with a parameter.
PER_CLINIC = Channel(
    "clinic-inbound.{clinic}", PERSON_FACTS, "clinic-inbound", {"clinic": "The sending clinic."}
)


async def served(name: str, *, bootstrap: str) -> Document:
    """The document a service serves at /asyncapi.json, built by its own bootstrap (nothing
    connects: the lifespan does not run)."""
    app = SERVICES[name](
        {
            "kafka_bootstrap": bootstrap,
            "token_secret": SECRET,
            "key_encryption_keys": KEK,
            "topic_prefix": "",
        }
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as client:
        response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    document: Document = response.json()
    return document


def official_parser(documents: Mapping[str, Document], folder: Path) -> dict[str, list[Diagnostic]]:
    """Each document's diagnostics from @asyncapi/parser, by the same names."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node not found on PATH: the AsyncAPI documents are validated by the official "
            "JavaScript parser. Install Node.js 20 or later (with npm), then run `make install`.",
            pytrace=False,
        )
    if not (CHECKER / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail(
            f"@asyncapi/parser is not installed in {CHECKER}: run `make install` "
            "(it runs `npm ci` there; npm comes with Node.js 20 or later).",
            pytrace=False,
        )
    paths = {}
    for name, document in documents.items():
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(json.dumps(document))
    checked = subprocess.run(
        [node, str(CHECKER / "check.mjs"), *map(str, paths.values())],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.stdout, f"the checker printed nothing; stderr: {checked.stderr}"
    report: dict[str, list[Diagnostic]] = json.loads(checked.stdout)
    return {name: report[str(path)] for name, path in paths.items()}


@pytest.fixture(scope="module")
async def documents() -> dict[str, Document]:
    found = {name: await served(name, bootstrap=" , ".join(BROKERS)) for name in SERVICES}
    found["per-clinic"] = asyncapi_document(
        title="with a per-clinic channel",
        version="0",
        bootstrap=BROKERS[0],
        sends=(),
        receives=[PER_CLINIC],
    )
    return found


@pytest.fixture(scope="module")
def diagnostics(
    documents: dict[str, Document], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[Diagnostic]]:
    # Proof that the parser checks what we rely on: a dangling reference to the security
    # scheme and a misspelt key binding are both errors.
    broken = copy.deepcopy(documents["intake"])
    broken["servers"]["kafka-1"]["security"] = [{"$ref": "#/components/securitySchemes/none"}]
    broken["components"]["messages"]["AdmissionRecorded"]["bindings"]["kafka"]["keys"] = {}
    return official_parser({**documents, "broken": broken}, tmp_path_factory.mktemp("asyncapi"))


def errors(found: list[Diagnostic]) -> list[Diagnostic]:
    return [item for item in found if item["severity"] == "error"]


@pytest.mark.parametrize("name", [*SERVICES, "per-clinic"])
def test_the_official_parser_finds_no_error(
    name: str, diagnostics: dict[str, list[Diagnostic]]
) -> None:
    assert errors(diagnostics[name]) == []


def test_the_official_parser_reports_what_is_broken(
    diagnostics: dict[str, list[Diagnostic]],
) -> None:
    messages = " | ".join(item["message"] for item in errors(diagnostics["broken"]))
    assert "'#/components/securitySchemes/none' does not exist" in messages
    assert 'Property "keys" is not expected to be here' in messages


@pytest.mark.parametrize("name", SERVICES)
def test_the_servers_are_the_configured_brokers_over_sasl_ssl(
    name: str, documents: dict[str, Document]
) -> None:
    document = documents[name]
    servers = document["servers"]
    assert [server["host"] for server in servers.values()] == BROKERS
    schemes = document["components"]["securitySchemes"]
    for server in servers.values():
        assert server["protocol"] == "kafka-secure"
        (login,) = server["security"]
        assert schemes[login["$ref"].rsplit("/", 1)[-1]]["type"] == "scramSha512"
    assert SECRET not in json.dumps(document)
    assert KEK.partition(":")[2] not in json.dumps(document)


async def test_a_single_broker_is_one_server_and_plaintext_only_when_asked() -> None:
    document = await served("intake", bootstrap="broker.internal:9094")
    assert document["servers"] == {
        "kafka": {
            "host": "broker.internal:9094",
            "protocol": "kafka-secure",
            "description": "Kafka over TLS; clients log in with SASL SCRAM-SHA-512.",
            "security": [{"$ref": "#/components/securitySchemes/scramSha512"}],
        }
    }
    plain = asyncapi_document(
        title="t", version="0", bootstrap="b:1", security="PLAINTEXT", sends=(), receives=()
    )
    assert plain["servers"]["kafka"]["protocol"] == "kafka"
    assert "security" not in plain["servers"]["kafka"]


@pytest.mark.parametrize("bootstrap", ["", " , ", ","])
def test_a_bootstrap_naming_no_broker_is_refused(bootstrap: str) -> None:
    with pytest.raises(ValueError, match="names no broker"):
        asyncapi_document(title="t", version="0", bootstrap=bootstrap, sends=(), receives=())


@pytest.mark.parametrize("name", SERVICES)
def test_each_received_topic_has_its_dead_letter_channel(
    name: str, documents: dict[str, Document]
) -> None:
    document = documents[name]
    channels = document["channels"]
    operations = document["operations"].values()
    received = {
        channels[op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
        for op in operations
        if op["action"] == "receive"
    }
    dead_letters = {
        channels[op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
        for op in operations
        if op["action"] == "send" and "DeadLetter" in str(op["messages"])
    }
    assert received
    assert dead_letters == {f"{address}.dlq" for address in received}
    for channel in channels.values():
        if channel["address"].endswith(".dlq"):
            assert list(channel["messages"]) == ["DeadLetter"]


@pytest.mark.parametrize("name", SERVICES)
def test_a_dead_letter_documents_its_reason_headers(
    name: str, documents: dict[str, Document]
) -> None:
    letter = documents[name]["components"]["messages"]["DeadLetter"]
    headers = letter["headers"]
    assert set(headers["required"]) == DEAD_LETTER_HEADERS
    optional = {"content-type", "correlation_id", "x-dlq-attempts"}
    assert DEAD_LETTER_HEADERS | optional == set(headers["properties"])
    assert headers["properties"]["x-dlq-reason-code"]["enum"] == [code.value for code in ReasonCode]
    assert letter["bindings"]["kafka"]["key"]["description"].startswith("The refused record's key")


@pytest.mark.parametrize("name", SERVICES)
def test_every_event_documents_its_headers_and_key(
    name: str, documents: dict[str, Document]
) -> None:
    document = documents[name]
    messages = document["components"]["messages"]
    seen = 0
    for channel_name, channel in document["channels"].items():
        if channel_name.endswith("-dlq"):
            continue
        for ref in channel["messages"].values():
            message = messages[ref["$ref"].rsplit("/", 1)[-1]]
            headers = message["headers"]
            assert headers["type"] == "object"
            assert set(headers["properties"]) == EVENT_HEADERS
            assert headers["properties"]["ce_type"]["const"] == message["name"]
            assert headers["properties"]["content-type"]["const"] == message["contentType"]
            key = message["bindings"]["kafka"]["key"]
            assert key["type"] == "string"
            assert key["description"].startswith(f"The {KEYS[channel_name]}, ")
            seen += 1
    assert seen >= 3


def test_a_per_clinic_channel_keeps_its_parameter_on_its_dead_letters(
    documents: dict[str, Document],
) -> None:
    channels = documents["per-clinic"]["channels"]
    assert channels["clinic-inbound"]["address"] == "clinic-inbound.{clinic}"
    assert channels["clinic-inbound-dlq"]["address"] == "clinic-inbound.{clinic}.dlq"
    for channel in channels.values():
        assert channel["parameters"] == {"clinic": {"description": "The sending clinic."}}


@pytest.mark.parametrize(
    ("address", "parameters"),
    [("clinic-inbound.{clinic}", {}), ("clinic-inbound", {"clinic": "x"}), ("a.{b}", {"c": "x"})],
)
def test_an_address_and_its_parameters_must_agree(address: str, parameters: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="parameters"):
        Channel(address, PERSON_FACTS, "clinic-inbound", parameters)


@pytest.mark.parametrize("name", [*SERVICES, "per-clinic"])
def test_every_event_documents_the_trace_context_extension(
    name: str, documents: dict[str, Document]
) -> None:
    """Another clinic can send (and read) W3C trace context in the CloudEvents distributed
    tracing extension: optional, its shape given."""
    components = documents[name]["components"]
    events = [m for m in components["messages"].values() if "$ref" in m["payload"]]
    assert events
    for message in events:
        envelope = components["schemas"][message["payload"]["$ref"].rsplit("/", 1)[1]]
        traceparent = envelope["properties"]["traceparent"]
        assert {"type": "string", "pattern": TRACEPARENT_PATTERN}.items() <= (
            traceparent["anyOf"][0].items()
        )
        assert "CloudEvents distributed tracing extension" in traceparent["description"]
        assert "tracestate" in envelope["properties"]
        assert not {"traceparent", "tracestate"} & set(envelope.get("required", []))
