"""Stays folded from admissions and leavings, in any order and with duplicates."""

from __future__ import annotations

from datetime import date

import pytest
from peerlink_scheduling.domain.stays import Admitted, Left, Stay, graduated_from, stays_from

JAN, MAR, JUN, SEP = date(2025, 1, 6), date(2025, 3, 3), date(2025, 6, 2), date(2025, 9, 1)


@pytest.mark.parametrize(
    ("case", "admissions", "leavings", "expected"),
    [
        ("still there", [Admitted("north", JAN)], [], (Stay("north", JAN, None),)),
        (
            "the last leaving counts (programme end, then discharge)",
            [Admitted("north", JAN)],
            [Left("north", MAR, completed=True), Left("north", JUN)],
            (Stay("north", JAN, JUN),),
        ),
        (
            "a readmission starts a second stay",
            [Admitted("north", JAN), Admitted("north", JUN)],
            [Left("north", MAR), Left("north", SEP)],
            (Stay("north", JAN, MAR), Stay("north", JUN, SEP)),
        ),
        (
            "a leaving elsewhere does not end the stay",
            [Admitted("north", JAN)],
            [Left("hill", MAR)],
            (Stay("north", JAN, None),),
        ),
        (
            "a leaving before the admission does not end it",
            [Admitted("north", JUN)],
            [Left("north", MAR)],
            (Stay("north", JUN, None),),
        ),
    ],
)
def test_stays(
    case: str, admissions: list[Admitted], leavings: list[Left], expected: tuple[Stay, ...]
) -> None:
    assert stays_from(admissions, leavings) == expected, case
    # Order and duplicates do not matter.
    assert stays_from(admissions[::-1] * 2, leavings[::-1] * 2) == expected, case


def test_only_a_completed_programme_makes_a_graduate() -> None:
    leavings = [Left("north", MAR, completed=True), Left("hill", JUN)]
    assert graduated_from(leavings) == {"north"}
