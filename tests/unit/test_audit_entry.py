"""Audit entries are built from ids, route templates, token claims and outcome codes only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peerlink_shared.auditing.audit import (
    AuditEntry,
    event_entry,
    http_entry,
    new_entry_id,
    opaque_ids,
    outcome_of,
)
from peerlink_shared.security.auth import Principal, Role

AT = datetime(2030, 6, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "accepted"), (202, "accepted"), (204, "accepted"), (401, "refused"), (403, "refused"),
     (404, "refused"), (413, "refused"), (422, "refused"), (500, "failed"), (503, "failed")],
)  # fmt: skip
def test_an_http_status_is_an_outcome(status: int, outcome: str) -> None:
    assert outcome_of(status) == outcome


def test_only_opaque_ids_are_kept_each_once() -> None:
    assert opaque_ids(["p-1", "Jane Smith", "p-1", "$gt", "a.b", "p" * 65, "p_2"]) == ["p-1", "p_2"]


def test_entry_ids_sort_as_their_times() -> None:
    times = [AT + timedelta(microseconds=n) for n in (0, 1, 999_999, 10**6, 86_400 * 10**6)]
    ids = [new_entry_id(at) for at in times]
    assert ids == sorted(ids)
    assert len({new_entry_id(AT) for _ in range(100)}) == 100


def test_an_http_entry_names_the_path_and_the_named_persons() -> None:
    entry = http_entry(
        service="scheduling",
        at=AT,
        method="PUT",
        route="/centres/{centre_id}/residents/{person_id}/exclusions",
        path_params={"centre_id": "harbour", "person_id": "p-res"},
        named=["p-sup-1", "p-sup-2", "p-res"],
        principal=Principal(subject="c-7", centre="harbour", role=Role.COORDINATOR),
        status=204,
        access_reason=None,
        request_id="r-1",
    )
    assert entry.person_ids == ["p-res", "p-sup-1", "p-sup-2"]
    assert (entry.centre_id, entry.outcome, entry.actor.role) == (
        "harbour",
        "accepted",
        Role.COORDINATOR,
    )


def test_a_refused_clinic_event_keeps_the_reason_code_only() -> None:
    entry = event_entry(
        service="intake",
        at=AT,
        event_type="peerlink.person.relapse-recorded.v1",
        event_id="evt-1",
        source="/clinic/harbour-ehr/adt",
        sender="north-ehr",
        person_id="p-1",
        centre_id=None,
        refusal="unknown_person",
    )
    assert (entry.outcome, entry.refusal, entry.status, entry.channel) == (
        "refused",
        "unknown_person",
        None,
        "event",
    )
    # The actor is the clinic the broker authenticated, not the source the event claims.
    assert (entry.actor.subject, entry.actor.role) == ("north-ehr", Role.CLINIC_SYSTEM)
    assert entry.event_source == "/clinic/harbour-ehr/adt"


def test_an_entry_has_no_field_for_what_the_data_says() -> None:
    with pytest.raises(ValueError, match="extra"):
        AuditEntry.model_validate(
            {
                **http_entry(
                    service="intake",
                    at=AT,
                    method="POST",
                    route="/x",
                    path_params={},
                    named=[],
                    principal=None,
                    status=202,
                    access_reason=None,
                    request_id="r",
                ).model_dump(),
                "body": {"relapsed_on": "2030-05-01"},
            }
        )
