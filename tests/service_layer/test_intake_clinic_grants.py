"""Changing a clinic's grants over fakes: each change a new version saying who and when, the
same list again no version, and a version claimed by a concurrent writer rolled forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from peerlink_intake.domain.clinics import ChangedBy, ClinicGrants
from peerlink_intake.service_layer.clinic_grants import (
    MAX_TRIES,
    ClinicNotRegistered,
    ConcurrentChanges,
)

from tests.fakes.clock import MovableClock
from tests.fakes.intake import OPS, FakeIntake

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
COORDINATOR = ChangedBy(subject="c-1", role="coordinator", centre="south")


@pytest.fixture
def intake() -> FakeIntake:
    return FakeIntake(MovableClock(NOW))


async def test_each_change_is_a_new_version_made_current(intake: FakeIntake) -> None:
    changes = intake.grant_changes
    first = await changes.replace("ehr", frozenset({"north"}), by=OPS)
    intake.clock.advance(timedelta(minutes=5))
    second = await changes.grant("ehr", "south", by=COORDINATOR)
    third = await changes.revoke("ehr", "north", by=OPS)
    assert [(g.version, g.change, g.centre) for g in (first, second, third)] == [
        (1, "replaced", None),
        (2, "granted", "south"),
        (3, "revoked", "north"),
    ]
    assert second.changed_by == COORDINATOR
    assert second.changed_at == NOW + timedelta(minutes=5)
    assert await intake.grants.current("ehr") == third
    assert [g.centres for g in await intake.grants.history("ehr")] == [
        {"north"},
        {"north", "south"},
        {"south"},
    ]


async def test_the_same_list_again_makes_no_version(intake: FakeIntake) -> None:
    first = await intake.grant_changes.replace("ehr", frozenset({"north"}), by=OPS)
    again = await intake.grant_changes.replace("ehr", frozenset({"north"}), by=OPS)
    assert again == first
    assert len(await intake.grants.history("ehr")) == 1


async def test_only_a_registered_clinic_is_granted_a_centre(intake: FakeIntake) -> None:
    with pytest.raises(ClinicNotRegistered):
        await intake.grant_changes.grant("ehr", "north", by=COORDINATOR)
    assert intake.grants.versions == {}


async def test_a_version_a_concurrent_writer_left_behind_is_rolled_forward(
    intake: FakeIntake,
) -> None:
    first = await intake.grant_changes.replace("ehr", frozenset({"north"}), by=OPS)
    # Another writer stored version 2 and stopped before making it current.
    theirs = ClinicGrants("ehr", 2, frozenset({"north", "east"}), "granted", "east", OPS, NOW)
    intake.grants.lose_next.append(theirs)
    mine = await intake.grant_changes.grant("ehr", "south", by=COORDINATOR)
    assert mine.version == 3
    assert mine.centres == {"north", "east", "south"}
    assert [g.version for g in await intake.grants.history("ehr")] == [1, 2, 3]
    assert first.version == 1


async def test_a_clinic_always_changed_meanwhile_gives_up(intake: FakeIntake) -> None:
    await intake.grant_changes.replace("ehr", frozenset({"north"}), by=OPS)
    intake.grants.lose_next += [
        ClinicGrants("ehr", 2 + n, frozenset({f"c{n}"}), "granted", f"c{n}", OPS, NOW)
        for n in range(MAX_TRIES)
    ]
    with pytest.raises(ConcurrentChanges):
        await intake.grant_changes.grant("ehr", "south", by=COORDINATOR)
