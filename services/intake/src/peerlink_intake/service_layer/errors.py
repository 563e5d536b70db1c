"""Why a fact is not recorded: raised by the recording pipeline, whichever door it came
through; each door says it its own way (an HTTP status, a dead-letter reason)."""

from __future__ import annotations

from peerlink_intake.domain.checks import FactProblem
from peerlink_intake.domain.links import LinkRefusal


class NotRecorded(Exception):
    """The fact was refused: nothing was stored or published."""


class FactIncoherent(NotRecorded):
    """The fact contradicts itself or the calendar."""

    def __init__(self, problems: list[FactProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class UnknownPerson(NotRecorded):
    """No person has this id: register them with intake first."""


class UnknownCentre(NotRecorded):
    """A centre the fact names is not registered."""


class SenderNotAllowed(NotRecorded):
    """The clinic system that sent the fact may not act for the person's centres."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventIdReused(NotRecorded):
    """The idempotency key (or event id) was already used for a different fact."""


class LinkRefused(NotRecorded):
    """The centre recording the fact may not: it is not linked to the person (or the link
    the fact would make is not allowed)."""

    def __init__(self, refusal: LinkRefusal) -> None:
        super().__init__(refusal.kind.value)
        self.refusal = refusal
