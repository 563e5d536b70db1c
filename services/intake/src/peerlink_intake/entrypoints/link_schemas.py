"""Request and response bodies of intake's routes for links, referrals and sharing."""

from __future__ import annotations

import datetime as dt

from peerlink_shared.contracts.base import OPAQUE_ID_PATTERN
from peerlink_shared.web.inputs import IsoDate, StrictBool
from pydantic import BaseModel, Field

from peerlink_intake.domain.links import Basis
from peerlink_intake.entrypoints.schemas import Body


class ReferralIn(Body):
    to_centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["bay-house"])
    referred_on: IsoDate


class ReferralAcceptanceIn(Body):
    referred_by_centre_id: str = Field(pattern=OPAQUE_ID_PATTERN, examples=["north-house"])
    accepted_on: IsoDate


class LinkConsentIn(Body):
    to_centre_id: str = Field(
        pattern=OPAQUE_ID_PATTERN,
        description="The centre the person agrees to be linked to.",
        examples=["bay-house"],
    )
    consented_on: IsoDate


class LinkConsentWithdrawalIn(Body):
    from_centre_id: str = Field(
        pattern=OPAQUE_ID_PATTERN,
        description="The centre the person consented to be linked to, and no longer does.",
        examples=["bay-house"],
    )
    withdrawn_on: IsoDate


class NetworkSharingIn(Body):
    # Strict: a consent is true or false, never "yes" or 1.
    sharing: StrictBool = Field(
        description="True: the person may be offered as a supporter across the network "
        "(other centres see only eligible / not yet / from date); false: withdrawn."
    )
    changed_on: IsoDate


class LinkOut(BaseModel):
    centre_id: str
    basis: Basis = Field(
        description="home: registered the person; referral: accepted a referral; consent: "
        "the person consented (until they withdraw it); admission: linked by an admission "
        "before referrals existed. A centre linked on two bases has an entry for each; "
        "withdrawing the consent leaves the other."
    )
    linked_on: dt.date | None
    referred_by_centre_id: str | None = Field(description="The referring centre (referral).")
    recorded_by: str | None = Field(
        description="Who registered them, accepted the referral or recorded the consent."
    )


class PendingReferralOut(BaseModel):
    person_id: str
    centre_id: str = Field(description="The centre referred to.")
    referred_by_centre_id: str
    referred_on: dt.date
    made_by: str | None


class LinksOut(BaseModel):
    person_id: str
    links: list[LinkOut]
    pending_referrals: list[PendingReferralOut]
