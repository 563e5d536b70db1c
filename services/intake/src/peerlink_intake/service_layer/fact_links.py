"""Which link rule applies to which fact, and the link a recorded fact makes: one meaning
for the HTTP and Kafka doors."""

from __future__ import annotations

from peerlink_shared.contracts import (
    CentreFact,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    PersonFact,
    PersonRegistered,
    ReferralAccepted,
    ReferralMade,
)

from peerlink_intake.domain.links import (
    ConsentWithdrawal,
    Link,
    LinkRefusal,
    PersonLinks,
    Referral,
    acceptance_refusal,
    consent_date_refusal,
    consent_refusal,
    recording_refusal,
    referral_refusal,
    withdrawal_refusal,
)


def link_refusal(
    fact: PersonFact, *, at_centre: str | None, links: PersonLinks
) -> LinkRefusal | None:
    """Why the fact may not be recorded through `at_centre`, or None when it may. None for
    `at_centre`: the door cannot name the centre (the clinic door, for a fact that names
    none), and only a fact that names its centre is held to it."""
    match fact:
        case ReferralMade():
            return referral_refusal(by=fact.referred_by_centre_id, to=fact.centre_id, links=links)
        case ReferralAccepted():
            return acceptance_refusal(by=fact.referred_by_centre_id, to=fact.centre_id, links=links)
        case LinkConsentRecorded():
            return consent_refusal(
                through=fact.recorded_at_centre_id, to=fact.centre_id, links=links
            ) or consent_date_refusal(to=fact.centre_id, on=fact.consented_on, links=links)
        case LinkConsentWithdrawn():
            return withdrawal_refusal(
                through=fact.recorded_at_centre_id,
                to=fact.centre_id,
                on=fact.withdrawn_on,
                links=links,
            )
        case CentreFact():
            # An admission too: a centre cannot bring another centre's person in by
            # admitting them; a referral or the person's consent links it first.
            return recording_refusal(fact.centre_id, links)
    return None if at_centre is None else recording_refusal(at_centre, links)


def named_centre(fact: PersonFact) -> str | None:
    """The centre a fact names, which must be registered."""
    match fact:
        case (
            CentreFact()
            | ReferralMade()
            | ReferralAccepted()
            | LinkConsentRecorded()
            | LinkConsentWithdrawn()
        ):
            return fact.centre_id
    return None


def new_link(
    fact: PersonFact, *, recorded_by: str | None
) -> Link | Referral | ConsentWithdrawal | None:
    """The link, pending referral or end of a consent a recorded fact makes; None for every
    other fact."""
    match fact:
        case PersonRegistered():
            return Link(fact.centre_id, "home", fact.registered_on, recorded_by=recorded_by)
        case ReferralMade():
            return Referral(
                fact.centre_id, fact.referred_by_centre_id, fact.referred_on, made_by=recorded_by
            )
        case ReferralAccepted():
            return Link(
                fact.centre_id,
                "referral",
                fact.accepted_on,
                referred_by=fact.referred_by_centre_id,
                recorded_by=recorded_by,
            )
        case LinkConsentRecorded():
            return Link(fact.centre_id, "consent", fact.consented_on, recorded_by=recorded_by)
        case LinkConsentWithdrawn():
            return ConsentWithdrawal(fact.centre_id, fact.withdrawn_on, recorded_by=recorded_by)
    return None
