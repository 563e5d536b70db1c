"""Which centres a person is linked to, how each link came to be, and what a centre may
record about them.

A centre is linked to a person by registering them (their home centre), by accepting a
referral from a centre already linked, or by the person's consent recorded through a
centre already linked. No centre can link itself: an admission, like every other fact,
needs the link first. So one centre alone can never take over another's person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

# "admission": linked by an admission recorded before referrals and consents existed; kept
# so that older records still say something true about how the link came to be.
Basis = Literal["home", "referral", "consent", "admission"]


@dataclass(frozen=True)
class Link:
    centre_id: str
    basis: Basis
    linked_on: date | None
    referred_by: str | None = None  # the referring centre, for a referral
    recorded_by: str | None = None  # who registered, accepted or recorded the consent


@dataclass(frozen=True)
class Referral:
    centre_id: str  # referred to
    referred_by: str  # the referring centre
    referred_on: date
    made_by: str | None = None  # who made it


@dataclass(frozen=True)
class PersonLinks:
    person_id: str
    links: tuple[Link, ...]
    referrals: tuple[Referral, ...] = ()

    @property
    def centres(self) -> frozenset[str]:
        return frozenset(link.centre_id for link in self.links)

    def pending(self) -> tuple[Referral, ...]:
        """Referrals not yet accepted (the centre referred to is not linked)."""
        return tuple(r for r in self.referrals if r.centre_id not in self.centres)

    def referred(self, *, by: str, to: str) -> bool:
        return any(r.referred_by == by and r.centre_id == to for r in self.pending())


class RefusalKind(StrEnum):
    NOT_LINKED = "not_linked"  # the centre recording it is not linked to the person
    NO_REFERRAL = "no_referral"  # accepting a referral nobody made
    ALREADY_LINKED = "already_linked"  # referring or consenting to a centre linked already


@dataclass(frozen=True)
class LinkRefusal:
    kind: RefusalKind
    message: str


def recording_refusal(centre_id: str, links: PersonLinks) -> LinkRefusal | None:
    """A centre records facts about a person only while linked to them."""
    if centre_id in links.centres:
        return None
    return LinkRefusal(
        RefusalKind.NOT_LINKED,
        "this person is not linked to this centre: a linked centre must refer them here "
        "(and this centre accept), or the person consent to the link",
    )


def referral_refusal(*, by: str, to: str, links: PersonLinks) -> LinkRefusal | None:
    """A linked centre may refer the person to a centre not linked yet."""
    return recording_refusal(by, links) or _linked_already(to, links)


def acceptance_refusal(*, by: str, to: str, links: PersonLinks) -> LinkRefusal | None:
    """A centre may accept only a referral to itself that a linked centre made."""
    if refused := _linked_already(to, links):
        return refused
    if not links.referred(by=by, to=to):
        return LinkRefusal(
            RefusalKind.NO_REFERRAL,
            "no pending referral of this person from that centre to this one",
        )
    return None


def consent_refusal(*, through: str, to: str, links: PersonLinks) -> LinkRefusal | None:
    """The person's consent to a new link is recorded through a centre already linked (its
    staff on their behalf, or the person themself), never by the centre that gains it."""
    return recording_refusal(through, links) or _linked_already(to, links)


def _linked_already(centre_id: str, links: PersonLinks) -> LinkRefusal | None:
    if centre_id not in links.centres:
        return None
    return LinkRefusal(RefusalKind.ALREADY_LINKED, "the person is already linked to that centre")
