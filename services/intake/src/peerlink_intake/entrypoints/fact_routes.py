"""Every route that records a fact about a person, from one table: its path, body, the
contract it becomes and who may record it. Each is the same endpoint: authorize, build the
contract, record it through the one pipeline."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from fastapi import APIRouter
from peerlink_shared.contracts import (
    AdmissionRecorded,
    BackgroundCheckCleared,
    CentreFact,
    CravingCheckInRecorded,
    DischargeRecorded,
    LinkConsentRecorded,
    LinkConsentWithdrawn,
    NetworkSharingChanged,
    PersonFact,
    ProgrammeEnded,
    ReferralAccepted,
    ReferralMade,
    RelapseRecorded,
    SobrietyMilestoneRecorded,
    TrainingCompleted,
    VolunteeringChanged,
)
from peerlink_shared.security.auth import Principal
from peerlink_shared.web.http import CentreId, PersonId, authorize
from peerlink_shared.web.person_access import PersonCaller
from pydantic import BaseModel

from peerlink_intake.entrypoints.link_schemas import (
    LinkConsentIn,
    LinkConsentWithdrawalIn,
    NetworkSharingIn,
    ReferralAcceptanceIn,
    ReferralIn,
)
from peerlink_intake.entrypoints.recording import (
    RECORDERS,
    IdempotencyKey,
    fact_route,
    is_self,
    record,
)
from peerlink_intake.entrypoints.schemas import (
    AdmissionIn,
    BackgroundCheckIn,
    CheckInIn,
    DischargeIn,
    MilestoneIn,
    ProgrammeEndIn,
    RecordedOut,
    RelapseIn,
    TrainingIn,
    VolunteeringIn,
)
from peerlink_intake.service_layer.recording import FactRecording

Tag = Literal["intake", "links"]
Body = TypeVar("Body", bound=BaseModel)
Endpoint = Callable[..., Awaitable[RecordedOut]]
# Makes the fact from the path's centre and person and the request's body.
Contract = Callable[[str, str, BaseModel], PersonFact]


@dataclass(frozen=True)
class FactRoute(Generic[Body]):
    """`POST /centres/{centre_id}/persons/{person_id}/<path>`: `contract` makes the fact
    from the path's centre and person and the body. `self_may`: the person may record it
    themself; else only the centre's recorders. `name` and `doc` become the operation's id,
    summary and description."""

    name: str
    path: str
    body: type[Body]
    contract: Callable[[str, str, Body], PersonFact]
    tag: Tag
    self_may: bool = False
    doc: str | None = None

    def endpoint(self, recording: FactRecording) -> Endpoint:
        async def endpoint(
            centre_id: str, person_id: str, body: Body, caller: Principal, key: str | None = None
        ) -> RecordedOut:
            if not (self.self_may and is_self(caller, person_id=person_id, centre_id=centre_id)):
                authorize(caller, centre_id=centre_id, roles=RECORDERS)
            fact = self.contract(centre_id, person_id, body)
            return await record(recording, fact, centre_id=centre_id, caller=caller, key=key)

        endpoint.__name__ = endpoint.__qualname__ = self.name
        endpoint.__doc__ = self.doc
        # FastAPI reads the parameters from the signature: the body model is this row's.
        endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                _parameter("centre_id", CentreId),
                _parameter("person_id", PersonId),
                _parameter("body", self.body),
                _parameter("caller", PersonCaller),
                _parameter("key", IdempotencyKey, default=None),
            ],
            return_annotation=RecordedOut,
        )
        return endpoint


class Registrable(Protocol):
    @property
    def tag(self) -> Tag: ...

    def endpoint(self, recording: FactRecording) -> Endpoint: ...

    @property
    def path(self) -> str: ...


def centre_fact(contract: type[CentreFact]) -> Contract:
    """A fact about the person's stay at the path's centre, the body's fields as they are."""
    return lambda centre, person, body: contract(
        person_id=person, centre_id=centre, **body.model_dump()
    )


def person_fact(contract: type[PersonFact]) -> Contract:
    """A fact about the person alone, the body's fields as they are."""
    return lambda centre, person, body: contract(person_id=person, **body.model_dump())


FACT_ROUTES: tuple[Registrable, ...] = (
    FactRoute(
        "record_admission", "admissions", AdmissionIn, centre_fact(AdmissionRecorded), "intake"
    ),
    FactRoute(
        "record_programme_end",
        "programme-ends",
        ProgrammeEndIn,
        centre_fact(ProgrammeEnded),
        "intake",
    ),
    FactRoute(
        "record_discharge", "discharges", DischargeIn, centre_fact(DischargeRecorded), "intake"
    ),
    FactRoute(
        "record_milestone",
        "sobriety-milestones",
        MilestoneIn,
        person_fact(SobrietyMilestoneRecorded),
        "intake",
    ),
    FactRoute("record_relapse", "relapses", RelapseIn, person_fact(RelapseRecorded), "intake"),
    FactRoute(
        "record_check_in",
        "craving-check-ins",
        CheckInIn,
        person_fact(CravingCheckInRecorded),
        "intake",
        self_may=True,
        doc="A supporter may report their own check-in; coordinators may record it for them.",
    ),
    FactRoute(
        "record_volunteering",
        "volunteering",
        VolunteeringIn,
        person_fact(VolunteeringChanged),
        "intake",
        self_may=True,
        doc="A supporter may change their own consent; coordinators may record it for them.",
    ),
    FactRoute("record_training", "trainings", TrainingIn, person_fact(TrainingCompleted), "intake"),
    FactRoute(
        "record_background_check",
        "background-checks",
        BackgroundCheckIn,
        person_fact(BackgroundCheckCleared),
        "intake",
    ),
    FactRoute(
        "refer",
        "referrals",
        ReferralIn,
        lambda c, p, body: ReferralMade(
            person_id=p,
            centre_id=body.to_centre_id,
            referred_by_centre_id=c,
            referred_on=body.referred_on,
        ),
        "links",
        doc="This centre, linked to the person, refers them to another; that centre is "
        "linked\nonce it accepts.",
    ),
    FactRoute(
        "accept_referral",
        "referral-acceptances",
        ReferralAcceptanceIn,
        lambda c, p, body: ReferralAccepted(
            person_id=p,
            centre_id=c,
            referred_by_centre_id=body.referred_by_centre_id,
            accepted_on=body.accepted_on,
        ),
        "links",
        doc="This centre accepts a pending referral to it: it is linked to the person.",
    ),
    FactRoute(
        "record_link_consent",
        "link-consents",
        LinkConsentIn,
        lambda c, p, body: LinkConsentRecorded(
            person_id=p,
            centre_id=body.to_centre_id,
            recorded_at_centre_id=c,
            consented_on=body.consented_on,
        ),
        "links",
        self_may=True,
        doc="The person's consent to be linked to another centre, recorded through this\n"
        "centre, already linked: by the person themself, or its staff on their behalf.",
    ),
    FactRoute(
        "withdraw_link_consent",
        "link-consent-withdrawals",
        LinkConsentWithdrawalIn,
        lambda c, p, body: LinkConsentWithdrawn(
            person_id=p,
            centre_id=body.from_centre_id,
            recorded_at_centre_id=c,
            withdrawn_on=body.withdrawn_on,
        ),
        "links",
        self_may=True,
        doc="The person withdraws their consent to a link (as easily as they gave it),\n"
        "recorded through a centre linked to them: by the person themself, or its staff on\n"
        "their behalf. That centre is no longer linked by consent; a link on another basis\n"
        "(home, referral) stays. 409 when no consent to that centre stands.",
    ),
    FactRoute(
        "record_network_sharing",
        "network-sharing",
        NetworkSharingIn,
        person_fact(NetworkSharingChanged),
        "links",
        self_may=True,
        doc="The person's choice to be offered across the network, or its withdrawal: by the\n"
        "person themself, or a linked centre's staff on their behalf.",
    ),
)


def add_fact_routes(router: APIRouter, *, recording: FactRecording, tag: Tag) -> None:
    """Adds the table's routes of this tag, in the table's order."""
    for row in FACT_ROUTES:
        if row.tag == tag:
            fact_route(router, row.path)(row.endpoint(recording))


def _parameter(
    name: str, annotation: object, *, default: object = inspect.Parameter.empty
) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=annotation, default=default
    )
