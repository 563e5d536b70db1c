"""A value of the wrong JSON type changes nothing: refused with a 422 naming the field, in
the body every 422 has, and nothing is recorded from it (real services, real servers)."""

from __future__ import annotations

import httpx
import pytest
from peerlink_eligibility.bootstrap import bootstrap as eligibility_app
from peerlink_eligibility.settings import EligibilitySettings
from peerlink_intake.bootstrap import bootstrap as intake_app
from peerlink_intake.settings import IntakeSettings
from peerlink_shared.security.auth import Role
from peerlink_shared.web.http_errors import FieldProblems

from tests.integration.helpers import (
    headers,
    register_centres,
    served,
)

CENTRE = "strict-house"
COORDINATOR = headers(Role.COORDINATOR, CENTRE)


intake = served(intake_app, IntakeSettings, name="strict-in")
eligibility = served(eligibility_app, EligibilitySettings, name="strict-el")


@pytest.fixture(scope="module")
async def person(intake: httpx.AsyncClient) -> str:
    await register_centres(
        intake,
        CENTRE,
        caller=COORDINATOR,
        name="Strict House",
        region="north",
        timezone="Europe/Dublin",
    )
    created = await intake.post(f"/centres/{CENTRE}/persons", headers=COORDINATOR)
    assert created.status_code == 201, created.text
    person_id: str = created.json()["person_id"]
    return person_id


def problems(response: httpx.Response) -> list[tuple[list[str | int], str]]:
    """The 422's fields and codes, after checking the body has the documented shape."""
    assert response.status_code == 422, response.text
    body = FieldProblems.model_validate(response.json())
    return [(problem.loc, problem.type) for problem in body.detail]


@pytest.mark.parametrize(
    "admitted_on",
    [86400, "86400", 1.7e9, True, "2026-03-01T00:00:00", None],
    ids=["seconds", "seconds as text", "a float", "a boolean", "a date-time", "null"],
)
async def test_an_admission_date_that_is_not_a_date_string_records_nothing(
    intake: httpx.AsyncClient, person: str, admitted_on: object
) -> None:
    """`{"admitted_on": 86400}` was an admission on 1970-01-02."""
    path = f"/centres/{CENTRE}/persons/{person}/admissions"
    key = {"Idempotency-Key": f"admission-{admitted_on!r}"}

    refused = await intake.post(path, json={"admitted_on": admitted_on}, headers=COORDINATOR | key)

    assert problems(refused) == [(["body", "admitted_on"], "date_format")]
    # The same key with a real date records a new fact: the refused one left nothing.
    accepted = await intake.post(
        path, json={"admitted_on": "2026-01-05"}, headers=COORDINATOR | key
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["duplicate"] is False


@pytest.mark.parametrize(
    ("body", "refused_fields"),
    [
        (
            {"min_sober_days": "365", "require_training": "yes"},
            {("min_sober_days", "int_type"), ("require_training", "bool_type")},
        ),
        ({"require_background_check": 1}, {("require_background_check", "bool_type")}),
        ({"accept_network_graduates": "false"}, {("accept_network_graduates", "bool_type")}),
        ({"craving_threshold": True}, {("craving_threshold", "int_type")}),
        ({"expected_version": "0"}, {("expected_version", "int_type")}),
    ],
)
async def test_a_policy_with_numbers_or_booleans_as_text_is_refused_and_not_set(
    eligibility: httpx.AsyncClient,
    body: dict[str, object],
    refused_fields: set[tuple[str, str]],
) -> None:
    """`{"min_sober_days": "365", "require_training": "yes"}` set a policy."""
    path = f"/centres/{CENTRE}/policy"

    refused = await eligibility.put(path, json=body, headers=COORDINATOR)

    found = problems(refused)
    assert {(loc[-1], code) for loc, code in found} == refused_fields
    assert all(loc[0] == "body" for loc, _ in found)
    current = await eligibility.get(path, headers=COORDINATOR)
    assert current.json()["version"] == 0, "the network default is still in force"


async def test_a_policy_in_real_json_types_is_set(eligibility: httpx.AsyncClient) -> None:
    """The strict types refuse the wrong forms only; 400.0 is the JSON number 400."""
    body = {"min_sober_days": 400.0, "require_training": True, "expected_version": 0}
    other = "strict-annex"
    coordinator = headers(Role.COORDINATOR, other)

    changed = await eligibility.put(f"/centres/{other}/policy", json=body, headers=coordinator)

    assert changed.status_code == 202, changed.text
    assert changed.json()["policy"]["min_sober_days"] == 400
    assert changed.json()["policy"]["require_training"] is True


async def test_a_centre_id_other_than_the_paths_gets_a_422_in_the_documented_shape(
    intake: httpx.AsyncClient,
) -> None:
    """It was `{"detail": "centre_id differs from the path"}`: a string where every 422 (and
    the document) has a list of fields."""
    body = {
        "centre_id": "another-house",
        "display_name": "Another House",
        "region": "north",
        "timezone": "Europe/Dublin",
    }

    refused = await intake.put(f"/centres/{CENTRE}", json=body, headers=COORDINATOR)

    assert problems(refused) == [(["body", "centre_id"], "path_mismatch")]
    assert "centre id in the path" in refused.json()["detail"][0]["msg"]
    nothing = await intake.get("/centres/another-house", headers=headers(Role.OPS, "*"))
    assert nothing.status_code == 404, nothing.text
