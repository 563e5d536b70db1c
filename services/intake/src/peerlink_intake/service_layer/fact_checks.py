"""Which coherence checks apply to which fact: one meaning for the HTTP and Kafka doors."""

from __future__ import annotations

from datetime import date

from peerlink_shared.contracts import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CravingCheckInRecorded,
    DischargeRecorded,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    NetworkSharingChanged,
    PersonFact,
    PersonRegistered,
    ProgrammeEnded,
    ReferralAccepted,
    ReferralMade,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)

from peerlink_intake.domain.checks import (
    FactProblem,
    milestone_problems,
    not_in_future,
    validity_problems,
)


def fact_problems(fact: PersonFact, *, today: date) -> list[FactProblem]:
    match fact:
        case AdmissionRecorded():
            return not_in_future("admitted_on", fact.admitted_on, today)
        case ProgrammeEnded():
            return not_in_future("ended_on", fact.ended_on, today)
        case DischargeRecorded():
            return not_in_future("discharged_on", fact.discharged_on, today)
        case SobrietyMilestoneRecorded():
            return milestone_problems(
                sober_since=fact.sober_since,
                days=fact.days,
                recorded_on=fact.recorded_on,
                today=today,
            )
        case RelapseRecorded():
            return not_in_future("relapsed_on", fact.relapsed_on, today)
        case CravingCheckInRecorded():
            return not_in_future("checked_on", fact.checked_on, today)
        case VolunteeringChanged():
            return not_in_future("changed_on", fact.changed_on, today)
        case TrainingCompleted():
            return validity_problems(
                start_field="completed_on",
                start=fact.completed_on,
                expires_on=fact.expires_on,
                today=today,
            )
        case BackgroundCheckCleared():
            return validity_problems(
                start_field="cleared_on",
                start=fact.cleared_on,
                expires_on=fact.expires_on,
                today=today,
            )
        case PersonRegistered():
            return not_in_future("registered_on", fact.registered_on, today)
        case ReferralMade():
            return not_in_future("referred_on", fact.referred_on, today)
        case ReferralAccepted():
            return not_in_future("accepted_on", fact.accepted_on, today)
        case LinkConsentRecorded():
            return not_in_future("consented_on", fact.consented_on, today)
        case LinkConsentWithdrawn():
            return not_in_future("withdrawn_on", fact.withdrawn_on, today)
        case NetworkSharingChanged():
            return not_in_future("changed_on", fact.changed_on, today)
    return []
