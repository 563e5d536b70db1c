"""Who may record what about a person, and the links that makes: a table per rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from peerlink_intake.domain.links import (
    ConsentWithdrawal,
    Link,
    LinkRefusal,
    PersonLinks,
    Referral,
    RefusalKind,
    standing_links,
)
from peerlink_intake.service_layer.fact_links import link_refusal, new_link
from peerlink_shared.contracts import (
    AdmissionRecorded,
    DischargeRecorded,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    NetworkSharingChanged,
    PersonFact,
    PersonRegistered,
    ReferralAccepted,
    ReferralMade,
    RelapseRecorded,
)

DAY = date(2026, 3, 1)
HOME, OTHER, THIRD = "north", "bay", "quay"
P = "p-1"
REGISTERED = PersonLinks(P, (Link(HOME, "home", DAY),))
REFERRED = PersonLinks(P, REGISTERED.links, (Referral(OTHER, HOME, DAY),))
ACCEPTED = PersonLinks(P, (*REGISTERED.links, Link(OTHER, "referral", DAY, referred_by=HOME)))
CONSENTED = PersonLinks(P, (*REGISTERED.links, Link(OTHER, "consent", DAY)))
LATER, EARLIER = DAY + timedelta(days=1), DAY - timedelta(days=1)
WITHDRAWN = CONSENTED.withdrawn(ConsentWithdrawal(OTHER, DAY))

admission_at = [AdmissionRecorded(person_id=P, centre_id=c, admitted_on=DAY) for c in (HOME, OTHER)]
relapse = RelapseRecorded(person_id=P, relapsed_on=DAY)
sharing = NetworkSharingChanged(person_id=P, sharing=True, changed_on=DAY)


def refer(by: str, to: str) -> ReferralMade:
    return ReferralMade(person_id=P, centre_id=to, referred_by_centre_id=by, referred_on=DAY)


def accept(by: str, to: str) -> ReferralAccepted:
    return ReferralAccepted(person_id=P, centre_id=to, referred_by_centre_id=by, accepted_on=DAY)


def consent(through: str, to: str) -> LinkConsentRecorded:
    return LinkConsentRecorded(
        person_id=P, centre_id=to, recorded_at_centre_id=through, consented_on=DAY
    )


def withdraw(through: str, to: str, on: date = DAY) -> LinkConsentWithdrawn:
    return LinkConsentWithdrawn(
        person_id=P, centre_id=to, recorded_at_centre_id=through, withdrawn_on=on
    )


def consent_on(on: date) -> LinkConsentRecorded:
    return LinkConsentRecorded(
        person_id=P, centre_id=OTHER, recorded_at_centre_id=HOME, consented_on=on
    )


NOT_LINKED, NO_REFERRAL, ALREADY, NO_CONSENT, CONSENT_DATE = (
    RefusalKind.NOT_LINKED,
    RefusalKind.NO_REFERRAL,
    RefusalKind.ALREADY_LINKED,
    RefusalKind.NO_CONSENT,
    RefusalKind.CONSENT_DATE,
)

RULES: list[tuple[str, PersonFact, str | None, PersonLinks, RefusalKind | None]] = [
    # case, fact, recorded through, the person's links, refusal
    ("home admits its own person", admission_at[0], HOME, REGISTERED, None),
    ("another centre admits them: a takeover", admission_at[1], OTHER, REGISTERED, NOT_LINKED),
    ("...over the clinic door too", admission_at[1], None, REGISTERED, NOT_LINKED),
    ("another centre records a relapse", relapse, OTHER, REGISTERED, NOT_LINKED),
    ("...even with a referral it has not accepted", relapse, OTHER, REFERRED, NOT_LINKED),
    ("the home centre records a relapse", relapse, HOME, REGISTERED, None),
    ("the clinic door, naming no centre", relapse, None, REGISTERED, None),
    (
        "a discharge at a centre not linked",
        DischargeRecorded(person_id=P, centre_id=OTHER, discharged_on=DAY),
        HOME,
        REGISTERED,
        NOT_LINKED,
    ),
    ("network sharing through a centre not linked", sharing, OTHER, REGISTERED, NOT_LINKED),
    ("home refers them on", refer(HOME, OTHER), HOME, REGISTERED, None),
    ("a centre not linked refers them", refer(OTHER, THIRD), OTHER, REGISTERED, NOT_LINKED),
    ("a referral to a centre linked already", refer(HOME, OTHER), HOME, ACCEPTED, ALREADY),
    ("a referral to oneself", refer(HOME, HOME), HOME, REGISTERED, ALREADY),
    ("accepting a referral made", accept(HOME, OTHER), OTHER, REFERRED, None),
    ("accepting a referral nobody made", accept(HOME, OTHER), OTHER, REGISTERED, NO_REFERRAL),
    ("accepting one made to another centre", accept(HOME, THIRD), THIRD, REFERRED, NO_REFERRAL),
    ("claiming another referrer", accept(THIRD, OTHER), OTHER, REFERRED, NO_REFERRAL),
    ("accepting twice", accept(HOME, OTHER), OTHER, ACCEPTED, ALREADY),
    ("after acceptance the new centre records", relapse, OTHER, ACCEPTED, None),
    ("...and admits", admission_at[1], OTHER, ACCEPTED, None),
    ("consent recorded through the home centre", consent(HOME, OTHER), HOME, REGISTERED, None),
    ("a centre records consent to itself", consent(OTHER, OTHER), OTHER, REGISTERED, NOT_LINKED),
    ("consent to a centre linked already", consent(HOME, OTHER), HOME, ACCEPTED, ALREADY),
    ("home withdraws a consent for the person", withdraw(HOME, OTHER), HOME, CONSENTED, None),
    ("...or the consented centre itself", withdraw(OTHER, OTHER), OTHER, CONSENTED, None),
    ("...on a later day", withdraw(HOME, OTHER, LATER), HOME, CONSENTED, None),
    ("a centre not linked withdraws", withdraw(THIRD, OTHER), THIRD, CONSENTED, NOT_LINKED),
    ("withdrawing a consent never given", withdraw(HOME, OTHER), HOME, REGISTERED, NO_CONSENT),
    ("...or one withdrawn already", withdraw(HOME, OTHER), HOME, WITHDRAWN, NO_CONSENT),
    ("...or a link by referral", withdraw(HOME, OTHER), HOME, ACCEPTED, NO_CONSENT),
    ("...or the home link", withdraw(HOME, HOME), HOME, CONSENTED, NO_CONSENT),
    (
        "a withdrawal before the consent",
        withdraw(HOME, OTHER, EARLIER),
        HOME,
        CONSENTED,
        CONSENT_DATE,
    ),
    ("the centre records after a withdrawal", relapse, OTHER, WITHDRAWN, NOT_LINKED),
    ("...and admits", admission_at[1], OTHER, WITHDRAWN, NOT_LINKED),
    ("consenting again, a day later", consent_on(LATER), HOME, WITHDRAWN, None),
    ("consenting again the day withdrawn", consent_on(DAY), HOME, WITHDRAWN, CONSENT_DATE),
]


@pytest.mark.parametrize(
    ("case", "fact", "through", "links", "refused"), RULES, ids=[r[0] for r in RULES]
)
def test_who_may_record_it(
    case: str,
    fact: PersonFact,
    through: str | None,
    links: PersonLinks,
    refused: RefusalKind | None,
) -> None:
    refusal = link_refusal(fact, at_centre=through, links=links)
    assert (refusal.kind if isinstance(refusal, LinkRefusal) else None) is refused, case
    if refusal is not None:
        assert P not in refusal.message  # a reason says what, never whose


def test_the_links_facts_make() -> None:
    registered = PersonRegistered(person_id=P, centre_id=HOME, registered_on=DAY)
    assert new_link(registered, recorded_by="c-1") == Link(HOME, "home", DAY, recorded_by="c-1")
    assert new_link(refer(HOME, OTHER), recorded_by="c-1") == Referral(
        OTHER, HOME, DAY, made_by="c-1"
    )
    assert new_link(accept(HOME, OTHER), recorded_by="c-2") == Link(
        OTHER, "referral", DAY, referred_by=HOME, recorded_by="c-2"
    )
    assert new_link(consent(HOME, OTHER), recorded_by=P) == Link(
        OTHER, "consent", DAY, recorded_by=P
    )
    for fact in (*admission_at, relapse, sharing):
        assert new_link(fact, recorded_by="c-1") is None


def test_an_accepted_referral_is_no_longer_pending() -> None:
    assert REFERRED.pending() == (Referral(OTHER, HOME, DAY),)
    both = PersonLinks(P, ACCEPTED.links, REFERRED.referrals)
    assert both.pending() == ()
    assert not both.referred(by=HOME, to=OTHER)


def test_a_withdrawal_makes_an_end_of_a_consent() -> None:
    assert new_link(withdraw(HOME, OTHER), recorded_by=P) == ConsentWithdrawal(
        OTHER, DAY, recorded_by=P
    )


def test_a_withdrawal_ends_the_consent_and_only_the_consent() -> None:
    assert WITHDRAWN.centres == {HOME}
    assert WITHDRAWN.withdrawals == (ConsentWithdrawal(OTHER, DAY),)
    referral = Link(OTHER, "referral", DAY, referred_by=HOME)
    both = PersonLinks(P, (*CONSENTED.links, referral))
    after = both.withdrawn(ConsentWithdrawal(OTHER, DAY))
    assert after.centres == {HOME, OTHER}  # the referral still links it
    assert {(link.centre_id, link.basis) for link in after.links} == {
        (HOME, "home"),
        (OTHER, "referral"),
    }


WITHDRAWALS: list[tuple[str, list[date], list[date], bool]] = [
    # case, consents' days, withdrawals' days, linked by consent
    ("a consent", [DAY], [], True),
    ("withdrawn the same day: the withdrawal outweighs it", [DAY], [DAY], False),
    ("withdrawn later", [DAY], [LATER], False),
    ("a withdrawal before the consent ends nothing", [DAY], [EARLIER], True),
    ("consented again after a withdrawal", [EARLIER, LATER], [DAY], True),
    ("a withdrawal with no consent", [], [DAY], False),
]


@pytest.mark.parametrize(
    ("case", "consents", "withdrawals", "linked"), WITHDRAWALS, ids=[w[0] for w in WITHDRAWALS]
)
def test_the_links_that_stand_whatever_the_order(
    case: str, consents: list[date], withdrawals: list[date], linked: bool
) -> None:
    made = [Link(HOME, "home", DAY), *(Link(OTHER, "consent", day) for day in consents)]
    ended = [ConsentWithdrawal(OTHER, day) for day in withdrawals]
    forwards = standing_links(P, made, (), ended)
    backwards = standing_links(P, reversed(made), (), reversed(ended))
    assert (OTHER in forwards.centres) is linked, case
    assert forwards.centres == backwards.centres
    assert len([link for link in forwards.links if link.centre_id == OTHER]) == int(linked)


def test_one_link_per_centre_and_basis_and_the_latest_referral() -> None:
    links = standing_links(
        P,
        [
            Link(HOME, "home", DAY),
            Link(HOME, "home", DAY),
            Link(OTHER, "consent", LATER),
            Link(OTHER, "consent", DAY),
        ],
        [Referral(THIRD, HOME, EARLIER), Referral(THIRD, HOME, DAY)],
        [],
    )
    # the earliest consent says how the link came to be; a duplicate is one link
    assert sorted((link.centre_id, link.linked_on) for link in links.links) == sorted(
        [(HOME, DAY), (OTHER, DAY)]
    )
    assert links.pending() == (Referral(THIRD, HOME, DAY),)
