"""Schemathesis, every check, against each service's own OpenAPI document, in-process on the
real servers: as ops (with a stated reason) over every path, and as one centre's coordinator
on its own centre. No 5xx, no answer outside its documented status codes and schemas, no
schema-violating request accepted, no schema-valid request refused but for the rules named in
RULES_BEYOND_THE_SCHEMA, no route that works without a token.

Bounded so the four services take well under two minutes together on two cores: a few
generated examples per operation on top of Schemathesis's deterministic coverage cases, all
derived from one seed, so a failure reproduces (its curl command is in the report).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from ipaddress import ip_address
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from peerlink_eligibility.bootstrap import bootstrap as eligibility_app
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake_app
from peerlink_intake.settings import IntakeSettings
from peerlink_notifications.bootstrap import bootstrap as notifications_app
from peerlink_notifications.domain.webhook_addresses import IPAddress
from peerlink_notifications.settings import NotificationsSettings
from peerlink_scheduling.bootstrap import bootstrap as scheduling_app
from peerlink_scheduling.settings import SchedulingSettings
from peerlink_shared.messaging.topics import Topics
from peerlink_shared.security.auth import Role
from peerlink_shared.settings import ServiceSettings
from schemathesis.engine import events
from schemathesis.schemas import BaseSchema

from tests.integration.helpers import headers, service_app
from tests.integration.running_app import RunningApp
from tests.servers import Servers

SEED = 20_411
EXAMPLES_PER_OPERATION = 6
CENTRE = "conformance-house"
ROLES = ("ops", "coordinator")
Bootstrap = Callable[[Any], FastAPI]
# Webhook hosts are generated names; the lookup is stood in for (a real one can take the
# whole timeout per name on a machine without DNS), the address checks are the real ones.
PUBLIC_ADDRESS = ip_address("93.184.215.14")


async def resolve_offline(host: str, port: int) -> list[IPAddress]:
    try:
        return [ip_address(host.strip("[]"))]
    except ValueError:
        return [PUBLIC_ADDRESS]


SERVICES: dict[str, tuple[Bootstrap, type[ServiceSettings]]] = {
    "intake": (intake_app, IntakeSettings),
    "eligibility": (eligibility_app, EligibilitySettings),
    "scheduling": (scheduling_app, SchedulingSettings),
    "notifications": (partial(notifications_app, resolver=resolve_offline), NotificationsSettings),
}
FACT_ROUTES = r"^POST /centres/\{centre_id\}/persons/\{person_id\}/[a-z-]+$"
# Rules no JSON Schema can state: a date against today, one field against another, a path
# against a body, a name against the zone database, a webhook host against DNS. A request the
# schema allows may still be refused with a 422 by these operations (each says why in its 422
# description), and only by these.
RULES_BEYOND_THE_SCHEMA = {
    "GET /audit": "until after since",
    "PUT /clinics/{clinic}": "the centres listed are registered, each once",
    "PUT /centres/{centre_id}": "the body's centre_id is the path's; a known time zone",
    FACT_ROUTES: "facts coherent with each other and not in the future",
    "POST /centres/{centre_id}/sessions": "starts in the future",
    "POST /centres/{centre_id}/meetings": "a window in the future, long enough, at most 14 days",
    "PUT /supporters/{person_id}/availability": "windows end after they start; a known zone",
    "PUT /persons/{person_id}/contact": "consent needs an address; a public https webhook; a "
    "known zone",
    "PUT /centres/{centre_id}/contact": "consent needs an address; a public https webhook; a "
    "known zone",
}
# 410: the run itself may erase the person it goes on recording facts about
# (POST /persons/{person_id}/erasure), after which every fact about them is refused.
ACCEPTED_WITH_A_RULE = ["2xx", "401", "403", "404", "409", "410", "422", "5xx"]
REFUSED = ["400", "401", "403", "404", "405", "409", "413", "415", "422", "5xx"]


@pytest.fixture(scope="module")
def apps(servers: Servers, topics: Topics, run_id: str) -> Iterator[dict[str, RunningApp]]:
    running = {
        name: RunningApp(
            service_app(
                bootstrap,
                settings,
                servers=servers,
                topics=topics,
                run_id=run_id,
                name=f"oas-{name}",
            )
        )
        for name, (bootstrap, settings) in SERVICES.items()
    }
    yield running
    for app in running.values():
        app.close()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_keeps_its_documented_contract(
    service: str, role: str, apps: dict[str, RunningApp]
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", apps[service], config=config(role))
    if service == "intake" and role == "coordinator":
        register_centre(schema)

    failures = failures_of(schema)

    assert not failures, f"{len(failures)} contract failures:\n\n" + "\n\n".join(failures)


def config(role: str) -> schemathesis.Config:
    if role == "ops":
        sent, pinned = headers(Role.OPS, "*", reason="contract test of the OpenAPI document"), {}
    else:
        # The coordinator works on their own centre, so requests get past authorisation.
        sent, pinned = headers(Role.COORDINATOR, CENTRE), {"path.centre_id": CENTRE}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": sent,
            "parameters": pinned,
            "workers": 1,
            "generation": {
                "mode": "all",
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
            },
            # A body over the size limit is refused too, with the 413 every body route documents.
            "checks": {"negative_data_rejection": {"expected-statuses": REFUSED}},
            "operations": [
                {
                    # A readiness probe answers its documented 503 while Kafka or MongoDB is away.
                    "include-name": "GET /ready",
                    "checks": {
                        "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}
                    },
                },
                *(
                    {
                        "include-name-regex": name
                        if name.startswith("^")
                        else f"^{re.escape(name)}$",
                        "checks": {
                            "positive_data_acceptance": {"expected-statuses": ACCEPTED_WITH_A_RULE}
                        },
                    }
                    for name in RULES_BEYOND_THE_SCHEMA
                ),
            ],
        }
    )


def register_centre(schema: BaseSchema) -> None:
    """The coordinator's centre exists, so their requests reach past 'no such centre'."""
    operation = schema["/centres/{centre_id}"]["PUT"]
    case = operation.Case(
        path_parameters={"centre_id": CENTRE},
        body={
            "centre_id": CENTRE,
            "display_name": "Conformance House",
            "region": "north",
            "timezone": "Europe/Dublin",
        },
        media_type="application/json",
    )
    response = case.call(headers=headers(Role.COORDINATOR, CENTRE))
    assert response.status_code == 200, response.text


def failures_of(schema: BaseSchema) -> list[str]:
    """Every distinct failure of the run, with a curl command that reproduces it."""
    found: dict[tuple[str, str], str] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    key = (f"{event.recorder.label}: {failure.title}", failure.message)
                    found.setdefault(key, check.failure_info.code_sample)
        elif isinstance(event, events.NonFatalError):
            found.setdefault((f"{event.label}: error", str(event.info)), "")
        elif isinstance(event, events.FatalError):
            raise event.exception
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                found.setdefault((f"{failure.operation}: {failure.title}", failure.message), "")
    return [f"{title}\n{message}\n{reproduce}" for (title, message), reproduce in found.items()]
