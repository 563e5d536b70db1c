"""Intake's HTTP routes for how a person is linked to centres: referrals and their
acceptance, the person's consent to a link, their choice to be shared across the network,
and who may read the links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from peerlink_shared.http import CentreId, PersonId, authorize
from peerlink_shared.http_errors import refusals
from peerlink_shared.person_access import Audited, PersonCaller

from peerlink_intake.domain.erasure import Erased
from peerlink_intake.domain.links import PersonLinks, Referral
from peerlink_intake.entrypoints.fact_routes import add_fact_routes
from peerlink_intake.entrypoints.link_schemas import LinkOut, LinksOut, PendingReferralOut
from peerlink_intake.entrypoints.recording import PERSON_PATH, RECORDERS, is_self
from peerlink_intake.service_layer.ports import Persons
from peerlink_intake.service_layer.recording import FactRecording


def links_router(*, recording: FactRecording, persons: Persons) -> APIRouter:
    router = APIRouter(tags=["links"])

    add_fact_routes(router, recording=recording, tag="links")

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
            links = await persons.links_of(person_id)
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
        found = await persons.referrals_to(centre_id, limit=limit)
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
