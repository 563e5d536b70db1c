"""Contact routes: a person's (or a centre's) addresses, consent, quiet hours and language.

Addresses are returned only to their owner: the person themself, or a coordinator of the
centre. Ops may set and review a contact, and sees which channels are on file, not where
they lead. A webhook URL must lead to a public https endpoint; its signing secret is shown
once, in the answer to the PUT that issued it, and never again.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from peerlink_shared.auth import Role
from peerlink_shared.http import Caller, CentreId, PersonId, authorize, authorize_self
from peerlink_shared.http_errors import refusals
from peerlink_shared.person_access import PersonCaller

from peerlink_notifications.domain.contacts import RecipientKind
from peerlink_notifications.domain.webhook_addresses import WebhookRefused
from peerlink_notifications.entrypoints.contact_bodies import (
    WEBHOOK_REFUSED,
    ContactIn,
    ContactOut,
    ContactSaved,
)
from peerlink_notifications.service_layer.contacts import ContactKeeping

NO_CONTACT = refusals(404, _404="No contact details on file.")


def contacts_router(*, contacts: ContactKeeping) -> APIRouter:
    router = APIRouter(tags=["contacts"])

    async def show(kind: RecipientKind, recipient_id: str, *, owner: bool) -> ContactOut:
        contact = await contacts.find(kind, recipient_id)
        if contact is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no contact details on file")
        return ContactOut.of(contact, with_addresses=owner)

    async def save(kind: RecipientKind, recipient_id: str, body: ContactIn) -> ContactSaved:
        try:
            issued = await contacts.save(
                kind, recipient_id, body.to_contact(), rotate_secret=body.rotate_webhook_secret
            )
        except WebhookRefused as refused:
            raise webhook_refused(refused.reason) from None
        return ContactSaved(webhook_secret=issued)

    @router.put(
        "/persons/{person_id}/contact",
        response_model=ContactSaved,
        responses=WEBHOOK_REFUSED,
    )
    async def set_person_contact(
        person_id: PersonId, body: ContactIn, caller: PersonCaller
    ) -> ContactSaved:
        """Replaces the whole contact: a channel left out is removed."""
        authorize_self(caller, person_id=person_id)
        return await save("person", person_id, body)

    @router.get("/persons/{person_id}/contact", response_model=ContactOut, responses=NO_CONTACT)
    async def person_contact(person_id: PersonId, caller: PersonCaller) -> ContactOut:
        authorize_self(caller, person_id=person_id)
        return await show("person", person_id, owner=caller.role is Role.SUPPORTER)

    @router.put(
        "/centres/{centre_id}/contact",
        response_model=ContactSaved,
        responses=WEBHOOK_REFUSED,
    )
    async def set_centre_contact(
        centre_id: CentreId, body: ContactIn, caller: Caller
    ) -> ContactSaved:
        """Where the centre's coordinators hear of sessions it cannot staff."""
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        return await save("centre", centre_id, body)

    @router.get("/centres/{centre_id}/contact", response_model=ContactOut, responses=NO_CONTACT)
    async def centre_contact(centre_id: CentreId, caller: Caller) -> ContactOut:
        authorize(caller, centre_id=centre_id, roles={Role.COORDINATOR, Role.OPS})
        return await show("centre", centre_id, owner=caller.role is Role.COORDINATOR)

    return router


def webhook_refused(reason: str) -> HTTPException:
    """The 422 for a webhook URL that is not https to a host with only public addresses.

    A host that does not resolve gets the same answer as one that resolves inside a
    network, so the registrant cannot use us to learn which internal names exist.
    """
    if reason == "not_https":
        error_type, message = "webhook_not_https", "webhook_url must use https"
    else:
        error_type, message = (
            "webhook_address_refused",
            "webhook_url's host must resolve, and only to public internet addresses: "
            "loopback, private, link-local, unique-local, shared (CGNAT), multicast, "
            "reserved and cloud metadata addresses are refused",
        )
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"loc": ["body", "webhook_url"], "msg": message, "type": error_type}],
    )
