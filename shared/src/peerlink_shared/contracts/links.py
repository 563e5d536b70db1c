"""How a person came to be linked to centres, and what they chose to share: facts on
person-events, keyed by person id like every other fact about them.

A centre may record facts about a person only while linked to them. A link comes from
registration (the home centre), from a referral the receiving centre accepted, or from the
person's own consent. Consumers take the linked centres from `PersonRegistered`,
`ReferralAccepted` and `LinkConsentRecorded`: each names the newly linked centre as
`centre_id`. `LinkConsentWithdrawn` ends the consent links to its `centre_id` dated on or
before it: the centre is no longer linked unless it is linked some other way too (home,
referral).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import Field

from peerlink_shared.contracts.fields import OpaqueId
from peerlink_shared.contracts.person import PersonFact


class PersonRegistered(PersonFact):
    """A centre issued the person's pseudonymous id: their home centre, linked from now on."""

    TYPE: ClassVar[str] = "peerlink.person.registered"

    centre_id: OpaqueId = Field(description="The home centre.", examples=["north-house"])
    registered_on: dt.date


class ReferralMade(PersonFact):
    """A centre linked to the person referred them to another; no link until it accepts."""

    TYPE: ClassVar[str] = "peerlink.person.referral-made"

    centre_id: OpaqueId = Field(description="The centre referred to.", examples=["bay-house"])
    referred_by_centre_id: OpaqueId = Field(
        description="The referring centre, linked to the person.", examples=["north-house"]
    )
    referred_on: dt.date


class ReferralAccepted(PersonFact):
    """The centre referred to accepted the referral: it is linked to the person from now on."""

    TYPE: ClassVar[str] = "peerlink.person.referral-accepted"

    centre_id: OpaqueId = Field(
        description="The accepting centre, now linked.", examples=["bay-house"]
    )
    referred_by_centre_id: OpaqueId = Field(examples=["north-house"])
    accepted_on: dt.date


class LinkConsentRecorded(PersonFact):
    """The person consented to be linked to a centre, recorded through a centre already
    linked to them (by its staff on their behalf, or by the person themself)."""

    TYPE: ClassVar[str] = "peerlink.person.link-consent-recorded"

    centre_id: OpaqueId = Field(description="The centre now linked.", examples=["bay-house"])
    recorded_at_centre_id: OpaqueId = Field(
        description="The linked centre through which the consent was recorded.",
        examples=["north-house"],
    )
    consented_on: dt.date


class LinkConsentWithdrawn(PersonFact):
    """The person withdrew their consent to be linked to a centre (GDPR Art. 7(3)), recorded
    through a centre linked to them (by its staff on their behalf, or by the person
    themself). It ends every consent to that centre dated on or before `withdrawn_on`; a
    link that also stands on registration or an accepted referral stays."""

    TYPE: ClassVar[str] = "peerlink.person.link-consent-withdrawn"

    centre_id: OpaqueId = Field(
        description="The centre the consent was to; no longer linked by consent.",
        examples=["bay-house"],
    )
    recorded_at_centre_id: OpaqueId = Field(
        description="The linked centre through which the withdrawal was recorded.",
        examples=["north-house"],
    )
    withdrawn_on: dt.date


class NetworkSharingChanged(PersonFact):
    """The person's choice to be offered as a supporter across the network; revocable. A
    centre not linked to them sees them only while this is true, and only their standing."""

    TYPE: ClassVar[str] = "peerlink.person.network-sharing-changed"

    sharing: bool = Field(description="True: may be offered network-wide; false: withdrawn.")
    changed_on: dt.date
