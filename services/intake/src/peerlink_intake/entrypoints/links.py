"""Intake's HTTP routes for how a person is linked to centres: referrals and their
acceptance, the person's consent to a link, their choice to be shared across the network,
and who may read the links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from peerlink_shared.contracts import (
    LinkConsentRecorded,
    NetworkSharingChanged,
    ReferralAccepted,
    ReferralMade,
)
from peerlink_shared.http import CentreId, PersonId, authorize
from peerlink_shared.http_errors import refusals
from peerlink_shared.person_access import Audited, PersonCaller

from peerlink_intake.adapters.repository import IntakeRepository
from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import PersonLinks, Referral
from peerlink_intake.entrypoints.link_schemas import (
    LinkConsentIn,
    LinkOut,
    LinksOut,
    NetworkSharingIn,
    PendingReferralOut,
    ReferralAcceptanceIn,
    ReferralIn,
)
from peerlink_intake.entrypoints.recording import (
    PERSON_PATH,
    RECORDERS,
    FactRecording,
    IdempotencyKey,
    fact_route,
    is_self,
)
from peerlink_intake.entrypoints.schemas import RecordedOut


def links_router(*, recording: FactRecording, repository: IntakeRepository) -> APIRouter:
    router = APIRouter(tags=["links"])
    record = recording.record

    @fact_route(router, "referrals")
    async def refer(
        centre_id: CentreId,
        person_id: PersonId,
        body: ReferralIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """This centre, linked to the person, refers them to another; that centre is linked
        once it accepts."""
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = ReferralMade(
            person_id=person_id,
            centre_id=body.to_centre_id,
            referred_by_centre_id=centre_id,
            referred_on=body.referred_on,
        )
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "referral-acceptances")
    async def accept_referral(
        centre_id: CentreId,
        person_id: PersonId,
        body: ReferralAcceptanceIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """This centre accepts a pending referral to it: it is linked to the person."""
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = ReferralAccepted(
            person_id=person_id,
            centre_id=centre_id,
            referred_by_centre_id=body.referred_by_centre_id,
            accepted_on=body.accepted_on,
        )
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "link-consents")
    async def record_link_consent(
        centre_id: CentreId,
        person_id: PersonId,
        body: LinkConsentIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """The person's consent to be linked to another centre, recorded through this
        centre, already linked: by the person themself, or its staff on their behalf."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = LinkConsentRecorded(
            person_id=person_id,
            centre_id=body.to_centre_id,
            recorded_at_centre_id=centre_id,
            consented_on=body.consented_on,
        )
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @fact_route(router, "network-sharing")
    async def record_network_sharing(
        centre_id: CentreId,
        person_id: PersonId,
        body: NetworkSharingIn,
        caller: PersonCaller,
        key: IdempotencyKey = None,
    ) -> RecordedOut:
        """The person's choice to be offered across the network, or its withdrawal: by the
        person themself, or a linked centre's staff on their behalf."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        fact = NetworkSharingChanged(person_id=person_id, **body.model_dump())
        return await record(fact, centre_id=centre_id, caller=caller, key=key)

    @router.get(
        f"{PERSON_PATH}/links",
        response_model=LinksOut,
        responses=refusals(
            403,
            _403="This centre is not linked to the person, or the token may not read them here.",
        ),
    )
    async def read_links(
        centre_id: CentreId, person_id: PersonId, caller: PersonCaller
    ) -> LinksOut:
        """Every centre linked to the person and how each link came to be, for the staff of
        a linked centre (or the person themself)."""
        if not is_self(caller, person_id=person_id, centre_id=centre_id):
            authorize(caller, centre_id=centre_id, roles=RECORDERS)
        try:
            links = await repository.links_of(person_id)
        except Erased:
            links = None  # linked to no centre any more
        # One answer for an unknown person and one not linked here: the id tells nobody more.
        if links is None or centre_id not in links.centres:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "this person is not linked to this centre"
            )
        return _links_out(links)

    @router.get("/centres/{centre_id}/referrals", response_model=list[PendingReferralOut])
    async def pending_referrals(
        centre_id: CentreId,
        caller: PersonCaller,
        audited: Audited,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[PendingReferralOut]:
        """Referrals to this centre waiting for it to accept them."""
        authorize(caller, centre_id=centre_id, roles=RECORDERS)
        found = await repository.referrals_to(centre_id, limit=limit)
        audited.names(*(person_id for person_id, _ in found))
        return [_referral_out(person_id, referral) for person_id, referral in found]

    return router


def _links_out(links: PersonLinks) -> LinksOut:
    return LinksOut(
        person_id=links.person_id,
        links=[
            LinkOut(
                centre_id=link.centre_id,
                basis=link.basis,
                linked_on=link.linked_on,
                referred_by_centre_id=link.referred_by,
                recorded_by=link.recorded_by,
            )
            for link in sorted(links.links, key=lambda link: link.centre_id)
        ],
        pending_referrals=[_referral_out(links.person_id, r) for r in links.pending()],
    )


def _referral_out(person_id: str, referral: Referral) -> PendingReferralOut:
    return PendingReferralOut(
        person_id=person_id,
        centre_id=referral.centre_id,
        referred_by_centre_id=referral.referred_by,
        referred_on=referral.referred_on,
        made_by=referral.made_by,
    )
