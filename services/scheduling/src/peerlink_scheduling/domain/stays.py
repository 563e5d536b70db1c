"""Stays at centres, folded from admission and leaving facts: what conflict of interest and
"graduate of this centre" are judged on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Admitted:
    centre_id: str
    on: date


@dataclass(frozen=True)
class Left:
    """A programme end or a discharge; `completed` only for a programme completed."""

    centre_id: str
    on: date
    completed: bool = False


@dataclass(frozen=True)
class Stay:
    centre_id: str
    start: date
    end: date | None  # None: still there

    def overlaps(self, other: Stay) -> bool:
        if self.centre_id != other.centre_id:
            return False
        return (other.end is None or self.start <= other.end) and (
            self.end is None or other.start <= self.end
        )


def stays_from(admissions: Iterable[Admitted], leavings: Iterable[Left]) -> tuple[Stay, ...]:
    """Each admission lasts until the last leaving at that centre before the next admission
    there (the longest reading: conflict of interest must not miss an overlap); facts arrive
    in any order and twice."""
    admitted = sorted(set(admissions), key=lambda a: (a.centre_id, a.on))
    left = sorted(set(leavings), key=lambda leaving: leaving.on)
    stays = []
    for index, admission in enumerate(admitted):
        following = admitted[index + 1] if index + 1 < len(admitted) else None
        until = (
            following.on
            if following is not None and following.centre_id == admission.centre_id
            else None
        )
        ends = [
            leaving.on
            for leaving in left
            if leaving.centre_id == admission.centre_id
            and admission.on <= leaving.on
            and (until is None or leaving.on < until)
        ]
        stays.append(Stay(admission.centre_id, admission.on, max(ends) if ends else None))
    return tuple(stays)


def graduated_from(leavings: Iterable[Left]) -> frozenset[str]:
    return frozenset(leaving.centre_id for leaving in leavings if leaving.completed)


def stays_overlap(ours: Iterable[Stay], theirs: Iterable[Stay]) -> bool:
    others = tuple(theirs)
    return any(stay.overlaps(other) for stay in ours for other in others)
