"""Which centres a person is linked to, how each link came to be, and what a centre may
record about them.

A centre is linked to a person by registering them (their home centre), by accepting a
referral from a centre already linked, or by the person's consent recorded through a
centre already linked. No centre can link itself: an admission, like every other fact,
needs the link first. So one centre alone can never take over another's person.

The person may withdraw a consent as easily as they gave it: a withdrawal ends every consent
to that centre dated on or before it. Links are derived from the facts that made and ended
them (`standing_links`), never edited, so they can be stored insert-only.
"""

from __future__ import annotations

from collections.abc import Iterable
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
class ConsentWithdrawal:
    centre_id: str  # the centre the consent was to
    withdrawn_on: date
    recorded_by: str | None = None


@dataclass(frozen=True)
class PersonLinks:
    """The links that stand (a centre may stand on more than one basis), the referrals made
    and the consents withdrawn."""

    person_id: str
    links: tuple[Link, ...]
    referrals: tuple[Referral, ...] = ()
    withdrawals: tuple[ConsentWithdrawal, ...] = ()

    @property
    def centres(self) -> frozenset[str]:
        return frozenset(link.centre_id for link in self.links)

    def pending(self) -> tuple[Referral, ...]:
        """Referrals not yet accepted (the centre referred to is not linked)."""
        return tuple(r for r in self.referrals if r.centre_id not in self.centres)

    def referred(self, *, by: str, to: str) -> bool:
        return any(r.referred_by == by and r.centre_id == to for r in self.pending())

    def consent_to(self, centre_id: str) -> Link | None:
        """The standing consent link to the centre, if any."""
        return next(
            (k for k in self.links if k.basis == "consent" and k.centre_id == centre_id), None
        )

    def last_withdrawal(self, centre_id: str) -> date | None:
        return max(
            (w.withdrawn_on for w in self.withdrawals if w.centre_id == centre_id), default=None
        )

    def withdrawn(self, withdrawal: ConsentWithdrawal) -> PersonLinks:
        """These links after one more withdrawal."""
        return standing_links(
            self.person_id, self.links, self.referrals, (*self.withdrawals, withdrawal)
        )


def standing_links(
    person_id: str,
    made: Iterable[Link],
    referrals: Iterable[Referral],
    withdrawals: Iterable[ConsentWithdrawal],
) -> PersonLinks:
    """The links that stand, from every link made and every consent withdrawn, in any order.
    A consent stands unless withdrawn on or after its day (on one day a withdrawal outweighs
    a consent, as eligibility reads it); every other basis stands for good. One link per
    centre and basis, the earliest; one referral per referring and referred centre, the
    latest (referring again replaces it)."""
    ended = tuple(withdrawals)
    standing: dict[tuple[str, str], Link] = {}
    for link in made:
        if link.basis == "consent" and _withdrawn(link, ended):
            continue
        basis = (link.centre_id, link.basis)
        if basis not in standing or _earlier(link, standing[basis]):
            standing[basis] = link
    latest: dict[tuple[str, str], Referral] = {}
    for referral in referrals:
        key = (referral.referred_by, referral.centre_id)
        if key not in latest or referral.referred_on >= latest[key].referred_on:
            latest[key] = referral
    return PersonLinks(person_id, tuple(standing.values()), tuple(latest.values()), ended)


def _withdrawn(consent: Link, withdrawals: tuple[ConsentWithdrawal, ...]) -> bool:
    return any(
        w.centre_id == consent.centre_id
        and (consent.linked_on is None or w.withdrawn_on >= consent.linked_on)
        for w in withdrawals
    )


def _earlier(link: Link, than: Link) -> bool:
    return (link.linked_on or date.min) < (than.linked_on or date.min)


class RefusalKind(StrEnum):
    NOT_LINKED = "not_linked"  # the centre recording it is not linked to the person
    NO_REFERRAL = "no_referral"  # accepting a referral nobody made
    ALREADY_LINKED = "already_linked"  # referring or consenting to a centre linked already
    NO_CONSENT = "no_consent"  # withdrawing a consent that does not stand
    CONSENT_DATE = "consent_date"  # a consent not after a withdrawal, or the other way round


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


def consent_date_refusal(*, to: str, on: date, links: PersonLinks) -> LinkRefusal | None:
    """A new consent is dated after the last withdrawal of consent to that centre, or the
    withdrawal would end it too."""
    withdrawn_on = links.last_withdrawal(to)
    if withdrawn_on is None or on > withdrawn_on:
        return None
    return LinkRefusal(
        RefusalKind.CONSENT_DATE,
        "the person withdrew consent to that centre on or after that day: a new consent must "
        "be dated after the withdrawal",
    )


def withdrawal_refusal(
    *, through: str, to: str, on: date, links: PersonLinks
) -> LinkRefusal | None:
    """Withdrawing a consent is recorded as giving it is, through a centre linked to the
    person (the consented centre too), and ends a consent that stands and is not later."""
    if refused := recording_refusal(through, links):
        return refused
    consent = links.consent_to(to)
    if consent is None:
        return LinkRefusal(
            RefusalKind.NO_CONSENT,
            "no consent of this person to a link to that centre stands: nothing to withdraw",
        )
    if consent.linked_on is not None and on < consent.linked_on:
        return LinkRefusal(
            RefusalKind.CONSENT_DATE,
            "a withdrawal cannot be dated before the consent it withdraws",
        )
    return None


def _linked_already(centre_id: str, links: PersonLinks) -> LinkRefusal | None:
    if centre_id not in links.centres:
        return None
    return LinkRefusal(RefusalKind.ALREADY_LINKED, "the person is already linked to that centre")
