"""Every service's OpenAPI document bounds every input and names every refusal with its body:
read from the documents themselves, so a new route without bounds or refusals fails here.
(Whether the services answer as documented is test_openapi_conformance's, on real servers.)"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

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
from peerlink_shared.keys import new_kek_setting

Schema = dict[str, Any]
# Nothing connects: the document is built without the lifespan.
SETTINGS = {
    "token_secret": secrets.token_urlsafe(40),
    "key_encryption_keys": new_kek_setting(),
    "kafka_username": "documents",
    "kafka_password": secrets.token_urlsafe(16),
}
SERVICES: dict[str, Callable[[], FastAPI]] = {
    "intake": lambda: intake(IntakeSettings.model_validate(SETTINGS)),
    "eligibility": lambda: eligibility(EligibilitySettings.model_validate(SETTINGS)),
    "scheduling": lambda: scheduling(SchedulingSettings.model_validate(SETTINGS)),
    "notifications": lambda: notifications(NotificationsSettings.model_validate(SETTINGS)),
}
PROBLEM = "#/components/schemas/Problem"
FIELD_PROBLEMS = "#/components/schemas/FieldProblems"
# Formats that bound a string by themselves (the validators refuse anything longer or else).
SELF_BOUNDED_FORMATS = {"date", "date-time"}
# JSON Schema has no such keywords: pydantic writes them when it could not translate a range.
UNTRANSLATED = {"ge", "gt", "le", "lt", "min_length", "max_length"}


@pytest.fixture(scope="module", params=sorted(SERVICES))
def document(request: pytest.FixtureRequest) -> Schema:
    built: Schema = SERVICES[request.param]().openapi()
    return built


def operations(document: Schema) -> Iterator[tuple[str, Schema]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def body_schema(document: Schema, operation: Schema) -> Schema | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    found: Schema = body["content"]["application/json"]["schema"]
    return found


def resolve(document: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def unbounded(document: Schema, schema: Schema, where: str) -> Iterator[str]:
    """Every place in an input's schema where a value has no bound."""
    schema = resolve(document, schema)
    for branch in schema.get("anyOf", []):
        yield from unbounded(document, branch, where)
    kind = schema.get("type")
    if kind == "integer" and not {"minimum", "maximum"} <= schema.keys():
        yield f"{where}: an integer without minimum and maximum"
    if kind == "number":
        yield f"{where}: a float (no input here needs one)"
    if kind == "string" and not (
        {"pattern", "maxLength", "enum", "const"} & schema.keys()
        or schema.get("format") in SELF_BOUNDED_FORMATS
    ):
        yield f"{where}: a string without pattern, maxLength or enum"
    if kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: an array without maxItems"
        yield from unbounded(document, schema["items"], f"{where}[]")
    if kind == "object":
        if schema.get("additionalProperties", True) is not False:
            yield f"{where}: an object that takes unknown fields"
        for name, field in schema.get("properties", {}).items():
            yield from unbounded(document, field, f"{where}.{name}")


def untranslated(schema: object, where: str) -> Iterator[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in UNTRANSLATED:
                yield f"{where}: `{key}` is not JSON Schema"
            yield from untranslated(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from untranslated(value, f"{where}/{index}")


def test_every_input_has_bounds(document: Schema) -> None:
    found: list[str] = []
    for name, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{name} {parameter['in']} {parameter['name']}"
            found.extend(unbounded(document, parameter["schema"], where))
        body = body_schema(document, operation)
        if body is not None:
            found.extend(unbounded(document, body, f"{name} body"))

    assert found == []


def test_every_range_is_written_in_json_schema(document: Schema) -> None:
    assert list(untranslated(document, "#")) == []


def test_every_operation_names_the_refusals_of_its_door(document: Schema) -> None:
    """A token route can answer 401, 403 and 503 (token keys or the audit trail down); a
    route with input, 422; a route with a body, 400 (not UTF-8) and 413 (too large)."""
    missing = []
    for name, operation in operations(document):
        needed = set()
        if operation.get("security"):
            needed |= {"401", "403", "503"}
        if operation.get("parameters") or "requestBody" in operation:
            needed.add("422")
        if "requestBody" in operation:
            needed |= {"400", "413"}
        if lacking := needed - operation["responses"].keys():
            missing.append(f"{name}: {sorted(lacking)}")

    assert missing == []


def test_every_refusal_has_one_of_the_two_shared_bodies(document: Schema) -> None:
    """A 422 lists the fields (FieldProblems, as request validation answers); every other
    refusal says what is wrong (Problem). /ready's 503 is its readiness report."""
    wrong = []
    for name, operation in operations(document):
        for code, response in operation["responses"].items():
            if code[0] not in "45" or name == "GET /ready":
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            expected = FIELD_PROBLEMS if code == "422" else PROBLEM
            if schema.get("$ref") != expected:
                wrong.append(f"{name} {code}: {schema}")

    assert wrong == []
    assert "HTTPValidationError" not in document["components"]["schemas"]
